"""The read-side cache of stored rows (assistant/index/row_cache.py): bounded, emptied by a new content
stamp, and never refilled by a read that a write overtook."""

from __future__ import annotations

from assistant.index.row_cache import LRUByKey, RowCache


def test_the_least_recently_used_entry_goes_first():
    lru: LRUByKey[int] = LRUByKey(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # "a" is now the most recent
    lru.put("c", 3)
    assert (lru.get("a"), lru.get("b"), lru.get("c")) == (1, None, 3)
    assert len(lru) == 2


def test_ids_are_read_once_until_the_stamp_changes():
    stamp = ["s1"]
    reads: list[list[str]] = []

    def fetch(ids: list[str]) -> dict[str, str]:
        reads.append(ids)
        return {i: f"row {i}" for i in ids if i != "gone"}

    cache: RowCache[str] = RowCache(10, lambda: stamp[0])
    assert cache.lookup(["a", "b", "gone"], fetch) == {"a": "row a", "b": "row b"}
    assert cache.lookup(["b", "c", "a"], fetch) == {"a": "row a", "b": "row b", "c": "row c"}
    assert reads == [["a", "b", "gone"], ["c"]]
    stamp[0] = "s2"  # another process wrote to the store
    cache.lookup(["a"], fetch)
    assert reads[-1] == ["a"]
    cache.clear()  # this process writes
    cache.lookup(["a"], fetch)
    assert reads[-1] == ["a"] and len(reads) == 4


def test_a_read_overtaken_by_a_write_is_not_kept():
    cache: RowCache[str] = RowCache(10, lambda: "s")

    def fetch_during_a_write(ids: list[str]) -> dict[str, str]:
        cache.clear()  # a write lands while Chroma is being read
        return {i: "old version" for i in ids}

    assert cache.lookup(["a"], fetch_during_a_write) == {"a": "old version"}
    assert cache.lookup(["a"], lambda ids: {i: "new version" for i in ids}) == {"a": "new version"}
