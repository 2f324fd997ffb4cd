"""The console's service worker is served from the site's root, names what it keeps and changes
its version when what it keeps changes."""

from django.test import Client


def test_the_service_worker_is_served_from_the_root_with_the_console_pages_it_keeps(db):
    response = Client().get("/sw.js")

    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    for kept in ['"/console/"', '"/logistics/scan/"', '"/logistics/points/"', '"/market/point/"']:
        assert kept in body
    assert "core/offline.js" in body and 'var VERSION = "' in body
