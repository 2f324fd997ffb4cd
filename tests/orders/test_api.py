import json

import pytest

from cuncun.orders.models import Order, OrderStatus, Payment, PaymentEvent, SandboxCharge
from cuncun.orders.payments import PROVIDERS


@pytest.fixture
def buyer_client(client, market):
    client.force_login(market.buyer)
    return client


def checkout(client, market, lines, key="key-1", **extra):
    body = {
        "fulfilment": "pickup",
        "payment_provider": "offline",
        "pickup_site": market.point.code,
        "lines": [{"sku": sku.pk, "quantity": q} for sku, q in lines],
        **extra,
    }
    return client.post(
        "/api/checkout/",
        json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )


def test_the_market_is_public(client, market):
    body = client.get("/api/catalog/products/", {"q": "茶"}).json()
    assert [p["name"] for p in body["items"]] == ["普洱茶"]
    assert body["items"][0]["available"] == 10
    detail = client.get(f"/api/catalog/products/{market.tea.product_id}/").json()
    assert detail["skus"][0]["price"] == "50.00" and detail["skus"][0]["available"] == 10


def test_checkout_needs_a_login(client, market):
    response = checkout(client, market, [(market.tea, 1)])
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_checkout_through_the_api_splits_per_merchant_and_replays_by_key(buyer_client, market):
    first = checkout(buyer_client, market, [(market.tea, 2), (market.coffee, 1)])
    assert first.status_code == 201
    body = first.json()
    assert [o["merchant"] for o in body["orders"]] == ["刘家茶园", "曼达咖啡合作社"]
    assert body["total"] == "180.00" and body["replayed"] is False
    assert body["orders"][0]["lines"][0]["site"] == market.warehouse.code

    again = checkout(buyer_client, market, [(market.tea, 2), (market.coffee, 1)])
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["checkout"] == body["checkout"]


def test_a_shortfall_answers_409_with_every_short_line(buyer_client, market):
    response = checkout(buyer_client, market, [(market.tea, 99), (market.coffee, 99)])
    assert response.status_code == 409
    error = response.json()
    assert error["code"] == "insufficient_stock"
    assert [line["available"] for line in error["details"]["lines"]] == [10, 5]


def test_a_checkout_without_an_idempotency_key_is_refused(buyer_client, market):
    response = checkout(buyer_client, market, [(market.tea, 1)], key="")
    assert response.status_code == 400


def test_the_cart_api(buyer_client, market):
    buyer_client.post(
        "/api/cart/lines/",
        json.dumps({"sku": market.tea.pk, "quantity": 2}),
        content_type="application/json",
    )
    cart = buyer_client.put(
        f"/api/cart/lines/{market.coffee.pk}/",
        json.dumps({"quantity": 1}),
        content_type="application/json",
    ).json()
    assert cart["total"] == "180.00"
    response = checkout(buyer_client, market, [])
    assert response.status_code == 400  # an empty "buy now" list
    body = {"fulfilment": "pickup", "payment_provider": "offline", "pickup_site": market.point.code}
    response = buyer_client.post(
        "/api/checkout/",
        json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": "c"},
    )
    assert response.status_code == 201 and len(response.json()["orders"]) == 2
    assert buyer_client.get("/api/cart/").json()["lines"] == []


def test_sandbox_payment_and_its_callback_over_http(buyer_client, client, market):
    placed = checkout(
        buyer_client,
        market,
        [(market.tea, 1)],
        fulfilment="delivery",
        payment_provider="sandbox",
        pickup_site=None,
        recipient_name="张三",
        recipient_phone="13800000002",
        address="昆明市",
    ).json()
    payment = buyer_client.post(
        "/api/payments/",
        json.dumps({"checkout": placed["checkout"], "return_url": "/orders/mine/"}),
        content_type="application/json",
    ).json()
    assert payment["redirect_url"].startswith("/market/sandbox-gateway/")

    buyer_client.post(payment["redirect_url"], {"decision": "pay"})  # the gateway's page
    charge = SandboxCharge.objects.get()
    body, signature = PROVIDERS["sandbox"].notification(charge)
    url = "/api/payments/sandbox/callback/"

    forged = client.post(
        url, body, content_type="application/json", headers={"X-Sandbox-Signature": "bad"}
    )
    assert forged.status_code == 400 and forged.json()["code"] == "bad_signature"
    assert Order.objects.get().status == OrderStatus.PENDING_PAYMENT

    ok = client.post(
        url, body, content_type="application/json", headers={"X-Sandbox-Signature": signature}
    )
    assert ok.json() == {"outcome": "applied"}
    again = client.post(
        url, body, content_type="application/json", headers={"X-Sandbox-Signature": signature}
    )
    assert again.json() == {"outcome": "duplicate"}
    assert Order.objects.get().status == OrderStatus.PAID
    assert PaymentEvent.objects.filter(signature_valid=False).count() == 1


def test_the_pickup_counter_over_the_api(buyer_client, client, market):
    placed = checkout(buyer_client, market, [(market.tea, 1)]).json()
    order_id = placed["orders"][0]["id"]
    payment = buyer_client.post(
        "/api/payments/",
        json.dumps({"checkout": placed["checkout"]}),
        content_type="application/json",
    ).json()
    client.force_login(market.operator)
    confirmed = client.post(
        f"/api/payments/{payment['reference']}/confirm/", "{}", content_type="application/json"
    )
    assert confirmed.json()["status"] == "succeeded"
    client.force_login(market.tea_owner)
    client.post(f"/api/orders/{order_id}/pack/")
    client.post(
        f"/api/orders/{order_id}/ship/",
        json.dumps({"tracking_number": "YZ1"}),
        content_type="application/json",
    )
    client.force_login(market.operator)
    assert client.post(f"/api/orders/{order_id}/arrive/").json()["status"] == "at_pickup_point"

    code = Order.objects.get(pk=order_id).pickup_code
    wrong = client.post(
        f"/api/orders/{order_id}/pickup/",
        json.dumps({"code": "x" + code[1:]}),
        content_type="application/json",
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "pickup_code_wrong"
    done = client.post(
        f"/api/orders/{order_id}/pickup/",
        json.dumps({"code": code}),
        content_type="application/json",
    )
    assert done.json()["status"] == "completed"


def test_a_buyer_cannot_see_another_buyers_order(buyer_client, client, market, make_user):
    placed = checkout(buyer_client, market, [(market.tea, 1)]).json()
    from cuncun.accounts.models import User

    other = User.objects.create_user("other", password="x-very-long-password-1")
    client.force_login(other)
    assert client.get(f"/api/orders/{placed['orders'][0]['id']}/").status_code == 404
    assert (
        client.post(
            f"/api/orders/{placed['orders'][0]['id']}/cancel/",
            "{}",
            content_type="application/json",
        ).status_code
        == 404
    )


def test_a_buy_now_checkout_costs_a_fixed_number_of_queries(
    buyer_client, market, django_assert_max_num_queries
):
    body = {
        "fulfilment": "delivery",
        "payment_provider": "sandbox",
        "recipient_name": "张三",
        "recipient_phone": "13800000002",
        "address": "昆明市",
        "lines": [{"sku": market.tea.pk, "quantity": 1}],
    }
    # session, user, SKUs and stock, festival offers; savepoint, checkout, orders, lines,
    # reservations, audit, trace's batches (held? and for the journey), stock update, release
    # task, key, release (no stored key read first; no vouchers read: a delivery has no fee)
    with django_assert_max_num_queries(15):
        response = buyer_client.post(
            "/api/checkout/",
            json.dumps(body),
            content_type="application/json",
            headers={"Idempotency-Key": "q"},
        )
    assert response.status_code == 201


def test_a_payment_returning_to_another_site_is_refused(buyer_client, market):
    placed = checkout(buyer_client, market, [(market.tea, 1)]).json()
    for url in ["https://evil.example/steal", "//evil.example/"]:
        response = buyer_client.post(
            "/api/payments/",
            json.dumps({"checkout": placed["checkout"], "return_url": url}),
            content_type="application/json",
        )
        assert response.status_code == 400 and response.json()["code"] == "invalid_input"
    assert not Payment.objects.exists()


@pytest.mark.parametrize("quantity", [0, -1, 1000, 10**20])
def test_cart_and_checkout_answer_400_for_a_quantity_out_of_range(buyer_client, market, quantity):
    line = buyer_client.post(
        "/api/cart/lines/",
        json.dumps({"sku": market.tea.pk, "quantity": quantity}),
        content_type="application/json",
    )
    response = checkout(buyer_client, market, [(market.tea, quantity)])
    assert line.status_code == 400 and response.status_code == 400
    assert buyer_client.get("/api/cart/").json()["lines"] == []
    assert not Order.objects.exists()
