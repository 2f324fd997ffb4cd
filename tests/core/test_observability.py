"""What an operator watches: /api/health with the task queue's lag, /metrics for Prometheus, and
log lines in JSON carrying the request's id."""

import json
import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cuncun.core.observability import JsonFormatter, RequestIdFilter
from cuncun.core.sms import send_sms
from cuncun.orders.tasks import release_expired_reservations


def _task_waiting_for(minutes: int) -> None:
    release_expired_reservations.enqueue()
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=minutes))


def test_health_reports_an_empty_task_queue_as_ok(db):
    body = Client().get("/api/health").json()

    assert body["status"] == "ok"
    assert body["task_queue"] == {
        "ready": 0,
        "running": 0,
        "failed": 0,
        "lag_seconds": 0.0,
        "lagging": False,
    }


def test_health_says_degraded_when_the_oldest_task_waited_too_long(db, settings):
    settings.CUNCUN_HEALTH_MAX_TASK_LAG = 60
    _task_waiting_for(minutes=5)

    response = Client().get("/api/health")

    body = response.json()
    assert response.status_code == 200  # the server can still serve: a proxy keeps it
    assert body["status"] == "degraded"
    assert body["task_queue"]["ready"] == 1 and body["task_queue"]["lagging"] is True
    assert 290 < body["task_queue"]["lag_seconds"] < 400


def test_a_task_due_later_is_not_lag(db):
    release_expired_reservations.using(run_after=timezone.now() + timedelta(hours=1)).enqueue()

    queue = Client().get("/api/health").json()["task_queue"]

    assert queue["ready"] == 0 and queue["lag_seconds"] == 0.0


def test_metrics_count_requests_and_read_queue_and_outbox_from_the_database(db):
    client = Client(REMOTE_ADDR="127.0.0.1")
    _task_waiting_for(minutes=2)
    send_sms(to="13900000001", text="演示")  # no gateway run yet: it waits in the outbox
    client.get("/api/health")

    text = client.get("/metrics").content.decode()

    assert 'cuncun_http_requests_total{method="GET",route="api/health",status="200"}' in text
    assert "cuncun_http_request_duration_seconds_bucket" in text
    assert "cuncun_task_queue_depth 1.0" in text
    assert "cuncun_sms_outbox_backlog 1.0" in text
    age = next(line for line in text.splitlines() if line.startswith("cuncun_task_queue_age"))
    assert float(age.split()[1]) >= 110


def test_metrics_are_refused_from_outside_without_the_token(db, settings):
    assert Client(REMOTE_ADDR="203.0.113.7").get("/metrics").status_code == 403

    settings.CUNCUN_METRICS_TOKEN = "scrape-token"
    outside = Client(REMOTE_ADDR="203.0.113.7")
    assert outside.get("/metrics").status_code == 403
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token").status_code == 200


def test_every_answer_carries_a_request_id_and_keeps_a_proxys_one(db):
    client = Client()

    made = client.get("/api/health")["X-Request-ID"]
    kept = client.get("/api/health", HTTP_X_REQUEST_ID="nginx-4f2a")["X-Request-ID"]
    forged = client.get("/api/health", HTTP_X_REQUEST_ID='x" level=ERROR')["X-Request-ID"]

    assert len(made) == 32 and kept == "nginx-4f2a"
    assert forged != 'x" level=ERROR' and len(forged) == 32


def test_a_log_line_is_one_json_object_with_the_request_id(db, caplog):
    seen = []

    class Capture(logging.Handler):
        def emit(self, record):
            seen.append(JsonFormatter().format(record))

    handler = Capture()
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        Client().get("/api/no-such-thing/", HTTP_X_REQUEST_ID="req-123")
    finally:
        logger.removeHandler(handler)

    entry = json.loads(seen[-1])
    assert entry["request_id"] == "req-123" and entry["level"] == "WARNING"
    assert entry["logger"] == "django.request" and "Not Found" in entry["message"]


@pytest.mark.parametrize("text", ["稻谷已入库", "line\nbreak"])
def test_json_lines_keep_chinese_and_never_break_a_line(text):
    record = logging.LogRecord("cuncun", logging.INFO, __file__, 1, text, None, None)

    line = JsonFormatter().format(record)

    assert "\n" not in line and json.loads(line)["message"] == text
    assert "request_id" in json.loads(line)
