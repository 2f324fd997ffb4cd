from datetime import date
from decimal import Decimal

import pytest

from cuncun.accounts.models import Role
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed, OutOfScope
from cuncun.core.models import AuditEntry
from cuncun.network.indicators import carrier_village_point_coverage, village_point_coverage
from cuncun.network.models import (
    ServiceRecord,
    Site,
    SiteKind,
    SiteService,
    SiteStatus,
    passing_checklist,
)
from cuncun.network.services import (
    TRANSITIONS,
    SiteApplication,
    TransitionRefused,
    accept_site,
    apply_for_site,
    assign_operator,
    change_site_status,
    ensure_carrier,
    record_service,
    set_site_fee,
    start_carrier_service,
    update_site_profile,
)
from tests.conftest import township, village
from tests.factories import site_in

S = SiteStatus
ALL = [s for s, _label in S.choices]


@pytest.fixture
def manda(county):
    return village("嘎洒镇", "曼达村委会")


def _site_at(status, region):
    """A site brought to `status` along the shortest allowed path."""
    path = {
        S.APPLIED: [],
        S.APPROVED: [S.APPROVED],
        S.REJECTED: [S.REJECTED],
        S.ACCEPTED: [S.APPROVED],
        S.OPERATING: [S.APPROVED],
        S.RECTIFYING: [S.APPROVED],
        S.SUSPENDED: [S.APPROVED],
        S.CLOSED: [S.CLOSED],
    }
    site = site_in(region, status=S.APPLIED, opened_on=date(2017, 1, 1))
    if status in {S.ACCEPTED, S.OPERATING, S.RECTIFYING, S.SUSPENDED}:
        site = site_in(
            region,
            status=S.ACCEPTED if status == S.ACCEPTED else S.OPERATING,
            opened_on=date(2017, 1, 1),
        )
        if status in {S.RECTIFYING, S.SUSPENDED}:
            site = change_site_status(
                actor=None, site=site, to_status=status, effective_on=date(2017, 2, 1), reason="x"
            )
        return site
    for step in path[status]:
        if step == S.CLOSED:
            site = change_site_status(
                actor=None, site=site, to_status=S.APPROVED, effective_on=date(2017, 1, 1)
            )
        site = change_site_status(
            actor=None, site=site, to_status=step, effective_on=date(2017, 1, 1), reason="x"
        )
    return site


@pytest.mark.parametrize("start", ALL)
@pytest.mark.parametrize("target", ALL)
def test_every_transition_is_allowed_or_refused_as_the_lifecycle_says(manda, start, target):
    site = _site_at(start, manda)
    assert site.status == start
    allowed = target in TRANSITIONS[start] and target != S.ACCEPTED  # accepting needs the check
    if allowed:
        changed = change_site_status(
            actor=None, site=site, to_status=target, effective_on=date(2017, 3, 1), reason="理由"
        )
        assert changed.status == target
        assert changed.status_changes.last().to_status == target
    else:
        with pytest.raises((TransitionRefused, InvalidInput)):
            change_site_status(
                actor=None,
                site=site,
                to_status=target,
                effective_on=date(2017, 3, 1),
                reason="理由",
            )
        assert Site.objects.get(pk=site.pk).status == start


def test_acceptance_with_a_failed_item_keeps_the_site_approved(manda):
    site = _site_at(S.APPROVED, manda)
    check = accept_site(
        actor=None,
        site=site,
        checked_on=date(2017, 2, 1),
        checklist={**passing_checklist(), "shelves": False},
    )
    assert not check.passed
    assert Site.objects.get(pk=site.pk).status == S.APPROVED


def test_a_suspension_needs_a_reason_and_changes_nothing_without_one(manda):
    site = _site_at(S.OPERATING, manda)
    with pytest.raises(InvalidInput):
        change_site_status(
            actor=None, site=site, to_status=S.SUSPENDED, effective_on=date(2017, 3, 1)
        )
    assert Site.objects.get(pk=site.pk).status == S.OPERATING


def test_a_change_cannot_be_dated_before_the_last_one(manda):
    site = _site_at(S.OPERATING, manda)
    with pytest.raises(InvalidInput):
        change_site_status(
            actor=None, site=site, to_status=S.CLOSED, effective_on=date(2016, 1, 1), reason="x"
        )


def test_a_suspended_point_does_not_count_while_suspended(manda):
    gasa = manda.parent
    site = _site_at(S.OPERATING, manda)  # opened 2017-01-01
    change_site_status(
        actor=None, site=site, to_status=S.SUSPENDED, effective_on=date(2017, 5, 1), reason="外出"
    )
    change_site_status(actor=None, site=site, to_status=S.OPERATING, effective_on=date(2017, 8, 1))
    counts = [village_point_coverage(gasa, date(2017, m, 15)).numerator for m in (4, 6, 9)]
    assert counts == [1, 0, 1]


def test_township_staff_approve_points_only_in_their_township(gasa_staff, menglong_staff, manda):
    site = _site_at(S.APPLIED, manda)
    with pytest.raises(OutOfScope):
        change_site_status(actor=menglong_staff, site=site, to_status=S.APPROVED)
    change_site_status(actor=gasa_staff, site=site, to_status=S.APPROVED)
    assert AuditEntry.objects.filter(action="site.approve", actor=gasa_staff).exists()


def test_township_staff_do_not_approve_their_own_station(gasa_staff, office_user):
    station = apply_for_site(
        actor=office_user,
        application=SiteApplication(
            kind=SiteKind.TOWNSHIP_STATION,
            name="站",
            region=township("嘎洒镇"),
            address="镇上",
            applied_on=date(2017, 1, 1),
        ),
    )
    with pytest.raises(NotAllowed):
        change_site_status(actor=gasa_staff, site=station, to_status=S.APPROVED)


def test_a_point_must_stand_in_a_village(office_user):
    with pytest.raises(InvalidInput):
        apply_for_site(
            actor=office_user,
            application=SiteApplication(
                kind=SiteKind.VILLAGE_POINT,
                name="点",
                region=township("嘎洒镇"),
                address="镇上",
                applied_on=date(2017, 1, 1),
            ),
        )
    assert not Site.objects.exists()


def test_an_operator_edits_hours_and_fees_but_not_the_name(make_user, manda):
    site = _site_at(S.OPERATING, manda)
    operator = make_user("op", Role.VILLAGE_OPERATOR, manda)
    assign_operator(actor=None, site=site, name="岩罕", since=date(2017, 1, 1), user=operator)
    update_site_profile(actor=operator, site=site, changes={"opening_hours": "9:00-17:00"})
    set_site_fee(
        actor=operator, site=site, service=SiteService.PARCEL_RECEIVED, amount="0.50", per="件"
    )
    with pytest.raises(NotAllowed):
        update_site_profile(actor=operator, site=site, changes={"name": "新名"})
    site.refresh_from_db()
    assert (site.opening_hours, site.name, site.fees.get().amount) == (
        "9:00-17:00",
        site.name,
        Decimal("0.50"),
    )


def test_an_operator_of_another_village_cannot_touch_this_point(make_user, manda):
    site = _site_at(S.OPERATING, manda)
    other = make_user("op2", Role.VILLAGE_OPERATOR, village("嘎洒镇", "曼勉村委会"))
    with pytest.raises(NotAllowed):
        update_site_profile(actor=other, site=site, changes={"opening_hours": "x"})
    with pytest.raises(NotAllowed):
        record_service(actor=other, site=site, kind=SiteService.CONSULTATION, day=date(2017, 2, 1))


def test_a_negative_fee_is_refused(manda):
    site = _site_at(S.OPERATING, manda)
    with pytest.raises(InvalidInput):
        set_site_fee(
            actor=None, site=site, service=SiteService.PARCEL_RECEIVED, amount="-1", per="件"
        )
    assert not site.fees.exists()


def test_the_ledger_records_a_reference_once(manda):
    site = _site_at(S.OPERATING, manda)
    first = record_service(
        actor=None,
        site=site,
        kind=SiteService.ASSISTED_PURCHASE,
        day=date(2017, 2, 1),
        amount="35.5",
        category="日用品",
        reference="orders.Order:1",
        authorized_by_caller=True,
    )
    again = record_service(
        actor=None,
        site=site,
        kind=SiteService.ASSISTED_PURCHASE,
        day=date(2017, 2, 1),
        amount="35.5",
        category="日用品",
        reference="orders.Order:1",
        authorized_by_caller=True,
    )
    assert first.pk == again.pk and ServiceRecord.objects.count() == 1
    assert first.amount == Decimal("35.50")


def test_the_ledger_refuses_a_negative_amount_and_a_closed_site(manda):
    site = _site_at(S.OPERATING, manda)
    with pytest.raises(InvalidInput):
        record_service(
            actor=None, site=site, kind=SiteService.ASSISTED_SALE, day=date(2017, 2, 1), amount="-3"
        )
    change_site_status(
        actor=None, site=site, to_status=S.CLOSED, effective_on=date(2017, 3, 1), reason="关闭"
    )
    with pytest.raises(Conflict):
        record_service(
            actor=None, site=site, kind=SiteService.ASSISTED_SALE, day=date(2017, 3, 2), amount="3"
        )
    assert not ServiceRecord.objects.exists()


def test_carrier_coverage_of_village_points(manda):
    site = _site_at(S.OPERATING, manda)  # opened 2017-01-01
    post = ensure_carrier(actor=None, code="YZPY", name="中国邮政")
    start_carrier_service(actor=None, carrier=post, site=site, since=date(2017, 6, 1))
    gasa = manda.parent
    assert carrier_village_point_coverage(gasa, date(2017, 5, 1)).numerator == 0
    m = carrier_village_point_coverage(gasa, date(2017, 6, 1))
    assert (m.numerator, m.denominator) == (1, 1)
    with pytest.raises(Conflict):
        start_carrier_service(actor=None, carrier=post, site=site, since=date(2017, 7, 1))
