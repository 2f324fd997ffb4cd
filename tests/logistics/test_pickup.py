"""At the village point: check-in with a shelf slot and a code sent by SMS, handover with the
code (or a recorded ID check), the published fee on the receipt, the ledger, and parcels left
too long."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cuncun.accounts.models import Role
from cuncun.core.errors import Conflict, InvalidInput, OutOfScope
from cuncun.core.models import AuditEntry, OutboxMessage
from cuncun.core.personal import id_check_char
from cuncun.core.ratelimit import RateLimited
from cuncun.logistics import queries
from cuncun.logistics.models import ConsentBasis, EventKind, EventSource, EventState, Parcel
from cuncun.logistics.services import (
    MAX_PICKUP_CODE_ATTEMPTS,
    EventInput,
    IdCheck,
    PickupCodeLocked,
    WrongPickupCode,
    check_in_parcel,
    hand_over_parcel,
    record_event,
    remind_recipient,
    resend_pickup_code,
    return_parcel,
    review_event,
    set_shelf_layout,
)
from cuncun.network.models import ServiceRecord, SiteService, SiteStatus
from cuncun.network.services import change_site_status, set_site_fee
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
    """The code in the latest SMS to the parcel's recipient."""
    message = OutboxMessage.objects.filter(reference=parcel.reference).order_by("-id").first()
    return re.search(r"(\d{6})", message.text).group(1)


def audit_of(parcel: Parcel, action: str) -> AuditEntry:
    return AuditEntry.objects.for_object(parcel).get(action=action)


def status_changes_of(parcel: Parcel) -> list[tuple[dict, dict]]:
    entries = AuditEntry.objects.for_object(parcel).filter(action="parcel.status").order_by("id")
    return [(e.before, e.after) for e in entries]


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
    message = OutboxMessage.objects.get(reference=parcel.reference)
    assert message.to == "13812345678"
    assert message.status == OutboxMessage.Status.KEPT  # the default gateway keeps it for staff
    assert "A-1-01" in message.text and re.search(r"\d{6}", message.text)
    assert (
        ServiceRecord.objects.get(site=manda_point, kind=SiteService.PARCEL_RECEIVED).reference
        == parcel.reference
    )
    check_in_row = audit_of(parcel, "parcel.check_in")
    assert check_in_row.actor == manda_operator
    assert check_in_row.after == {"site": manda_point.code, "slot": "A-1-01", "consent": CONSENT}
    assert status_changes_of(parcel) == [
        (
            {"status": "registered", "on_shelf": False},
            {"status": EventKind.AT_PICKUP_POINT, "on_shelf": False},
        )
    ]


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


def test_checking_in_a_parcel_the_carrier_left_here_adds_no_second_event(
    carriers, manda_point, manda_operator, to_manda
):
    record_event(
        actor=None,
        carrier=carriers["ZTO"],
        waybill="ZT2000001",
        event=EventInput(
            kind=EventKind.AT_PICKUP_POINT,
            occurred_at=timezone.now() - timedelta(minutes=30),
            site=manda_point,
            consent_basis=ConsentBasis.AGREED_BY_PHONE,
        ),
        source=EventSource.API,
        details=to_manda,
    )

    result = check_in(carriers, manda_point, manda_operator)

    assert result.parcel.on_shelf and result.shelf_slot == "A-1-01"
    assert result.parcel.events.filter(kind=EventKind.AT_PICKUP_POINT).count() == 1


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
    with pytest.raises(OutOfScope):
        check_in(carriers, manda_point, stranger, details=to_manda)
    assert not Parcel.objects.exists()


def test_handover_with_the_right_code_delivers_and_charges_the_receiving_fee(
    carriers, manda_point, manda_operator, to_manda
):
    # Given a point that publishes only a fee for receiving parcels
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
    # The ledger has the check-in and the handover as two services, and no order pickup.
    handed = ServiceRecord.objects.get(site=manda_point, kind=SiteService.PARCEL_HANDED_OVER)
    assert handed.amount == Decimal("0.50") and handed.reference == parcel.reference
    received = ServiceRecord.objects.get(site=manda_point, kind=SiteService.PARCEL_RECEIVED)
    assert received.amount == Decimal("0.00")
    assert not ServiceRecord.objects.filter(kind=SiteService.PICKUP).exists()
    handover_row = audit_of(parcel, "parcel.handover")
    assert handover_row.actor == manda_operator
    assert handover_row.after == {
        "site": manda_point.code,
        "slot": "A-1-01",
        "fee": "0.50",
        "fee_waived": False,
        "verified_by": "code",
    }
    assert status_changes_of(parcel)[-1] == (
        {"status": EventKind.AT_PICKUP_POINT, "on_shelf": True},
        {"status": EventKind.DELIVERED, "on_shelf": False},
    )


def test_a_published_handover_fee_is_charged_instead_of_the_receiving_fee(
    carriers, manda_point, manda_operator, to_manda
):
    for service, amount in [
        (SiteService.PARCEL_RECEIVED, "0.50"),
        (SiteService.PARCEL_HANDED_OVER, "1.00"),
    ]:
        set_site_fee(
            actor=manda_operator, site=manda_point, service=service, amount=amount, per="件"
        )
    parcel = check_in(carriers, manda_point, manda_operator, details=to_manda).parcel

    handover = hand_over_parcel(
        actor=manda_operator, site=manda_point, parcel=parcel, code=code_sent_for(parcel)
    )

    assert handover.receipt["fee"] == Decimal("1.00")
    handed = ServiceRecord.objects.get(site=manda_point, kind=SiteService.PARCEL_HANDED_OVER)
    assert handed.amount == Decimal("1.00")


def test_a_suspended_point_still_hands_over_and_returns_what_is_on_its_shelf(
    carriers, manda_point, manda_operator, to_manda
):
    # Given two parcels on the shelf of a point that charges a fee, then is suspended
    set_site_fee(
        actor=manda_operator,
        site=manda_point,
        service=SiteService.PARCEL_RECEIVED,
        amount="0.50",
        per="件",
    )
    collected = check_in(carriers, manda_point, manda_operator, "ZT1", details=to_manda).parcel
    sent_back = check_in(carriers, manda_point, manda_operator, "ZT2", details=to_manda).parcel
    change_site_status(
        actor=None, site=manda_point, to_status=SiteStatus.SUSPENDED, reason="经营者外出务工"
    )
    manda_point.refresh_from_db()

    # When the operator hands one over and sends the other back
    handover = hand_over_parcel(
        actor=manda_operator, site=manda_point, parcel=collected, code=code_sent_for(collected)
    )
    return_parcel(actor=manda_operator, parcel=sent_back, reason="服务点暂停")

    # Then both leave the shelf; the handover closes out the check-in in the ledger, with no fee
    # (a point not operating books no service income).
    collected.refresh_from_db()
    sent_back.refresh_from_db()
    assert collected.status == EventKind.DELIVERED and not collected.on_shelf
    assert sent_back.status == EventKind.RETURNING and not sent_back.on_shelf
    assert handover.receipt["fee"] == Decimal("0.00") and handover.receipt["fee_waived"]
    handed = ServiceRecord.objects.get(kind=SiteService.PARCEL_HANDED_OVER)
    assert handed.amount == Decimal("0.00") and handed.reference == collected.reference
    assert audit_of(collected, "parcel.handover").after["fee_waived"] is True
    assert audit_of(sent_back, "parcel.return").reason == "服务点暂停"
    # … and nothing new is checked in there.
    with pytest.raises(Conflict):
        check_in(carriers, manda_point, manda_operator, "ZT3", details=to_manda)


def test_a_reviewers_decision_on_an_impossible_scan_does_not_block_the_counter(
    carriers, manda_point, manda_operator, to_manda, office_user
):
    # Given two parcels on the shelf, each with a late "accepted" scan from the carrier that a
    # reviewer applied although it looked impossible
    parcels = []
    for waybill in ["ZT1", "ZT2"]:
        parcel = check_in(
            carriers,
            manda_point,
            manda_operator,
            waybill,
            details=to_manda,
            at=timezone.now() - timedelta(hours=3),
        ).parcel
        late = record_event(
            actor=None,
            carrier=carriers["ZTO"],
            waybill=waybill,
            event=EventInput(
                kind=EventKind.ACCEPTED, occurred_at=timezone.now() - timedelta(hours=2)
            ),
            source=EventSource.API,
        )
        assert late.outcome == "flagged"
        review_event(actor=office_user, event=late.event, apply=True, note="快递公司重新揽收")
        parcel.refresh_from_db()
        parcels.append(parcel)

    # When the operator hands one over with its code and sends the other back
    hand_over_parcel(
        actor=manda_operator, site=manda_point, parcel=parcels[0], code=code_sent_for(parcels[0])
    )
    return_parcel(actor=manda_operator, parcel=parcels[1], reason="超过7天无人领取")

    # Then both are done, as if the reviewed scan were any other
    for parcel in parcels:
        parcel.refresh_from_db()
        assert not parcel.on_shelf and not parcel.needs_review
    assert [p.status for p in parcels] == [EventKind.DELIVERED, EventKind.RETURNING]


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
    new = code_sent_for(parcel)

    assert new != old
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
    assert OutboxMessage.objects.filter(reference=old.reference).count() == 2
    return_parcel(actor=manda_operator, parcel=old, reason="超过7天无人领取")
    old.refresh_from_db()
    assert old.status == EventKind.RETURNING and not old.on_shelf
    assert list(queries.waiting_too_long(manda_operator, manda_point)) == []
    returned = audit_of(old, "parcel.return")
    assert returned.actor == manda_operator and returned.reason == "超过7天无人领取"
    assert status_changes_of(old)[-1] == (
        {"status": EventKind.AT_PICKUP_POINT, "on_shelf": True},
        {"status": EventKind.RETURNING, "on_shelf": False},
    )


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


def test_a_counter_trying_codes_across_its_shelf_is_held_back_whatever_the_parcel(
    carriers, manda_point, manda_operator, to_manda, settings
):
    settings.CUNCUN_RATE_LIMITS = {**settings.CUNCUN_RATE_LIMITS, "pickup_code": (3, 600)}
    parcels = [
        check_in(
            carriers, manda_point, manda_operator, waybill=f"ZT30000{n}", details=to_manda
        ).parcel
        for n in range(4)
    ]
    for parcel in parcels[:3]:  # one wrong code each: no parcel is near its own lock
        with pytest.raises(WrongPickupCode):
            hand_over_parcel(actor=manda_operator, site=manda_point, parcel=parcel, code="x")

    with pytest.raises(RateLimited):
        hand_over_parcel(
            actor=manda_operator,
            site=manda_point,
            parcel=parcels[3],
            code=code_sent_for(parcels[3]),
        )
    handed = hand_over_parcel(
        actor=manda_operator,
        site=manda_point,
        parcel=parcels[3],
        id_check=IdCheck(id_number=an_id_number(), name="玉香南"),
    )

    parcels[3].refresh_from_db()
    assert parcels[3].pickup_code_attempts == 0  # the refused code was never tried
    assert handed.receipt["verified_by"] == "id_check" and not parcels[3].on_shelf
