"""Pages: the public see certified homestays only; a booking is its guest's and its host's; the
host's phone page and the staff's certification list are theirs."""

from cuncun.accounts.models import User
from cuncun.core.models import AuditEntry
from cuncun.tourism.models import HomestayStatus
from cuncun.tourism.services import (
    HomestayDetails,
    apply_for_homestay,
    book_room,
    change_homestay_status,
)
from tests.conftest import PASSWORD, village
from tests.tourism.conftest import days_ahead


def test_the_public_list_shows_certified_homestays_and_hides_suspended_ones(client, stay):
    assert stay.homestay.name in client.get("/tourism/").content.decode()

    change_homestay_status(
        actor=stay.office, homestay=stay.homestay, to_status=HomestayStatus.SUSPENDED, reason="整改"
    )

    assert stay.homestay.name not in client.get("/tourism/").content.decode()
    assert client.get(f"/tourism/h/{stay.homestay.pk}/").status_code == 404


def test_a_booking_is_shown_to_its_guest_and_host_and_to_nobody_else(client, stay):
    booking = book_room(actor=stay.guest, request=stay.request(days_ahead(4)))
    url = f"/tourism/bookings/{booking.reference}/"

    client.login(username="host", password=PASSWORD)
    page = client.get(url).content.decode()
    assert "138****0001" in page and "13800000001" not in page
    # the host needs the guest's number to call them: opened in full, and the look recorded
    shown = client.post(url).content.decode()
    assert 'href="tel:13800000001"' in shown
    (entry,) = AuditEntry.objects.for_object(booking).filter(action="personal_data.shown")
    assert entry.actor.username == "host" and entry.after == {"fields": ["guest_phone"]}
    client.login(username="guest", password=PASSWORD)
    assert "13800000001" in client.get(url).content.decode()  # their own number
    client.post(url)  # nothing to open: it is theirs, and only the host's look is recorded
    assert AuditEntry.objects.filter(action="personal_data.shown").count() == 1

    User.objects.create_user("nosy", password=PASSWORD, phone="13800000009")
    client.login(username="nosy", password=PASSWORD)
    assert client.get(url).status_code == 404


def test_the_host_page_is_the_hosts_and_shows_the_calendar_in_chinese(client, stay):
    book_room(actor=stay.guest, request=stay.request(days_ahead(1)))

    client.login(username="host", password=PASSWORD)
    page = client.get("/tourism/host/").content.decode()

    assert "游客王芳" in page and "保留中" in page and "空闲" in page
    assert "13800000001" not in page and "138****0001" in page
    client.login(username="guest", password=PASSWORD)
    assert client.get("/tourism/host/").status_code == 403


def test_township_staff_check_a_homestay_from_the_certification_list(client, stay, gasa_staff):
    region = village("嘎洒镇", "曼达村委会")
    homestay = apply_for_homestay(
        actor=None,
        details=HomestayDetails(
            name="新民宿", merchant=stay.homestay.merchant, region=region, address="曼达村5组"
        ),
    )
    client.login(username="gasa", password=PASSWORD)
    assert "新民宿" in client.get("/tourism/manage/").content.decode()

    client.post(f"/tourism/manage/{homestay.pk}/status/", {"to_status": "checked"})
    homestay.refresh_from_db()
    assert homestay.status == HomestayStatus.CHECKED

    client.post(f"/tourism/manage/{homestay.pk}/status/", {"to_status": "certified"})
    homestay.refresh_from_db()
    assert homestay.status == HomestayStatus.CHECKED  # only the office certifies
