"""The JSON API under /api/: one NinjaAPI; each app's `api.routes` are mounted on it."""

from django.db import connection
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from cuncun.core.errors import DomainError
from cuncun.core.rooms import modules_named

api = NinjaAPI(
    title="cuncun API",
    version="1",
    description="村村: a county's rural e-commerce program. Errors are "
    '`{"code", "message", "details"}` with a 4xx status.',
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
    return _error(request, error.status_code, "http_error", str(error))


@api.get("/health", tags=["health"], summary="Liveness and database check")
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok", "database": connection.vendor}


for _config, module in modules_named("api"):
    for prefix, router in module.routes:
        api.add_router(prefix, router)
