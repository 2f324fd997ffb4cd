"""Every page each demo role reaches from its home and its menu is Chinese in zh-hans: no label,
status or message is left in English (a word of three or more ASCII letters that is not a brand,
a unit or a code a person reads as such)."""

import re
from html.parser import HTMLParser

import pytest

from tests.portal.demo_walk import DEMO_USERNAMES

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


class VisibleText(HTMLParser):
    """The text a person sees (not scripts or styles) and placeholders. Codes (`<code>`, a sample
    file in `<pre>`) are what they are in any language."""

    HIDDEN = {"script", "style", "noscript", "template", "code", "pre"}

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.HIDDEN:
            self._hidden += 1
        if attrs.get("placeholder"):
            self.texts.append(attrs["placeholder"])

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


@pytest.mark.timeout(1800)  # the whole demo, then every role's pages (tests/portal/conftest.py)
def test_no_page_a_demo_role_reaches_shows_english_in_zh_hans(demo_pages):
    found = {}
    for page in demo_pages:
        text = VisibleText()
        text.feed(page.html)
        if english := english_on(text.texts):
            found.setdefault(page.path, set()).update(english)
    assert not found, "\n".join(f"{path}: {sorted(texts)}" for path, texts in sorted(found.items()))
