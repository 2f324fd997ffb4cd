"""Page weight and load time on a slow phone link: the 景洪 demo served by the production shape on
loopback (`cuncun.loopback`: PostgreSQL, Redis, gunicorn with the project's config, collected,
compressed, hash-named static files, DEBUG off), headless Chromium emulating Slow 3G through the
DevTools protocol (400 ms latency, 50,000 B/s down and up) with its cache cleared before every page
and service workers blocked (a first visit).
The village operator's home and counters, the market front, and one chart page (coverage).

Prints {"bench": "operator_pages", "pages": N, "max_kb": …, "max_load_s": …, "chart_kb": …,
"chart_load_s": …, "per_page": {path: [kb, s], …}}: the max over the pages without a chart, and
the chart page on its own. Bytes are what crossed the wire (compressed), every request counted.
"""

import json
import os
import time

from bench.flash_sale import SERVER_URL
from cuncun.loopback import ProductionShape

CHROMIUM = os.environ.get("CUNCUN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 50_000,
    "uploadThroughput": 50_000,
}
PASSWORD = "cuncun-demo"
CHART_PAGE = "/network/coverage/"


def main() -> None:
    with ProductionShape(
        "bench_operator_pages", database_server=SERVER_URL, demo=True, static=True
    ) as shape:
        (port,) = shape.start_servers(1, workers=2)
        # "localhost": Chromium keeps the Secure session cookie of a DEBUG-off site only there.
        results = _measure(f"http://localhost:{port}")
    plain = {path: r for path, r in results.items() if path != CHART_PAGE}
    print(
        json.dumps(
            {
                "bench": "operator_pages",
                "pages": len(results),
                "max_kb": max(kb for kb, _s in plain.values()),
                "max_load_s": max(s for _kb, s in plain.values()),
                "chart_kb": results[CHART_PAGE][0],
                "chart_load_s": results[CHART_PAGE][1],
                "per_page": results,
            },
            ensure_ascii=False,
        )
    )


def _measure(base: str) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # No service worker: the console's worker answers the pages it keeps from the phone, so
        # nothing would cross the link; the bench measures a first visit over it.
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
            service_workers="block",
        )
        page = context.new_page()
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", "operator")
        page.fill("#id_password", PASSWORD)
        page.press("#id_password", "Enter")
        page.wait_for_url(f"{base}/console/")
        counter = page.locator('[data-key="handover"]').get_attribute("href")
        paths = ["/console/", counter, "/market/point/", "/market/", CHART_PAGE]
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        received = []
        cdp.on("Network.loadingFinished", lambda e: received.append(e["encodedDataLength"]))
        results = {}
        for path in paths:
            cdp.send("Network.clearBrowserCache")
            received.clear()
            start = time.perf_counter()
            page.goto(f"{base}{path}", wait_until="load", timeout=120_000)
            seconds = time.perf_counter() - start
            page.wait_for_timeout(200)  # the last loadingFinished events
            results[path] = [round(sum(received) / 1024, 1), round(seconds, 2)]
        browser.close()
    return results


if __name__ == "__main__":
    main()
