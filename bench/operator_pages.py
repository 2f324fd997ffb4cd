"""Page weight and load time on a slow phone link: the 景洪 demo served by gunicorn (collected,
compressed, hash-named static files, DEBUG off), headless Chromium emulating Slow 3G through the
DevTools protocol (400 ms latency, 50,000 B/s down and up) with its cache cleared before every page.
The village operator's home and counters, the market front, and one chart page (coverage).

Prints {"bench": "operator_pages", "pages": N, "max_kb": …, "max_load_s": …, "chart_kb": …,
"chart_load_s": …, "per_page": {path: [kb, s], …}}: the max over the pages without a chart, and
the chart page on its own. Bytes are what crossed the wire (compressed), every request counted.
"""

import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
SERVER_START_SECONDS = 60


def main() -> None:
    var = Path(tempfile.mkdtemp(prefix="cuncun-bench-"))
    env = {
        **os.environ,
        "CUNCUN_VAR_DIR": str(var),
        "CUNCUN_STATIC_ROOT": str(var / "static"),
        "CUNCUN_DEMO": "1",
        "CUNCUN_DEBUG": "0",
        "SECRET_KEY": "bench-only-" + os.urandom(8).hex(),
        "CUNCUN_PII_KEY": os.environ.get("CUNCUN_PII_KEY")
        or base64.b64encode(os.urandom(32)).decode(),
        "DJANGO_SETTINGS_MODULE": "cuncun.settings",
    }
    env.pop("DATABASE_URL", None)  # a fresh SQLite file, as `make demo`
    for command in (["migrate", "--no-input"], ["load_demo"], ["collectstatic", "--no-input"]):
        _manage(command, env)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "cuncun.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # "localhost": Chromium keeps the Secure session cookie of a DEBUG-off site only there.
        base = f"http://localhost:{port}"
        _wait_for(base)
        results = _measure(base)
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)  # a loaded machine may take a while to stop its workers
        except subprocess.TimeoutExpired:
            server.kill()
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
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
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


def _manage(command: list[str], env: dict) -> None:
    subprocess.run(
        [sys.executable, "-m", "cuncun.manage", *command],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(base: str) -> None:
    import urllib.request

    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        try:
            urllib.request.urlopen(f"{base}/accounts/login/", timeout=5)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


if __name__ == "__main__":
    main()
