"""Undo at the counter: a check-in or a handover recorded by mistake is taken back by the person
who recorded it, within a few minutes, while it is the last thing that happened to the parcel;
the history, the ledger and the audit log keep both."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cuncun.core.errors import Conflict, NotAllowed
from cuncun.core.models import AuditEntry, OutboxMessage
from cuncun.logistics import queries
from cuncun.logistics.models import EventKind, EventState, Parcel, ParcelStatus
from cuncun.logistics.services import (
    UNDO_WINDOW,
    hand_over_parcel,
    undo_check_in,
    undo_handover,
)
from cuncun.network.models import ServiceRecord, SiteService
from cuncun.network.services import set_site_fee
from tests.logistics.conftest import logged_in
from tests.logistics.test_pickup import check_in, code_sent_for


def handed_over(carriers, manda_point, manda_operator, to_manda, waybill="ZT2000001"):
    parcel = check_in(carriers, manda_point, manda_operator, waybill, details=to_manda).parcel
    hand_over_parcel(
        actor=manda_operator, site=manda_point, parcel=parcel, code=code_sent_for(parcel)
    )
    return Parcel.objects.get(pk=parcel.pk)


def test_undoing_a_handover_puts_the_parcel_back_on_its_shelf_with_a_new_code(
    carriers, manda_point, manda_operator, to_manda
):
    # Given a parcel handed over by mistake, with a fee booked
    set_site_fee(
        actor=manda_operator,
        site=manda_point,
        service=SiteService.PARCEL_RECEIVED,
        amount="0.50",
        per="件",
    )
    parcel = handed_over(carriers, manda_point, manda_operator, to_manda)
    old_code = code_sent_for(parcel)

    # When its operator undoes the handover
    undo_handover(actor=manda_operator, parcel=parcel)

    # Then it waits on the same slot again, with a new code sent to the recipient
    parcel.refresh_from_db()
    assert parcel.on_shelf and parcel.status == EventKind.AT_PICKUP_POINT
    assert parcel.shelf_slot == "A-1-01" and parcel.handed_over_at is None
    assert code_sent_for(parcel) != old_code
    # the handover stays in the history, dismissed with why
    delivered = parcel.events.get(kind=EventKind.DELIVERED)
    assert delivered.state == EventState.DISMISSED and delivered.review_note
    # the fee is taken back in the ledger; the audit log has the undo
    rows = ServiceRecord.objects.filter(site=manda_point, kind=SiteService.PARCEL_HANDED_OVER)
    assert sorted(str(r.amount) for r in rows) == ["-0.50", "0.50"]
    assert AuditEntry.objects.for_object(parcel).filter(action="parcel.handover.undo").exists()
    assert queries.handover_record(parcel) is None


def test_a_parcel_handed_over_again_after_an_undo_books_its_fee_again(
    carriers, manda_point, manda_operator, to_manda
):
    set_site_fee(
        actor=manda_operator,
        site=manda_point,
        service=SiteService.PARCEL_RECEIVED,
        amount="0.50",
        per="件",
    )
    parcel = handed_over(carriers, manda_point, manda_operator, to_manda)
    undo_handover(actor=manda_operator, parcel=parcel)

    hand_over_parcel(
        actor=manda_operator,
        site=manda_point,
        parcel=Parcel.objects.get(pk=parcel.pk),
        code=code_sent_for(parcel),
    )

    rows = ServiceRecord.objects.filter(site=manda_point, kind=SiteService.PARCEL_HANDED_OVER)
    assert sum(r.amount for r in rows) == rows.get(reference=f"{parcel.reference}~2").amount
    assert queries.handover_record(parcel).reference == f"{parcel.reference}~2"


def test_undoing_a_check_in_takes_the_parcel_off_the_shelf_and_tells_the_recipient(
    carriers, manda_point, manda_operator, to_manda
):
    parcel = check_in(carriers, manda_point, manda_operator, details=to_manda).parcel

    undo_check_in(actor=manda_operator, parcel=parcel)

    parcel.refresh_from_db()
    assert not parcel.on_shelf and parcel.pickup_site is None and parcel.shelf_slot == ""
    assert parcel.status == ParcelStatus.REGISTERED and parcel.pickup_code_hash == ""
    assert "不要使用" in OutboxMessage.objects.filter(reference=parcel.reference).latest("pk").text
    rows = ServiceRecord.objects.filter(site=manda_point, kind=SiteService.PARCEL_RECEIVED)
    assert sorted(r.quantity for r in rows) == [-1, 1]


def test_only_the_person_who_recorded_it_may_undo_it(
    carriers, manda_point, manda_operator, to_manda, make_user
):
    from cuncun.accounts.models import Role

    parcel = handed_over(carriers, manda_point, manda_operator, to_manda)
    office = make_user("office2", Role.COUNTY_OFFICE)

    with pytest.raises(NotAllowed):
        undo_handover(actor=office, parcel=parcel)

    assert not Parcel.objects.get(pk=parcel.pk).on_shelf


def test_a_handover_older_than_the_undo_window_stays(
    carriers, manda_point, manda_operator, to_manda
):
    parcel = handed_over(carriers, manda_point, manda_operator, to_manda)
    later = timezone.now() + UNDO_WINDOW + timedelta(seconds=1)

    with pytest.raises(Conflict, match="不能再撤销"):
        undo_handover(actor=manda_operator, parcel=parcel, now=later)

    assert Parcel.objects.get(pk=parcel.pk).status == EventKind.DELIVERED


def test_a_check_in_followed_by_a_handover_cannot_be_undone(
    carriers, manda_point, manda_operator, to_manda
):
    parcel = handed_over(carriers, manda_point, manda_operator, to_manda)

    with pytest.raises(Conflict):
        undo_check_in(actor=manda_operator, parcel=parcel)


def test_the_counter_offers_the_undo_and_takes_it_back(
    carriers, manda_point, manda_operator, to_manda
):
    parcel = handed_over(carriers, manda_point, manda_operator, to_manda)
    client = logged_in(manda_operator)

    page = client.get(f"/logistics/points/{manda_point.pk}/").content.decode()
    assert 'id="undo"' in page and parcel.waybill in page
    client.post(f"/logistics/parcels/{parcel.pk}/undo/", {"what": EventKind.DELIVERED})

    assert Parcel.objects.get(pk=parcel.pk).on_shelf
