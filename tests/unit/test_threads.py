"""Thread settings the embedders set for the process (assistant/index/embedders/threads.py)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO, clean_env

from assistant.index.embedders.threads import USER_VARIABLES

PROBE = ("import json, threadpoolctl, assistant.index.embedders as e;"
         "print(json.dumps([i['num_threads'] for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas']))")


def blas_threads(**extra: str) -> list[int]:
    env = {k: v for k, v in clean_env().items() if k not in USER_VARIABLES}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, env={**env, **extra}, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def test_numpy_blas_runs_on_one_thread_unless_the_user_sets_it():
    threads = blas_threads()
    assert threads and set(threads) == {1}
    assert set(blas_threads(OPENBLAS_NUM_THREADS="2")) == {2}


def test_the_second_view_uses_two_blas_threads_only_for_large_batches():
    from assistant.index.embedders.use import USEEmbeddings

    model = USEEmbeddings()
    model.embed_array(["one question"], is_query=True)
    assert model._model._model.threads == 1
    model.embed_array([f"passage {i}" for i in range(model.batch_threads_from)], is_query=False)
    assert model._model._model.threads == 2
