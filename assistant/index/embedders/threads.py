"""NumPy's BLAS threads: one, unless the user asks for more.

After a multi-threaded BLAS call, OpenBLAS keeps its worker threads spinning for a while.  On 2 cores that
spin takes the cores from the next e5 query, which runs on its own OpenMP threads: one e5 query took 58-63 ms
right after a 2-thread USE query or a 2-thread 3,000 x 384 product, and 23-28 ms after the same work on one
BLAS thread (which was also faster itself: 4.4 against 7.8 ms for USE, 0.6 against 5.1 ms for the product).
Query-time products are small, so one thread loses nothing there; the second view's large batches at ingest
ask for more threads for their own duration (``use.py``).
"""

from __future__ import annotations

import os

#: the variables by which a user sets BLAS threads themselves; when one is set, Charter leaves it alone
USER_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> bool:
    """Limit the loaded BLAS libraries to one thread, unless a variable of ``USER_VARIABLES`` is set.

    Returns whether the limit was applied.  Process-wide by nature: BLAS has one thread count per process."""
    if any(os.environ.get(name) for name in USER_VARIABLES):
        return False
    import numpy  # noqa: F401 - loads numpy's BLAS, so the limit reaches it
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
    return True
