"""What retrieval, ingestion and the UI need from a passage store.

``store.ChromaStore`` implements it (embedded on disk or a ``chroma run``
server); ``tests/integration/test_store_contract.py`` is the suite every
implementation must pass.  Filters arrive as ``core.model.Filters`` and each
implementation translates them into its own query language in one place: no
caller builds a store query, and none filters rows itself.

Ingestion writes a file all or nothing through ``stage`` -> ``commit`` (or
``discard_staged``), and starts with ``recover``: a store guarantees that any
crash point leaves each statement's old or new version visible, never both and
never neither, and that staged rows are never read (``store.py`` says how Chroma
does it without transactions).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: importing the protocol loads no model code
    import numpy as np

    from assistant.index.embedders import CharterEmbeddings
    from assistant.index.rows import StoredPassage
    from assistant.settings import Settings
    from core.model import Filters, PassageRecord, Statement


class Store(Protocol):
    """A collection of passages with their vectors (and, optionally, a second view's)."""

    settings: Settings
    embedder: CharterEmbeddings
    second: CharterEmbeddings | None  # the second embedding view's model, if any

    @property
    def location(self) -> str:
        """Where the store lives (a folder or a server URL), for messages."""

    @property
    def generation(self) -> int:
        """Bumped on every write, so in-memory indexes (BM25) know to rebuild."""

    @property
    def has_second_view(self) -> bool:
        """Whether the store keeps second-view vectors."""

    @property
    def lock_file(self) -> Path:
        """The file whose lock serialises ingests into this store (``assistant.index.lock``)."""

    def count(self) -> int: ...

    def reset(self) -> None:
        """Drop everything stored (``--rebuild``)."""

    # ---- writes
    def add(self, records: list[PassageRecord], *, second_only: bool = False) -> None:
        """Upsert passages by id (idempotent); ``second_only`` fills only the second view."""

    def delete_statements(self, statement_ids: Iterable[str]) -> None: ...

    def delete_passages(self, ids: Iterable[str]) -> None: ...

    def relocate(self, statements: list[Statement]) -> None:
        """Rewrite where stored statements were read (source, line, key), keeping their vectors."""

    # ---- staged writes: one file all or nothing
    def stage(self, records: list[PassageRecord]) -> None:
        """Embed and write passages where no read sees them, until ``commit``."""

    def commit(self, replaces: dict[str, list[str]], drop: list[str]) -> None:
        """Make every staged statement visible, each replacing its stored version and the
        statement ids ``replaces`` lists for it, then delete ``drop``."""

    def discard_staged(self) -> None:
        """Drop everything staged and not committed (the file rolled back)."""

    def recover(self) -> str:
        """Finish or discard what a dead run left staged; says which ("" when nothing)."""

    # ---- reads for ingestion
    def existing_ids(self, ids: list[str], *, second: bool = False) -> set[str]: ...

    def statement_states(self, statement_ids: list[str]) -> dict[str, dict[str, Any]]:
        """statement_id -> metadata of its first passage, for the statements stored."""

    def passage_ids(self, statement_ids: list[str]) -> set[str]: ...

    def statements_of_source(self, source: str) -> dict[str, str]:
        """statement_id -> key of what the store holds from one file."""

    def sources(self, *, besides: Sequence[str] = ()) -> set[str]:
        """The files stored passages were read from; rows of the files ``besides`` are not read."""

    # ---- reads for retrieval and browsing
    def iter_metadatas(self) -> Iterator[dict[str, Any]]: ...

    def all_passages(self) -> list[StoredPassage]:
        """Every row, in id order."""

    def get_statement(self, statement_id: str) -> list[StoredPassage]:
        """The passages of one statement, in chunk order."""

    def passages(self, ids: list[str]) -> list[StoredPassage]:
        """The rows of these ids, in the order asked (unknown ids left out)."""

    @property
    def stamp(self) -> str | None:
        """Changes with every write (None where the store keeps none): persisted derived data checks it."""

    @property
    def local_folder(self) -> Path:
        """A folder on this machine where data derived from the store may be persisted."""

    def query(self, query_vector: np.ndarray, k: int, filters: Filters | None = None, *,
              within: Sequence[str] | None = None,
              within_vectors: np.ndarray | None = None) -> list[tuple[StoredPassage, float]]:
        """The ``k`` nearest rows matching ``filters`` (or, when given, among the ids ``within``: a filter
        the caller answered itself), with cosine similarity, best first.  ``within_vectors``: the stored
        vectors of ``within``, row for row, when the caller already holds them (they are then compared
        directly instead of searched in the index)."""

    def ids_matching(self, filters: Filters | None) -> set[str]:
        """Ids of every row matching ``filters``: the same filter ``query`` applies."""

    def vectors(self, ids: list[str], *, second: bool = False) -> dict[str, np.ndarray]: ...

    def sample_vectors(self, n: int, *, second: bool = False) -> np.ndarray:
        """Up to ``n`` stored vectors, to calibrate scores per query."""
