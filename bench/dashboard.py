"""The dashboard's sales panels read from the monthly rollup, against the same figures computed
by direct aggregation on the raw rows, on PostgreSQL with a county-sized history: 5,000
businesses, 2,000,000 market order lines (1,000,000 orders, 5% refunded), 24 months of
accepted reports and 200,000 parcels delivered to the county's villages, generated with
set-based SQL (generate_series).

Prints one JSON line {"bench": "dashboard", "orders": …, "order_lines": …, "parcels": …,
"reports": …, "p50_ms": …, "p95_ms": …, "direct_p95_ms": …, "speedup": …,
"rollup_rebuild_s": …, "uncached_p50_ms": …, "uncached_p95_ms": …}. The dashboard's reads
are cached under the rollups' version: p50/p95 are repeated requests (the first of each panel
misses the cache), "uncached" the same panels with the cache cleared before every request.
The rebuild time covers both rollups (monthly sales, daily parcels).
The database is created for the run and dropped after it. Settings: CUNCUN_BENCH_DATABASE_URL
(the PostgreSQL server), DASHBOARD_ORDERS (orders, 2 lines each), DASHBOARD_MERCHANTS,
DASHBOARD_PARCELS.
"""

import base64
import io
import json
import os
import secrets
import sys
import time
from datetime import date, timedelta

from bench.flash_sale import SERVER_URL
from cuncun.loopback import fresh_database

ORDERS = int(os.environ.get("DASHBOARD_ORDERS", "1000000"))
MERCHANTS = int(os.environ.get("DASHBOARD_MERCHANTS", "5000"))
PARCELS = int(os.environ.get("DASHBOARD_PARCELS", "200000"))
MONTHS = 24
REPEATS = 20
DIRECT_REPEATS = 3
COLD_REPEATS = 3


def log(*parts) -> None:
    print("dashboard:", *parts, file=sys.stderr, flush=True)


def prepare() -> dict:
    """Migrate, load the divisions and the plan, then generate the history in SQL."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from cuncun.accounts.models import Role
    from cuncun.accounts.services import create_user
    from cuncun.catalog.models import CategoryKind, Unit
    from cuncun.catalog.services import (
        ProductDetails,
        SkuDetails,
        create_product,
        ensure_category,
        set_stock,
    )
    from cuncun.merchants.models import MerchantKind
    from cuncun.merchants.services import MerchantDetails, register_merchant
    from cuncun.monitoring.periods import add_months, month_start
    from cuncun.plans.services import bundled_plan_file, load_plan
    from cuncun.portal.demo import DIVISIONS_FILE
    from cuncun.regions.models import Level, RegionUnit
    from cuncun.regions.services import load_divisions
    from tests.factories import site_in

    call_command("migrate", verbosity=0, stdout=io.StringIO())
    load_divisions(actor=None, data=DIVISIONS_FILE.read_bytes())
    load_plan(actor=None, path=bundled_plan_file("jinghong-2016"))
    county = RegionUnit.objects.get(level=Level.COUNTY)
    office = create_user(
        actor=None,
        username="office",
        password=secrets.token_urlsafe(16),
        role=Role.COUNTY_OFFICE,
        region=county,
    )
    seller = register_merchant(
        actor=None,
        details=MerchantDetails(
            name="压测商家", kind=MerchantKind.ENTERPRISE, region=county.children.first()
        ),
    )
    warehouse = site_in(county, "county_warehouse", name="压测仓")
    point = site_in(RegionUnit.objects.filter(level=Level.VILLAGE).first(), name="压测服务点")
    skus = []
    for code, kind in (("tea", CategoryKind.FARM_PRODUCT), ("daily", CategoryKind.CONSUMER_GOODS)):
        product = create_product(
            actor=None,
            merchant=seller,
            details=ProductDetails(
                name=code,
                category=ensure_category(actor=None, code=code, name=code, kind=kind),
                skus=(SkuDetails(unit=Unit.PIECE, price="10"),),
            ),
        )
        sku = product.skus.get()
        skus.append((sku.pk, set_stock(actor=None, sku=sku, site=warehouse, quantity=1).pk))
    last = add_months(month_start(date.today()), -1)
    first = add_months(last, -(MONTHS - 1))
    t0 = time.perf_counter()
    with connection.cursor() as c:
        c.execute(
            """
            INSERT INTO merchants_merchant (name, kind, region_id, address, contact_name,
              contact_phone, id_number_encrypted, id_number_digest, description,
              is_poverty_registered, is_incubated, is_park_tenant, is_active, is_demo,
              created_at, updated_at)
            SELECT 'bench ' || g, (ARRAY['enterprise','cooperative','family_farm',
              'online_shop'])[1 + g %% 4], v.ids[1 + g %% v.n], '', '', '', '', '', '', g %% 7 = 0,
              false, false, true, true, now(), now()
            FROM generate_series(1, %s) g,
              (SELECT array_agg(id ORDER BY id) ids, count(*) n FROM regions_regionunit
               WHERE level = 'village') v
            """,
            [MERCHANTS],
        )
        c.execute(
            """
            INSERT INTO orders_checkout (buyer_id, on_behalf_of_name, on_behalf_of_phone,
              fulfilment, recipient_name, recipient_phone, address, total, payment_provider,
              reserved_until, created_at)
            SELECT %s, '', '', 'delivery', 'bench', '13800000000', 'bench', 20, 'offline',
              now(), now()
            FROM generate_series(1, %s)
            """,
            [office.pk, ORDERS],
        )
        # One order per checkout, paid at a random moment of the 24 months; 5% refunded.
        c.execute(
            """
            INSERT INTO orders_order (checkout_id, merchant_id, status, total, paid_at,
              tracking_number, pickup_code, pickup_code_failures, note, pickup_fee, created_at,
              updated_at)
            SELECT ch.id, m.ids[1 + (ch.id * 7919) %% m.n],
              CASE WHEN ch.id %% 20 = 0 THEN 'refunded' ELSE 'completed' END, 20,
              %s::timestamptz + (random() * (%s::timestamptz - %s::timestamptz)), '', '', 0, '',
              0, now(), now()
            FROM orders_checkout ch,
              (SELECT array_agg(id ORDER BY id) ids, count(*) n FROM merchants_merchant
               WHERE is_demo) m
            """,
            [first, add_months(last, 1), first],
        )
        c.execute(
            """
            INSERT INTO orders_orderline (order_id, sku_id, product_name, sku_name, unit,
              category, unit_price, quantity, total, stock_id)
            SELECT o.id, s.sku, 'bench', '', 'piece', '', 10, 1, 10, s.stock
            FROM orders_order o,
              (VALUES (%s, %s), (%s, %s)) AS s(sku, stock)
            """,
            [skus[0][0], skus[0][1], skus[1][0], skus[1][1]],
        )
        c.execute(
            """
            INSERT INTO monitoring_salesreport (merchant_id, month, revision, reason, status,
              counts, due_on, submitted_at, reviewed_at, review_note, is_demo)
            SELECT m.id, mon::date, 1, '', 'accepted', true,
              (mon + interval '1 month 4 days')::date, now(), now(), '', true
            FROM merchants_merchant m,
              generate_series(%s::date, %s::date, interval '1 month') mon
            WHERE m.is_demo
            """,
            [first, last],
        )
        c.execute(
            """
            INSERT INTO monitoring_salesreportline (report_id, platform, farm_sales,
              other_sales, orders, b2b_sales)
            SELECT r.id, (ARRAY['taobao','jd','pinduoduo','wechat'])[1 + r.id % 4],
              round((random() * 50000)::numeric, 2), round((random() * 20000)::numeric, 2),
              (random() * 300)::int, round((random() * 5000)::numeric, 2)
            FROM monitoring_salesreport r
            """
        )
        # Parcels for random villages, each accepted then delivered at a random moment.
        c.execute(
            """
            INSERT INTO logistics_parcel (carrier_id, waybill, direction, point_id, region_id,
              person_name, person_phone, order_ref, status, status_at, needs_review, on_shelf,
              shelf_slot, pickup_code_hash, pickup_code_attempts, reminders, is_demo,
              created_at, updated_at)
            SELECT (SELECT min(id) FROM network_carrier), 'BENCH' || g, 'inbound', %s,
              v.ids[1 + (g * 7919) %% v.n], '', '', '', 'delivered',
              %s::timestamptz + (random() * (%s::timestamptz - %s::timestamptz)), false, false,
              '', '', 0, 0, true, now(), now()
            FROM generate_series(1, %s) g,
              (SELECT array_agg(id ORDER BY id) ids, count(*) n FROM regions_regionunit
               WHERE level = 'village') v
            """,
            [point.pk, first, add_months(last, 1), first, PARCELS],
        )
        c.execute(
            """
            INSERT INTO logistics_trackingevent (parcel_id, kind, occurred_at, recorded_at,
              source, location, raw_text, carrier_event_id, dedupe_key, delivered_to,
              consent_basis, details, state, problem, review_note)
            SELECT p.id, e.kind, p.status_at - e.before, now(), 'api', '', '', '',
              e.kind || p.id, e.delivered_to, '', '{}', 'applied', '', ''
            FROM logistics_parcel p,
              (VALUES ('accepted', interval '2 days', ''),
                      ('delivered', interval '0', 'recipient')) AS e(kind, before, delivered_to)
            """
        )
        c.execute("ANALYZE")
        c.execute("SELECT count(*) FROM orders_orderline")
        lines = c.fetchone()[0]
        c.execute("SELECT count(*) FROM monitoring_salesreport")
        reports = c.fetchone()[0]
        c.execute("SELECT count(*) FROM logistics_parcel")
        parcels = c.fetchone()[0]
    log(f"generated {lines} order lines, {reports} reports in {time.perf_counter() - t0:.0f} s")
    return {
        "county": county,
        "office": office,
        "first": first,
        "last": last,
        "lines": lines,
        "reports": reports,
        "parcels": parcels,
    }


def direct(region, first, last, by: str) -> list:
    """The same figures as monitoring.queries.sales_by, straight from orders and reports."""
    from django.db.models import Case, CharField, F, Sum, Value, When
    from django.db.models.functions import TruncMonth

    from cuncun.catalog.models import CategoryKind
    from cuncun.monitoring.models import SalesReportLine
    from cuncun.monitoring.periods import add_months
    from cuncun.monitoring.queries import local_midnight
    from cuncun.orders.models import OrderLine, OrderStatus

    market = OrderLine.objects.filter(
        order__status__in=OrderStatus.SOLD,
        order__paid_at__gte=local_midnight(first),
        order__paid_at__lt=local_midnight(add_months(last, 1)),
        order__merchant__region__path__startswith=region.path,
    )
    reported = SalesReportLine.objects.filter(
        report__counts=True,
        report__month__gte=first,
        report__month__lte=last,
        report__merchant__region__path__startswith=region.path,
    )
    if by == "month":
        market = market.annotate(key=TruncMonth("order__paid_at"))
        reported = reported.annotate(key=F("report__month"))
    elif by == "township":
        market = market.annotate(key=F("order__merchant__region__parent_id"))
        reported = reported.annotate(key=F("report__merchant__region__parent_id"))
    elif by == "category":
        market = market.annotate(
            key=Case(
                When(sku__product__category__kind=CategoryKind.FARM_PRODUCT, then=Value("farm")),
                default=Value("other"),
                output_field=CharField(),
            )
        )
        reported = reported.annotate(key=Value("reported", output_field=CharField()))
    else:
        market = market.annotate(key=Value("market", output_field=CharField()))
        reported = reported.annotate(key=F("platform"))
    totals = {}

    def add(key, amount):
        totals[key] = totals.get(key, 0) + (amount or 0)

    for row in market.values("key").annotate(amount=Sum("total")).order_by():
        add(row["key"], row["amount"])
    sums = {"farm": Sum("farm_sales"), "other": Sum("other_sales"), "b2b": Sum("b2b_sales")}
    for row in reported.values("key").annotate(**sums).order_by():
        if by == "category":
            for goods in sums:
                add(goods, row[goods])
        else:
            add(row["key"], sum(row[goods] or 0 for goods in sums))
    return sorted(totals.items(), key=lambda kv: str(kv[0]))


def direct_parcels(region, first, last, by: str) -> list:
    """Parcels delivered per month or township, straight from the tracking events."""
    from django.db.models import Count, F
    from django.db.models.functions import TruncMonth

    from cuncun.logistics.models import EventKind, TrackingEvent
    from cuncun.monitoring.periods import add_months
    from cuncun.monitoring.queries import local_midnight

    events = TrackingEvent.objects.in_timeline().filter(
        kind=EventKind.DELIVERED,
        occurred_at__gte=local_midnight(first),
        occurred_at__lt=local_midnight(add_months(last, 1)),
        parcel__region__path__startswith=region.path,
    )
    key = TruncMonth("occurred_at") if by == "month" else F("parcel__region__parent_id")
    rows = events.annotate(key=key).values("key").annotate(n=Count("parcel_id", distinct=True))
    return sorted((str(r["key"]), r["n"]) for r in rows.order_by())


def timed(call, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(ctx: dict) -> dict:
    from django.core.cache import cache

    from cuncun.monitoring import rollups
    from cuncun.monitoring.dashboard import parcels_by_day, parcels_by_township, township_sales
    from cuncun.monitoring.periods import add_months, year_to_date
    from cuncun.monitoring.queries import sales_by
    from cuncun.plans.progress import evaluate

    county, office, first, last = ctx["county"], ctx["office"], ctx["first"], ctx["last"]
    t0 = time.perf_counter()
    rollups.rebuild_all(first, last)
    rollups.rebuild_parcels(first, add_months(last, 1) - timedelta(days=1))
    rebuild_s = time.perf_counter() - t0
    ytd = year_to_date(date.today())
    panels = {
        "by_month": lambda: sales_by(office, region=county, first=first, last=last, by="month"),
        "by_township": lambda: sales_by(
            office, region=county, first=first, last=last, by="township"
        ),
        "by_goods": lambda: sales_by(
            office, region=county, first=ytd[0], last=ytd[1], by="category"
        ),
        "by_platform": lambda: sales_by(
            office, region=county, first=ytd[0], last=ytd[1], by="platform"
        ),
        "township_series": lambda: township_sales(office, county, first, last),
        "parcels_by_township": lambda: parcels_by_township(office, county, last),
        "parcels_by_day": lambda: parcels_by_day(office, county, last),
        "growth": lambda: evaluate("ecommerce_transaction_growth", county, date.today()),
        "retail_growth": lambda: evaluate("online_retail_growth", county, date.today()),
    }
    cold = {
        name: timed(lambda call=call: (cache.clear(), call()), COLD_REPEATS)
        for name, call in panels.items()
    }
    log(
        "rollup panels, cache cleared before each, median ms:",
        {k: round(p(v, 0.5), 1) for k, v in cold.items()},
    )
    per_panel = {name: timed(call, REPEATS) for name, call in panels.items()}
    log("rollup panels, median ms:", {k: round(p(v, 0.5), 1) for k, v in per_panel.items()})
    rolled = [ms for values in per_panel.values() for ms in values]
    cold_ms = [ms for values in cold.values() for ms in values]
    direct_panels = [
        lambda by=by: direct(county, first, last, by)
        for by in ("month", "township", "category", "platform")
    ] + [lambda by=by: direct_parcels(county, first, last, by) for by in ("month", "township")]
    direct_ms = [ms for call in direct_panels for ms in timed(call, DIRECT_REPEATS)]
    log(f"rollup rebuilt in {rebuild_s:.1f} s; direct panels median {p(direct_ms, 0.5):.0f} ms")
    return {
        "p50_ms": round(p(rolled, 0.5), 1),
        "p95_ms": round(p(rolled, 0.95), 1),
        "uncached_p50_ms": round(p(cold_ms, 0.5), 1),
        "uncached_p95_ms": round(p(cold_ms, 0.95), 1),
        "direct_p95_ms": round(p(direct_ms, 0.95), 1),
        "speedup": round(p(direct_ms, 0.95) / p(rolled, 0.95), 1),
        "rollup_rebuild_s": round(rebuild_s, 1),
    }


def main() -> int:
    with fresh_database("bench_dashboard", SERVER_URL) as url:
        os.environ.update(
            {
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "cuncun.settings",
                "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
                "CUNCUN_PII_KEY": os.environ.get("CUNCUN_PII_KEY")
                or base64.b64encode(os.urandom(32)).decode(),
                "CUNCUN_DEBUG": "0",
                "CUNCUN_LOG_LEVEL": "ERROR",
            }
        )
        ctx = prepare()
        figures = measure(ctx)
        print(
            json.dumps(
                {
                    "bench": "dashboard",
                    "orders": ORDERS,
                    "order_lines": ctx["lines"],
                    "parcels": ctx["parcels"],
                    "reports": ctx["reports"],
                    **figures,
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
