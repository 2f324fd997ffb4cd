"""The JSON API under /api/: one NinjaAPI; each app's `api.routes` are mounted on it."""

from django.db import DataError
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from cuncun.core import observability
from cuncun.core.errors import DomainError
from cuncun.core.rooms import modules_named

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "stable, for programs"},
        "message": {"type": "string", "description": "for people, in their language"},
        "details": {"description": "what the code needs to say more (bad rows, short lines)"},
    },
    "required": ["code", "message", "details"],
}
# What any operation may answer besides its own: a rule said no (400), not allowed (403), not
# found (404), conflicts with the state (409), a body that is not JSON (415), a request that does
# not fit the schema (422). Operations that need a login may also answer 401.
ERROR_STATUSES = {
    "400": "A rule refused the request",
    "403": "Logged in, but not allowed (role, area, or a missing CSRF token)",
    "404": "Not found, or not visible to you",
    "409": "Conflicts with the current state",
    "415": "The body is not JSON",
    "422": "The request does not fit the schema",
    "429": "Too many requests from this client in a short time (rate_limited)",
}
UNAUTHENTICATED = {"401": "Not logged in (an anonymous write answers 401, never 403)"}


class CuncunAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """Ninja's schema, with the error answers every operation may give, so that the schema
        is true to what a client can receive (the fuzzer in tests/fuzz holds us to it)."""
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for path in schema["paths"].values():
            for operation in path.values():
                statuses = {
                    **ERROR_STATUSES,
                    **(UNAUTHENTICATED if "security" in operation else {}),
                }
                for status, description in statuses.items():
                    operation["responses"].setdefault(
                        status, {"description": description, "content": error}
                    )
        return schema


api = CuncunAPI(
    title="cuncun API",
    version="1",
    description="村村: a county's rural e-commerce program. Errors are "
    '`{"code", "message", "details"}` with a 4xx status. Writes take a JSON body. Not logged '
    "in, a write answers 401 (`not_authenticated`); logged in (a session cookie) without the "
    "CSRF token, or outside one's role or area, it answers 403.",
    urls_namespace="api",
)


def _error(request, status: int, code: str, message: str, details=None):
    return api.create_response(
        request, {"code": code, "message": message, "details": details or {}}, status=status
    )


@api.exception_handler(DomainError)
def on_domain_error(request, error: DomainError):
    return _error(request, error.http_status, error.code, str(error.message), error.details)


@api.exception_handler(ValidationError)
def on_validation_error(request, error: ValidationError):
    return _error(request, 422, "invalid_request", _("The request is not valid."), error.errors)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, error):
    return _error(request, 401, "not_authenticated", _("Log in first."))


@api.exception_handler(HttpError)
def on_http_error(request, error: HttpError):
    if error.status_code == 403 and not request.user.is_authenticated:
        # Ninja's session auth checks the CSRF token before it looks for a login, so an
        # anonymous write would read "forbidden"; it is "log in first", as the schema says.
        return on_authentication_error(request, error)
    return _error(request, error.status_code, "http_error", str(error))


@api.exception_handler(MultiPartParserError)
def on_unreadable_body(request, error):
    """A body that says it is multipart (or another form) and is not: the CSRF check reads the
    form before the operation would have refused it."""
    return _error(
        request, 415, "unsupported_media_type", _("Send the body as JSON (application/json).")
    )


@api.exception_handler(DataError)
def on_out_of_range(request, error):
    """A number or text the database cannot hold (an id beyond its integer range): the input
    is wrong, and the failed statement's transaction has been rolled back."""
    return _error(request, 400, "out_of_range", _("A number or text in the request is too large."))


@api.get(
    "/health",
    tags=["health"],
    summary="The database and the task queue's lag",
    response={200: dict, 503: dict},
)
def health(request):
    """`{"status": "ok"|"degraded", "database", "task_queue": {"ready", "running", "failed",
    "lag_seconds", "lagging"}}`; 503 with `"status": "down"` when the database does not answer."""
    status, body = observability.health()
    return api.create_response(request, body, status=status)


for _config, module in modules_named("api"):
    for prefix, router in module.routes:
        api.add_router(prefix, router)
