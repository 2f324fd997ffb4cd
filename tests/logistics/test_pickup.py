"""At the village point: check-in with a shelf slot and a code sent by SMS, handover with the
code (or a recorded ID check), the published fee on the receipt, the ledger, and parcels left
too long."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cuncun.accounts.models import Role
from cuncun.core.errors import Conflict, InvalidInput
from cuncun.core.models import OutboxMessage
from cuncun.core.personal import id_check_char
from cuncun.logistics import queries
from cuncun.logistics.models import ConsentBasis, EventKind, EventState, Parcel
from cuncun.logistics.services import (
    MAX_PICKUP_CODE_ATTEMPTS,
    IdCheck,
    PickupCodeLocked,
    WrongPickupCode,
    check_in_parcel,
    hand_over_parcel,
    remind_recipient,
    resend_pickup_code,
    return_parcel,
    set_shelf_layout,
)
from cuncun.network.models import ServiceRecord, SiteService
from cuncun.network.services import set_site_fee
from tests.factories import site_in

CONSENT = ConsentBasis.ADDRESS_IS_POINT


def check_in(carriers, site, operator, waybill="ZT2000001", details=None, **extra):
    return check_in_parcel(
        actor=operator,
        site=site,
        carrier=carriers["ZTO"],
        waybill=waybill,
        consent_basis=CONSENT,
        details=details,
        **extra,
    )


def code_sent_for(parcel: Parcel) -> str:
    message = OutboxMessage.objects.filter(reference=f"logistics.Parcel:{parcel.pk}").first()
    return re.search(r"(\d{6})", message.text).group(1)


def an_id_number() -> str:
    first17 = "53280119800101123"
    return first17 + id_check_char(first17)


def a_wrong_id_number() -> str:
    right = an_id_number()
    return right[:17] + ("1" if right[17] != "1" else "2")


def test_check_in_gives_a_slot_and_a_code_and_tells_the_recipient(
    carriers, manda_point, manda_operator, to_manda, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = check_in(carriers, manda_point, manda_operator, details=to_manda)

    parcel = result.parcel
    assert re.fullmatch(r"A-1-01", result.shelf_slot)
    assert parcel.status == EventKind.AT_PICKUP_POINT and parcel.on_shelf
    event = parcel.events.get()
    assert event.consent_basis == CONSENT and event.state == EventState.APPLIED
    message = OutboxMessage.objects.get(reference=f"logistics.Parcel:{parcel.pk}")
    assert message.to == "13812345678"
    assert message.status == OutboxMessage.Status.KEPT  # the default gateway keeps it for staff
    assert "A-1-01" in message.text and re.search(r"\d{6}", message.text)
    assert (
        ServiceRecord.objects.get(site=manda_point, kind=SiteService.PARCEL_RECEIVED).reference
        == f"logistics.Parcel:{parcel.pk}"
    )


def test_the_code_is_not_stored_in_clear(carriers, manda_point, manda_operator, to_manda):
    parcel = check_in(carriers, manda_point, manda_operator, details=to_manda).parcel
    code = code_sent_for(parcel)
    parcel.refresh_from_db()
    assert code not in parcel.pickup_code_hash and len(parcel.pickup_code_hash) == 64


def test_scanning_the_same_parcel_in_again_shows_the_same_slot(
    carriers, manda_point, manda_operator, to_manda
):
    first = check_in(carriers, manda_point, manda_operator, details=to_manda)
    again = check_in(carriers, manda_point, manda_operator)

    assert again.already and again.shelf_slot == first.shelf_slot
    assert OutboxMessage.objects.count() == 1


def test_each_parcel_gets_its_own_slot(carriers, manda_point, manda_operator, to_manda):
    slots = [
        check_in(
            carriers, manda_point, manda_operator, waybill=f"ZT20000{i}", details=to_manda
        ).shelf_slot
        for i in range(3)
    ]
    assert slots == ["A-1-01", "A-1-02", "A-1-03"]


def test_a_full_shelf_is_said(carriers, manda_point, manda_operator, to_manda):
    set_shelf_layout(
        actor=manda_operator,
        site=manda_point,
        shelves="A",
        levels=1,
        slots_per_level=1,
        hold_days=5,
    )
    check_in(carriers, manda_point, manda_operator, waybill="ZT1", details=to_manda)
    with pytest.raises(Conflict):
        check_in(carriers, manda_point, manda_operator, waybill="ZT2", details=to_manda)


def test_check_in_needs_a_consent_basis(carriers, manda_point, manda_operator, to_manda):
    with pytest.raises(InvalidInput):
        check_in_parcel(
            actor=manda_operator,
            site=manda_point,
            carrier=carriers["ZTO"],
            waybill="ZT1",
            consent_basis="",
            details=to_manda,
        )
    assert not Parcel.objects.exists()


def test_a_parcel_for_another_point_is_refused(
    carriers, manda_point, manda_operator, to_manda, county
):
    from cuncun.logistics.services import ParcelDetails, register_parcel
    from cuncun.regions.models import RegionUnit

    elsewhere = (
        RegionUnit.objects.filter(parent__name="嘎洒镇", kind="administrative_village")
        .exclude(name="曼达村委会")
        .first()
    )
    other = site_in(elsewhere, name="别的服务点")
    register_parcel(
        actor=None, carrier=carriers["ZTO"], waybill="ZT9", details=ParcelDetails(point=other)
    )
    with pytest.raises(Conflict):
        check_in(carriers, manda_point, manda_operator, waybill="ZT9")


def test_another_villages_operator_may_not_check_in_here(
    carriers, manda_point, make_user, to_manda
):
    from cuncun.regions.models import RegionUnit

    elsewhere = (
        RegionUnit.objects.filter(parent__name="嘎洒镇", kind="administrative_village")
        .exclude(name="曼达村委会")
        .first()
    )
    stranger = make_user("stranger", Role.VILLAGE_OPERATOR, elsewhere)
    with pytest.raises(Exception) as refused:
        check_in(carriers, manda_point, stranger, details=to_manda)
    assert refused.value.http_status == 403


def test_handover_with_the_right_code_delivers_and_shows_the_fee(
    carriers, manda_point, manda_operator, to_manda
):
    set_site_fee(
        actor=manda_operator,
        site=manda_point,
        service=SiteService.PARCEL_RECEIVED,
        amount="0.50",
        per="件",
    )
    parcel = check_in(carriers, manda_point, manda_operator, details=to_manda).parcel

    handover = hand_over_parcel(
        actor=manda_operator, site=manda_point, parcel=parcel, code=code_sent_for(parcel)
    )

    parcel.refresh_from_db()
    assert parcel.status == EventKind.DELIVERED and not parcel.on_shelf and parcel.handed_over_at
    assert handover.receipt["fee"] == Decimal("0.50") and handover.receipt["fee_per"] == "件"
    assert handover.receipt["shelf_slot"] == "A-1-01" and handover.receipt["recipient"] == "玉*南"
    pickup = ServiceRecord.objects.get(site=manda_point, kind=SiteService.PICKUP)
    assert pickup.amount == Decimal("0.50") and pickup.reference == f"logistics.Parcel:{parcel.pk}"


def test_the_code_works_only_once(carriers, manda_point, manda_operator, to_manda):
    parcel = check_in(carriers, manda_point, manda_operator, details=to_manda).parcel
    code = code_sent_for(parcel)
    hand_over_parcel(actor=manda_operator, site=manda_point, parcel=parcel, code=code)

    with pytest.raises(Conflict):
        hand_over_parcel(actor=manda_operator, site=manda_point, parcel=parcel, code=code)


def test_wrong_codes_are_counted_and_then_locked(carriers, manda_point, manda_operator, to_manda):
    parcel = check_in(carriers, manda_point, manda_operator, details=to_manda).parcel
    right = code_sent_for(parcel)
    wrong = f"{(int(right) + 1) % 10**6:06d}"

    for attempt in range(1, MAX_PICKUP_CODE_ATTEMPTS + 1):
        with pytest.raises(WrongPickupCode) as refused:
            hand_over_parcel(actor=manda_operator, site=manda_point, parcel=parcel, code=wrong)
        assert refused.value.details["attempts_left"] == MAX_PICKUP_CODE_ATTEMPTS - attempt
    with pytest.raises(PickupCodeLocked):
        hand_over_parcel(actor=manda_operator, site=manda_point, parcel=parcel, code=right)

    parcel.refresh_from_db()
    assert parcel.on_shelf and parcel.pickup_code_attempts == MAX_PICKUP_CODE_ATTEMPTS


def test_a_new_code_unlocks_the_parcel(carriers, manda_point, manda_operator, to_manda):
    parcel = check_in(carriers, manda_point, manda_operator, details=to_manda).parcel
    old = code_sent_for(parcel)
    for _ in range(MAX_PICKUP_CODE_ATTEMPTS):
        with pytest.raises(WrongPickupCode):
            hand_over_parcel(actor=manda_operator, site=manda_point, parcel=parcel, code="x")
    resend_pickup_code(actor=manda_operator, parcel=parcel)
    new = re.search(
        r"(\d{6})",
        OutboxMessage.objects.filter(reference=f"logistics.Parcel:{parcel.pk}")
        .order_by("-id")
        .first()
        .text,
    ).group(1)

    if new != old:
        with pytest.raises(WrongPickupCode):
            hand_over_parcel(actor=manda_operator, site=manda_point, parcel=parcel, code=old)
    hand_over_parcel(actor=manda_operator, site=manda_point, parcel=parcel, code=new)


def test_an_id_check_releases_the_parcel_and_is_recorded_masked(
    carriers, manda_point, manda_operator, to_manda
):
    parcel = check_in(carriers, manda_point, manda_operator, details=to_manda).parcel
    number = an_id_number()

    handover = hand_over_parcel(
        actor=manda_operator,
        site=manda_point,
        parcel=parcel,
        id_check=IdCheck(id_number=number, name="玉香南"),
        proxy_name="岩温",
    )

    event = parcel.events.get(kind=EventKind.DELIVERED)
    assert event.details["verified_by"] == "id_check"
    assert event.details["id_number"] == "5328**********" + number[-4:]
    assert number not in str(event.details) and event.details["proxy"] == "岩温"
    assert handover.receipt["verified_by"] == "id_check"


def test_an_invalid_id_number_or_no_proof_is_refused(
    carriers, manda_point, manda_operator, to_manda
):
    parcel = check_in(carriers, manda_point, manda_operator, details=to_manda).parcel
    with pytest.raises(InvalidInput):
        hand_over_parcel(
            actor=manda_operator,
            site=manda_point,
            parcel=parcel,
            id_check=IdCheck(id_number=a_wrong_id_number(), name="玉香南"),
        )
    with pytest.raises(InvalidInput):
        hand_over_parcel(actor=manda_operator, site=manda_point, parcel=parcel)
    parcel.refresh_from_db()
    assert parcel.on_shelf


def test_parcels_waiting_too_long_are_listed_then_reminded_or_returned(
    carriers, manda_point, manda_operator, to_manda
):
    old = check_in(
        carriers,
        manda_point,
        manda_operator,
        waybill="ZT1",
        details=to_manda,
        at=timezone.now() - timedelta(days=9),
    ).parcel
    check_in(carriers, manda_point, manda_operator, waybill="ZT2", details=to_manda)

    late = list(queries.waiting_too_long(manda_operator, manda_point))
    assert late == [old]

    remind_recipient(actor=manda_operator, parcel=old)
    assert OutboxMessage.objects.filter(reference=f"logistics.Parcel:{old.pk}").count() == 2
    return_parcel(actor=manda_operator, parcel=old, reason="超过7天无人领取")
    old.refresh_from_db()
    assert old.status == EventKind.RETURNING and not old.on_shelf
    assert list(queries.waiting_too_long(manda_operator, manda_point)) == []


def test_a_recipient_without_a_phone_is_not_silently_notified(
    carriers, manda_point, manda_operator
):
    from cuncun.logistics.services import ParcelDetails

    result = check_in(
        carriers,
        manda_point,
        manda_operator,
        details=ParcelDetails(point=manda_point, person_name="岩叫"),
    )
    assert not result.notified and result.shelf_slot
    assert not OutboxMessage.objects.exists()
