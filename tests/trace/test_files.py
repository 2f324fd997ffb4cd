"""The photo of an inspection's strip opens for those who see the inspection (the quality staff
of the batch's area, from their page, and the batch's producer); the public trace page shows
the result, not the photo, so a visitor, another township's staff or another merchant are told
there is no such file."""

import dataclasses

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cuncun.trace import services
from tests.trace.conftest import inspection

pytestmark = pytest.mark.usefixtures("media_root")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


@pytest.fixture
def tested(farm, office_user):
    strip = SimpleUploadedFile("速测卡.jpg", JPEG, content_type="image/jpeg")
    details = dataclasses.replace(inspection(farm.station, value="12"), photo=strip)
    return services.record_inspection(actor=office_user, batch=farm.batch, details=details)


def test_the_office_opens_the_strip_photo_from_its_quality_page(client, tested, office_user):
    address = reverse("trace:inspection_photo", args=[tested.pk])
    client.force_login(office_user)

    page = client.get(reverse("trace:office")).content.decode()
    served = client.get(address)

    assert f'href="{address}"' in page
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == JPEG
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Cache-Control"] == "private, no-store"


def test_the_township_of_the_batch_and_its_producer_see_the_photo(
    client, tested, farm, menglong_staff
):
    address = reverse("trace:inspection_photo", args=[tested.pk])

    client.force_login(menglong_staff)
    assert client.get(address).status_code == 200
    client.force_login(farm.market.tea_owner)
    assert client.get(address).status_code == 200


def test_a_visitor_another_township_and_another_merchant_get_no_such_file(
    client, tested, farm, gasa_staff
):
    address = reverse("trace:inspection_photo", args=[tested.pk])

    public_page = client.get(reverse("trace:public", args=[farm.batch.lot])).content.decode()
    assert client.get(address).status_code == 404
    assert address not in public_page
    client.force_login(gasa_staff)
    assert client.get(address).status_code == 404
    client.force_login(farm.market.coffee_owner)
    assert client.get(address).status_code == 404
