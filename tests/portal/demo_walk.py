"""The walk through the demo that the checks of every page share: the demo loaded, each demo role
(and a visitor) logged in, the links followed from their home and menu, one page of each kind."""

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

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
# What is not a page: files (uploads open at /<app>/files/…), the admin, the API, and the links
# that change something.
SKIPPED = re.compile(
    r"^/(admin|api|static|media|accounts/logout|i18n)/|/files/|\.(xlsx|csv|zip|pdf|png|svg)$"
)
PAGES_PER_ROLE = 80


@dataclass(frozen=True)
class VisitedPage:
    username: str | None  # None: a visitor
    path: str
    headers: dict[str, str]
    html: str


class Links(HTMLParser):
    """The links of a page that stay on the site."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") or ""
        if tag == "a" and href.startswith("/"):
            self.links.append(href)


def walk_demo() -> list[VisitedPage]:
    """Every HTML page the walk reaches, as each role saw it (run inside a test's database)."""
    load_demo()
    pages = []
    for username in [None, *DEMO_USERNAMES]:
        client = Client()
        if username:
            assert client.login(username=username, password=DEMO_PASSWORD)
        pages += crawl(client, username, "/start/" if username else "/")
    return pages


def crawl(client: Client, username: str | None, start: str) -> list[VisitedPage]:
    """The pages reached from `start` by their links, one of each kind."""
    pages: list[VisitedPage] = []
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
        html = response.content.decode()
        pages.append(VisitedPage(username, path, dict(response.headers), html))
        links = Links()
        links.feed(html)
        queue += links.links
    return pages
