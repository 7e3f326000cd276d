"""assistant.index.sync: ingestion that is idempotent, incremental, prunes only when
asked, and survives bad input without losing or duplicating what is stored.

The embedders are the real default models wrapped to count what they are asked
to embed (tests/conftest.py: RecordingEmbedder); each re-run opens a new Store
on the same folder, as a new `charter ingest` process would."""

from __future__ import annotations

import codecs
import json
import os
from collections import Counter
from pathlib import Path

import pytest
from conftest import SEED_NAME, assert_seed_statements, stored_statements

from assistant.index.sync import ingest

JAPAN = "Cabinet Office, Government of Japan"


def passage_ids(store) -> set[str]:
    return {p.id for p in store.all_passages()}


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def texts_by_author(store) -> Counter:
    return Counter((m.get("author"), m["text"]) for m in stored_statements(store).values())


# ------------------------------------------------------------------- first run, re-run


def test_ingest_stores_the_seed_statements(store_factory, corpus_copy):
    store = store_factory()
    report = ingest(store, [corpus_copy], progress=False)
    assert report.ok and report.files_read == 1
    assert (report.statements, report.added, report.unchanged, report.updated) == (6, 6, 0, 0)
    assert report.passages_embedded == store.count() == len(store.embedder.texts) == len(store.second.texts)
    assert_seed_statements(store, corpus_copy / SEED_NAME)


def test_rerun_on_unchanged_files_adds_and_embeds_nothing(store_factory, corpus_copy):
    first = store_factory()
    ingest(first, [corpus_copy], progress=False)
    before = passage_ids(first)

    again = store_factory(first.settings)
    report = ingest(again, [corpus_copy], progress=False)
    assert (report.added, report.updated, report.removed, report.passages_embedded) == (0, 0, 0, 0)
    assert report.unchanged == 6 and report.ok
    assert again.embedder.calls == 0 and again.second.calls == 0, "a re-run must not embed anything"
    assert passage_ids(again) == before


def test_two_stores_from_the_same_files_hold_the_same_ids(store_factory, settings_factory, corpus_copy, tmp_path):
    a = store_factory(settings_factory(store=tmp_path / "a"))
    b = store_factory(settings_factory(store=tmp_path / "b"))
    ingest(a, [corpus_copy], progress=False)
    ingest(b, [corpus_copy], progress=False)
    ingest(b, [corpus_copy], progress=False)
    assert passage_ids(a) == passage_ids(b) and len(passage_ids(a)) == a.count()


# -------------------------------------------------------------------------- updates


def test_reworded_statement_replaces_its_old_version(store_factory, corpus_copy):
    store = store_factory()
    ingest(store, [corpus_copy], progress=False)
    before = stored_statements(store)
    (old_id,) = [sid for sid, m in before.items() if m["author"] == JAPAN]

    file = corpus_copy / SEED_NAME
    text = file.read_text(encoding="utf-8")
    old = "Society must also pay attention to risk management"
    new = "Society must also pay close attention to risk management"
    assert text.count(old) == 1
    file.write_text(text.replace(old, new), encoding="utf-8")

    again = store_factory(store.settings)
    report = ingest(again, [corpus_copy], progress=False)
    assert (report.added, report.updated, report.unchanged, report.removed) == (0, 1, 5, 0)
    after = stored_statements(again)
    assert old_id not in after, "the old version must be gone"
    assert len(after) == len(before)
    (japan,) = [m for m in after.values() if m["author"] == JAPAN]
    assert new in japan["text"] and japan["section"] == "(4) Security" and japan["date"] == "2018-12-27"
    # only the changed statement was embedded
    assert report.passages_embedded == japan["passages"] == len(again.embedder.texts)
    assert all(new in t or "Cabinet Office" in t for t in again.embedder.texts)


def test_corrected_statement_with_a_source_id_is_replaced(store_factory, tmp_path):
    """Sources that give ids (JSON Lines, CSV) keep the id when a text is corrected."""
    long_text = " ".join(f"Sentence number {i} says that AI systems must be accountable." for i in range(60))
    file = write_jsonl(tmp_path / "s.jsonl", [
        {"id": "s1", "text": long_text, "author": "A", "document": "D"},
        {"id": "s2", "text": "AI must be fair.", "author": "B", "document": "E"},
    ])
    store = store_factory(second_view="none")
    ingest(store, [file], progress=False)
    assert len(store.get_statement("s1")) > 1

    write_jsonl(file, [
        {"id": "s1", "text": "AI must be accountable.", "author": "A", "document": "D"},
        {"id": "s2", "text": "AI must be fair.", "author": "B", "document": "E", "url": "https://example.org/e"},
    ])
    again = store_factory(store.settings)
    report = ingest(again, [file], progress=False)
    assert (report.added, report.updated, report.unchanged) == (0, 2, 0)
    s1 = again.get_statement("s1")
    assert [p.id for p in s1] == ["s1:0"] and s1[0].text == "AI must be accountable.", \
        "no chunk of the old text may stay"
    assert again.get_statement("s2")[0].meta["url"] == "https://example.org/e"
    assert passage_ids(again) == {"s1:0", "s2:0"}

    third = store_factory(store.settings)
    assert ingest(third, [file], progress=False).unchanged == 2 and third.embedder.calls == 0


def test_moved_statement_gets_its_new_line_without_re_embedding(store_factory, tmp_path):
    file = write_jsonl(tmp_path / "s.jsonl", [{"text": "AI must be fair.", "author": "A"},
                                              {"text": "AI must be safe.", "author": "B"}])
    store = store_factory(second_view="none")
    ingest(store, [file], progress=False)
    file.write_text("\n\n" + file.read_text(encoding="utf-8"), encoding="utf-8")
    again = store_factory(store.settings)
    report = ingest(again, [file], progress=False)
    assert report.unchanged == 2 and report.passages_embedded == 0 and again.embedder.calls == 0
    assert sorted(m["line"] for m in stored_statements(again).values()) == [3, 4]


# -------------------------------------------------------------------------- removals


def _remove_first_oxford_statement(file: Path) -> None:
    """Drop the first of the two IDAIS Oxford statements (text + its attribution lines)."""
    text = file.read_text(encoding="utf-8")
    block = text[text.index('"Coordinated global action') : text.index("· (4) Security")]
    assert "IDAIS 牛津" in block and "Positive utilization" not in block
    file.write_text(text.replace(block, ""), encoding="utf-8")


def test_statement_gone_from_its_file_is_removed_only_with_prune(store_factory, corpus_copy):
    store = store_factory()
    ingest(store, [corpus_copy], progress=False)
    before = stored_statements(store)
    (gone_id,) = [sid for sid, m in before.items() if m["text"].startswith('"Coordinated')]
    _remove_first_oxford_statement(corpus_copy / SEED_NAME)

    kept = store_factory(store.settings)
    report = ingest(kept, [corpus_copy], progress=False)
    assert (report.added, report.updated, report.removed, report.stale_kept) == (0, 0, 0, 1)
    assert set(stored_statements(kept)) == set(before), "without --prune nothing is removed"
    assert "--prune" in report.summary()

    pruned = store_factory(store.settings)
    report = ingest(pruned, [corpus_copy], prune=True, progress=False)
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 1, 5)
    after = stored_statements(pruned)
    assert set(after) == set(before) - {gone_id}
    # the other Oxford statement (same author, document and section) is still there
    assert [m["text"][:20] for m in after.values() if m["document"] == "IDAIS 牛津"] == ["Reaching adequate sa"]
    assert pruned.embedder.calls == 0


def test_new_statement_before_a_similar_one_keeps_both(store_factory, tmp_path):
    """Keys count occurrences of author+document+section: a statement inserted in
    front must not be taken for a new version of the ones after it."""
    same = {"author": "A", "document": "D"}
    file = write_jsonl(tmp_path / "s.jsonl",
                       [{"text": "First statement.", **same}, {"text": "Second statement.", **same}])
    store = store_factory(second_view="none")
    ingest(store, [file], progress=False)
    write_jsonl(file, [{"text": "Inserted statement.", **same}, {"text": "First statement.", **same},
                       {"text": "Second statement.", **same}])
    again = store_factory(store.settings)
    report = ingest(again, [file], prune=True, progress=False)
    assert (report.added, report.updated, report.unchanged, report.removed) == (1, 0, 2, 0)
    assert sorted(m["text"] for m in stored_statements(again).values()) == [
        "First statement.", "Inserted statement.", "Second statement."]


def test_file_left_without_statements_is_emptied_only_with_prune(store_factory, tmp_path):
    file = tmp_path / "s.csv"
    file.write_text("text,author\nAI must be fair.,A\nAI must be safe.,B\n", encoding="utf-8")
    store = store_factory(second_view="none")
    ingest(store, [file], progress=False)
    file.write_text("text,author\n", encoding="utf-8")
    report = ingest(store_factory(store.settings), [file], progress=False)
    assert report.ok and (report.statements, report.stale_kept, report.removed) == (0, 2, 0)
    report = ingest(store_factory(store.settings), [file], prune=True, progress=False)
    assert report.removed == 2 and store.count() == 0


def test_deleted_file_is_removed_only_with_prune(store_factory, corpus_copy):
    extra = write_jsonl(corpus_copy / "extra.jsonl", [{"text": "AI must be fair.", "author": "A"},
                                                      {"text": "AI must be safe.", "author": "B"}])
    store = store_factory()
    ingest(store, [corpus_copy], progress=False)
    assert len(stored_statements(store)) == 8
    extra.unlink()

    report = ingest(store_factory(store.settings), [corpus_copy], progress=False)
    assert report.removed == 0 and len(stored_statements(store)) == 8

    pruned = store_factory(store.settings)
    report = ingest(pruned, [corpus_copy], prune=True, progress=False)
    assert report.removed == 2 and report.unchanged == 6
    remaining = stored_statements(pruned)
    assert len(remaining) == 6
    assert {m["source"] for m in remaining.values()} == {str((corpus_copy / SEED_NAME).resolve())}


def test_renamed_file_loses_nothing_with_prune(store_factory, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    records = [{"id": "r1", "text": "AI must be fair.", "author": "A"},
               {"id": "r2", "text": "AI must be safe.", "author": "B"}]
    write_jsonl(folder / "old.jsonl", records)
    store = store_factory(second_view="none")
    ingest(store, [folder], progress=False)
    (folder / "old.jsonl").rename(folder / "new.jsonl")

    again = store_factory(store.settings)
    report = ingest(again, [folder], prune=True, progress=False)
    assert (report.unchanged, report.removed, report.passages_embedded) == (2, 0, 0)
    stored = stored_statements(again)
    assert set(stored) == {"r1", "r2"}
    assert {m["source"] for m in stored.values()} == {str((folder / "new.jsonl").resolve())}


def test_same_ids_in_two_files_are_stored_once(store_factory, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.jsonl", "b.jsonl"):
        write_jsonl(folder / name, [{"id": "dup", "text": "AI must be fair.", "author": "A"}])
    store = store_factory(second_view="none")
    report = ingest(store, [folder], progress=False)
    assert report.ok and report.added == 1 and store.count() == 1
    (warning,) = report.warnings
    assert "b.jsonl:1" in warning and "a.jsonl" in warning
    report = ingest(store_factory(store.settings), [folder], prune=True, progress=False)
    assert report.unchanged == 1 and report.removed == 0 and store.count() == 1


# ------------------------------------------------------------------------- bad input


GOOD = [{"text": "AI systems must be transparent.", "author": "Good Org", "document": "Good Principles",
         "date": "2020"},
        {"text": "AI systems must respect privacy.", "author": "Good Org", "document": "Good Principles",
         "date": "2020"}]
CHINESE = "人工智能系统应当安全、可靠、可控。"


def _bad_files(folder: Path) -> dict[str, tuple[Path, int | None]]:
    """Write files that cannot (fully) be read: name -> (path, line the error must name)."""
    bad: dict[str, tuple[Path, int | None]] = {}

    def put(name: str, data: bytes, line: int | None = None) -> None:
        (folder / name).write_bytes(data)
        bad[name] = (folder / name, line)

    put("image.jsonl", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    put("empty.jsonl", b"")
    put("blank.md", b"  \n\n\t\n")
    put("utf16.txt", "AI must be fair.\nAI must be safe.\n".encode("utf-16-le"))
    put("damaged.md", "# Title\n\nCafé société.\n".encode() + b"AI must be \xff fair. Na\xc3\xafve caf\xc3\xa9.\n", 4)
    put("truncated.jsonl", (json.dumps({"text": "A statement that is complete.", "author": "T"}) + "\n"
                            + '{"text": "A statement cut in the mid').encode("utf-8"), 2)
    put("array.jsonl", json.dumps([{"text": "x"}]).encode("utf-8"), 1)
    put("no_text.csv", b"author,document\nA,B\n", 1)
    os.symlink(folder / "missing-target.jsonl", folder / "dangling.jsonl")
    bad["dangling.jsonl"] = (folder / "dangling.jsonl", None)
    if hasattr(os, "getuid") and os.getuid() != 0:  # root reads anything
        put("locked.jsonl", json.dumps({"text": "locked"}).encode())
        os.chmod(folder / "locked.jsonl", 0)
    return bad


def test_bad_files_are_reported_and_nothing_stored_is_lost_or_duplicated(store_factory, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_jsonl(folder / "good.jsonl", GOOD)
    store = store_factory(second_view="none")
    assert ingest(store, [folder], progress=False).ok
    before = passage_ids(store)

    # new good files next to bad ones
    (folder / "more.csv").write_text("text,author,document\nAI must be accountable.,Other Org,Other Doc\n",
                                     encoding="utf-8")
    gbk_line = json.dumps({"text": CHINESE, "author": "中文机构"}, ensure_ascii=False) + "\n"
    (folder / "gbk.jsonl").write_bytes(gbk_line.encode("gbk"))
    bad = _bad_files(folder)

    again = store_factory(store.settings)
    report = ingest(again, [folder], prune=True, progress=False)
    assert not report.ok
    for path, line in bad.values():
        where = f"{path}:{line}:" if line else str(path)
        assert any(e.startswith(where) for e in report.errors), f"no error names {where}: {report.errors}"
    for name in ("good.jsonl", "more.csv"):
        assert not any(name in e for e in report.errors)

    after = stored_statements(again)
    assert before <= passage_ids(again), "a stored statement was lost"
    assert max(texts_by_author(again).values()) == 1, "a statement is stored twice"
    texts = {m["text"] for m in after.values()}
    assert {"AI must be accountable.", "A statement that is complete."} <= texts
    gbk_rejected = any(e.startswith(str(folder / "gbk.jsonl")) for e in report.errors)
    assert gbk_rejected or CHINESE in texts, "a GBK file must load with its exact text or be rejected by name"
    assert report.unchanged == len(GOOD)
    assert report.passages_embedded == len(passage_ids(again) - before) == len(again.embedder.texts)

    # and a third run over the same mix changes nothing
    third = store_factory(store.settings)
    report = ingest(third, [folder], prune=True, progress=False)
    assert not report.ok and report.passages_embedded == 0 and third.embedder.calls == 0
    assert passage_ids(third) == passage_ids(again)


def test_utf16_with_bom_and_utf8_bom_files_load(store_factory, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    rows = "text,author\n" + CHINESE + ",机构\n"
    (folder / "u16.csv").write_bytes(codecs.BOM_UTF16_LE + rows.encode("utf-16-le"))
    (folder / "u8.jsonl").write_bytes(codecs.BOM_UTF8
                                      + json.dumps({"text": "AI must be fair.", "author": "A"}).encode())
    store = store_factory(second_view="none")
    report = ingest(store, [folder], progress=False)
    assert report.ok, report.errors
    assert sorted(m["text"] for m in stored_statements(store).values()) == sorted([CHINESE, "AI must be fair."])


def test_file_with_a_bad_line_keeps_that_statement_even_with_prune(store_factory, tmp_path):
    file = write_jsonl(tmp_path / "s.jsonl", [{"id": "k1", "text": "AI must be fair.", "author": "A"},
                                              {"id": "k2", "text": "AI must be safe.", "author": "B"}])
    store = store_factory(second_view="none")
    ingest(store, [file], progress=False)
    lines = file.read_text(encoding="utf-8").splitlines()
    file.write_text(lines[0] + "\n" + lines[1][:25] + "\n", encoding="utf-8")  # second line damaged

    again = store_factory(store.settings)
    report = ingest(again, [file], prune=True, progress=False)
    assert not report.ok and any(e.startswith(f"{file}:2:") for e in report.errors)
    assert report.removed == 0 and set(stored_statements(again)) == {"k1", "k2"}


def test_missing_path_is_an_error_and_the_other_paths_still_load(store_factory, tmp_path):
    good = write_jsonl(tmp_path / "good.jsonl", GOOD)
    missing = tmp_path / "nope.jsonl"
    unsupported = tmp_path / "notes.docx"
    unsupported.write_bytes(b"PK\x03\x04")
    store = store_factory(second_view="none")
    report = ingest(store, [missing, good, unsupported], progress=False)
    assert not report.ok and report.added == len(GOOD)
    assert any(e.startswith(str(missing)) for e in report.errors)
    assert any(e.startswith(str(unsupported)) and "unsupported" in e for e in report.errors)


def test_a_failing_file_leaves_its_stored_statements_alone(store_factory, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    file = write_jsonl(folder / "s.jsonl", GOOD)
    store = store_factory(second_view="none")
    ingest(store, [folder], progress=False)
    before = passage_ids(store)
    file.write_bytes(b"\x00\x01binary now")
    again = store_factory(store.settings)
    report = ingest(again, [folder], prune=True, progress=False)
    assert not report.ok and report.removed == 0 and report.files_read == 0
    assert passage_ids(again) == before


@pytest.mark.slow
def test_waie_statements_all_load_and_a_second_run_embeds_nothing(waie_ingest, recording_embedders, capsys):
    from assistant.index.store import Store

    first, second = waie_ingest.numbers(waie_ingest.first), waie_ingest.numbers(waie_ingest.second)
    assert waie_ingest.first.returncode == 0, waie_ingest.first.stderr[-2000:]
    expected = sum(1 for line in waie_ingest.file.read_text(encoding="utf-8").splitlines() if line.strip())
    assert first["statements found"] == first["added"] == expected == 1455
    assert first["passages embedded"] >= expected
    assert waie_ingest.second.returncode == 0
    assert (second["added"], second["updated"], second["removed"], second["passages embedded"]) == (0, 0, 0, 0)
    assert second["unchanged"] == expected

    # read back: every statement, by its source id, with its citation
    main, extra = recording_embedders(waie_ingest.settings)
    store = Store(waie_ingest.settings, main, extra)
    stored = stored_statements(store)
    records = [json.loads(line) for line in waie_ingest.file.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert set(stored) == {r["id"] for r in records}
    for r in records[::97]:
        m = stored[r["id"]]
        assert (m["text"], m["author"], m["document"], m.get("section")) == \
            (r["text"], r["author"], r["document"], r["section"])
    assert {p.id for p in store.all_passages()} == waie_ingest.ids_after_first

    # a third run, in process: the embedders are not even asked
    report = ingest(store, [waie_ingest.file], progress=False)
    assert report.unchanged == expected and main.calls == 0 and extra.calls == 0
    with capsys.disabled():
        print(f"\n[waie] first ingest: {first['passages embedded']:.0f} passages in {waie_ingest.first_seconds:.1f} s "
              f"wall ({first.get('passages/s', 0):.1f} passages/s reported); second run {second['time']:.1f} s")
