"""The console's service worker: it keeps the console, the counters it links to and their static
files on the phone, so that they open with no connection (the actions done there wait in the
phone's queue: core/static/core/offline.js)."""

import hashlib

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.shortcuts import render
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# The static files the console's pages use: kept on the phone when the worker is installed.
CONSOLE_STATIC = [
    "css/cuncun.css",
    "core/behaviours.js",
    "core/offline.js",
    "logistics/scan.js",
    "catalog/market.css",
]


def console_paths() -> list[str]:
    """The addresses (prefixes) of the pages kept for offline use: the console, the parcel
    counter and the scan page (check-in), the point's order counter and its cash
    confirmations."""
    return [
        reverse("portal:console"),
        reverse("logistics:scan"),
        reverse("logistics:counter", args=[0]).removesuffix("0/"),
        reverse("orders:point"),
    ]


def _version(static_urls: list[str]) -> str:
    """Changes whenever the worker or a file it keeps changes, so that a new deployment replaces
    the phone's copies: the hashed names where collectstatic made them, the contents too where
    it did not (a bare runserver)."""
    digest = hashlib.sha256(get_template("portal/sw.js").template.source.encode())
    for name, url in zip(CONSOLE_STATIC, static_urls, strict=True):
        digest.update(url.encode())
        found = finders.find(name)
        if found:
            with open(found, "rb") as file:
                digest.update(file.read())
    return digest.hexdigest()[:12]


@require_GET
@never_cache
def service_worker(request):
    static_urls = [staticfiles_storage.url(name) for name in CONSOLE_STATIC]
    # Always in the site's language: the browser fetches the worker with its own Accept-Language,
    # not the page's, and a worker whose bytes changed with it would be installed anew, its
    # activation dropping the pages the last one kept.
    with translation.override(settings.LANGUAGE_CODE):
        return _worker(request, static_urls)


def _worker(request, static_urls: list[str]):
    return render(
        request,
        "portal/sw.js",
        {
            "version": _version(static_urls),
            "static_urls": static_urls,
            "pages": console_paths(),
            "static_prefix": settings.STATIC_URL,
            "logout": reverse("accounts:logout"),
            "home": reverse("portal:console"),
            # Its page for "no copy here" is made on the phone: it carries the site's policy too.
            "stylesheet": staticfiles_storage.url("css/cuncun.css"),
            "content_security_policy": settings.CUNCUN_CSP,
        },
        content_type="text/javascript; charset=utf-8",
    )
