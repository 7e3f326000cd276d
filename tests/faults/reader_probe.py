"""A concurrent reader for the crash tests: polls a store until told to stop and records every time it
sees a statement that is not whole (some of its passages missing, or a version no clean ingest stores).

    python reader_probe.py STORE_FOLDER_OR_URL EXPECTED.json STOP_FILE OUT.json

Reads as Charter's searches do: every non-retired row (``get``), and a vector query with retired rows
dropped.  A read that fails (the writer died mid-call, the server is down) is counted, not judged.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import chromadb
import numpy as np


def client_for(where: str):
    settings = chromadb.Settings(anonymized_telemetry=False)
    if where.startswith("http"):
        host, port = where.split("//")[1].split(":")
        return chromadb.HttpClient(host=host, port=int(port), settings=settings)
    return chromadb.PersistentClient(path=where, settings=settings)


def main() -> None:
    where, expected_file, stop, out = sys.argv[1:5]
    expected: dict[str, str] = json.loads(Path(expected_file).read_text())
    whole: dict[str, set[str]] = {}
    for pid in expected:
        whole.setdefault(pid.rsplit(":", 1)[0], set()).add(pid)
    reads = errors = queries = 0
    violations: list[str] = []
    rng = np.random.default_rng(0)
    while not Path(stop).exists():
        try:
            collection = client_for(where).get_collection("charter")
            got = collection.get(include=["metadatas"])
            rows = {i: m for i, m in zip(got["ids"], got["metadatas"]) if not m.get("retired")}
            seen: dict[str, set[str]] = {}
            for pid, meta in rows.items():
                seen.setdefault(str(meta["statement_id"]), set()).add(pid)
                if expected.get(pid) != meta.get("fingerprint"):
                    violations.append(f"{pid}: a version no clean ingest stores")
            for sid, pids in seen.items():
                if pids != whole.get(sid):
                    violations.append(f"{sid}: {len(pids)} of {len(whole.get(sid, ()))} passages visible")
            reads += 1
            if rows:
                dim = len(collection.get(ids=[next(iter(rows))], include=["embeddings"])["embeddings"][0])
                hits = collection.query(query_embeddings=[rng.standard_normal(dim).astype(np.float32)],
                                        n_results=10, include=["metadatas"])
                for pid, meta in zip(hits["ids"][0], hits["metadatas"][0]):
                    if not meta.get("retired") and expected.get(pid) != meta.get("fingerprint"):
                        violations.append(f"{pid}: served by a search, not in a clean ingest")
                queries += 1
        except Exception:  # noqa: BLE001 - a failed read is counted; only what a read returns is judged
            errors += 1
        time.sleep(0.2)
    Path(out).write_text(json.dumps({"reads": reads, "queries": queries, "errors": errors,
                                     "violations": violations[:50], "violation_count": len(violations)}))


if __name__ == "__main__":
    main()
