"""What an operator of the servers watches: a request id on every log line, JSON logs, the
Prometheus metrics (/metrics) and the health of the database and the task queue (/api/health).

Under gunicorn each worker process counts its own requests; with PROMETHEUS_MULTIPROC_DIR set
(deploy/gunicorn.conf.py sets it) prometheus-client writes them to files there and /metrics adds
up every process's. The queue and the SMS outbox are read from the database at each scrape, so
every server reports the same numbers whichever one is asked.
"""

import contextvars
import hmac
import json
import logging
import os
import re
import time
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.db.models import Case, F, Min, When
from django.http import HttpResponse, HttpResponseForbidden
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

_request_id = contextvars.ContextVar("request_id", default="-")
# What a proxy may send as a request id: short and plain, so it cannot forge log lines.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

REQUESTS = Counter(
    "cuncun_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "cuncun_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    """Takes the proxy's X-Request-ID (nginx sends $request_id) or makes one, puts it on every log
    line of the request and hands it back in the answer, so a person's complaint with the id on
    an error page leads to the lines that tell what happened."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        # Not reset on the way out: Django logs a 4xx/5xx answer (django.request) after the last
        # middleware returns, and that line needs the id too. The next request sets its own.
        _request_id.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class MetricsMiddleware:
    """Counts each answer by method, route and status, and times it. The route is the URL pattern
    (`orders/<int:pk>/`), never the path, so the number of series stays small."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        route = _route_of(request)
        LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        return response


def _route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.route or match.view_name or "unmatched"


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = _request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line; Chinese kept as it is (not \\u-escaped) so lines stay legible."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", _request_id.get()),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def task_queue_state() -> dict:
    """The task queue as the database holds it: tasks waiting to run, running, failed, and the lag
    (seconds the oldest due task has waited; 0 when none waits)."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    ready = DBTaskResult.objects.ready()
    due_since = ready.annotate(
        due=Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"))
    ).aggregate(oldest=Min("due"))["oldest"]
    lag = max(0.0, (timezone.now() - due_since).total_seconds()) if due_since else 0.0
    return {
        "ready": ready.count(),
        "running": DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count(),
        "failed": DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count(),
        "lag_seconds": round(lag, 3),
    }


def sms_backlog() -> int:
    from cuncun.core.models import OutboxMessage

    return OutboxMessage.objects.filter(status=OutboxMessage.Status.QUEUED).count()


def health() -> tuple[int, dict]:
    """(HTTP status, body): 503 when the database does not answer, so a proxy takes the server
    out; a lagging queue keeps the server in (it can still serve) but says "degraded"."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        queue = task_queue_state()
    except Exception as error:  # any database failure is the answer, whatever its kind
        return 503, {"status": "down", "database": connection.vendor, "error": type(error).__name__}
    lagging = queue["lag_seconds"] > settings.CUNCUN_HEALTH_MAX_TASK_LAG
    return 200, {
        "status": "degraded" if lagging else "ok",
        "database": connection.vendor,
        "task_queue": {**queue, "lagging": lagging},
    }


class DatabaseCollector:
    """The gauges read from the database at each scrape (the same for every server)."""

    def collect(self):
        queue = task_queue_state()
        for name, help_text, value in (
            ("cuncun_task_queue_depth", "Tasks due and waiting for a worker", queue["ready"]),
            (
                "cuncun_task_queue_age_seconds",
                "How long the oldest due task has waited",
                queue["lag_seconds"],
            ),
            (
                "cuncun_tasks_running",
                "Tasks a worker has claimed and not finished",
                queue["running"],
            ),
            ("cuncun_tasks_failed", "Tasks that ended in an error (kept results)", queue["failed"]),
            (
                "cuncun_sms_outbox_backlog",
                "Text messages written and not yet handed to a gateway",
                sms_backlog(),
            ),
        ):
            yield GaugeMetricFamily(name, help_text, value=value)


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, LATENCY):
            registry.register(collector)
    registry.register(DatabaseCollector())
    return registry


def metrics_allowed(request) -> bool:
    """/metrics tells traffic and backlog: only to the scraper. With CUNCUN_METRICS_TOKEN set it
    must come as a bearer token; without, only from this machine (nginx refuses /metrics from
    outside, see deploy/nginx)."""
    token = settings.CUNCUN_METRICS_TOKEN
    if token:
        return hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}")
    return request.META.get("REMOTE_ADDR") in {"127.0.0.1", "::1"}


def metrics_view(request):
    if not metrics_allowed(request):
        return HttpResponseForbidden("metrics: not from here\n", content_type="text/plain")
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
