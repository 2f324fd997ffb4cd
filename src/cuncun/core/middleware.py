"""The page language, a DomainError raised under a page shown as a clear page with its message
(never a traceback), and the Content-Security-Policy every answer carries."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation

from cuncun.core.errors import DomainError


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        return render(
            request,
            "core/domain_error.html",
            {"error": exception},
            status=exception.http_status,
        )


class ChineseByDefaultMiddleware(LocaleMiddleware):
    """Pages are in Chinese unless the person chose another language with the switch (a cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a phone bought set to
    English would show a villager English pages they never asked for; only a choice made on the
    site counts here."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if not chosen or not translation.check_for_language(chosen):
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()


class ContentSecurityPolicyMiddleware:
    """Every answer carries the site's Content-Security-Policy (`settings.CUNCUN_CSP`): scripts,
    styles, images and connections from this site only, no inline script or style, no eval, no
    framing. An answer that already names its own policy keeps it, so that one page may carry a
    narrower exception than the whole site ever gets."""

    HEADER = "Content-Security-Policy"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CUNCUN_CSP and self.HEADER not in response and not _debug_page(response):
            response[self.HEADER] = settings.CUNCUN_CSP
        return response


def _debug_page(response) -> bool:
    """In DEBUG (make demo) a 404 or a 500 is Django's own page for developers, styled and
    scripted inline; it keeps its looks. Outside DEBUG those are our templates, under the policy."""
    return settings.DEBUG and response.status_code in {404, 500}
