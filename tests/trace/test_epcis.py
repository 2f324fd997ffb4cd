"""EPCIS 2.0: a batch's journey goes out as an EPCISDocument in JSON-LD, and partners' events
come in through the capture endpoint (all or none, each once by its eventID, by role)."""

import json
import os
from pathlib import Path

import jsonschema
import pytest
from django.utils import timezone

from cuncun.accounts.roles import Role
from cuncun.core.models import AuditEntry
from cuncun.trace import gs1, services
from cuncun.trace.models import TraceEvent
from tests.trace.conftest import base_of, harvest

CAPTURE = "/api/trace/epcis/capture"
# GS1's EPCIS 2.0 JSON schema (EPCIS-JSON-Schema.json of github.com/gs1/EPCIS) is not shipped:
# its licence file is a disclaimer that grants no right to copy it. Point EPCIS_SCHEMA at a copy
# fetched from GS1 to check our documents against it.
EPCIS_SCHEMA = os.environ.get("EPCIS_SCHEMA", "")
ROOT = "http://testserver"


def export_of(client, batch):
    response = client.get(f"/api/trace/batches/{batch.lot}/epcis")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    return response.json()


def lot_uri(batch) -> str:
    return gs1.build(batch.gtin, batch.lot).uri(ROOT)


def shipped(batch, event_id="urn:uuid:6a1c2f54-3d1e-4b9a-9f0e-000000000001", **extra):
    return {
        "type": "ObjectEvent",
        "eventID": event_id,
        "eventTime": "2026-11-20T09:30:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "action": "OBSERVE",
        "bizStep": "https://ref.gs1.org/cbv/BizStep-shipping",
        "disposition": "https://ref.gs1.org/cbv/Disp-in_transit",
        "quantityList": [{"epcClass": lot_uri(batch)}],
        "cuncun:place": "勐龙镇物流服务站",
        **extra,
    }


def document(*events):
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-20T10:00:00+08:00",
        "epcisBody": {"eventList": list(events)},
    }


def post(client, body):
    return client.post(CAPTURE, json.dumps(body), content_type="application/json")


def test_a_batchs_journey_is_exported_as_an_epcis_document_naming_the_lot_by_its_qr(client, farm):
    services.pack_batch(
        actor=None, batch=farm.batch, packing="357克/饼", packed_on=timezone.localdate()
    )

    exported = export_of(client, farm.batch)

    assert exported["type"] == "EPCISDocument"
    assert exported["schemaVersion"] == "2.0"
    assert exported["@context"][0].startswith("https://ref.gs1.org/standards/epcis/2.0.0/")
    events = exported["epcisBody"]["eventList"]
    assert [e["bizStep"] for e in events] == ["commissioning", "stocking", "packing"]
    assert events[0]["action"] == "ADD"
    assert events[2]["action"] == "OBSERVE"
    assert all(e["quantityList"] == [{"epcClass": lot_uri(farm.batch)}] for e in events)
    assert all(e["eventTimeZoneOffset"] == "+08:00" for e in events)
    assert {e["eventID"] for e in events} == set(
        farm.batch.events.values_list("event_id", flat=True)
    )


def test_a_mix_is_exported_as_a_transformation_from_its_sources(client, farm):
    market = farm.market
    second = harvest(market.tea.product, base_of(market.tea_garden, "南糯山茶园"), quantity="300")
    blend = services.transform_batches(
        actor=market.tea_owner,
        product=market.tea.product,
        sources=[(farm.batch, "200"), (second, "300")],
        quantity="500",
        unit="斤",
        made_on=timezone.localdate(),
    )

    (event,) = export_of(client, blend)["epcisBody"]["eventList"]

    assert event["type"] == "TransformationEvent"
    assert event["inputQuantityList"] == [
        {"epcClass": lot_uri(farm.batch), "quantity": 200.0},
        {"epcClass": lot_uri(second), "quantity": 300.0},
    ]
    assert event["outputQuantityList"] == [{"epcClass": lot_uri(blend)}]


def test_the_export_of_an_unknown_lot_is_not_found(client, db):
    response = client.get("/api/trace/batches/NOSUCHLOT/epcis")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_courier_captures_a_shipment_once_however_often_it_is_sent(client, farm, make_user):
    client.force_login(make_user("courier1", Role.COURIER))
    before = farm.batch.events.count()

    first = post(client, document(shipped(farm.batch)))
    again = post(client, document(shipped(farm.batch)))

    assert first.status_code == 200
    assert first.json() == {"captured": [shipped(farm.batch)["eventID"]], "duplicates": []}
    assert again.json() == {"captured": [], "duplicates": [shipped(farm.batch)["eventID"]]}
    assert farm.batch.events.count() == before + 1
    event = TraceEvent.objects.get(event_id=shipped(farm.batch)["eventID"])
    assert (event.biz_step, event.disposition, event.place) == (
        "shipping",
        "in_transit",
        "勐龙镇物流服务站",
    )
    assert event.source == "user:courier1"
    assert AuditEntry.objects.filter(action="trace.epcis.capture").count() == 1


def test_a_captured_event_shows_in_the_export_and_on_the_trace_page(client, farm, office_user):
    client.force_login(office_user)
    post(client, document(shipped(farm.batch)))
    client.logout()

    steps = [e["bizStep"] for e in export_of(client, farm.batch)["epcisBody"]["eventList"]]
    page = client.get(f"/trace/b/{farm.batch.lot}/").content.decode()

    assert "shipping" in steps
    assert "勐龙镇物流服务站" in page


def test_a_document_with_one_bad_event_captures_nothing_and_says_which(client, farm, office_user):
    client.force_login(office_user)
    broken = shipped(farm.batch, event_id="urn:uuid:6a1c2f54-3d1e-4b9a-9f0e-000000000002")
    broken["quantityList"] = [{"epcClass": lot_uri(farm.batch)[:-1] + "9"}]
    del broken["action"]

    response = post(client, document(shipped(farm.batch), broken))

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_epcis"
    assert body["message"]
    assert {(p["index"], p["field"]) for p in body["details"]["problems"]} == {(1, "action")}
    assert not TraceEvent.objects.filter(event_id__startswith="urn:uuid:6a1c2f54").exists()


def test_an_event_for_a_lot_nobody_has_is_refused_with_its_index(client, farm, office_user):
    client.force_login(office_user)
    stranger = shipped(farm.batch)
    stranger["quantityList"] = [{"epcClass": gs1.build(farm.batch.gtin, "NOSUCH").uri(ROOT)}]

    response = post(client, document(stranger))

    assert response.status_code == 400
    assert response.json()["code"] == "epcis_refused"
    assert response.json()["details"]["problems"][0]["index"] == 0


def test_capture_refuses_a_broken_body_a_bad_time_and_a_step_trace_keeps_to_itself(
    client, farm, office_user
):
    client.force_login(office_user)

    not_json = client.post(CAPTURE, "{oops", content_type="application/json")
    naive = post(client, shipped(farm.batch, eventTime="2026-11-20T09:30:00"))
    recall = post(client, shipped(farm.batch, bizStep="recalling"))

    assert (not_json.status_code, not_json.json()["code"]) == (400, "invalid_json")
    assert naive.json()["details"]["problems"][0]["field"] == "eventTime"
    assert recall.json()["code"] == "epcis_refused"
    assert farm.batch.events.filter(biz_step__in=["shipping", "recalling"]).count() == 0


def test_a_courier_may_capture_movements_but_not_sales(client, farm, make_user):
    client.force_login(make_user("courier2", Role.COURIER))

    response = post(client, shipped(farm.batch, bizStep="retail_selling"))

    assert response.status_code == 400
    assert "retail_selling" in response.json()["details"]["problems"][0]["reason"]


def test_a_held_batch_cannot_be_captured_as_shipped(client, farm, office_user):
    services.record_inspection(
        actor=office_user,
        batch=farm.batch,
        details=services.InspectionDetails(
            station=farm.station,
            item="有机磷",
            method="速测卡",
            value="80",
            limit="50",
            value_unit="%",
            inspector="玉香",
            inspected_on=timezone.localdate(),
        ),
    )
    client.force_login(office_user)

    response = post(client, shipped(farm.batch))

    assert response.status_code == 400
    assert farm.batch.lot in response.json()["details"]["problems"][0]["reason"]


def test_only_the_office_and_couriers_may_capture(client, farm):
    anonymous = post(client, shipped(farm.batch))
    client.force_login(farm.market.tea_owner)
    merchant = post(client, shipped(farm.batch))

    assert anonymous.status_code == 401
    assert merchant.status_code == 403
    assert not farm.batch.events.filter(biz_step="shipping").exists()


@pytest.mark.skipif(not EPCIS_SCHEMA, reason="EPCIS_SCHEMA names no copy of GS1's schema")
def test_the_export_and_a_capture_document_validate_against_gs1s_epcis_schema(
    client, farm, office_user
):
    market = farm.market
    second = harvest(market.tea.product, base_of(market.tea_garden, "南糯山茶园"), quantity="300")
    blend = services.transform_batches(
        actor=market.tea_owner,
        product=market.tea.product,
        sources=[(farm.batch, "200"), (second, "300")],
        quantity="500",
        unit="斤",
        made_on=timezone.localdate(),
    )
    services.recall_lot(actor=office_user, lot=blend.lot, reason="农残超标")
    schema = json.loads(Path(EPCIS_SCHEMA).read_text())
    checker = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())

    for batch in (farm.batch, blend):
        checker.validate(export_of(client, batch))
    checker.validate(document(shipped(farm.batch)))
