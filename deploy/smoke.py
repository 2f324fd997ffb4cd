"""`make smoke`: the production shape on loopback, end to end.

Two gunicorn servers (deploy/gunicorn.conf.py) on two ports and two `cuncun db_worker` processes,
all on one new PostgreSQL database and one Redis (cache and sessions). It checks that

- a buyer's checkout through server A, paid at the gateway, is applied once: the gateway's signed
  callback through server B and the notification task (run by exactly one worker) agree;
- a worker killed in the middle of a task (held on the payment's row lock, then SIGKILL) leaves
  it to `cuncun requeue_stale_tasks`, and the other worker finishes it once;
- a login lockout counted through both servers holds on both, a session made on A is honoured
  by B, and sign-ups spread over both meet one rate limit (both shared through Redis).

The shape is started by `cuncun.loopback.ProductionShape`.

Prints one JSON line `{"smoke": "production", "ok": true, …}`; exits 1 on any failure.
Settings: CUNCUN_SMOKE_DATABASE_URL (a PostgreSQL server), CUNCUN_SMOKE_REDIS_URL.
"""

import json
import os
import sys
import time
import uuid

from cuncun.loopback import Browser, ProductionShape, dsn

SERVER_URL = os.environ.get(
    "CUNCUN_SMOKE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("CUNCUN_SMOKE_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "smoke-test-password-1"
LOGIN_MAX_FAILURES = 4
SIGNUP_LIMIT = 3


def log(*parts) -> None:
    print("smoke:", *parts, file=sys.stderr, flush=True)


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


# --- the checks ---


def prepare() -> int:
    """A small market (a seller at the county warehouse, one SKU with stock) and a buyer with a
    password; answers the SKU."""
    from cuncun.accounts.models import User
    from cuncun.catalog.models import Unit
    from cuncun.catalog.services import ProductDetails, SkuDetails, create_product, set_stock
    from cuncun.loopback import small_market

    market = small_market()
    product = create_product(
        actor=None,
        merchant=market.seller,
        details=ProductDetails(
            name="古树普洱",
            category=market.tea,
            skus=(SkuDetails(unit=Unit.PIECE, price="99", name="357克"),),
        ),
    )
    sku = product.skus.get()
    set_stock(actor=None, sku=sku, site=market.warehouse, quantity=10)
    User.objects.create_user(username="smokebuyer", password=PASSWORD, phone="13900000001")
    return sku.pk


def check_out(buyer: Browser, port: int, sku: int) -> str:
    """Buy one through `port`, to be paid at the sandbox gateway; answers the payment's
    reference."""
    answer = buyer.request(
        port,
        "POST",
        "/api/checkout/",
        body={
            "fulfilment": "delivery",
            "payment_provider": "sandbox",
            "recipient_name": "演示买家",
            "recipient_phone": "13900000001",
            "address": "景洪市嘎洒镇曼景罕村",
            "lines": [{"sku": sku, "quantity": 1}],
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    expect(answer.status == 201, f"checkout answered {answer.status}: {answer.body[:300]!r}")
    checkout = answer.json()["checkout"]
    answer = buyer.request(
        port, "POST", "/api/payments/", body={"checkout": checkout, "provider": "sandbox"}
    )
    expect(answer.status == 201, f"payment answered {answer.status}: {answer.body[:300]!r}")
    return answer.json()["reference"]


def checkout_paid_once(a: int, b: int, buyer: Browser, sku: int) -> dict:
    from django_tasks_db.models import DBTaskResult

    from cuncun.orders.models import Payment, PaymentEvent, SandboxCharge
    from cuncun.orders.payments import PROVIDERS

    reference = check_out(buyer, a, sku)
    gateway = PROVIDERS["sandbox"]
    charge = SandboxCharge.objects.get(merchant_reference=reference)
    gateway.decide(charge.token, pay=True)  # the buyer pays on the gateway's page
    charge.refresh_from_db()
    payload, signature = gateway.notification(charge)
    answer = buyer.request(
        b,
        "POST",
        "/api/payments/sandbox/callback/",
        body=payload,
        headers={"X-Sandbox-Signature": signature},
    )
    expect(
        answer.status == 200,
        f"the callback through B answered {answer.status}: {answer.body[:300]!r}",
    )
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
        "checkout": payment.checkout_id,
        "callback": answer.json()["outcome"],
        "task_worker": task.worker_ids[0],
    }


def killed_worker_task_finished_once(shape: ProductionShape, buyer: Browser, a: int, sku) -> dict:
    """A second checkout's notification task, held mid-run on its payment's row lock; the worker
    that claimed it is killed; the task is requeued and the other worker finishes it."""
    import psycopg
    from django_tasks_db.models import DBTaskResult

    from cuncun.orders.models import Payment, PaymentEvent, SandboxCharge
    from cuncun.orders.payments import PROVIDERS

    reference = check_out(buyer, a, sku)
    payment = Payment.objects.get(reference=reference)
    with psycopg.connect(dsn(shape.env["DATABASE_URL"])) as holder:
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
        shape.kill_worker(victim)
        holder.rollback()
    time.sleep(1.5)
    requeue = shape.manage("requeue_stale_tasks", "--older-than", "1", timeout=120)
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
                port, "POST", "/accounts/signup/", form={"csrfmiddlewaretoken": visitor.csrf}
            ).status
        )
    expect(
        429 not in answers[:limit] and answers[limit] == 429,
        f"sign-ups through both servers answered {answers}",
    )
    return {"signup_limit_across_servers": limit}


def session_shared(a: int, b: int) -> dict:
    shared = Browser()
    expect(shared.log_in(a, "smokebuyer", PASSWORD) == 200, "the buyer cannot log in on A")
    expect(shared.request(b, "GET", "/api/orders/").status == 200, "B does not know A's session")
    return {"session_made_on_a_used_on_b": True}


def main() -> int:
    started = time.monotonic()
    result = {"smoke": "production", "ok": False}
    settings = {
        "CUNCUN_LOG_LEVEL": "WARNING",
        "CUNCUN_LOGIN_MAX_FAILURES": str(LOGIN_MAX_FAILURES),
        "CUNCUN_RATE_SIGNUP": f"{SIGNUP_LIMIT}/600",
    }
    with ProductionShape(
        "smoke", settings=settings, database_server=SERVER_URL, redis=REDIS_URL
    ) as shape:
        try:
            sku = prepare()
            a, b = shape.start_servers(2, workers=2)
            shape.start_workers(2)
            buyer = Browser()
            expect(buyer.log_in(a, "smokebuyer", PASSWORD) == 200, "the buyer cannot log in")
            result["sessions"] = session_shared(a, b)
            result["rate_limit"] = rate_limit_shared(a, b, SIGNUP_LIMIT)
            result["checkout"] = checkout_paid_once(a, b, buyer, sku)
            result["killed_worker"] = killed_worker_task_finished_once(shape, buyer, a, sku)
            # Last: django-axes locks the address (127.0.0.1) as well as the account.
            result["lockout"] = lockout_across_servers(a, b, LOGIN_MAX_FAILURES)
            result["ok"] = True
        except Failed as failure:
            shape.failed = True
            result["failure"] = str(failure)
            log(f"FAILED: {failure}")
    result["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
