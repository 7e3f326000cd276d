"""One ingest at a time per store: a kernel file lock with the holder named.

Why ``fcntl.flock`` on a file rather than an ``O_EXCL`` lock file: the kernel
releases a flock when its process dies, however it dies (SIGKILL included), so
a stale lock cannot exist and nothing has to guess whether a pid is dead (a pid
check is wrong across hosts and racy when two waiters both "recover" the same
stale file).  The holder writes who it is (pid, host, start time, command) into
the locked file, so a second ingest can say whom it waits for; a dead holder's
note is simply overwritten by the next one.  Where the file lives is the
store's choice (``Store.lock_file``): the store folder when embedded, a file
per server and collection in the local store folder in server mode (Chroma has
no compare-and-set to build a lock on the server, so ingests serialise per
machine there).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO


class IngestLocked(Exception):
    """Another ingest holds the store's lock (and did not release it in time)."""

    def __init__(self, holder: str, path: Path):
        super().__init__(f"another ingest is writing to this store ({holder}); lock file {path}")
        self.holder = holder


def describe_holder(text: str) -> str:
    """The note a holder left, as words: "pid 123 on host h since 2024-05-01 10:00:00 (charter ingest x)"."""
    try:
        note = json.loads(text)
    except ValueError:
        return "holder unknown"
    since = datetime.fromtimestamp(float(note.get("since", 0))).strftime("%Y-%m-%d %H:%M:%S")
    return f"pid {note.get('pid')} on {note.get('host')} since {since} ({note.get('command', '?')})"


def _try_lock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def ingest_lock(path: Path, *, wait: float = 0.0, on_wait: Callable[[str], None] | None = None,
                poll: float = 0.5) -> Iterator[None]:
    """Hold the ingest lock of ``path`` for the block; wait up to ``wait`` seconds for another
    holder (``on_wait`` hears once whom it waits for), then raise ``IngestLocked``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        deadline = time.monotonic() + wait
        told = False
        while not _try_lock(handle):
            handle.seek(0)
            holder = describe_holder(handle.read())
            if time.monotonic() >= deadline:
                raise IngestLocked(holder, path)
            if on_wait and not told:
                on_wait(f"waiting for another ingest to finish: {holder}")
                told = True
            time.sleep(poll)
        try:
            handle.seek(0)
            handle.truncate()
            note = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time(),
                    "command": " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))[:200]}
            handle.write(json.dumps(note))
            handle.flush()
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
