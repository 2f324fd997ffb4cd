"""Turns a DomainError raised under a page into a clear page with its message, never a traceback."""

from django.shortcuts import render

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
