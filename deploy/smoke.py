"""`make smoke`: the production shape on loopback, end to end.

Two gunicorn servers (deploy/gunicorn.conf.py) on two ports and two `cuncun db_worker` processes,
all on one new PostgreSQL database and one Redis (cache and sessions). It checks that

- a buyer's checkout through server A, paid at the gateway, is applied once: the gateway's signed
  callback through server B and the notification task (run by exactly one worker) agree;
- a worker killed in the middle of a task (held on the payment's row lock, then SIGKILL) leaves
  it to `cuncun requeue_stale_tasks`, and the other worker finishes it once;
- a login lockout counted through both servers holds on both, a session made on A is honoured
  by B, and sign-ups spread over both meet one rate limit (both shared through Redis).

Prints one JSON line `{"smoke": "production", "ok": true, …}`; exits 1 on any failure.
Settings: CUNCUN_SMOKE_DATABASE_URL (a PostgreSQL server), CUNCUN_SMOKE_REDIS_URL.
"""

import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.flash_sale import _dsn, _with_db, create_database, drop_database, free_port  # noqa: E402

SERVER_URL = os.environ.get(
    "CUNCUN_SMOKE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("CUNCUN_SMOKE_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "smoke-test-password-1"


def log(*parts) -> None:
    print("smoke:", *parts, file=sys.stderr, flush=True)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer here (the login's 302), not something to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


class Failed(Exception):
    pass


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise Failed(what)


def wait_for(condition, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise Failed(f"timed out waiting for {what}")


# --- the processes ---


def start_server(port: int, env: dict, log_file) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(REPO / "deploy/gunicorn.conf.py"),
            "cuncun.wsgi",
        ],
        cwd=REPO,
        env={
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "2",
            "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="cuncun-smoke-metrics-"),
        },
        stdout=log_file,
        stderr=log_file,
    )
    wait_for(lambda: _answers(port), f"the server on port {port}")
    return server


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def start_worker(worker_id: str, env: dict, log_file) -> subprocess.Popen:
    return subprocess.Popen(
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
        env=env,
        stdout=log_file,
        stderr=log_file,
    )


# --- HTTP as a browser and as a gateway ---


class Browser:
    """One phone going through the TLS proxy to either server: its cookies go to both. The proxy
    is left out, so the browser says X-Forwarded-Proto itself (trusted from loopback) and keeps
    the Secure cookies a plain-http cookie jar would drop."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, port, method, path, body=None, headers=None, form=None):
        data = None
        all_headers = {
            "X-CSRFToken": self.cookies.get("csrftoken", ""),
            "X-Forwarded-Proto": "https",
            "Referer": f"https://127.0.0.1:{port}/",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **(headers or {}),
        }
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=all_headers
        )
        try:
            response = urllib.request.build_opener(_NoRedirect()).open(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, response.read()

    def log_in(self, port: int, username: str, password: str) -> int:
        self.request(port, "GET", "/accounts/login/")
        self.request(
            port,
            "POST",
            "/accounts/login/",
            form={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
            },
        )
        return self.request(port, "GET", "/api/orders/")[0]  # 200 when logged in, else 401


# --- the checks ---


def prepare(url: str) -> dict:
    """The flash-sale bench's market (divisions, warehouse, seller, SKU with stock) and a buyer
    with a password."""
    from bench.flash_sale import prepare_market

    market = prepare_market()
    from cuncun.accounts.models import User

    User.objects.create_user(username="smokebuyer", password=PASSWORD, phone="13900000001")
    return market


def checkout_paid_once(a: int, b: int, buyer: Browser, market: dict) -> dict:
    from django_tasks_db.models import DBTaskResult

    from cuncun.orders.models import Payment, PaymentEvent, SandboxCharge
    from cuncun.orders.payments import PROVIDERS

    status, body = buyer.request(
        a,
        "POST",
        "/api/checkout/",
        body={
            "fulfilment": "delivery",
            "payment_provider": "sandbox",
            "recipient_name": "演示买家",
            "recipient_phone": "13900000001",
            "address": "景洪市嘎洒镇曼景罕村",
            "lines": [{"sku": market["sku"], "quantity": 1}],
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    expect(status == 201, f"checkout through A answered {status}: {body[:300]!r}")
    checkout = json.loads(body)["checkout"]
    status, body = buyer.request(
        a, "POST", "/api/payments/", body={"checkout": checkout, "provider": "sandbox"}
    )
    expect(status == 201, f"payment through A answered {status}: {body[:300]!r}")
    reference = json.loads(body)["reference"]
    gateway = PROVIDERS["sandbox"]
    charge = SandboxCharge.objects.get(merchant_reference=reference)
    gateway.decide(charge.token, pay=True)  # the buyer pays on the gateway's page
    charge.refresh_from_db()
    payload, signature = gateway.notification(charge)
    status, body = buyer.request(
        b,
        "POST",
        "/api/payments/sandbox/callback/",
        body=payload,
        headers={"X-Sandbox-Signature": signature},
    )
    expect(status == 200, f"the callback through B answered {status}: {body[:300]!r}")
    task = wait_for(
        lambda: DBTaskResult.objects.filter(
            task_path__endswith="deliver_sandbox_notification", status="SUCCESSFUL"
        ).first(),
        "the notification task",
    )
    payment = Payment.objects.get(reference=reference)
    applied = PaymentEvent.objects.filter(
        payment=payment, outcome=PaymentEvent.Outcome.APPLIED
    ).count()
    runs = DBTaskResult.objects.filter(task_path__endswith="deliver_sandbox_notification").count()
    expect(payment.status == "succeeded", f"the payment is {payment.status}")
    expect(applied == 1, f"the payment was applied {applied} times")
    expect(runs == 1 and len(task.worker_ids) == 1, f"{runs} task runs by {task.worker_ids}")
    return {
        "checkout": checkout,
        "callback": json.loads(body)["outcome"],
        "task_worker": task.worker_ids[0],
    }


def killed_worker_task_finished_once(workers: dict, env: dict, market, buyer, a) -> dict:
    """A second checkout's notification task, held mid-run on its payment's row lock; the worker
    that claimed it is killed; the task is requeued and the other worker finishes it."""
    import psycopg
    from django_tasks_db.models import DBTaskResult

    from cuncun.orders.models import Payment, PaymentEvent, SandboxCharge
    from cuncun.orders.payments import PROVIDERS

    status, body = buyer.request(
        a,
        "POST",
        "/api/checkout/",
        body={
            "fulfilment": "delivery",
            "payment_provider": "sandbox",
            "recipient_name": "演示买家",
            "recipient_phone": "13900000001",
            "address": "景洪市嘎洒镇曼景罕村",
            "lines": [{"sku": market["sku"], "quantity": 1}],
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    expect(status == 201, f"second checkout answered {status}")
    checkout = json.loads(body)["checkout"]
    status, body = buyer.request(a, "POST", "/api/payments/", body={"checkout": checkout})
    reference = json.loads(body)["reference"]
    payment = Payment.objects.get(reference=reference)
    with psycopg.connect(_dsn(env["DATABASE_URL"])) as holder:
        holder.execute("SELECT 1 FROM orders_payment WHERE id = %s FOR UPDATE", (payment.pk,))
        charge = SandboxCharge.objects.get(merchant_reference=reference)
        PROVIDERS["sandbox"].decide(charge.token, pay=True)
        task = wait_for(
            lambda: DBTaskResult.objects.filter(
                task_path__endswith="deliver_sandbox_notification", status="RUNNING"
            ).first(),
            "a worker to claim the task",
        )
        victim = task.worker_ids[-1]
        time.sleep(1)  # it is now waiting on the lock, in the middle of the task
        workers[victim].send_signal(signal.SIGKILL)
        workers[victim].wait(timeout=30)
        holder.rollback()
    time.sleep(1.5)
    requeue = subprocess.run(
        [sys.executable, "-m", "cuncun.manage", "requeue_stale_tasks", "--older-than", "1"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    expect(requeue.returncode == 0, f"requeue failed: {requeue.stderr}")
    finished = wait_for(
        lambda: DBTaskResult.objects.filter(pk=task.pk, status="SUCCESSFUL").first(),
        "the other worker to finish the task",
    )
    payment.refresh_from_db()
    applied = PaymentEvent.objects.filter(
        payment=payment, outcome=PaymentEvent.Outcome.APPLIED
    ).count()
    expect(payment.status == "succeeded", f"after the kill the payment is {payment.status}")
    expect(applied == 1, f"after the kill the payment was applied {applied} times")
    expect(
        finished.worker_ids[0] == victim and finished.worker_ids[-1] != victim,
        f"the task ran on {finished.worker_ids}",
    )
    return {"killed": victim, "finished_by": finished.worker_ids[-1]}


def lockout_across_servers(a: int, b: int, limit: int) -> dict:
    from cuncun.accounts.models import User

    User.objects.create_user(username="smokelocked", password=PASSWORD, phone="")
    for attempt in range(limit):
        Browser().log_in(a if attempt % 2 == 0 else b, "smokelocked", "wrong-password")
    on_a = Browser().log_in(a, "smokelocked", PASSWORD)
    on_b = Browser().log_in(b, "smokelocked", PASSWORD)
    expect(
        on_a in (401, 403) and on_b in (401, 403),
        f"after {limit} wrong passwords the right one logs in (A {on_a}, B {on_b})",
    )
    return {"locked_on_both": True}


def rate_limit_shared(a: int, b: int, limit: int) -> dict:
    """Sign-ups counted in Redis: spread over both servers, one more than the limit is refused."""
    answers = []
    for attempt in range(limit + 1):
        port = a if attempt % 2 == 0 else b
        visitor = Browser()
        visitor.request(port, "GET", "/accounts/signup/")
        answers.append(
            visitor.request(
                port,
                "POST",
                "/accounts/signup/",
                form={"csrfmiddlewaretoken": visitor.cookies.get("csrftoken", "")},
            )[0]
        )
    expect(
        429 not in answers[:limit] and answers[limit] == 429,
        f"sign-ups through both servers answered {answers}",
    )
    return {"signup_limit_across_servers": limit}


def session_shared(a: int, b: int) -> dict:
    shared = Browser()
    expect(shared.log_in(a, "smokebuyer", PASSWORD) == 200, "the buyer cannot log in on A")
    expect(shared.request(b, "GET", "/api/orders/")[0] == 200, "B does not know A's session")
    return {"session_made_on_a_used_on_b": True}


def main() -> int:
    started = time.monotonic()
    name = f"smoke_{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _with_db(SERVER_URL, name),
        "DJANGO_SETTINGS_MODULE": "cuncun.settings",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "CUNCUN_PII_KEY": os.environ.get("CUNCUN_PII_KEY")
        or base64.b64encode(os.urandom(32)).decode(),
        "CUNCUN_REDIS_URL": REDIS_URL,
        "CUNCUN_CACHE_PREFIX": name,
        "CUNCUN_DEBUG": "0",
        "CUNCUN_LOG_LEVEL": "WARNING",
        "CUNCUN_LOGIN_MAX_FAILURES": "4",
        "CUNCUN_RATE_SIGNUP": "3/600",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.pop("CUNCUN_TEST_DB_NAME", None)
    os.environ.update(env)
    create_database(name)
    processes: list[subprocess.Popen] = []
    output = tempfile.NamedTemporaryFile("w+", prefix="cuncun-smoke-", suffix=".log", delete=False)  # noqa: SIM115
    result = {"smoke": "production", "ok": False}
    try:
        market = prepare(env["DATABASE_URL"])
        a, b = free_port(), free_port()
        processes += [start_server(a, env, output), start_server(b, env, output)]
        workers = {wid: start_worker(wid, env, output) for wid in ("worker-1", "worker-2")}
        processes += workers.values()
        buyer = Browser()
        expect(buyer.log_in(a, "smokebuyer", PASSWORD) == 200, "the buyer cannot log in")
        result["sessions"] = session_shared(a, b)
        result["rate_limit"] = rate_limit_shared(a, b, 3)
        result["checkout"] = checkout_paid_once(a, b, buyer, market)
        result["killed_worker"] = killed_worker_task_finished_once(workers, env, market, buyer, a)
        # Last: django-axes locks the address (127.0.0.1) as well as the account.
        result["lockout"] = lockout_across_servers(a, b, int(env["CUNCUN_LOGIN_MAX_FAILURES"]))
        result["ok"] = True
    except Failed as failure:
        result["failure"] = str(failure)
        log(f"FAILED: {failure}; the servers' and workers' log: {output.name}")
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        from django.db import connections

        connections.close_all()
        drop_database(name)
    result["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
