"""Scanning QR codes on PostgreSQL, over real HTTP: 100,000 batches with their events; the app
served by gunicorn workers on loopback; 50 concurrent keep-alive clients each resolve a random
batch's GS1 Digital Link (`/01/<GTIN>/10/<lot>`, answered 307) and follow it to the public trace
page (200), as a phone does after a scan. In the same run it measures the same server's rate on a
trivial JSON endpoint (GET /api/health).

The batches and events are written set-based (INSERT … SELECT generate_series), not through the
services, so that preparing 100,000 takes seconds. The database is created for the run and
dropped after it; the server is the production shape's (`cuncun.loopback`: the project's gunicorn
config, Redis). Prints one JSON line:
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
from urllib.parse import urlsplit

from bench.flash_sale import (
    SERVER_URL,
    THREADS,
    WORKERS,
    _read_response,
    health_request,
    percentile,
    run_load,
)
from cuncun.loopback import ProductionShape

BATCHES = int(os.environ.get("TRACE_BATCHES", "100000"))
LOOKUPS = int(os.environ.get("TRACE_LOOKUPS", "5000"))
CLIENTS = 50
TRIVIAL_REQUESTS = 5000
# Batch 90 is a blend of 81-89 and goes into the repack 100: a recall that walks both ways.
RECALL_LOT = "B00000090"
RECALLER = "bench-office"
STEPS = ["commissioning", "inspecting", "packing", "stocking", "shipping"]


def log(*parts) -> None:
    print("trace_lookup:", *parts, file=sys.stderr, flush=True)


def prepare_batches() -> list[str]:
    """One producer, product and base through the services; then BATCHES batches with five
    events each, set-based. Answers the Digital Link paths of every batch."""
    from django.db import connection

    from cuncun.accounts.roles import Role
    from cuncun.accounts.services import create_user
    from cuncun.catalog.models import CategoryKind, Unit
    from cuncun.catalog.services import ProductDetails, SkuDetails, create_product, ensure_category
    from cuncun.merchants.models import MerchantKind
    from cuncun.merchants.services import MerchantDetails, register_merchant
    from cuncun.portal.demo import DIVISIONS_FILE
    from cuncun.regions.models import Level, RegionUnit
    from cuncun.regions.services import load_divisions
    from cuncun.trace import gs1, services

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
            "SELECT now(), now(), 'B' || lpad(g::text, 8, '0'), %s, "
            "CASE WHEN g %% 10 = 0 THEN NULL ELSE %s END, %s, "
            "current_date - (g %% 300), 100, '斤', '357克/饼', 'open', '', false "
            "FROM generate_series(1, %s) AS g",
            [product.pk, base.pk, gtin, BATCHES],
        )
        # The lineage graph: every tenth batch is a blend of the nine harvested before it, and
        # every hundredth also takes in the blend before it (three levels deep).
        cursor.execute(
            "INSERT INTO trace_batchinput (output_id, source_id, quantity) "
            "SELECT o.id, s.id, 10 FROM trace_batch o CROSS JOIN generate_series(1, 10) AS k "
            "JOIN trace_batch s ON s.lot = 'B' || lpad((substr(o.lot, 2)::int - k)::text, 8, '0') "
            "WHERE o.base_id IS NULL AND (k < 10 OR substr(o.lot, 2)::int % 100 = 0)"
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
        cursor.execute("ANALYZE trace_batchinput")
        cursor.execute("ANALYZE trace_traceevent")
        cursor.execute("SELECT gtin, lot FROM trace_batch")
        paths = [gs1.build(g, lot).path for g, lot in cursor.fetchall()]
    create_user(
        actor=None,
        username=RECALLER,
        password=secrets.token_urlsafe(16),
        role=Role.COUNTY_OFFICE,
        region=RegionUnit.objects.get(level=Level.COUNTY),
    )
    connection.close()
    return paths


def time_recall(shape: ProductionShape) -> tuple[float, int]:
    """`cuncun recall RECALL_LOT --reason …` as the office would run it: the lot, its blends
    upstream and downstream, stopped and listed as CSV. Answers (seconds, CSV rows)."""
    with tempfile.NamedTemporaryFile(suffix=".csv") as out:
        started = time.perf_counter()
        recall = shape.manage(
            "recall", RECALL_LOT, "--by", RECALLER, "--reason", "压测：农残超标", "--csv", out.name
        )
        seconds = time.perf_counter() - started
        if recall.returncode != 0:
            raise RuntimeError(f"the recall failed: {recall.stderr}")
        rows = len(out.read().decode("utf-8-sig").splitlines()) - 1
    return seconds, rows


class _Connection:
    """One client's HTTP/1.1 connection, opened again when the server closes it (`Connection:
    close`: its keep-alive time ran out, or gunicorn recycles the worker), as a phone's browser
    does."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def get(self, path: str, lookup: int) -> tuple[int, dict, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Accept: text/html\r\nX-Lookup: {lookup}\r\n\r\n".encode()
        )
        try:
            status, headers, body = await _read_response(self.reader)
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            self.close()
            raise
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _lookup(connection: _Connection, path: str, lookup: int) -> str:
    """Scan one Digital Link and follow its redirect: answers "" when it ends on the batch's trace
    page, else what went wrong. Both requests carry the lookup's number (X-Lookup) for the
    server's access log."""
    status, headers, _body = await connection.get(path, lookup)
    if status != 307:
        return f"scan answered {status}"
    status, _headers, body = await connection.get(urlsplit(headers["location"]).path, lookup)
    if status != 200 or b'id="journey"' not in body:
        return f"page answered {status} without a journey"
    return ""


async def _lookups(port: int, total: int, paths: list[str]) -> list[tuple[str, float, float]]:
    """CLIENTS clients scan random batches back to back. Answers (what went wrong or "", latency
    s, finished at) per lookup."""
    counter = itertools.count()
    results: list[tuple[str, float, float]] = []

    async def client(seed: int) -> None:
        pick = random.Random(seed)
        connection = _Connection(port)
        while (n := next(counter)) < total:
            started = time.perf_counter()
            try:
                problem = await _lookup(connection, pick.choice(paths), n)
            except (ConnectionError, asyncio.IncompleteReadError, OSError, KeyError) as error:
                problem = repr(error)
            done = time.perf_counter()
            results.append((problem, done - started, done))
        connection.close()

    await asyncio.gather(*(client(i) for i in range(CLIENTS)))
    return results


# The server's own time per request (gunicorn's %(D)s, microseconds), by lookup.
ACCESS_FORMAT = "%({x-lookup}i)s %(D)s"


def server_times_ms(access_log) -> list[float]:
    """Each lookup's time inside the server (its scan plus its page), from the access log."""
    per_lookup: dict[str, int] = {}
    access_log.seek(0)
    for line in access_log.read().splitlines():
        lookup, _, micros = line.rpartition(" ")
        if lookup not in {"", "-"}:
            per_lookup[lookup] = per_lookup.get(lookup, 0) + int(micros)
    return [m / 1000 for m in per_lookup.values()]


def main() -> int:
    access_log = tempfile.NamedTemporaryFile(mode="w+", suffix=".log")  # noqa: SIM115
    with (
        access_log,
        ProductionShape(
            "bench_trace_lookup", settings={"CUNCUN_LOG_LEVEL": "ERROR"}, database_server=SERVER_URL
        ) as shape,
    ):
        t0 = time.perf_counter()
        paths = prepare_batches()
        log(f"{len(paths)} batches with events prepared in {time.perf_counter() - t0:.1f} s")
        # The access log of the server's own times, in place of the config's.
        times = f"--access-logfile {access_log.name} --access-logformat '{ACCESS_FORMAT}'"
        (port,) = shape.start_servers(1, workers=WORKERS, threads=THREADS, gunicorn_args=times)

        trivial, started = run_load(port, TRIVIAL_REQUESTS, CLIENTS, health_request(port))
        trivial_rps = len([r for r in trivial if r[0] == 200]) / (
            max(r[2] for r in trivial) - started
        )

        started = time.perf_counter()
        lookups = asyncio.run(_lookups(port, LOOKUPS, paths))
        failed = [r[0] for r in lookups if r[0]]
        rps = len(lookups) / (max(r[2] for r in lookups) - started)
        latencies = [r[1] * 1000 for r in lookups]
        server_ms = server_times_ms(access_log)
        recall_s, recall_rows = time_recall(shape)
        if failed:
            shape.failed = True
            log(f"{len(failed)} lookups did not end on a trace page, first: {failed[0]}")
            for line in shape.log_problems()[:20]:
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
                    "server_p50_ms": round(percentile(server_ms, 50), 1),
                    "server_p95_ms": round(percentile(server_ms, 95), 1),
                    "recall_s": round(recall_s, 2),
                    "recall_rows": recall_rows,
                }
            )
        )
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
