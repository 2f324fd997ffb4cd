"""The host's own pages: registering a homestay, changing rooms and season prices, house and
cancellation rules, and photos (type read from the bytes, size limited, served to whoever may
see the homestay)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cuncun.accounts.models import Role, User
from cuncun.core.errors import InvalidInput, NotAllowed
from cuncun.tourism.models import HomestayPhoto, HomestayStatus
from cuncun.tourism.services import (
    add_homestay_photo,
    change_homestay_status,
    change_room,
    photo_type,
    remove_seasonal_price,
    set_seasonal_price,
)
from tests.conftest import PASSWORD, township, village
from tests.merchants.factories import merchant

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
SPRING_FESTIVAL = {
    "name": "春节",
    "starts_on": "2027-02-01",
    "ends_on": "2027-02-10",
    "price": "350",
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(data=JPEG, name="room.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_photo_type_is_read_from_the_bytes_not_the_name():
    assert photo_type(JPEG) == "image/jpeg"
    assert photo_type(PNG) == "image/png"
    assert photo_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert photo_type(b"%PDF-1.4") == ""


def test_a_host_adds_a_photo_that_the_public_page_shows(client, stay):
    photo = add_homestay_photo(
        actor=stay.host, homestay=stay.homestay, upload=_upload(), caption="竹楼外景"
    )

    page = client.get(f"/tourism/h/{stay.homestay.pk}/").content.decode()
    assert f"/tourism/photos/{photo.pk}/" in page
    served = client.get(f"/tourism/photos/{photo.pk}/")
    assert served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == JPEG
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Cache-Control"] == "public, max-age=86400"  # a certified homestay's


def test_a_file_that_is_not_a_photo_is_refused_whatever_its_name(stay):
    with pytest.raises(InvalidInput, match="JPEG"):
        add_homestay_photo(
            actor=stay.host, homestay=stay.homestay, upload=_upload(b"%PDF-1.4 x", "a.jpg")
        )
    assert not HomestayPhoto.objects.exists()


def test_a_photo_over_5_mb_is_refused(stay):
    big = JPEG + b"\x00" * (5 * 1024 * 1024)
    with pytest.raises(InvalidInput, match="5 MB"):
        add_homestay_photo(actor=stay.host, homestay=stay.homestay, upload=_upload(big))
    assert not HomestayPhoto.objects.exists()


def test_only_the_host_adds_photos(stay):
    with pytest.raises(NotAllowed):
        add_homestay_photo(actor=stay.office, homestay=stay.homestay, upload=_upload())


def test_photos_of_a_homestay_not_certified_are_not_served_to_the_public(client, stay):
    photo = add_homestay_photo(actor=stay.host, homestay=stay.homestay, upload=_upload())
    change_homestay_status(
        actor=stay.office, homestay=stay.homestay, to_status=HomestayStatus.SUSPENDED, reason="整改"
    )
    assert client.get(f"/tourism/photos/{photo.pk}/").status_code == 404
    client.login(username="host", password=PASSWORD)
    served = client.get(f"/tourism/photos/{photo.pk}/")
    assert served.status_code == 200
    assert served["Cache-Control"] == "private, no-store"


def test_the_host_changes_a_room_and_closes_it(stay):
    room = change_room(
        actor=stay.host, room=stay.room, name="竹楼双床房", price="260", beds=2, guests=3,
        is_open=False,
    )  # fmt: skip
    assert (room.name, room.price, room.beds, room.guests, room.is_open) == (
        "竹楼双床房", Decimal("260.00"), 2, 3, False,
    )  # fmt: skip


def test_a_room_price_that_is_not_money_changes_nothing(stay):
    with pytest.raises(InvalidInput):
        change_room(
            actor=stay.host, room=stay.room, name="x", price="abc", beds=1, guests=1, is_open=True
        )
    stay.room.refresh_from_db()
    assert stay.room.price == Decimal("200.00")


def test_a_season_price_removed_gives_the_nights_back_their_usual_price(stay):
    season = set_seasonal_price(
        actor=stay.host, room=stay.room, name="泼水节", starts_on=date(2027, 4, 13),
        ends_on=date(2027, 4, 15), price="480",
    )  # fmt: skip
    remove_seasonal_price(actor=stay.host, season=season)
    assert not stay.room.seasonal_prices.exists()


def test_someone_else_cannot_change_the_room_through_the_page(client, stay, make_user):
    make_user("other", Role.MERCHANT, township("嘎洒镇"))
    client.login(username="other", password=PASSWORD)
    response = client.post(
        f"/tourism/host/rooms/{stay.room.pk}/",
        {f"room{stay.room.pk}-name": "偷改", f"room{stay.room.pk}-price": "1",
         f"room{stay.room.pk}-beds": "1", f"room{stay.room.pk}-guests": "1"},
    )  # fmt: skip
    assert response.status_code == 404
    stay.room.refresh_from_db()
    assert stay.room.name == "竹楼大床房"


def test_the_host_page_edits_rooms_seasons_and_rules(client, stay):
    client.login(username="host", password=PASSWORD)
    page = client.get(f"/tourism/host/h/{stay.homestay.pk}/").content.decode()
    assert "竹楼大床房" in page and "22点后请保持安静" in page

    client.post(
        f"/tourism/host/rooms/{stay.room.pk}/seasons/",
        {f"season{stay.room.pk}-{k}": v for k, v in SPRING_FESTIVAL.items()},
    )
    client.post(
        f"/tourism/host/h/{stay.homestay.pk}/rules/",
        {"house_rules": "禁止吸烟", "days_0": "10", "percent_0": "100", "days_1": "1",
         "percent_1": "20"},
    )  # fmt: skip

    assert stay.room.seasonal_prices.get().price == Decimal("350.00")
    stay.homestay.refresh_from_db()
    assert stay.homestay.house_rules == "禁止吸烟"
    assert list(stay.homestay.cancellation_rules.values_list("days_before", "refund_percent")) == [
        (10, 100),
        (1, 20),
    ]


def test_a_host_registers_a_homestay_that_waits_for_the_township(client, make_user):
    host = make_user("newhost", Role.MERCHANT, township("嘎洒镇"))
    region = village("嘎洒镇", "曼达村委会")
    business = merchant("岩温家庭农场", region=region, owner=host)
    client.login(username="newhost", password=PASSWORD)

    response = client.post(
        "/tourism/host/register/",
        {"merchant": business.pk, "name": "岩温竹楼", "region": region.pk, "address": "曼达村5组"},
    )

    homestay = business.homestays.get()
    assert response.status_code == 302
    assert homestay.status == HomestayStatus.APPLIED
    assert homestay.region == region


def test_someone_without_a_business_is_sent_to_register_one(client, db):
    User.objects.create_user("walker", password=PASSWORD, phone="13800000005")
    client.login(username="walker", password=PASSWORD)
    response = client.get("/tourism/host/register/")
    assert response.status_code == 302
    assert "/merchants/new/" in response["Location"]
