"""A shopping festival's flash sale on PostgreSQL, over real HTTP.

One festival SKU with 1,000 units in a running campaign (festival price ¥79 instead of ¥99, at
most 20 per buyer); the production shape on loopback (`cuncun.loopback`: one gunicorn server with
the project's config, of FLASH_WORKERS processes of FLASH_THREADS threads, and Redis for the cache
and the sessions); 64 concurrent keep-alive HTTP clients make at least 10,000 "buy now" checkout
attempts (POST /api/checkout/, logged in, with CSRF token and a fresh Idempotency-Key each).
In the same run it measures

- the same server's rate on a trivial JSON endpoint (GET /api/health), and
- the database's own ceiling for the same work: a conditional UPDATE of a stock row plus an
  order INSERT in one transaction, from a pool of 8 connections (psycopg, no Django), and
- the server-side CPU of one checkout (`checkout_cpu_ms`): 300 sequential checkouts of a second
  festival SKU handed to the WSGI application in this process (what gunicorn does after parsing
  the request: sessions, authentication, CSRF, the API, the checkout and its statements), the
  process's CPU time divided by the checkouts; `checkout_queries` is the statements of one;
  `trivial_cpu_ms` is the CPU of one GET /api/health measured the same way, this machine's
  measure of what any request costs (the health check reads the database and the task queue).

The database is created for the run and dropped after it. Prints one JSON line:
{"bench": "flash_sale", "stock": 1000, "accepted": …, "oversold": …, "orders_per_s": …,
 "p50_ms": …, "p99_ms": …, "trivial_rps": …, "db_ceiling_tps": …, "ratio_to_trivial": …,
 "ratio_to_db": …, "checkout_cpu_ms": …, "checkout_queries": …, "trivial_cpu_ms": …}
`orders_per_s` is accepted orders per second from the first attempt to the last acceptance;
p50/p99 are over every checkout attempt (accepted or refused for lack of stock). Any answer that
is neither 201 nor 409 (an error, a broken connection) is counted on stderr and fails the run
(exit status 1), as do a shortfall of accepted orders and any oversell. Diagnostics go to
stderr. Settings: CUNCUN_BENCH_DATABASE_URL (a PostgreSQL server to create the database on),
FLASH_WORKERS, FLASH_THREADS, FLASH_ATTEMPTS; FLASH_PROFILE=1 prints the cProfile of the
sequential checkouts (cumulative, top 30) on stderr.
"""

import asyncio
import itertools
import json
import os
import secrets
import statistics
import sys
import threading
import time
import uuid

from cuncun.loopback import ProductionShape, dsn, small_market

STOCK = 1000
CLIENTS = 64
PER_BUYER_LIMIT = 20  # 64 buyers × 20 > 1,000: the limit binds some buyers, the stock sells out
CPU_CHECKOUTS = 300
ATTEMPTS = int(os.environ.get("FLASH_ATTEMPTS", "10000"))
TRIVIAL_REQUESTS = 6400
CEILING_SECONDS = 5.0
CEILING_POOL = 8
WORKERS = int(os.environ.get("FLASH_WORKERS", "3"))
THREADS = int(os.environ.get("FLASH_THREADS", "1"))
SERVER_URL = os.environ.get(
    "CUNCUN_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


def log(*parts) -> None:
    print("flash_sale:", *parts, file=sys.stderr, flush=True)


# --- the market of the run ---


def prepare_market() -> dict:
    """Through the services: a small market (the divisions, the county warehouse, a seller), the
    festival SKU with its stock, a second SKU for the database ceiling, and 64 logged-in
    buyers."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.utils import timezone

    from cuncun.accounts.models import User
    from cuncun.catalog.models import Stock, Unit
    from cuncun.catalog.services import ProductDetails, SkuDetails, create_product, set_stock
    from cuncun.promotions.models import CampaignKind
    from cuncun.promotions.services import create_campaign, join_campaign

    market = small_market()
    site = market.warehouse
    festival = create_product(
        actor=None,
        merchant=market.seller,
        details=ProductDetails(
            name="双十二古树普洱秒杀",
            category=market.tea,
            skus=(
                SkuDetails(unit=Unit.PIECE, price="99", name="357克"),
                SkuDetails(unit=Unit.PIECE, price="99", name="数据库上限用"),
                SkuDetails(unit=Unit.PIECE, price="99", name="200克（顺序结账用）"),
            ),
        ),
    )
    sku, ceiling_sku, cpu_sku = festival.skus.order_by("pk")
    set_stock(actor=None, sku=sku, site=site, quantity=STOCK)
    set_stock(actor=None, sku=cpu_sku, site=site, quantity=CPU_CHECKOUTS)
    campaign = create_campaign(
        actor=None,
        name="双十二网络购物节（压测）",
        kind=CampaignKind.FESTIVAL,
        region=market.county,
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(days=1),
    )
    for festival_sku, units in ((sku, STOCK), (cpu_sku, CPU_CHECKOUTS)):
        join_campaign(
            actor=None,
            campaign=campaign,
            sku=festival_sku,
            festival_price="79",
            per_buyer_limit=PER_BUYER_LIMIT,
            set_aside=units,
        )
    ceiling_stock = set_stock(actor=None, sku=ceiling_sku, site=site, quantity=1)
    Stock.objects.filter(pk=ceiling_stock.pk).update(quantity=2_000_000_000)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE flash_ceiling_order (id bigserial PRIMARY KEY, stock_id bigint NOT NULL,"
            " quantity integer NOT NULL, created_at timestamptz NOT NULL)"
        )

    buyers = User.objects.bulk_create(
        User(username=f"buyer{n:02d}", password="!" + secrets.token_hex(8), phone="")
        for n in range(CLIENTS)
    )
    cookies = []
    for user in User.objects.filter(pk__in=[b.pk for b in buyers]).order_by("pk"):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
        cookies.append(
            {
                "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
                f"{settings.CSRF_COOKIE_NAME}={csrf}",
                "csrf": csrf,
            }
        )
    market = {
        "sku": sku.pk,
        "cpu_sku": cpu_sku.pk,
        "stock": Stock.objects.get(sku=sku).pk,
        "ceiling_stock": ceiling_stock.pk,
        "clients": cookies,
    }
    connection.close()
    return market


# --- a small keep-alive HTTP/1.1 client ---


async def _read_response(reader) -> tuple[int, dict, bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    headers = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


async def _load(port: int, total: int, clients: int, request_for) -> list[tuple[int, float, float]]:
    """`clients` connections send requests back to back until `total` were sent. Answers
    (status, latency s, finished at) per request; status 0 for a broken connection."""
    counter = itertools.count()
    results: list[tuple[int, float, float]] = []

    async def client(i: int) -> None:
        reader = writer = None
        while (n := next(counter)) < total:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            started = time.perf_counter()
            try:
                writer.write(request_for(i, n))
                status, headers, _body = await _read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                results.append((0, time.perf_counter() - started, time.perf_counter()))
                writer.close()
                writer = None
                continue
            done = time.perf_counter()
            results.append((status, done - started, done))
            if headers.get("connection", "").lower() == "close":
                writer.close()
                writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(client(i) for i in range(clients)))
    return results


def run_load(port, total, clients, request_for) -> tuple[list, float]:
    started = time.perf_counter()
    results = asyncio.run(_load(port, total, clients, request_for))
    return results, started


def health_request(port: int):
    request = f"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    return lambda i, n: request


def checkout_request(port: int, market: dict):
    body = json.dumps(
        {
            "fulfilment": "delivery",
            "payment_provider": "sandbox",
            "recipient_name": "压测买家",
            "recipient_phone": "13800000000",
            "address": "昆明市五华区",
            "lines": [{"sku": market["sku"], "quantity": 1}],
        }
    ).encode()
    run = uuid.uuid4().hex[:8]

    def request_for(i: int, n: int) -> bytes:
        client = market["clients"][i]
        head = (
            f"POST /api/checkout/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Cookie: {client['cookie']}\r\nX-CSRFToken: {client['csrf']}\r\n"
            f"Idempotency-Key: flash-{run}-{n}\r\n\r\n"
        )
        return head.encode() + body

    return request_for


# --- the database's own ceiling ---


def db_ceiling(url: str, stock_id: int) -> float:
    import psycopg

    conns = [psycopg.connect(dsn(url)) for _ in range(CEILING_POOL)]
    counts = [0] * CEILING_POOL
    start = threading.Barrier(CEILING_POOL + 1)
    stop_at = [0.0]

    def work(i: int) -> None:
        conn = conns[i]
        with conn.cursor() as cur:
            start.wait()
            while time.perf_counter() < stop_at[0]:
                cur.execute(
                    "UPDATE catalog_stock SET quantity_allocated = quantity_allocated + %s "
                    "WHERE id = %s AND quantity >= quantity_allocated + %s",
                    (1, stock_id, 1),
                )
                cur.execute(
                    "INSERT INTO flash_ceiling_order (stock_id, quantity, created_at) "
                    "VALUES (%s, %s, now())",
                    (stock_id, 1),
                )
                conn.commit()
                counts[i] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(CEILING_POOL)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at[0] = began + CEILING_SECONDS
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    for conn in conns:
        conn.close()
    return sum(counts) / elapsed


# --- the server-side CPU of one checkout ---


def wsgi_caller():
    """A function handing one request to the WSGI application in this process (what gunicorn
    does after parsing it) and answering its status."""
    import io

    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()

    def call(method: str, path: str, body: bytes = b"", headers: dict | None = None) -> int:
        statuses = []
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            **(headers or {}),
        }
        response = app(environ, lambda status, _h, _e=None: statuses.append(status))
        b"".join(response)
        response.close()
        return int(statuses[0].split()[0])

    return call


def cpu_ms(work, times: int) -> float:
    """The CPU milliseconds of one `work(n)`, over `times` of them (n from 1)."""
    started = time.process_time()
    for n in range(1, times + 1):
        work(n)
    return (time.process_time() - started) * 1000 / times


def trivial_cpu(call) -> float:
    """The CPU of one GET /api/health the same way: this machine's measure of what a request
    costs the framework, beside which a checkout's CPU reads."""
    call("GET", "/api/health")
    return cpu_ms(lambda n: call("GET", "/api/health"), CPU_CHECKOUTS)


def checkout_cpu(call, market: dict) -> tuple[float, int]:
    """Hand CPU_CHECKOUTS checkouts, one after another, to the WSGI application in this process
    (each buyer in turn, with its session cookie and CSRF token). Answers the CPU milliseconds of
    one checkout and the statements one checkout makes."""
    import cProfile
    import io
    import pstats

    from django.db import connection

    body = json.dumps(
        {
            "fulfilment": "delivery",
            "payment_provider": "sandbox",
            "recipient_name": "压测买家",
            "recipient_phone": "13800000000",
            "address": "昆明市五华区",
            "lines": [{"sku": market["cpu_sku"], "quantity": 1}],
        }
    ).encode()
    statuses = []

    def checkout(n: int) -> None:
        client = market["clients"][n % len(market["clients"])]
        headers = {
            "HTTP_COOKIE": client["cookie"],
            "HTTP_X_CSRFTOKEN": client["csrf"],
            "HTTP_IDEMPOTENCY_KEY": f"cpu-{n}",
        }
        statuses.append(call("POST", "/api/checkout/", body, headers))

    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        checkout(0)
    profile = cProfile.Profile(time.process_time) if os.environ.get("FLASH_PROFILE") else None
    if profile:
        profile.enable()
    cpu = cpu_ms(checkout, CPU_CHECKOUTS - 1)
    if profile:
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(
            os.environ.get("FLASH_PROFILE_SORT", "cumulative")
        ).print_stats(int(os.environ.get("FLASH_PROFILE_TOP", "30")))
        log(out.getvalue())
    refused = [s for s in statuses if s != 201]
    if refused:
        raise RuntimeError(f"{len(refused)} sequential checkouts refused: {sorted(set(refused))}")
    if os.environ.get("FLASH_PROFILE"):
        log("statements of one checkout:\n" + "\n".join(x[:160] for x in statements))
    return cpu, len(statements)


# --- the run ---


def _report_server_log(shape: ProductionShape) -> None:
    """Refused checkouts are logged by Django as warnings ("Conflict: /api/checkout/"); say how
    many lines there were and show anything else (gunicorn's own lines of starting and stopping
    its workers apart)."""
    lines = shape.log_problems()
    other = [line for line in lines if "Conflict: /api/checkout/" not in line]
    log(f"server log: {len(lines)} lines, {len(lines) - len(other)} of them refused checkouts")
    for line in other[:20]:
        log("server:", line)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    with ProductionShape(
        "bench_flash_sale", settings={"CUNCUN_LOG_LEVEL": "ERROR"}, database_server=SERVER_URL
    ) as shape:
        t0 = time.perf_counter()
        market = prepare_market()
        log(f"prepared in {time.perf_counter() - t0:.1f} s; gunicorn {WORKERS}×{THREADS}")
        (port,) = shape.start_servers(1, workers=WORKERS, threads=THREADS)

        trivial, started = run_load(port, TRIVIAL_REQUESTS, CLIENTS, health_request(port))
        trivial_ok = [r for r in trivial if r[0] == 200]
        trivial_rps = len(trivial_ok) / (max(r[2] for r in trivial) - started)

        sale, started = run_load(port, ATTEMPTS, CLIENTS, checkout_request(port, market))
        accepted = [r for r in sale if r[0] == 201]
        refused = [r for r in sale if r[0] == 409]
        other = [r for r in sale if r[0] not in (201, 409)]
        if other:
            # Errors and broken connections (status 0) fail the run: they are not refusals.
            log(f"{len(other)} answers neither 201 nor 409: {sorted({r[0] for r in other})}")
        sold_out_at = max((r[2] for r in accepted), default=started)
        orders_per_s = len(accepted) / (sold_out_at - started) if accepted else 0.0
        latencies = [r[1] * 1000 for r in sale if r[0] in (201, 409)]
        log(
            f"{len(sale)} attempts: {len(accepted)} accepted, {len(refused)} refused; "
            f"sold out after {sold_out_at - started:.2f} s; whole run "
            f"{max(r[2] for r in sale) - started:.2f} s; accepted p50 "
            f"{statistics.median([r[1] * 1000 for r in accepted]) if accepted else 0:.1f} ms"
        )

        shape.stop()
        _report_server_log(shape)

        import psycopg

        url = shape.env["DATABASE_URL"]
        with psycopg.connect(dsn(url)) as conn:
            quantity, allocated = conn.execute(
                "SELECT quantity, quantity_allocated FROM catalog_stock WHERE id = %s",
                (market["stock"],),
            ).fetchone()
            orders = conn.execute(
                "SELECT count(*) FROM orders_orderline WHERE stock_id = %s", (market["stock"],)
            ).fetchone()[0]
        oversold = max(0, orders - quantity, allocated - quantity)
        if orders != len(accepted) or allocated != orders:
            log(f"mismatch: {orders} order lines in the database, {allocated} units promised")

        ceiling = db_ceiling(url, market["ceiling_stock"])
        call = wsgi_caller()
        checkout_ms, queries = checkout_cpu(call, market)
        health_ms = trivial_cpu(call)
        print(
            json.dumps(
                {
                    "bench": "flash_sale",
                    "stock": STOCK,
                    "accepted": len(accepted),
                    "oversold": oversold,
                    "orders_per_s": round(orders_per_s, 1),
                    "p50_ms": round(percentile(latencies, 50), 1),
                    "p99_ms": round(percentile(latencies, 99), 1),
                    "trivial_rps": round(trivial_rps, 1),
                    "db_ceiling_tps": round(ceiling, 1),
                    "ratio_to_trivial": round(orders_per_s / trivial_rps, 3),
                    "ratio_to_db": round(orders_per_s / ceiling, 3),
                    "checkout_cpu_ms": round(checkout_ms, 2),
                    "checkout_queries": queries,
                    "trivial_cpu_ms": round(health_ms, 2),
                }
            )
        )
        ok = len(accepted) == STOCK and oversold == 0 and not other
        shape.failed = not ok
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
