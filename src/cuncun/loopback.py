"""The production shape on loopback, for `make smoke` and the benches that load it.

`ProductionShape` is what a county runs (README, *Deploy*), on this machine: a new PostgreSQL
database (created for the run, dropped after it), migrated, the 景洪市 demo loaded if asked;
gunicorn servers on free ports with the project's own `deploy/gunicorn.conf.py` (every knob
through its GUNICORN_* variables); `cuncun db_worker` task workers; one Redis for the cache, the
sessions and the rate limits (its keys under a prefix of the run's own); DEBUG off, a secret key
and a key that seals ID numbers, both the run's own. The process that opens it is set up as one
more member of the shape: Django is configured on the same database, so it can prepare data
through the services and read what the servers wrote. On leaving, every process is stopped (a
worker the caller killed is left as it is) and the database dropped; the processes' logs (one file
each, the servers' access logs apart) are kept in a folder named on stderr when the run failed,
and removed when it went well.

Used by deploy/smoke.py and by bench/flash_sale.py, trace_lookup.py, operator_pages.py and
soak.py (`fresh_database` alone by bench/dashboard.py, which needs no servers). Beside it:
`small_market()`, the few rows a checkout needs when the demo's minute and more is not, and
`Browser`, a phone's keep-alive client that talks to every server with one cookie jar.

Why it lives in the package: `make smoke` runs `python deploy/smoke.py` as a script, so Python
puts deploy/ on its path, not the repository's root; the benches run as `python -m bench.name`
from the root, and bench/ holds only benches (`make bench` runs every module in it). Both run
with the project installed in the virtual environment (`pip install -e .`, or PYTHONPATH=src),
so `cuncun.loopback` is the one name each imports without touching sys.path. Like
`cuncun.pytest_plugin`, it is a module the package carries for its own checks, never used by a
running county. It drives the checkout it is imported from: the gunicorn config is that
checkout's deploy/gunicorn.conf.py and the processes start in its root.
"""

import base64
import http.client
import io
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[2]
GUNICORN_CONFIG = REPO / "deploy" / "gunicorn.conf.py"
DATABASE_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/0"
START_SECONDS = 60


def log(*parts) -> None:
    print("loopback:", *parts, file=sys.stderr, flush=True)


# --- a database of the run's own ---


def dsn(url: str) -> str:
    """A DATABASE_URL as psycopg takes it."""
    return url.replace("postgres://", "postgresql://", 1)


def with_database(url: str, name: str) -> str:
    """The same server's URL, naming another database."""
    base, _, _old = url.rpartition("/")
    return f"{base}/{name}"


@contextmanager
def fresh_database(prefix: str, server: str = DATABASE_SERVER):
    """A new, empty database on the PostgreSQL server at `server` (named `prefix` and a random
    tail), dropped afterwards with whatever sessions are still open on it. Yields its URL."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn(server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(server, name)
    finally:
        from django.db import connections

        connections.close_all()  # this process's own, if Django was set up on it
        with psycopg.connect(dsn(server), autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the shape ---


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path  # gunicorn's error log and the application's own lines
    access_log: Path  # one JSON line per request (deploy/gunicorn.conf.py's format)


class ProductionShape:
    """`with ProductionShape("smoke", settings={…}) as shape:` then `shape.start_servers(2)`,
    `shape.start_workers(2)`. `settings` are environment variables for every process (this one
    included), on top of the shape's own; `demo` loads the 景洪市 demo (a minute and more on
    PostgreSQL), `static` collects the static files (compressed, hash-named) as a deployment
    does before it serves them."""

    def __init__(
        self,
        prefix: str,
        *,
        settings: dict[str, str] | None = None,
        database_server: str = DATABASE_SERVER,
        redis: str = REDIS,
        demo: bool = False,
        static: bool = False,
    ):
        self.prefix = prefix
        self.settings = settings or {}
        self.database_server = database_server
        self.redis = redis
        self.demo = demo
        self.static = static
        self.servers: list[Server] = []
        self.workers: dict[str, subprocess.Popen] = {}
        self.failed = False  # set by a caller whose checks failed: the logs are kept
        self.folder = Path(tempfile.mkdtemp(prefix=f"cuncun-{prefix}-"))
        self._database = None
        self.env: dict[str, str] = {}

    # --- entering and leaving ---

    def __enter__(self) -> "ProductionShape":
        self._database = fresh_database(self.prefix, self.database_server)
        url = self._database.__enter__()
        self.name = url.rpartition("/")[2]
        self.env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "cuncun.settings",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "CUNCUN_PII_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "CUNCUN_REDIS_URL": self.redis,
            "CUNCUN_CACHE_PREFIX": self.name,
            "CUNCUN_DEBUG": "0",
            "CUNCUN_DEMO": "1" if self.demo else "0",
            # Uploaded files (media) and anything else the processes keep: the run's own folder,
            # shared by every process as a county's servers share their storage.
            "CUNCUN_VAR_DIR": str(self.folder / "var"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            **self.settings,
        }
        if self.static:
            self.env["CUNCUN_STATIC_ROOT"] = str(self.folder / "static")
        self.env.pop("CUNCUN_TEST_DB_NAME", None)
        os.environ.update(self.env)
        try:
            self._prepare_database()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def _prepare_database(self) -> None:
        import django

        django.setup()
        from django.core.management import call_command

        started = time.monotonic()
        call_command("migrate", verbosity=0, stdout=io.StringIO())
        if self.demo:
            call_command("load_demo", stdout=io.StringIO())
        if self.static:
            call_command("collectstatic", interactive=False, verbosity=0)
        what = ", ".join(["migrated"] + ["the demo"] * self.demo + ["static files"] * self.static)
        log(f"{self.name}: {what} in {time.monotonic() - started:.0f} s")

    def __exit__(self, kind, error, traceback) -> None:
        self.stop()
        self._database.__exit__(kind, error, traceback)
        if kind is not None or self.failed:
            log(f"the servers' and workers' logs are kept in {self.folder}")
        else:
            shutil.rmtree(self.folder, ignore_errors=True)

    def stop(self) -> None:
        """Stop every process still running (servers gracefully, then by force)."""
        processes = [s.process for s in self.servers] + list(self.workers.values())
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=60)  # a loaded machine may take a while to stop its workers
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    # --- the processes ---

    def start_servers(
        self, count: int, *, workers: int = 2, threads: int | None = None, gunicorn_args=""
    ) -> list[int]:
        """`count` gunicorn servers, each of `workers` processes (and `threads` each, else the
        config's); `gunicorn_args` are more settings on the command-line's terms
        (GUNICORN_CMD_ARGS, over the config file's). Answers their ports once each answers
        /api/health."""
        started = [self._start_server(workers, threads, gunicorn_args) for _ in range(count)]
        for server in started:
            self._wait_for(server)
        self.servers += started
        return [s.port for s in started]

    def _start_server(self, workers: int, threads: int | None, gunicorn_args: str) -> Server:
        port = free_port()
        log_path = self.folder / f"server-{port}.log"
        access_log = self.folder / f"access-{port}.log"
        env = {
            **self.env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_ACCESS_LOG": str(access_log),
            "PROMETHEUS_MULTIPROC_DIR": str(self.folder / f"metrics-{port}"),
        }
        if threads is not None:
            env["GUNICORN_THREADS"] = str(threads)
        if gunicorn_args:
            env["GUNICORN_CMD_ARGS"] = gunicorn_args
        with open(log_path, "ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONFIG), "cuncun.wsgi"],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return Server(port, process, log_path, access_log)

    def _wait_for(self, server: Server) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{server.port}/api/health", timeout=2
                ) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.failed = True
        raise RuntimeError(f"the server on port {server.port} did not answer: see {server.log}")

    def start_workers(self, count: int) -> dict[str, subprocess.Popen]:
        """`count` task workers (`cuncun db_worker`), named worker-1 …; answers them by name."""
        started = {}
        for number in range(len(self.workers) + 1, len(self.workers) + count + 1):
            worker_id = f"worker-{number}"
            with open(self.folder / f"{worker_id}.log", "ab") as out:
                started[worker_id] = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "cuncun.manage",
                        "db_worker",
                        "--no-reload",
                        "--interval",
                        "0.2",
                        "--no-startup-delay",
                        "--worker-id",
                        worker_id,
                    ],
                    cwd=REPO,
                    env=self.env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
        self.workers.update(started)
        return started

    def kill_worker(self, worker_id: str) -> None:
        """As the machine's out-of-memory killer would: no chance to clean up."""
        self.workers[worker_id].send_signal(signal.SIGKILL)
        self.workers[worker_id].wait(timeout=30)

    def manage(self, *arguments: str, timeout: float = 600) -> subprocess.CompletedProcess:
        """`cuncun <arguments>` as the county's administrator would run it on a server."""
        return subprocess.run(
            [sys.executable, "-m", "cuncun.manage", *arguments],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    # --- what it says about itself ---

    def log_problems(self) -> list[str]:
        """The servers' and workers' log lines, but for gunicorn's own of starting, recycling
        and stopping its workers (INFO): errors, tracebacks, the application's warnings."""
        logs = [s.log for s in self.servers] + [
            self.folder / f"{worker_id}.log" for worker_id in self.workers
        ]
        return [
            line
            for path in logs
            for line in path.read_text(errors="replace").splitlines()
            if "] [INFO] " not in line
        ]

    def database_size_mb(self) -> float:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0] / 1024 / 1024


# --- a market in seconds, where the demo's minute and more is not needed ---


@dataclass
class SmallMarket:
    county: Any  # RegionUnit
    warehouse: Any  # Site, operating
    seller: Any  # Merchant
    tea: Any  # Category


def small_market() -> SmallMarket:
    """The least a checkout needs, made through the services: the 景洪市 divisions, the county
    warehouse operating since 2017-01-25, one seller (a family farm of 勐龙镇) and the tea
    category; the caller lists its products."""
    from datetime import date

    from cuncun.catalog.models import CategoryKind
    from cuncun.catalog.services import ensure_category
    from cuncun.merchants.models import MerchantKind
    from cuncun.merchants.services import MerchantDetails, register_merchant
    from cuncun.network.models import SiteKind, SiteStatus, passing_checklist
    from cuncun.network.services import (
        SiteApplication,
        accept_site,
        apply_for_site,
        change_site_status,
    )
    from cuncun.portal.demo import DIVISIONS_FILE
    from cuncun.regions.models import Level, RegionUnit
    from cuncun.regions.services import load_divisions

    load_divisions(actor=None, data=DIVISIONS_FILE.read_bytes())
    county = RegionUnit.objects.get(level=Level.COUNTY)
    opened = date(2017, 1, 25)
    site = apply_for_site(
        actor=None,
        application=SiteApplication(
            kind=SiteKind.COUNTY_WAREHOUSE,
            name="景洪市物流仓储配送中心",
            region=county,
            address="景洪市",
            applied_on=opened,
        ),
    )
    change_site_status(actor=None, site=site, to_status=SiteStatus.APPROVED, effective_on=opened)
    accept_site(actor=None, site=site, checked_on=opened, checklist=passing_checklist())
    site = change_site_status(
        actor=None, site=site, to_status=SiteStatus.OPERATING, effective_on=opened
    )
    seller = register_merchant(
        actor=None,
        details=MerchantDetails(
            name="勐龙茶园（压测）",
            kind=MerchantKind.FAMILY_FARM,
            region=RegionUnit.objects.get(level=Level.TOWNSHIP, name="勐龙镇"),
        ),
    )
    tea = ensure_category(actor=None, code="tea", name="茶叶", kind=CategoryKind.FARM_PRODUCT)
    return SmallMarket(county, site, seller, tea)


# --- a phone ---


class Answer(NamedTuple):
    status: int
    body: bytes
    headers: dict[str, str]  # names in lower case

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def json(self):
        return json.loads(self.body)


class Browser:
    """One phone going through the county's TLS proxy to any of the servers: one cookie jar for
    all of them (they share the sessions through Redis) and a keep-alive connection to each. The
    proxy is left out, so the phone says X-Forwarded-Proto itself (trusted from loopback) and keeps
    the Secure cookies a plain-http jar would drop. A redirect is an answer, not followed.

    A request sent on a kept-alive connection that the server had closed meanwhile (its keep-alive
    time ran out, or gunicorn recycled the worker) is sent again on a new one, as browsers do;
    any other broken connection raises."""

    def __init__(self):
        self.cookies: dict[str, str] = {}
        self._connections: dict[int, http.client.HTTPConnection] = {}

    @property
    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")

    def request(self, port, method, path, *, body=None, form=None, headers=None) -> Answer:
        """`path` as it goes on the wire (its query encoded); `body` is sent as JSON (bytes as
        they are), `form` url-encoded."""
        all_headers = {
            "X-CSRFToken": self.csrf,
            "X-Forwarded-Proto": "https",
            "Referer": f"https://127.0.0.1:{port}/",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **(headers or {}),
        }
        data = None
        if form is not None:
            data = urlencode(form).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        for attempt in (1, 2):
            connection = self._connections.setdefault(
                port, http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            )
            reused = connection.sock is not None
            try:
                connection.request(method, path, body=data, headers=all_headers)
                response = connection.getresponse()
                payload = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()
                if reused and attempt == 1:
                    continue
                raise
            except BaseException:
                connection.close()  # half a request sent: the connection cannot be used again
                raise
            break
        answer_headers = {name.lower(): value for name, value in response.getheaders()}
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return Answer(response.status, payload, answer_headers)

    def log_in(self, port: int, username: str, password: str) -> int:
        """Through the login page; answers /api/orders/'s status: 200 when logged in, else 401."""
        self.request(port, "GET", "/accounts/login/")
        self.request(
            port,
            "POST",
            "/accounts/login/",
            form={"username": username, "password": password, "csrfmiddlewaretoken": self.csrf},
        )
        return self.request(port, "GET", "/api/orders/").status

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
