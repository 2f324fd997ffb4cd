from cuncun.accounts.models import Role, User
from cuncun.tourism import demo
from cuncun.tourism.models import Booking, BookingStatus, Homestay, HomestayStatus
from tests.conftest import township


def test_the_tourism_demo_loads_once_and_its_host_has_confirmed_bookings(plan, make_user):
    host = make_user("host", Role.MERCHANT, township("嘎洒镇"))
    User.objects.create_user("13900000009", password="x", phone="13900000009")

    demo.load_demo()
    demo.load_demo()

    assert Homestay.objects.filter(is_demo=True).count() == len(demo.DEMO_HOMESTAYS)
    assert Homestay.objects.filter(status=HomestayStatus.CERTIFIED).count() == 4
    assert all("演示" in h.name for h in Homestay.objects.all())
    bookings = Booking.objects.filter(room__homestay__merchant__owner=host)
    assert bookings.count() == 2
    assert {b.status for b in bookings} == {BookingStatus.CONFIRMED}
    hosts_homestay = Homestay.objects.get(merchant__owner=host, is_demo=True)
    assert hosts_homestay.photos.count() == 2  # drawn pictures, said so in their captions
    assert all("演示" in photo.caption for photo in hosts_homestay.photos.all())
