"""gunicorn for cuncun: `gunicorn -c deploy/gunicorn.conf.py cuncun.wsgi` (the systemd unit, and
`cuncun.loopback` for the smoke test and the benches, use it). Every value can be changed from the
environment without editing this file."""

import os
import shutil
import tempfile
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two processes a core is enough for a page-rendering app that waits on its database; threads let
# one process answer while another request waits on a slow query.
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * (os.cpu_count() or 1))))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# One thread a process is gunicorn's sync worker: no hand-off of each request between threads,
# which made a flash sale's checkouts a third slower (bench/flash_sale runs this way).
worker_class = "gthread" if threads > 1 else "sync"
# A request longer than this is a bug or an attack: the worker is restarted, the proxy says 502.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycling workers now and then bounds any slow leak.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# The proxy's address is the only one trusted to say the scheme and the client's address.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# One JSON line per request, with the id the app puts on its own lines (X-Request-ID).
access_log_format = (
    '{"time": "%(t)s", "request_id": "%({x-request-id}o)s", "method": "%(m)s", '
    '"path": "%(U)s", "status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s, '
    '"remote": "%({x-real-ip}i)s"}'
)

# prometheus-client's multiprocess mode: each worker writes its counters to files in this folder
# and /metrics adds them up. One folder per server, emptied at its start.
multiproc_dir = Path(
    os.environ.setdefault(
        "PROMETHEUS_MULTIPROC_DIR",
        str(Path(tempfile.gettempdir()) / f"cuncun-metrics-{bind.replace(':', '-')}"),
    )
)


def on_starting(server):
    shutil.rmtree(multiproc_dir, ignore_errors=True)
    multiproc_dir.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
