"""A county's mixed traffic for SOAK_SECONDS (600) against the production shape on loopback.

The shape (`cuncun.loopback`): a new PostgreSQL database with the 景洪市 demo loaded, Redis, two
gunicorn servers with the project's config (2 processes of 4 threads each) and two task workers.
Then 16 clients, each one person with its own cookies, send requests back to back (no think
time), each request to the next server in turn as the proxy's round robin would:

- 5 visitors, anonymous: the market front (a search, a category, page 2), a product page, the
  service-point finder (a township, or one of its villages), a batch's QR code (GS1 Digital Link,
  answered 307) followed to its trace page;
- 4 buyers: a product page; the SKU into the cart, or "buy now"; the checkout (delivery, or
  pickup at one of the points the API offers for it); the payment, the sandbox gateway's page and
  its "pay" button; the gateway's signed notification through the other server (the gateway's
  task delivers it too: one of the two is a duplicate); the payment asked again; their orders;
- 2 carriers' systems (ZTO, YTO): a batch through the carrier API with their own key: 5 new
  parcels for the two operators' points, 4 events each (accepted with the parcel's details, at
  the county warehouse, departed, at 嘎洒镇's station); every fifth batch a parcel's tracking;
- 2 village operators (曼达, 曼掌宰): the console, the parcel counter, the order counter; one of
  the carriers' parcels for their point checked in on the scan page; the oldest of the 5 they
  keep waiting handed over with its pickup code (read from the SMS outbox, as the recipient reads
  the SMS), and its receipt;
- 1 business (刘家茶园): last month's sales report through the API (a revision, with its reason),
  its reports page;
- 1 member unit (市电子商务公共服务中心): its monthly work report and its quarterly statistics
  report (oversight), corrected again and again before the office reviews them;
- 1 county office: the dashboard and its data, statistics by township, all orders, the logistics
  home.

The carrier API's limit is per key, and each carrier has its own; it is also raised for the run
through the environment (CUNCUN_RATE_CARRIER_API=6000/60 instead of 600/60), since a client with
no think time sends batches faster than a carrier's system does. Every SKU on sale is restocked
(100,000 at every site that keeps it) and those in a campaign are left out, so that a refused
checkout means a fault, not a sold-out festival line; a 409 sold-out still counts as expected.

An error is an answer other than the one expected (any 5xx, a 4xx but a checkout's 409, a form
refused with an error message, a check-in or handover not done), a broken connection, a task
that failed or never finished, a payment not applied exactly once, a rollup unequal to a fresh
rebuild from the records, or an ERROR or CRITICAL line in the servers' or workers' logs. Each
is counted, the first few of each kind are printed on stderr, and any makes the exit status 1.

Prints one JSON line {"bench": "soak", "seconds", "requests", "errors", "p50_ms", "p95_ms",
"p99_ms", "by_kind": {kind: {"requests", "p95_ms"}}, "db_size_start_mb", "db_size_end_mb",
"db_growth_mb", "tasks_failed", "task_lag_max_s"}: latencies as the client sees them; the sizes
after the demo and the restock and after the tasks have drained; the lag from a task's enqueuing
to its start. The rows each large table gained go to stderr. Settings: SOAK_SECONDS,
CUNCUN_BENCH_DATABASE_URL.
"""

import functools
import itertools
import json
import os
import random
import re
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote, urlsplit

from django.utils import timezone

from bench.flash_sale import SERVER_URL, percentile
from cuncun.loopback import Answer, Browser, ProductionShape

SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
SERVERS = 2
SERVER_PROCESSES = 2
TASK_WORKERS = 2
VISITORS, BUYERS, CARRIERS, OPERATORS = 5, 4, ["ZTO", "YTO"], ["曼达村委会", "曼掌宰村委会"]
PARCELS_PER_BATCH = 5
KEPT_WAITING = 5  # parcels an operator keeps on the shelf before handing the oldest over
RESTOCK = 100_000
PASSWORD = "cuncun-demo"  # the demo's accounts' password; the bench's own accounts use it too
DRAIN_SECONDS = 300
# The member unit's reports: monthly, then quarterly (the plan's oversight forms).
UNIT_FORMS = ["work_information", "industry_statistics"]
EXAMPLES = 5
# Tables that grow with the traffic: candidates for partitioning (README, Running a prefecture).
GROWING = [
    "logistics.TrackingEvent",
    "logistics.Parcel",
    "trace.TraceEvent",
    "orders.Order",
    "orders.OrderLine",
    "orders.Payment",
    "orders.PaymentEvent",
    "core.AuditEntry",
    "core.IdempotencyKey",
    "core.OutboxMessage",
    "network.ServiceRecord",
    "monitoring.SalesReport",
    "django_tasks_database.DBTaskResult",
    "sessions.Session",
]


# The application's JSON lines and gunicorn's own of these levels are errors.
LOGGED_ERRORS = ['"level": "ERROR"', '"level": "CRITICAL"', "] [ERROR] ", "] [CRITICAL] "]


def log(*parts) -> None:
    print("soak:", *parts, file=sys.stderr, flush=True)


# --- what was seen ---


class Tally:
    """Every request's kind and time, and every error with what went wrong (thread-safe)."""

    def __init__(self):
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self._lock = threading.Lock()

    def request(self, kind: str, seconds: float, problem: str = "") -> None:
        with self._lock:
            self.seconds[kind].append(seconds)
            if problem:
                self.errors[kind].append(problem)

    def error(self, kind: str, problem: str) -> None:
        with self._lock:
            self.errors[kind].append(problem)

    @property
    def error_count(self) -> int:
        return sum(len(e) for e in self.errors.values())


@dataclass
class World:
    """What the clients share: the demo's ids, and the parcels the carriers sent to each point."""

    ports: list[int]
    products: list[int]
    skus: list[tuple[int, int]]  # (sku, product)
    categories: list[str]
    townships: list[tuple[int, list[int]]]  # (township, its villages) with a point
    batches: list[str]  # Digital Link paths
    warehouse: str
    station: str
    points: dict[str, dict]  # operator's username → {"pk", "code"}
    carriers: dict[str, dict]  # code → {"pk", "key"}
    merchant: int
    buyers: list[str]
    unit_forms: dict[str, list[dict]]  # a member unit's report forms: their fields
    arrived: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    paid: list[str] = field(default_factory=list)  # payment references


class Client:
    """One person: a Browser, sending each request to the next server in turn."""

    def __init__(self, world: World, tally: Tally, seed: int):
        self.world, self.tally = world, tally
        self.browser = Browser()
        self.random = random.Random(seed)
        first = seed % len(world.ports)
        self._ports = itertools.cycle(world.ports[first:] + world.ports[:first])

    def call(self, kind, method, path, *, ok=(200,), check=None, **request) -> Answer | None:
        """The answer, or None after counting what was wrong with it. `check(answer)` says what
        is wrong with an answer of an expected status, or ""."""
        started = time.perf_counter()
        try:
            answer = self.browser.request(next(self._ports), method, path, **request)
        except Exception as error:  # a broken connection, a timeout: the request failed
            self.tally.request(kind, time.perf_counter() - started, f"{method} {path}: {error!r}")
            return None
        problem = ""
        if answer.status not in ok:
            said = refusal(answer) or answer.body[:300].decode(errors="replace")
            problem = f"{method} {path} answered {answer.status}: {said}"
        elif check is not None and (why := check(answer)):
            problem = f"{method} {path}: {why}"
        self.tally.request(kind, time.perf_counter() - started, problem)
        return None if problem else answer

    def get(self, kind: str, path: str, **options) -> Answer | None:
        return self.call(kind, "GET", path, **options)

    def post_form(self, kind: str, path: str, form: dict, **options) -> Answer | None:
        return self.call(
            kind, "POST", path, form={"csrfmiddlewaretoken": self.browser.csrf, **form}, **options
        )


REFUSAL = re.compile(r'<li class="error">(.*?)</li>|<ul class="errorlist[^"]*">(.*?)</ul>', re.S)


def refusal(answer: Answer) -> str:
    """What a page says was refused (a message, a form's errors), or ""."""
    found = REFUSAL.search(answer.body.decode(errors="replace"))
    return re.sub(r"<[^>]+>", " ", found.group(1) or found.group(2)).strip() if found else ""


def redirected_to(fragment: str):
    return lambda answer: "" if fragment in answer.location else f"sent to {answer.location!r}"


# --- the people ---


def visit(c: Client) -> None:
    w, pick = c.world, c.random
    search = pick.choice(
        ["", "?q=茶", "?q=咖啡", "?page=2", f"?category={pick.choice(w.categories)}"]
    )
    c.get("market", f"/market/{quote(search, safe='?=&')}")
    c.get("product", f"/market/p/{pick.choice(w.products)}/")
    township, villages = pick.choice(w.townships)
    village = f"&village={pick.choice(villages)}" if pick.random() < 0.5 else ""
    c.get("finder", f"/network/?township={township}{village}")
    scan = c.get("trace_scan", pick.choice(w.batches), ok=(307,), headers={"Accept": "text/html"})
    if scan is not None:
        c.get("trace_page", urlsplit(scan.location).path)


def buy(c: Client) -> None:
    w, pick = c.world, c.random
    sku, product = pick.choice(w.skus)
    quantity = pick.randint(1, 3)
    c.get("product", f"/market/p/{product}/")
    lines = [{"sku": sku, "quantity": quantity}]
    if pick.random() < 0.5:  # into the cart, then the cart is checked out
        if c.call("cart", "POST", "/api/cart/lines/", body=lines[0]) is None:
            return
        lines = None
    delivery = {"fulfilment": "delivery", "address": "景洪市嘎洒镇曼达村委会曼达村"}
    if pick.random() < 0.5:
        points = c.get("pickup_points", f"/api/checkout/pickup-points/?skus={sku}")
        if points is None:
            return
        delivery = {"fulfilment": "pickup", "pickup_site": pick.choice(points.json())["code"]}
    checkout = c.call(
        "checkout",
        "POST",
        "/api/checkout/",
        ok=(201, 409),  # 409: sold out, an answer the buyer must be able to get
        body={
            **delivery,
            "payment_provider": "sandbox",
            "recipient_name": "压测买家",
            "recipient_phone": "13900000009",
            "lines": lines,
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    if checkout is None or checkout.status == 409:
        return
    payment = c.call(
        "payment",
        "POST",
        "/api/payments/",
        ok=(201,),
        body={
            "checkout": checkout.json()["checkout"],
            "provider": "sandbox",
            "return_url": "/market/orders/mine/",
        },
    )
    if payment is None:
        return
    reference, gateway_page = payment.json()["reference"], payment.json()["redirect_url"]
    if c.get("gateway", gateway_page) is None:
        return
    if c.post_form("gateway", gateway_page, {"decision": "pay"}, ok=(302,)) is None:
        return
    w.paid.append(reference)
    body, signature = gateway_notification(reference)
    c.call(
        "callback",
        "POST",
        "/api/payments/sandbox/callback/",
        body=body,
        headers={"X-Sandbox-Signature": signature},
    )
    c.get("payment_status", f"/api/payments/{reference}/")
    c.get("my_orders", "/market/orders/mine/")


def gateway_notification(reference: str) -> tuple[bytes, str]:
    """What the sandbox gateway's server sends to cuncun once the buyer has paid, signed with the
    run's key (this process shares the servers' settings)."""
    from cuncun.orders.models import SandboxCharge
    from cuncun.orders.payments import PROVIDERS

    charge = SandboxCharge.objects.get(merchant_reference=reference)
    return PROVIDERS["sandbox"].notification(charge)


def send_scans(c: Client, carrier: str, numbers) -> None:
    w, now = c.world, time.time()
    key = {"X-Carrier-Key": w.carriers[carrier]["key"]}
    parcels, events = [], []
    for number in itertools.islice(numbers, PARCELS_PER_BATCH):
        operator = list(w.points)[number % len(w.points)]
        waybill = f"{carrier}{7_000_000_000 + number}"
        parcels.append((operator, waybill))
        events += carrier_events(w, carrier, waybill, w.points[operator]["code"], now)
    answer = c.call(
        "carrier_events",
        "POST",
        "/api/logistics/events/",
        body={"events": events},
        headers=key,
        check=lambda a: "" if a.json()["recorded"] == len(events) else f"{a.json()}"[:400],
    )
    if answer is None:
        return
    for operator, waybill in parcels:
        w.arrived[operator].append((carrier, waybill))
    if number % (5 * PARCELS_PER_BATCH) < PARCELS_PER_BATCH:
        c.get("carrier_track", f"/api/logistics/parcels/{carrier}/{waybill}/", headers=key)


def carrier_events(w: World, carrier: str, waybill: str, point: str, now: float) -> list[dict]:
    """A parcel's way from the sender's town to the township station, as the carrier reports it
    (the point's own check-in follows)."""
    from datetime import UTC, datetime

    def at(minutes_ago: int) -> str:
        return (datetime.fromtimestamp(now, UTC) - timedelta(minutes=minutes_ago)).isoformat()

    parcel = {"point": point, "name": "岩罕（压测）", "phone": "13900000009", "weight_kg": "1.2"}
    return [
        {
            "waybill": waybill,
            "kind": "accepted",
            "occurred_at": at(300),
            "text": "【昆明】已揽收",
            "parcel": parcel,
        },
        {"waybill": waybill, "kind": "arrived_hub", "occurred_at": at(60), "site": w.warehouse},
        {"waybill": waybill, "kind": "departed_hub", "occurred_at": at(40), "site": w.warehouse},
        {"waybill": waybill, "kind": "arrived_hub", "occurred_at": at(10), "site": w.station},
    ]


def operate(c: Client, operator: str, waiting: deque) -> None:
    w = c.world
    point = w.points[operator]
    c.get("console", "/console/")
    c.get("parcel_counter", f"/logistics/points/{point['pk']}/")
    c.get("order_counter", "/market/point/")
    if not w.arrived[operator]:
        return
    carrier, waybill = w.arrived[operator].popleft()
    scanned = c.post_form(
        "check_in",
        "/logistics/scan/",
        {
            "site": point["pk"],
            "action": "check_in",
            "carrier": w.carriers[carrier]["pk"],
            "waybill": waybill,
            "consent": "standing_consent",
        },
        ok=(302,),
    )
    if scanned is None or c.get("scan_page", scanned.location, check=refusal) is None:
        return
    waiting.append((waybill, pickup_code(carrier, waybill)))
    if len(waiting) <= KEPT_WAITING:
        return
    waybill, code = waiting.popleft()
    handed = c.post_form(
        "handover",
        f"/logistics/points/{point['pk']}/handover/",
        {"waybill": waybill, "code": code},
        ok=(302,),
        check=redirected_to("/receipt/"),
    )
    if handed is not None:
        c.get("receipt", handed.location)


@functools.cache
def pickup_code_in_sms() -> re.Pattern:
    """The SMS's sentence with the code, in the site's language, as a pattern."""
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override(settings.LANGUAGE_CODE):
        before, _, after = gettext("Pickup code %(code)s.").partition("%(code)s")
    return re.compile(re.escape(before) + r"(\d+)" + re.escape(after))


def pickup_code(carrier: str, waybill: str) -> str:
    """The code in the recipient's SMS, as they would read it out at the counter."""
    from cuncun.core.models import OutboxMessage
    from cuncun.logistics.models import Parcel

    parcel = Parcel.objects.get(carrier__code=carrier, waybill=waybill)
    sms = OutboxMessage.objects.filter(reference=parcel.reference).order_by("-pk").first()
    found = pickup_code_in_sms().search(sms.text) if sms else None
    return found.group(1) if found else ""


def report_sales(c: Client, month: str) -> None:
    pick = c.random
    c.call(
        "sales_report",
        "POST",
        "/api/monitoring/reports/",
        ok=(201,),
        body={
            "merchant": c.world.merchant,
            "month": month,
            "lines": [
                {
                    "platform": platform,
                    "farm_sales": str(pick.randint(1_000, 90_000)),
                    "other_sales": str(pick.randint(0, 9_000)),
                    "orders": pick.randint(10, 900),
                }
                for platform in pick.sample(["taobao", "jd", "pinduoduo", "wechat"], 2)
            ],
            "reason": "压测：补充漏报的订单",
        },
    )
    c.get("sales_reports_page", "/monitoring/reports/")


def report_work(c: Client, periods: dict[str, str]) -> None:
    c.get("unit_reports_page", "/oversight/reports/")
    for form, period in periods.items():
        path = f"/oversight/reports/{form}/{period}/"
        if c.get("unit_report", path) is not None:
            values = {f["key"]: field_value(f["type"], c.random) for f in c.world.unit_forms[form]}
            c.post_form("unit_report", path, values, ok=(302,), check=redirected_to("/reports/"))


def field_value(kind: str, pick: random.Random) -> str:
    """A report form's field filled in as a member unit's staff would."""
    if kind == "text":
        return "开展电商培训和产销对接活动，走访服务站点"
    return str(pick.randint(1, 900)) if kind == "integer" else f"{pick.randint(10, 9000) / 10}"


def watch(c: Client) -> None:
    c.get("dashboard", "/dashboard/")
    c.get("dashboard_data", "/dashboard/data/")
    c.get("statistics", "/monitoring/statistics/township/")
    c.get("office_orders", "/market/office/")
    c.get("logistics_home", "/logistics/")


# --- the run ---


def prepare(shape: ProductionShape) -> World:
    """On the demo: every SKU on sale restocked (those in a campaign left out), three more buyers,
    an operator for a second point, the carriers' keys; then the ids the clients use."""
    from django.db import connection

    from cuncun.accounts.models import Role
    from cuncun.accounts.services import create_user, register_buyer
    from cuncun.catalog.models import Category, Product, Stock
    from cuncun.catalog.services import set_stock
    from cuncun.logistics.services import issue_carrier_api_key
    from cuncun.merchants.models import Merchant
    from cuncun.network.models import Carrier, Site, SiteKind
    from cuncun.network.services import assign_operator
    from cuncun.oversight.models import ReportForm
    from cuncun.promotions.models import Campaign, CampaignItem
    from cuncun.regions.models import Level, RegionUnit
    from cuncun.trace import gs1
    from cuncun.trace.models import Batch

    in_campaigns = CampaignItem.objects.filter(
        campaign__in=Campaign.objects.coming_or_running(timezone.now())
    ).values("sku")
    in_season = Product.objects.on_market().with_season(timezone.localdate())
    stocks = Stock.objects.filter(
        sku__is_active=True, sku__product__in=in_season.filter(in_season_flag=True)
    ).exclude(sku__in=in_campaigns)
    for stock in stocks.select_related("sku", "site"):
        set_stock(actor=None, sku=stock.sku, site=stock.site, quantity=RESTOCK)
    skus = sorted(set(stocks.values_list("sku_id", "sku__product_id")))
    buyers = ["13900000009"]
    for n in range(1, BUYERS):
        buyers.append(register_buyer(phone=f"139000081{n:02d}", password=PASSWORD).username)
    township = RegionUnit.objects.get(level=Level.TOWNSHIP, name="嘎洒镇")
    points = {}
    for number, village_name in enumerate(OPERATORS):
        site = Site.objects.serving().get(kind=SiteKind.VILLAGE_POINT, region__name=village_name)
        user = site.operators.filter(until__isnull=True, user__isnull=False).first()
        user = user.user if user else None
        if user is None:
            user = create_user(
                actor=None,
                username=f"soakoperator{number}",
                password=PASSWORD,
                role=Role.VILLAGE_OPERATOR,
                region=site.region,
            )
            assign_operator(
                actor=None, site=site, name="玉应（压测）", since=timezone.localdate(), user=user
            )
        points[user.username] = {"pk": site.pk, "code": site.code}
    carriers = {}
    for code in CARRIERS:
        carrier = Carrier.objects.get(code=code)
        _row, key = issue_carrier_api_key(actor=None, carrier=carrier, label="压测")
        carriers[code] = {"pk": carrier.pk, "key": key}
    townships = [
        (unit.pk, [v.pk for v in unit.children.filter(sites__isnull=False).distinct()])
        for unit in RegionUnit.objects.townships().filter(children__sites__isnull=False).distinct()
    ]
    world = World(
        ports=[],
        products=sorted({product for _sku, product in skus}),
        skus=skus,
        categories=list(Category.objects.values_list("code", flat=True)),
        townships=townships,
        batches=[gs1.build(b.gtin, b.lot).path for b in Batch.objects.all()],
        warehouse=Site.objects.get(kind=SiteKind.COUNTY_WAREHOUSE).code,
        station=Site.objects.get(kind=SiteKind.TOWNSHIP_STATION, region=township).code,
        points=points,
        carriers=carriers,
        merchant=Merchant.objects.get(owner__username="merchant").pk,
        buyers=buyers,
        unit_forms={f.key: f.fields for f in ReportForm.objects.filter(key__in=UNIT_FORMS)},
    )
    connection.close()
    return world


def people(world: World, tally: Tally) -> list:
    """Each client's loop: a function to call again and again until the time is up."""
    from cuncun.monitoring.periods import add_months, month_start

    today = timezone.localdate()
    last_month = f"{add_months(month_start(today), -1):%Y-%m}"
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    seeds = itertools.count()

    def client(log_in: str = "") -> Client:
        c = Client(world, tally, next(seeds))
        if log_in and c.browser.log_in(world.ports[0], log_in, PASSWORD) != 200:
            tally.error("log_in", f"{log_in} cannot log in")
        return c

    loops = []
    for _ in range(VISITORS):
        loops.append((client(), visit))
    for username in world.buyers:
        loops.append((client(username), buy))
    for carrier in CARRIERS:
        numbers = itertools.count(next(seeds) * 10_000_000)
        loops.append(
            (client(), lambda c, carrier=carrier, numbers=numbers: send_scans(c, carrier, numbers))
        )
    for operator in world.points:
        waiting = deque()
        loops.append((client(operator), lambda c, o=operator, w=waiting: operate(c, o, w)))
    loops.append((client("merchant"), lambda c: report_sales(c, last_month)))
    periods = dict(zip(UNIT_FORMS, [f"{today:%Y-%m}", quarter], strict=True))
    loops.append((client("servicecenter"), lambda c: report_work(c, periods)))
    loops.append((client("office"), watch))
    return loops


def run(loops: list, tally: Tally, seconds: float) -> float:
    from django.db import connection

    deadline = time.monotonic() + seconds

    def forever(c: Client, step) -> None:
        try:
            while time.monotonic() < deadline:
                try:
                    step(c)
                except Exception as error:  # the bench's own step failed on an answer
                    tally.error("client", repr(error))
        finally:
            c.browser.close()
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=forever, args=loop) for loop in loops]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


# --- after the traffic ---


def drain_tasks(tally: Tally) -> None:
    """Wait for the workers to finish what is queued and due (a checkout's release of its unpaid
    reservation is due a quarter of an hour later); a task never finished is lost."""
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult, get_date_max

    deadline = time.monotonic() + DRAIN_SECONDS
    while True:
        due = Q(run_after=get_date_max()) | Q(run_after__lte=timezone.now())
        left = DBTaskResult.objects.filter(due, status__in=["READY", "RUNNING"])
        if not left.exists():
            return
        if time.monotonic() > deadline:
            for task in left:
                tally.error(
                    "task",
                    f"{task.task_path}{task.args_kwargs} still {task.status} after "
                    f"{DRAIN_SECONDS} s of waiting (enqueued {task.enqueued_at:%H:%M:%S})",
                )
            return
        time.sleep(1)


def task_figures(tally: Tally, since) -> tuple[int, float]:
    """The failed tasks (each an error) and the longest wait of a task queued by the traffic
    (since `since`) from its enqueuing, or the time it was due, to its start; each kind of task's
    runs, longest wait and longest run go to stderr."""
    from django_tasks_db.models import DBTaskResult

    failed = DBTaskResult.objects.filter(status="FAILED")
    for task in failed:
        last_line = (task.traceback.strip().splitlines() or [""])[-1]
        tally.error("task", f"{task.task_path} failed: {task.exception_class_path}: {last_line}")
    waits, runs = defaultdict(list), defaultdict(list)
    queued = DBTaskResult.objects.filter(enqueued_at__gte=since, finished_at__isnull=False)
    for path, enqueued, due, started, finished in queued.values_list(
        "task_path", "enqueued_at", "run_after", "started_at", "finished_at"
    ):
        since_due = max(enqueued, due) if due <= started else enqueued
        waits[path].append((started - since_due).total_seconds())
        runs[path].append((finished - started).total_seconds())
    for path in sorted(waits):
        log(
            f"tasks {path.rpartition('.')[2]}: {len(waits[path])} runs, longest wait "
            f"{max(waits[path]):.1f} s, longest run {max(runs[path]):.1f} s"
        )
    return failed.count(), max((max(w) for w in waits.values()), default=0.0)


def payments_applied_once(world: World, tally: Tally) -> None:
    """Every payment a buyer made at the gateway succeeded and was applied exactly once, though
    its notification came twice (the gateway's task and the bench's callback)."""
    from django.db.models import Count, Q

    from cuncun.orders.models import Payment, PaymentEvent

    payments = Payment.objects.filter(reference__in=world.paid).annotate(
        applied=Count("events", filter=Q(events__outcome=PaymentEvent.Outcome.APPLIED))
    )
    seen = 0
    for payment in payments:
        seen += 1
        if payment.status != "succeeded" or payment.applied != 1:
            tally.error(
                "payment",
                f"{payment.reference} is {payment.status}, applied {payment.applied} times",
            )
    if seen != len(world.paid):
        tally.error("payment", f"{len(world.paid) - seen} paid references have no payment")


def rollups_equal_records(tally: Tally) -> None:
    """This month's sales rollup and today's parcels rollup, as the tasks left them, equal a
    rebuild from the records now."""
    from cuncun.monitoring import rollups
    from cuncun.monitoring.models import DailyParcels, MonthlySales
    from cuncun.monitoring.periods import month_start

    today = timezone.localdate()
    for name, model, period, rebuild in (
        ("sales", MonthlySales, {"month": month_start(today)}, rollups.rebuild_month),
        ("parcels", DailyParcels, {"day": today}, rollups.rebuild_day_of_parcels),
    ):
        before = rows_of(model.objects.filter(**period))
        rebuild(*period.values())
        after = rows_of(model.objects.filter(**period))
        if before != after:
            tally.error(
                "rollup",
                f"the {name} rollup of {next(iter(period.values()))} differs from the records: "
                f"{sum(before.values())} rows as the tasks left it, {sum(after.values())} rebuilt;"
                f" extra {list((before - after).items())[:2]}, missing "
                f"{list((after - before).items())[:2]}",
            )


def rows_of(queryset) -> Counter:
    """The rows' figures, without their ids and the time they were written."""
    fields = [
        f.attname
        for f in queryset.model._meta.concrete_fields
        if not f.primary_key and f.get_internal_type() != "DateTimeField"
    ]
    return Counter(tuple(str(v) for v in row) for row in queryset.values_list(*fields))


def logged_errors(shape: ProductionShape, tally: Tally) -> None:
    for line in shape.log_problems():
        if any(mark in line for mark in LOGGED_ERRORS) or line.startswith("Traceback"):
            tally.error("server_log", line[:400])


def table_rows() -> dict[str, int]:
    from django.apps import apps

    return {label: apps.get_model(label).objects.count() for label in GROWING}


def main() -> int:
    settings = {"CUNCUN_LOG_LEVEL": "WARNING", "CUNCUN_RATE_CARRIER_API": "6000/60"}
    with ProductionShape(
        "bench_soak", settings=settings, database_server=SERVER_URL, demo=True
    ) as shape:
        tally = Tally()
        world = prepare(shape)
        world.ports = shape.start_servers(SERVERS, workers=SERVER_PROCESSES)
        shape.start_workers(TASK_WORKERS)
        drain_tasks(tally)  # the demo's own (its rollups), so that the lag is the traffic's
        loops = people(world, tally)
        size_start, rows_start = shape.database_size_mb(), table_rows()
        log(f"{len(loops)} clients for {SECONDS:.0f} s on ports {world.ports}")
        traffic_began = timezone.now()
        seconds = run(loops, tally, SECONDS)
        drain_tasks(tally)
        size_end, rows_end = shape.database_size_mb(), table_rows()
        tasks_failed, lag = task_figures(tally, traffic_began)
        payments_applied_once(world, tally)
        rollups_equal_records(tally)
        logged_errors(shape, tally)
        shape.failed = tally.error_count > 0
    log("rows gained: " + ", ".join(f"{t} +{rows_end[t] - rows_start[t]}" for t in GROWING))
    for kind, problems in sorted(tally.errors.items()):
        log(f"{len(problems)} errors of {kind}, the first:")
        for problem in problems[:EXAMPLES]:
            log("   ", problem)
    every = [s * 1000 for times in tally.seconds.values() for s in times]
    print(
        json.dumps(
            {
                "bench": "soak",
                "seconds": round(seconds),
                "requests": len(every),
                "errors": tally.error_count,
                "p50_ms": round(percentile(every, 50), 1),
                "p95_ms": round(percentile(every, 95), 1),
                "p99_ms": round(percentile(every, 99), 1),
                "by_kind": {
                    kind: {
                        "requests": len(times),
                        "p95_ms": round(percentile([s * 1000 for s in times], 95), 1),
                    }
                    for kind, times in sorted(tally.seconds.items())
                },
                "db_size_start_mb": round(size_start, 1),
                "db_size_end_mb": round(size_end, 1),
                "db_growth_mb": round(size_end - size_start, 1),
                "tasks_failed": tasks_failed,
                "task_lag_max_s": round(lag, 1),
            },
            ensure_ascii=False,
        )
    )
    return 1 if tally.error_count else 0


if __name__ == "__main__":
    sys.exit(main())
