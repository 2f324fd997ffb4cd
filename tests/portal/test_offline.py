"""The console's service worker is served from the site's root, names what it keeps and changes
its version when what it keeps changes; the page it makes itself keeps to the site's policy."""

from django.conf import settings
from django.test import Client
from django.utils.html import escapejs


def test_the_service_worker_is_served_from_the_root_with_the_console_pages_it_keeps(db):
    response = Client().get("/sw.js")

    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    for kept in ['"/console/"', '"/logistics/scan/"', '"/logistics/points/"', '"/market/point/"']:
        assert kept in body
    assert "core/offline.js" in body and 'var VERSION = "' in body


def test_the_workers_own_no_copy_page_carries_the_sites_policy_and_no_inline_style(db):
    body = Client().get("/sw.js").content.decode()

    assert f'var CONTENT_SECURITY_POLICY = "{escapejs(settings.CUNCUN_CSP)}";' in body
    assert 'headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY' in body
    assert "style=" not in body and "css/cuncun.css" in body
    assert "core/behaviours.js" in body  # the confirmations of the kept pages work offline
