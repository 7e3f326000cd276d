"""Rows and vectors a process has already read from an embedded store, kept for the next query.

Chroma answers a nearest-neighbour query in about 2 ms with ids and distances alone, and in 13-20 ms when
it also returns 60 rows' texts and metadata: reading rows costs about 0.17 ms each, more than the search.
Questions asked of one store meet the same passages again and again (the well-known statements of a topic),
so the store asks Chroma for ids and distances and takes the rows it has already seen from here.

A cached row must never outlive its stored version: every write clears the cache (``clear``, called by the
store before and after it writes), and a write by another process is seen through the store's content
stamp, which every write changes (``ChromaStore.stamp``), compared at each read.  A fetch that began
before a clear does not put its rows back (``epoch``).  Bounded: the least recently used entries go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class LRUByKey(Generic[V]):
    """A bounded map, least recently used entries dropped first."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._items: OrderedDict[str, V] = OrderedDict()

    def get(self, key: str) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: str, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class RowCache(Generic[V]):
    """``fetch(ids) -> {id: value}`` for the ids not cached, the rest from memory.

    ``stamp``: the store's content stamp, read at each lookup; a change empties the cache."""

    def __init__(self, capacity: int, stamp: Callable[[], str | None]):
        self._items: LRUByKey[V] = LRUByKey(capacity)
        self._stamp = stamp
        self._seen_stamp: str | None = None
        self._lock = threading.Lock()
        self.epoch = 0  # bumped by every clear
        self.hits = 0
        self.misses = 0

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.epoch += 1

    def lookup(self, ids: list[str], fetch: Callable[[list[str]], dict[str, V]]) -> dict[str, V]:
        """Each id's value (ids the store does not hold are left out)."""
        stamp = self._stamp()
        with self._lock:
            if stamp != self._seen_stamp:
                self._items.clear()
                self.epoch += 1
                self._seen_stamp = stamp
            epoch = self.epoch
            found: dict[str, V] = {}
            for pid in ids:
                value = self._items.get(pid)
                if value is not None:
                    found[pid] = value
            missing = [pid for pid in dict.fromkeys(ids) if pid not in found]
            self.hits += len(found)
            self.misses += len(missing)
        if missing:
            fetched = fetch(missing)
            with self._lock:
                if epoch == self.epoch:  # no write cleared the cache while Chroma was read
                    for pid, value in fetched.items():
                        self._items.put(pid, value)
            found.update(fetched)
        return found
