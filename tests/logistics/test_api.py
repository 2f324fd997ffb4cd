"""The carrier event API: a key per carrier (only its hash stored), batches answered event by
event, the same event twice recorded once, couriers logging in may send events too."""

import pytest
from django.test import Client

from cuncun.accounts.models import Role
from cuncun.logistics.models import CarrierApiKey, EventKind, Parcel, TrackingEvent
from cuncun.logistics.services import issue_carrier_api_key, revoke_carrier_api_key
from tests.conftest import PASSWORD, township
from tests.logistics.conftest import at

URL = "/api/logistics/events/"


@pytest.fixture
def sf_key(carriers, office_user):
    _row, key = issue_carrier_api_key(actor=office_user, carrier=carriers["SF"], label="顺丰系统")
    return key


def post(client, body, key=None):
    headers = {"HTTP_X_CARRIER_KEY": key} if key else {}
    return client.post(URL, body, content_type="application/json", **headers)


def batch(manda_point, warehouse):
    return {
        "events": [
            {
                "waybill": "SF1400000001",
                "kind": "arrived_hub",
                "occurred_at": at(1, 9).isoformat(),
                "event_id": "sf-e-1",
                "site": warehouse.code,
                "text": "快件已到达【景洪集散中心】",
                "parcel": {"point": manda_point.code, "name": "玉香南", "phone": "13812345678"},
            },
            {
                "waybill": "SF1400000001",
                "kind": "accepted",
                "occurred_at": at(2, 15).isoformat(),
                "event_id": "sf-e-0",
                "text": "顺丰速运 已收取快件",
            },
            {"waybill": "SF1400000002", "kind": "arrived_hub", "occurred_at": at(1, 9).isoformat()},
            {
                "waybill": "SF1400000001",
                "kind": "delivered",
                "occurred_at": at(1, 10).isoformat(),
                "delivered_to": "pickup_point",
                "event_id": "sf-e-2",
            },
        ]
    }


def test_only_the_keys_hash_is_stored(sf_key):
    row = CarrierApiKey.objects.get()
    assert sf_key not in (row.key_hash, row.prefix) and len(row.key_hash) == 64


def test_a_carrier_sends_a_batch_and_each_event_is_answered(client, sf_key, manda_point, warehouse):
    response = post(client, batch(manda_point, warehouse), sf_key)

    assert response.status_code == 200
    body = response.json()
    outcomes = [r["outcome"] for r in body["results"]]
    assert outcomes == ["recorded", "recorded", "error", "flagged"]
    assert body["results"][2]["code"] == "not_found"
    assert body["results"][0]["status"] == EventKind.ARRIVED_HUB
    assert (body["recorded"], body["flagged"], body["errors"]) == (2, 1, 1)


def test_the_same_batch_twice_records_each_event_once(client, sf_key, manda_point, warehouse):
    post(client, batch(manda_point, warehouse), sf_key)
    body = post(client, batch(manda_point, warehouse), sf_key).json()

    assert [r["outcome"] for r in body["results"]] == [
        "duplicate",
        "duplicate",
        "error",
        "duplicate",
    ]
    assert TrackingEvent.objects.count() == 3


def test_an_event_the_parcel_cannot_hold_is_refused_alone_and_the_batch_goes_on(
    client, sf_key, manda_point, warehouse
):
    def new_parcel(waybill, **parcel):
        return {
            "waybill": waybill,
            "kind": "arrived_hub",
            "occurred_at": at(1, 9).isoformat(),
            "site": warehouse.code,
            "parcel": {"point": manda_point.code, **parcel},
        }

    body = {
        "events": [
            new_parcel("SF1", name="玉" * 51),
            new_parcel("SF2", order_ref="M" * 41),
            new_parcel("SF3", weight_kg="100000"),
            new_parcel("SF4", weight_kg="-1"),
            new_parcel("SF5", weight_kg="2.5"),
            {**new_parcel("SF6"), "site": manda_point.code},
        ]
    }

    response = post(client, body, sf_key)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["outcome"], r["http_status"]) for r in results] == [
        ("error", 400),
        ("error", 400),
        ("error", 400),
        ("error", 400),
        ("recorded", None),
        ("error", 400),
    ]
    assert results[0]["message"] == "收件人或寄件人有51个字，最多50个"
    assert results[2]["message"] == "重量（千克）必须在 0 到 99999.99 之间"
    assert list(Parcel.objects.values_list("waybill", flat=True)) == ["SF5"]


def test_a_carrier_key_cannot_send_another_carriers_events(client, sf_key, manda_point, warehouse):
    body = batch(manda_point, warehouse)
    body["events"][0]["carrier"] = "ZTO"
    result = post(client, body, sf_key).json()["results"][0]
    assert result["outcome"] == "error" and result["code"] == "not_allowed"


def test_without_a_valid_key_the_api_refuses(client, sf_key, manda_point, warehouse, office_user):
    assert post(client, batch(manda_point, warehouse)).status_code == 401
    assert post(client, batch(manda_point, warehouse), "cc_not-a-key").status_code == 401
    revoke_carrier_api_key(actor=office_user, api_key=CarrierApiKey.objects.get())
    assert post(client, batch(manda_point, warehouse), sf_key).status_code == 401


def test_a_logged_in_courier_sends_events_in_their_area(
    carriers, make_user, manda_point, gasa_station
):
    make_user("courier", Role.COURIER, township("嘎洒镇"))
    client = Client()
    client.login(username="courier", password=PASSWORD)
    body = {
        "events": [
            {
                "carrier": "ZTO",
                "waybill": "ZT1",
                "kind": "arrived_hub",
                "occurred_at": at(1, 9).isoformat(),
                "site": gasa_station.code,
                "parcel": {"point": manda_point.code},
            }
        ]
    }
    result = post(client, body).json()["results"][0]
    assert result["outcome"] == "recorded"


def test_a_merchant_logged_in_may_not_send_events(carriers, make_user):
    make_user("shop", Role.MERCHANT, township("嘎洒镇"))
    client = Client()
    client.login(username="shop", password=PASSWORD)
    assert post(client, {"events": []}).status_code == 403


def test_a_carrier_reads_its_parcels_timeline(client, sf_key, manda_point, warehouse):
    post(client, batch(manda_point, warehouse), sf_key)

    response = client.get("/api/logistics/parcels/SF/SF1400000001/", HTTP_X_CARRIER_KEY=sf_key)

    body = response.json()
    assert response.status_code == 200
    assert [e["kind"] for e in body["events"]] == ["accepted", "arrived_hub", "delivered"]
    assert body["events"][2]["state"] == "flagged" and body["recipient"] == "玉*南"
    assert (
        client.get(
            "/api/logistics/parcels/ZTO/SF1400000001/", HTTP_X_CARRIER_KEY=sf_key
        ).status_code
        == 404
    )


def test_the_key_command_prints_a_working_key_once(client, carriers, manda_point, warehouse):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("issue_carrier_key", "zto", stdout=out)
    key = out.getvalue().split("X-Carrier-Key: ")[1].split()[0]

    body = {
        "events": [
            {
                "waybill": "ZT1",
                "kind": "arrived_hub",
                "occurred_at": at(1, 9).isoformat(),
                "site": warehouse.code,
                "parcel": {"point": manda_point.code},
            }
        ]
    }
    assert post(client, body, key).json()["recorded"] == 1
