"""Running the same work at the same moment in several threads, each with its own database
connection and real transactions (the races of every app's tests)."""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, connection


def at_once(work, times: int) -> list:
    """`times` threads start `work(i)` together (a barrier) and each closes its connection."""
    start = threading.Barrier(times, timeout=60)

    def run(i):
        start.wait()
        try:
            return work(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=times) as pool:
        results = list(pool.map(run, range(times)))
    close_old_connections()
    return results
