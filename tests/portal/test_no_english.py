"""Every page each demo role reaches from its home and its menu is Chinese in zh-hans: no label,
status or message is left in English (a word of three or more ASCII letters that is not a brand,
a unit or a code a person reads as such)."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client

from cuncun.portal.demo import DEMO_PASSWORD, load_demo

DEMO_USERNAMES = [
    "office",
    "commerce",
    "finance",
    "township",
    "operator",
    "merchant",
    "courier",
    "training",
    "host",
    "agency",
    "bank",
    "leadership",
    "supervision",
    "servicecenter",
    "agriculture",
    "13900000009",
]
# Words a Chinese reader sees in English anyway: file types, standards, brands, units, codes.
ALLOWED = {
    "QR", "GS1", "xlsx", "csv", "CSV", "zip", "pdf", "PDF", "Excel", "SKU", "GTIN", "EPCIS",
    "API", "OpenAPI", "JSON", "GB", "kg", "km", "cm", "mm", "CNY", "cuncun", "ECharts", "htmx",
    "WiFi", "Wi", "Fi", "App", "APP", "EMS", "VROOM", "OSM", "GPS", "SMS", "English", "http",
    "https", "www", "AGPL", "Django", "tel", "Mbps", "GAP", "JPEG", "PNG", "WebP",
    # the budget file's column names and values, which the file must hold as written
    "project", "category", "support", "source", "central", "local",
}  # fmt: skip
# A word standing alone: not part of a code (JH-VP-001), a path, an address or a number.
WORD = re.compile(r"(?<![A-Za-z0-9_./:@#=&?-])[A-Za-z]{3,}(?![A-Za-z0-9_./:@#=&?-])")
# What is not a page: files, the admin, the API, and the links that change something.
SKIPPED = re.compile(
    r"^/(admin|api|static|media|accounts/logout|i18n)/|\.(xlsx|csv|zip|pdf|png|svg)$"
)
PAGES_PER_ROLE = 80


class VisibleText(HTMLParser):
    """The text a person sees (not scripts or styles), placeholders, and the links to follow.
    Codes (`<code>`, a sample file in `<pre>`) are what they are in any language."""

    HIDDEN = {"script", "style", "noscript", "template", "code", "pre"}

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.HIDDEN:
            self._hidden += 1
        if attrs.get("placeholder"):
            self.texts.append(attrs["placeholder"])
        if tag == "a" and attrs.get("href", "").startswith("/"):
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def english_on(texts: list[str]) -> set[str]:
    # The demo's login names are what people type, not labels.
    allowed = ALLOWED | set(DEMO_USERNAMES)
    return {text for text in texts if any(w not in allowed for w in WORD.findall(text))}


def crawl(client: Client, start: str) -> dict[str, set[str]]:
    """The pages reached from `start` by their links, one of each kind, with the English left
    on each."""
    found: dict[str, set[str]] = {}
    queue, seen = [start], set()
    while queue and len(seen) < PAGES_PER_ROLE:
        url = queue.pop(0)
        path = urlsplit(url).path
        kind = re.sub(r"\d+", "#", path)  # one page of each kind: /regions/#/, /network/s/#-V#/
        if kind in seen or SKIPPED.search(path):
            continue
        seen.add(kind)
        response = client.get(url, follow=True)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = VisibleText()
        page.feed(response.content.decode())
        if english := english_on(page.texts):
            found[path] = english
        queue += page.links
    return found


@pytest.mark.timeout(1800)  # the whole demo, then every role's pages
def test_no_page_a_demo_role_reaches_shows_english_in_zh_hans(db):
    load_demo()
    found = {}
    for username in [None, *DEMO_USERNAMES]:
        client = Client()
        if username:
            assert client.login(username=username, password=DEMO_PASSWORD)
        for path, texts in crawl(client, "/start/" if username else "/").items():
            found.setdefault(path, set()).update(texts)
    assert not found, "\n".join(f"{path}: {sorted(texts)}" for path, texts in sorted(found.items()))
