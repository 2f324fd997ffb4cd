"""What the API answers to a wrong body and an anonymous write, and that its schema says so."""

import json

from django.test import Client

from cuncun.api import api


def test_an_anonymous_write_answers_401_as_the_schema_says(county):
    response = Client(enforce_csrf_checks=True).post(
        "/api/cart/lines/", json.dumps({"sku": 1, "quantity": 1}), content_type="application/json"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    operation = api.get_openapi_schema()["paths"]["/api/cart/lines/"]["post"]
    assert {"401", "403"} <= set(operation["responses"])


def test_a_logged_in_write_without_the_csrf_token_answers_403(office_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(office_user)

    response = client.post(
        "/api/cart/lines/", json.dumps({"sku": 1, "quantity": 1}), content_type="application/json"
    )

    assert response.status_code == 403
    assert set(response.json()) == {"code", "message", "details"}


def test_a_json_body_sent_as_multipart_answers_415_with_the_error_body(office_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(office_user)
    token = "k" * 32  # a CSRF secret, in the cookie and the header alike
    client.cookies["csrftoken"] = token
    for path in ("/api/cart/lines/", "/api/payments/", "/api/checkout/"):
        response = client.post(
            path,
            json.dumps({"sku": 1, "quantity": 1}),
            content_type="multipart/form-data",
            headers={"X-CSRFToken": token},
        )

        assert response.status_code == 415, (path, response.content)
        assert response.json()["code"] == "unsupported_media_type"
