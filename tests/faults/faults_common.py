"""Helpers shared by the fault tests: what a clean ingest stores, what a reader in another process
sees, and a `chroma run` server these tests may kill and restart (the session's shared one must not be)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from assistant.index.rows import content_fingerprint
from assistant.index.sync import IngestReport, parse_files
from assistant.settings import Settings
from ingest.splitting import split_statement

BIN = Path(sys.executable).parent


def clean_ingest(paths: list[Path]) -> dict[str, str]:
    """passage id -> content fingerprint that a clean ingest of ``paths`` stores (parsed here, nothing embedded)."""
    settings = Settings(store=Path("unused"))
    parsed = parse_files(paths, IngestReport())
    return {p.id: content_fingerprint(st) for _, sts in parsed for st in sts
            for p in split_statement(st, settings.embedding.chunk_chars, settings.embedding.chunk_overlap)}


_VISIBLE = (
    "import chromadb, json, sys\n"
    "where, collection = sys.argv[1], sys.argv[2]\n"
    "s = chromadb.Settings(anonymized_telemetry=False)\n"
    "if where.startswith('http'):\n"
    "    host, port = where.split('//')[1].split(':')\n"
    "    client = chromadb.HttpClient(host=host, port=int(port), settings=s)\n"
    "else:\n"
    "    client = chromadb.PersistentClient(path=where, settings=s)\n"
    "got = client.get_collection(collection).get(include=['metadatas'])\n"
    "print(json.dumps({i: m.get('fingerprint') for i, m in zip(got['ids'], got['metadatas'])"
    " if not m.get('retired')}))\n"
)


def visible(where: str | Path, collection: str = "charter") -> dict[str, str]:
    """passage id -> fingerprint of every row a reader in another process sees (a folder or a server URL;
    a server is read from here: its client holds nothing open)."""
    if str(where).startswith("http"):
        import chromadb

        host, port = str(where).split("//")[1].split(":")
        client = chromadb.HttpClient(host=host, port=int(port), settings=chromadb.Settings(anonymized_telemetry=False))
        got = client.get_collection(collection).get(include=["metadatas"])
        return {i: m.get("fingerprint") for i, m in zip(got["ids"], got["metadatas"]) if not m.get("retired")}
    out = subprocess.run([sys.executable, "-c", _VISIBLE, str(where), collection], capture_output=True, text=True,
                         check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ChromaServer:
    """A `chroma run` server of this test's own, on a fixed port and folder, so it can be killed and restarted."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> ChromaServer:
        log = (self.folder / "server.log").open("ab")
        self.proc = subprocess.Popen([str(BIN / "chroma"), "run", "--path", str(self.folder / "data"), "--host",
                                      "127.0.0.1", "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited: {(self.folder / 'server.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2) as reply:
                    if reply.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("chroma run gave no heartbeat in 60 s")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None
