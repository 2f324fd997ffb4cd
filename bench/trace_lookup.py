"""Scanning QR codes on PostgreSQL, over real HTTP: 100,000 batches with their events; the app
served by gunicorn workers on loopback; 50 concurrent keep-alive clients each resolve a random
batch's GS1 Digital Link (`/01/<GTIN>/10/<lot>`, answered 307) and follow it to the public trace
page (200), as a phone does after a scan. In the same run it measures the same server's rate on a
trivial JSON endpoint (GET /api/health).

The batches and events are written set-based (INSERT … SELECT generate_series), not through the
services, so that preparing 100,000 takes seconds. The database is created for the run and
dropped after it. Prints one JSON line:
{"bench": "trace_lookup", "batches": …, "requests": …, "rps": …, "p50_ms": …, "p95_ms": …,
 "trivial_rps": …, "ratio_to_trivial": …}
`requests` counts lookups (a redirect and a page each); `rps` is lookups per second; p50/p95 are
over lookups, from sending the scan to the trace page's last byte. A lookup that does not end in
a 200 trace page fails the run (exit status 1). Settings: CUNCUN_BENCH_DATABASE_URL,
TRACE_BATCHES, TRACE_LOOKUPS, FLASH_WORKERS/FLASH_THREADS (the gunicorn of bench.flash_sale).
"""

import asyncio
import itertools
import json
import os
import random
import secrets
import sys
import tempfile
import time
import uuid
from urllib.parse import urlsplit

from bench.flash_sale import (
    SERVER_URL,
    _read_response,
    _with_db,
    create_database,
    drop_database,
    free_port,
    health_request,
    percentile,
    run_load,
    start_server,
)

BATCHES = int(os.environ.get("TRACE_BATCHES", "100000"))
LOOKUPS = int(os.environ.get("TRACE_LOOKUPS", "5000"))
CLIENTS = 50
TRIVIAL_REQUESTS = 5000
STEPS = ["commissioning", "inspecting", "packing", "stocking", "shipping"]


def log(*parts) -> None:
    print("trace_lookup:", *parts, file=sys.stderr, flush=True)


def prepare_batches() -> list[str]:
    """Migrate; one producer, product and base through the services; then BATCHES batches with
    five events each, set-based. Answers the Digital Link paths of every batch."""
    import io

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from cuncun.catalog.models import CategoryKind, Unit
    from cuncun.catalog.services import ProductDetails, SkuDetails, create_product, ensure_category
    from cuncun.merchants.models import MerchantKind
    from cuncun.merchants.services import MerchantDetails, register_merchant
    from cuncun.portal.demo import DIVISIONS_FILE
    from cuncun.regions.models import Level, RegionUnit
    from cuncun.regions.services import load_divisions
    from cuncun.trace import gs1, services

    call_command("migrate", verbosity=0, stdout=io.StringIO())
    load_divisions(actor=None, data=DIVISIONS_FILE.read_bytes())
    township = RegionUnit.objects.get(level=Level.TOWNSHIP, name="勐龙镇")
    seller = register_merchant(
        actor=None,
        details=MerchantDetails(
            name="勐龙茶园（压测）", kind=MerchantKind.FAMILY_FARM, region=township
        ),
    )
    tea = ensure_category(actor=None, code="tea", name="茶叶", kind=CategoryKind.FARM_PRODUCT)
    product = create_product(
        actor=None,
        merchant=seller,
        details=ProductDetails(
            name="古树普洱", category=tea, skus=(SkuDetails(unit=Unit.PIECE, price="99"),)
        ),
    )
    base = services.register_base(
        actor=None,
        merchant=seller,
        details=services.BaseDetails(
            name="曼栋茶园",
            village=township.children.order_by("pk").first(),
            area_mu="100",
            latitude="21.6",
            longitude="100.9",
            crops="普洱茶",
        ),
    )
    gtin = gs1.county_gtin(product.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO trace_batch (created_at, updated_at, lot, product_id, base_id, gtin, "
            "harvested_on, quantity, unit, packing, status, status_reason, is_demo) "
            "SELECT now(), now(), 'B' || lpad(g::text, 8, '0'), %s, %s, %s, "
            "current_date - (g %% 300), 100, '斤', '357克/饼', 'open', '', false "
            "FROM generate_series(1, %s) AS g",
            [product.pk, base.pk, gtin, BATCHES],
        )
        cursor.execute(
            "INSERT INTO trace_traceevent (event_id, event_type, batch_id, biz_step, disposition, "
            "event_time, place, order_ref, waybill, note, source, recorded_at) "
            "SELECT 'urn:uuid:' || gen_random_uuid(), 'ObjectEvent', b.id, s.step, 'active', "
            "b.created_at + s.n * interval '1 day', '勐龙镇', '', '', '', 'cuncun', now() "
            "FROM trace_batch b CROSS JOIN unnest(%s::text[]) WITH ORDINALITY AS s(step, n)",
            [STEPS],
        )
        cursor.execute("ANALYZE trace_batch")
        cursor.execute("ANALYZE trace_traceevent")
        cursor.execute("SELECT gtin, lot FROM trace_batch")
        paths = [gs1.build(g, lot).path for g, lot in cursor.fetchall()]
    connection.close()
    return paths


async def _lookups(port: int, total: int, paths: list[str]) -> list[tuple[bool, float, float]]:
    """CLIENTS connections scan random batches back to back: the Digital Link, then the page it
    redirects to. Answers (ended on a 200 trace page, latency s, finished at) per lookup."""
    counter = itertools.count()
    results: list[tuple[bool, float, float]] = []
    host = f"Host: 127.0.0.1:{port}\r\n"

    async def get(reader, writer, path: str):
        writer.write(f"GET {path} HTTP/1.1\r\n{host}Accept: text/html\r\n\r\n".encode())
        return await _read_response(reader)

    async def client(seed: int) -> None:
        pick = random.Random(seed)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while next(counter) < total:
            started = time.perf_counter()
            try:
                status, headers, _body = await get(reader, writer, pick.choice(paths))
                ok = status == 307
                if ok:
                    status, _headers, body = await get(
                        reader, writer, urlsplit(headers["location"]).path
                    )
                    ok = status == 200 and b'id="journey"' in body
            except (ConnectionError, asyncio.IncompleteReadError, OSError, KeyError):
                ok = False
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            done = time.perf_counter()
            results.append((ok, done - started, done))
        writer.close()

    await asyncio.gather(*(client(i) for i in range(CLIENTS)))
    return results


def main() -> int:
    name = f"bench_trace_lookup_{uuid.uuid4().hex[:8]}"
    url = _with_db(SERVER_URL, name)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "cuncun.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
        "CUNCUN_DEBUG": "0",
        "CUNCUN_LOG_LEVEL": "ERROR",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    os.environ.update(env)
    create_database(name)
    server = None
    server_log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115  (closed in finally)
    try:
        t0 = time.perf_counter()
        paths = prepare_batches()
        log(f"{len(paths)} batches with events prepared in {time.perf_counter() - t0:.1f} s")
        port = free_port()
        server = start_server(port, env, server_log)

        trivial, started = run_load(port, TRIVIAL_REQUESTS, CLIENTS, health_request(port))
        trivial_rps = len([r for r in trivial if r[0] == 200]) / (
            max(r[2] for r in trivial) - started
        )

        started = time.perf_counter()
        lookups = asyncio.run(_lookups(port, LOOKUPS, paths))
        failed = [r for r in lookups if not r[0]]
        rps = len(lookups) / (max(r[2] for r in lookups) - started)
        latencies = [r[1] * 1000 for r in lookups]
        if failed:
            log(f"{len(failed)} lookups did not end on a trace page")
            server_log.seek(0)
            for line in server_log.read().splitlines()[:20]:
                log("server:", line)
        print(
            json.dumps(
                {
                    "bench": "trace_lookup",
                    "batches": len(paths),
                    "requests": len(lookups),
                    "rps": round(rps, 1),
                    "p50_ms": round(percentile(latencies, 50), 1),
                    "p95_ms": round(percentile(latencies, 95), 1),
                    "trivial_rps": round(trivial_rps, 1),
                    "ratio_to_trivial": round(rps / trivial_rps, 3),
                }
            )
        )
        return 1 if failed else 0
    finally:
        server_log.close()
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        drop_database(name)


if __name__ == "__main__":
    sys.exit(main())
