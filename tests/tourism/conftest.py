"""A certified homestay in 曼达村委会 with one room, its host and a guest, made through the
services."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone

from cuncun.accounts.models import Role, User
from cuncun.tourism.models import Homestay, HomestayStatus, Room
from cuncun.tourism.services import (
    HomestayDetails,
    StayRequest,
    add_room,
    apply_for_homestay,
    change_homestay_status,
    publish_cancellation_rules,
)
from tests.conftest import PASSWORD, township, village
from tests.merchants.factories import merchant

RULES = [(7, 100), (2, 50)]  # a week ahead: all back; two days ahead: half; later: nothing


@dataclass
class Stay:
    host: User
    guest: User
    homestay: Homestay
    room: Room
    office: User

    def request(self, arrival: date, nights: int = 1, provider: str = "sandbox", room=None):
        return StayRequest(
            room=room or self.room,
            arrival=arrival,
            departure=arrival + timedelta(days=nights),
            guest_name="游客王芳",
            guest_phone="13800000001",
            provider_code=provider,
        )


def certified_homestay(host, name="曼达傣家小院", region=None, office=None):
    region = region or village("嘎洒镇", "曼达村委会")
    owner = merchant(f"{name}经营户", region=region, owner=host)
    homestay = apply_for_homestay(
        actor=host,
        details=HomestayDetails(
            name=name,
            merchant=owner,
            region=region,
            address="曼达村3组",
            applied_on=date(2017, 3, 1),
        ),
    )
    change_homestay_status(
        actor=office,
        homestay=homestay,
        to_status=HomestayStatus.CHECKED,
        effective_on=date(2017, 3, 5),
    )
    return change_homestay_status(
        actor=office,
        homestay=homestay,
        to_status=HomestayStatus.CERTIFIED,
        effective_on=date(2017, 3, 10),
    )


@pytest.fixture
def stay(make_user, office_user):
    host = make_user("host", Role.MERCHANT, township("嘎洒镇"), phone="13900000007")
    guest = User.objects.create_user("guest", password=PASSWORD, phone="13800000001")
    homestay = certified_homestay(host, office=office_user)
    room = add_room(actor=host, homestay=homestay, name="竹楼大床房", price="200.00")
    publish_cancellation_rules(
        actor=host, homestay=homestay, rules=RULES, house_rules="22点后请保持安静"
    )
    return Stay(host=host, guest=guest, homestay=homestay, room=room, office=office_user)


def days_ahead(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)
