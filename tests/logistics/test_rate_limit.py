"""The carrier API refuses a client past its rate, per key, and nothing of the refused batch is
written."""

from django.test import Client

from cuncun.logistics.models import TrackingEvent
from cuncun.logistics.services import issue_carrier_api_key
from tests.logistics.test_api import URL, batch, post


def test_a_carrier_key_past_its_rate_is_refused_with_429_and_nothing_written(
    carriers, office_user, manda_point, warehouse, settings
):
    settings.CUNCUN_RATE_LIMITS = {**settings.CUNCUN_RATE_LIMITS, "carrier_api": (2, 60)}
    _row, sf = issue_carrier_api_key(actor=office_user, carrier=carriers["SF"], label="顺丰系统")
    _row, zto = issue_carrier_api_key(actor=office_user, carrier=carriers["ZTO"], label="中通")
    client = Client()
    post(client, {"events": []}, key=sf)
    post(client, {"events": []}, key=sf)

    refused = post(client, batch(manda_point, warehouse), key=sf)
    other_carrier = post(client, {"events": []}, key=zto)

    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert TrackingEvent.objects.count() == 0
    assert other_carrier.status_code == 200  # each key has its own count
    assert URL == "/api/logistics/events/"
