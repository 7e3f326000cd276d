"""The Charter service, the one door the CLI and the UI use: its listing of the
store, whole statements put back together from their passages, the stats, and
that it may be shared between threads without a lock of the caller's own."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import SEEDS, charter_with_store, stored_statements, waie_records

from assistant.service import Charter
from core.model import Statement, StatementSummary

QUERIES = ["AI safety red lines", "international cooperation on AI governance", "human-centric AI principles",
           "global public good", "security of AI systems", "What does China propose?"]

LONG_TEXT = " ".join(
    f"Sentence {i} of the long statement says that frontier developers must report incident number {i} to the "
    f"regulator within {i + 2} days, and that the regulator publishes a summary." for i in range(40)
)


def _long_statement_file(folder: Path) -> Path:
    path = folder / "long.jsonl"
    record = {"id": "long-1", "text": LONG_TEXT, "author": "Org <Long>", "document": "Incident Rules",
              "date": "2031-02-03", "section": "Part 9", "url": "https://example.org/rules", "note": "kept"}
    short = {"text": "AI must be fair.", "author": "Short Body", "document": "Fairness", "date": "2030"}
    path.write_text(json.dumps(record) + "\n" + json.dumps(short) + "\n", encoding="utf-8")
    return path


def test_statements_lists_each_stored_statement_once_with_its_passages(seeded_store):
    charter = seeded_store.charter
    listing = charter.statements()
    stored = stored_statements(seeded_store.store)
    assert all(isinstance(s, StatementSummary) for s in listing)
    assert sorted(s.id for s in listing) == sorted(stored) and len(listing) == len(SEEDS) + len(waie_records())
    assert sum(s.passages for s in listing) == seeded_store.store.count()
    for s in listing:
        meta = stored[s.id]
        assert (s.author, s.document, s.date, s.lang, s.passages) == (  # WAIE statements may have no date
            meta["author"], meta["document"], meta.get("date", ""), meta["lang"], meta["passages"])
        assert s.year == str(meta.get("year", "n.d.")) and s.section == (meta.get("section") or "")
    keys = [(s.author.casefold(), s.date, s.document, s.section) for s in listing]
    assert keys == sorted(keys)
    assert charter.statements() is listing  # cached while the store is unchanged


def test_statement_is_stitched_whole_from_its_passages(tmp_path, store_factory, settings_factory):
    store = store_factory(settings_factory(chunk_chars=400, chunk_overlap=80))
    charter = charter_with_store(store)
    source = _long_statement_file(tmp_path)
    report = charter.ingest([source], progress=False)
    assert report.ok, report.errors
    parsed, _ = charter.parse([source])
    original = next(st for st in parsed if st.id == "long-1")

    listing = {s.id: s for s in charter.statements()}
    assert listing["long-1"].passages > 3, "the long statement must be split for this test to mean anything"
    got = charter.statement("long-1")
    assert isinstance(got, Statement)
    assert got.text == original.text == LONG_TEXT
    assert (got.id, got.author, got.document, got.date, got.section, got.url, got.source, got.line) == (
        "long-1", "Org <Long>", "Incident Rules", "2031-02-03", "Part 9", "https://example.org/rules",
        original.source, 1)
    assert got.extra == {"note": "kept"}
    assert charter.statement("no-such-statement") is None

    # the listing follows the store: a file added later shows up at once
    more = tmp_path / "more.jsonl"
    more.write_text(json.dumps({"id": "later-1", "text": "Later text.", "author": "Later Org"}) + "\n",
                    encoding="utf-8")
    before = charter.statements()
    charter.ingest([more], progress=False)
    after = charter.statements()
    assert "later-1" not in {s.id for s in before} and "later-1" in {s.id for s in after}
    assert charter.statement("later-1").text == "Later text."


def test_stats_count_what_the_store_holds(seed_store):
    charter = seed_store.charter
    data = charter.stats()
    assert data["statements"] == len(SEEDS) and data["passages"] == seed_store.store.count()
    assert data["embedding_model"] == seed_store.store.embedder.model_id
    assert sum(data["authors"].values()) == len(SEEDS)
    assert data["authors"]["IDAIS (International Dialogues on AI Safety)"] == 4
    assert data["years"] == {"2024": 2, "2023": 3, "2018": 1}
    assert charter.location == str(seed_store.settings.store.path)
    catalog = charter.catalog()
    assert (catalog.statements, catalog.passages) == (data["statements"], data["passages"])


def _fingerprint(result) -> tuple:
    return (result.abstain, [(p.id, round(p.score, 9)) for p in result.passages])


def test_concurrent_searches_match_sequential_ones(seeded_store):
    sequential = seeded_store.charter
    expected = {q: _fingerprint(sequential.search(q, k=4)) for q in QUERIES}

    shared: Charter = seeded_store.charter  # fresh: its index is built by whichever thread comes first
    jobs = QUERIES * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda q: (q, _fingerprint(shared.search(q, k=4))), jobs))
    assert len(results) == len(jobs)
    for query, got in results:
        assert got == expected[query], query
    assert shared.retriever is shared.retriever  # built once, whatever the threads did


def test_concurrent_answers_and_listings_match_sequential_ones(seeded_store):
    sequential = seeded_store.charter
    expected = {q: sequential.answer(q).text for q in QUERIES[:3]}
    listing = [s.id for s in sequential.statements()]

    shared = seeded_store.charter
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda q: (q, shared.answer(q).text), QUERIES[:3] * 2))
        listings = list(pool.map(lambda _: [s.id for s in shared.statements()], range(4)))
    assert all(text == expected[q] for q, text in answers)
    assert all(ids == listing for ids in listings)
