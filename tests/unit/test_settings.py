"""Settings: one flat name per setting (env, kwargs, TOML), read in code from its group."""

from __future__ import annotations

import pytest

from assistant.settings import Settings, flat_names


def test_flat_names_reach_their_groups(monkeypatch, tmp_path):
    monkeypatch.setenv("CHARTER_TOP_K", "8")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("CHARTER_CONFIG", str(tmp_path / "none.toml"))
    s = Settings(store=tmp_path / "s", fusion_second=0.5, llm_backend="none")
    assert s.store.path == tmp_path / "s"
    assert s.retrieval.top_k == 8
    assert s.retrieval.fusion.second == 0.5
    assert s.llm.base_url == "http://127.0.0.1:9/v1" and not s.llm.enabled


def test_toml_takes_flat_keys_and_group_tables(monkeypatch, tmp_path):
    config = tmp_path / "charter.toml"
    config.write_text('top_k = 4\n[answer]\nsummary_k = 11\n[retrieval.fusion]\nyear = 3.0\n', encoding="utf-8")
    monkeypatch.setenv("CHARTER_CONFIG", str(config))
    monkeypatch.delenv("CHARTER_TOP_K", raising=False)
    s = Settings()
    assert (s.retrieval.top_k, s.answer.summary_k, s.retrieval.fusion.year) == (4, 11, 3.0)
    assert s.k_for("summary") == 11 and s.k_for("ask") == 4 and s.k_for("compare") == s.answer.compare_k


def test_keyword_beats_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CHARTER_TOP_K", "8")
    monkeypatch.setenv("CHARTER_CONFIG", str(tmp_path / "none.toml"))
    assert Settings(top_k=2).retrieval.top_k == 2


def test_replaced_changes_by_flat_name_and_refuses_unknown_names(tmp_path):
    s = Settings(store=tmp_path, openai_api_key="sk-1", top_k=3)
    t = s.replaced(openai_api_key=None, top_k=9)
    assert t.llm.api_key is None and t.retrieval.top_k == 9 and t.store.path == tmp_path
    assert s.llm.api_key is not None and s.retrieval.top_k == 3  # the original is unchanged
    with pytest.raises(KeyError, match="no_such"):
        s.replaced(no_such=1)


def test_invalid_values_are_refused(tmp_path):
    with pytest.raises(ValueError, match="top_k"):
        Settings(store=tmp_path, top_k=0)


def test_every_setting_has_a_unique_flat_name_and_a_description():
    names = flat_names()
    assert len(names) == len(set(names))
    s = Settings()
    for name in names:
        assert name in s.masked()
    from assistant.settings import GROUPS

    for group in GROUPS.values():
        for field, info in group.model_fields.items():
            assert info.description, f"{group.__name__}.{field} has no description"


def test_masked_hides_secrets(tmp_path):
    s = Settings(store=tmp_path, openai_api_key="sk-secret-123", auth="me:pw")
    shown = str(s.masked())
    assert "sk-secret-123" not in shown and "me:pw" not in shown and "****" in shown
