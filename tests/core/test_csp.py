"""Every answer carries the site's Content-Security-Policy, read from the settings; an answer that
names its own keeps it; the API docs and the admin run under the site's policy unchanged."""

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from cuncun.core.middleware import ContentSecurityPolicyMiddleware

SITE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _answered_by_middleware(response: HttpResponse) -> HttpResponse:
    return ContentSecurityPolicyMiddleware(lambda request: response)(RequestFactory().get("/"))


@pytest.mark.parametrize(
    "path",
    ["/plan/", "/accounts/login/", "/no-such-page/", "/api/health", "/sw.js", "/admin/login/"],
)
def test_every_answer_carries_the_sites_policy_with_no_inline_code_or_eval(db, path):
    response = Client().get(path)

    assert response["Content-Security-Policy"] == SITE_POLICY
    assert "unsafe" not in response["Content-Security-Policy"]


def test_an_answer_that_names_its_own_policy_keeps_it():
    own = HttpResponse()
    own["Content-Security-Policy"] = "default-src 'none'"

    assert _answered_by_middleware(own)["Content-Security-Policy"] == "default-src 'none'"
    assert _answered_by_middleware(HttpResponse())["Content-Security-Policy"] == SITE_POLICY


def test_the_policy_is_the_one_the_settings_give_and_none_when_they_give_none(settings):
    settings.CUNCUN_CSP = "default-src 'self'; img-src 'self' https://tiles.example.org"
    assert _answered_by_middleware(HttpResponse())["Content-Security-Policy"] == (
        "default-src 'self'; img-src 'self' https://tiles.example.org"
    )

    settings.CUNCUN_CSP = ""
    assert "Content-Security-Policy" not in _answered_by_middleware(HttpResponse())


def test_the_api_docs_need_no_exception_their_script_is_a_static_file(db):
    """django-ninja's Swagger UI starts from a static file (swagger-ui-init.js) and keeps its
    settings in a JSON script: the docs run under the site's policy, with no hash or nonce."""
    response = Client().get("/api/docs")
    page = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == SITE_POLICY
    assert 'src="/static/ninja/swagger-ui-init.js"' in page
    assert page.count("<script") == page.count("<script src=") + page.count(
        '<script type="application/json"'
    )


def test_in_debug_djangos_own_error_pages_keep_their_inline_looks(settings):
    settings.DEBUG = True

    assert "Content-Security-Policy" not in _answered_by_middleware(HttpResponse(status=404))
    assert "Content-Security-Policy" not in _answered_by_middleware(HttpResponse(status=500))
    assert "Content-Security-Policy" in _answered_by_middleware(HttpResponse(status=200))
