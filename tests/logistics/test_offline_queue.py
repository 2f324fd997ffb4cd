"""Handovers and check-ins sent from the phone's offline queue: each with its own idempotency
key, applied once however often it is sent; a refusal is an answer too, kept under its key."""

from cuncun.core.models import IdempotencyKey
from cuncun.logistics.models import ConsentBasis, EventKind, Parcel
from cuncun.logistics.services import register_parcel
from cuncun.network.models import ServiceRecord, SiteService
from tests.logistics.conftest import logged_in
from tests.logistics.test_pickup import check_in, code_sent_for


def queued(client, url: str, key: str, **fields) -> dict:
    return client.post(url, fields, HTTP_IDEMPOTENCY_KEY=key).json()


def test_a_queued_handover_sent_twice_is_handed_over_once(
    carriers, manda_point, manda_operator, to_manda
):
    parcel = check_in(carriers, manda_point, manda_operator, details=to_manda).parcel
    client = logged_in(manda_operator)
    url = f"/logistics/points/{manda_point.pk}/handover/"
    fields = {"waybill": parcel.waybill, "code": code_sent_for(parcel)}

    first = queued(client, url, "a-1", **fields)
    again = queued(client, url, "a-1", **fields)

    assert first["outcome"] == "done" and parcel.waybill in first["message"]
    assert again["replayed"] is True and again["outcome"] == "done"
    parcel.refresh_from_db()
    assert parcel.events.filter(kind=EventKind.DELIVERED).count() == 1
    assert ServiceRecord.objects.filter(kind=SiteService.PARCEL_HANDED_OVER).count() == 1


def test_a_wrong_code_from_the_queue_is_refused_and_counts_once(
    carriers, manda_point, manda_operator, to_manda
):
    parcel = check_in(carriers, manda_point, manda_operator, details=to_manda).parcel
    client = logged_in(manda_operator)
    url = f"/logistics/points/{manda_point.pk}/handover/"
    wrong = "000000" if code_sent_for(parcel) != "000000" else "111111"

    first = queued(client, url, "b-1", waybill=parcel.waybill, code=wrong)
    again = queued(client, url, "b-1", waybill=parcel.waybill, code=wrong)

    assert first["outcome"] == "refused" and first["code"] == "wrong_pickup_code"
    assert again == {**first, "replayed": True}
    assert Parcel.objects.get(pk=parcel.pk).pickup_code_attempts == 1


def test_a_key_reused_for_another_action_is_refused(
    carriers, manda_point, manda_operator, to_manda
):
    parcel = check_in(carriers, manda_point, manda_operator, details=to_manda).parcel
    client = logged_in(manda_operator)
    url = f"/logistics/points/{manda_point.pk}/handover/"
    queued(client, url, "c-1", waybill=parcel.waybill, code=code_sent_for(parcel))

    response = client.post(url, {"waybill": "ZT999"}, HTTP_IDEMPOTENCY_KEY="c-1")

    assert response.status_code == 409 and response.json()["outcome"] == "refused"


def test_a_queued_check_in_is_answered_in_json_and_once(
    carriers, manda_point, manda_operator, to_manda
):
    register_parcel(actor=None, carrier=carriers["ZTO"], waybill="ZT3000001", details=to_manda)
    client = logged_in(manda_operator)
    fields = {
        "site": manda_point.pk,
        "action": "check_in",
        "waybill": "ZT3000001",
        "consent": ConsentBasis.ADDRESS_IS_POINT,
    }

    first = queued(client, "/logistics/scan/", "d-1", **fields)
    queued(client, "/logistics/scan/", "d-1", **fields)

    assert first["outcome"] == "done" and "A-1-01" in first["message"]
    assert Parcel.objects.get(waybill="ZT3000001").events.count() == 1
    assert IdempotencyKey.objects.filter(scope="logistics.scan").count() == 1
