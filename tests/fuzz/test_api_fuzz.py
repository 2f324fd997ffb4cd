"""An outside fuzzer (schemathesis) over /api/openapi.json: every operation, anonymously and as
the county office, with a bounded number of generated requests each. Any 5xx, any status the
schema does not list and any body that breaks the schema fails the test."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.middleware.csrf import get_token
from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

# Generated requests per operation and per user: enough to reach the edges of every parameter
# (huge numbers, odd texts, wrong types) while the whole fuzz stays within a couple of minutes.
EXAMPLES_PER_OPERATION = 8
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def _operations():
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(headers: dict) -> int:
    # Large answers are gzipped for slow links; schemathesis' WSGI transport reads the body as
    # sent and does not decode it, as a browser or an HTTP client would: ask for it plain.
    headers = {"Accept-Encoding": "identity", **headers}
    calls = 0
    for operation in _operations():

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case):
            nonlocal calls
            calls += 1
            case.call_and_validate(headers=headers, checks=CHECKS)

        call()
    return calls


def _office_headers(office_user) -> dict:
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["_auth_user_id"] = str(office_user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = office_user.get_session_auth_hash()
    session.save()
    request = RequestFactory().get("/")
    token = get_token(request)
    return {
        "Cookie": f"sessionid={session.session_key}; csrftoken={token}",
        "X-CSRFToken": token,
    }


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_every_generated_request_anonymously_without_a_server_error(plan):
    assert _fuzz({}) > 0


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_every_generated_request_of_the_office_without_a_server_error(
    plan, office_user
):
    assert _fuzz(_office_headers(office_user)) > 0
