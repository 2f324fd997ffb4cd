from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from cuncun.accounts.models import Role
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed, NotFound, OutOfScope
from cuncun.core.models import AuditEntry
from cuncun.network.indicators import carrier_village_point_coverage, village_point_coverage
from cuncun.network.models import (
    CarrierService,
    ServiceRecord,
    Site,
    SiteCodeCounter,
    SiteKind,
    SiteService,
    SiteStatus,
    passing_checklist,
)
from cuncun.network.services import (
    SiteApplication,
    TransitionRefused,
    accept_site,
    apply_for_site,
    assign_operator,
    change_site_status,
    correct_service,
    end_carrier_service,
    ensure_carrier,
    record_service,
    set_site_fee,
    start_carrier_service,
    update_site_profile,
)
from tests.conftest import township, village
from tests.factories import site_in

TODAY = timezone.localdate()

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


# The lifecycle as the provincial standards describe it, written out here (not read from the
# code) so that a wrong table in the code fails this test. Acceptance (approved → accepted)
# is not a step taken by hand: it follows a passed acceptance check.
EXPECTED_STEPS = {
    (S.APPLIED, S.APPROVED),
    (S.APPLIED, S.REJECTED),
    (S.APPROVED, S.CLOSED),
    (S.ACCEPTED, S.OPERATING),
    (S.ACCEPTED, S.CLOSED),
    (S.OPERATING, S.RECTIFYING),
    (S.OPERATING, S.SUSPENDED),
    (S.OPERATING, S.CLOSED),
    (S.RECTIFYING, S.OPERATING),
    (S.RECTIFYING, S.SUSPENDED),
    (S.RECTIFYING, S.CLOSED),
    (S.SUSPENDED, S.OPERATING),
    (S.SUSPENDED, S.CLOSED),
}


@pytest.mark.parametrize("start", ALL)
@pytest.mark.parametrize("target", ALL)
def test_every_transition_is_allowed_or_refused_as_the_lifecycle_says(manda, start, target):
    site = _site_at(start, manda)
    assert site.status == start
    if (start, target) in EXPECTED_STEPS:
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


def test_an_approved_site_is_accepted_only_through_a_passed_check(manda):
    site = _site_at(S.APPROVED, manda)
    with pytest.raises(TransitionRefused):
        change_site_status(actor=None, site=site, to_status=S.ACCEPTED)
    accept_site(actor=None, site=site, checked_on=date(2017, 2, 1), checklist=passing_checklist())
    assert Site.objects.get(pk=site.pk).status == S.ACCEPTED


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


def test_a_closed_point_may_still_close_out_a_parcel_it_checked_in_but_nothing_else(manda):
    site = _site_at(S.OPERATING, manda)
    record_service(
        actor=None,
        site=site,
        kind=SiteService.PARCEL_RECEIVED,
        day=date(2017, 2, 1),
        reference="parcel:ZT1",
        authorized_by_caller=True,
    )
    change_site_status(
        actor=None, site=site, to_status=S.CLOSED, effective_on=date(2017, 3, 1), reason="关闭"
    )

    handed = record_service(
        actor=None,
        site=site,
        kind=SiteService.PARCEL_HANDED_OVER,
        day=date(2017, 3, 2),
        reference="parcel:ZT1",
        authorized_by_caller=True,
    )

    assert handed.day == date(2017, 3, 2)
    with pytest.raises(Conflict):  # a parcel it never checked in
        record_service(
            actor=None,
            site=site,
            kind=SiteService.PARCEL_HANDED_OVER,
            day=date(2017, 3, 2),
            reference="parcel:ZT2",
            authorized_by_caller=True,
        )
    assert ServiceRecord.objects.count() == 2


def test_a_ledger_row_is_taken_back_once_by_a_row_of_the_opposite_sign(manda):
    site = _site_at(S.OPERATING, manda)
    sale = record_service(
        actor=None,
        site=site,
        kind=SiteService.ASSISTED_SALE,
        day=date(2017, 2, 1),
        amount="12.50",
        category="水果",
        reference="orders.Order:7",
        authorized_by_caller=True,
    )
    with pytest.raises(InvalidInput):
        correct_service(actor=None, site=site, kind=sale.kind, reference=sale.reference, reason=" ")
    with pytest.raises(NotFound):
        correct_service(
            actor=None, site=site, kind=sale.kind, reference="orders.Order:8", reason="退款"
        )

    first = correct_service(
        actor=None, site=site, kind=sale.kind, reference=sale.reference, reason="退款"
    )
    again = correct_service(
        actor=None, site=site, kind=sale.kind, reference=sale.reference, reason="退款"
    )

    assert first.pk == again.pk and first.corrects == sale
    assert (first.amount, first.quantity, first.category) == (Decimal("-12.50"), -1, "水果")
    assert ServiceRecord.objects.count() == 2
    assert AuditEntry.objects.filter(action="site.ledger.correct").count() == 1


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


def test_acceptance_needs_every_item_answered(manda):
    site = _site_at(S.APPROVED, manda)
    unanswered = {k: v for k, v in passing_checklist().items() if k != "ledger_kept"}
    with pytest.raises(InvalidInput) as refused:
        accept_site(actor=None, site=site, checked_on=date(2017, 2, 1), checklist=unanswered)
    assert refused.value.details == {"unanswered": ["ledger_kept"]}
    with pytest.raises(InvalidInput):
        accept_site(
            actor=None,
            site=site,
            checked_on=date(2017, 2, 1),
            checklist={**passing_checklist(), "coffee_machine": True},
        )
    assert Site.objects.get(pk=site.pk).status == S.APPROVED
    assert not site.acceptance_checks.exists()


def test_an_acceptance_check_dated_in_the_future_is_refused(manda):
    site = _site_at(S.APPROVED, manda)
    with pytest.raises(InvalidInput):
        accept_site(
            actor=None,
            site=site,
            checked_on=TODAY.replace(year=TODAY.year + 1),
            checklist=passing_checklist(),
        )
    assert Site.objects.get(pk=site.pk).status == S.APPROVED


def _application(region, **changes):
    fields = {
        "kind": SiteKind.VILLAGE_POINT,
        "name": "曼达点",
        "region": region,
        "address": "村委会旁",
        "applied_on": date(2017, 1, 1),
        **changes,
    }
    return SiteApplication(**fields)


@pytest.mark.parametrize(
    "changes",
    [
        {"latitude": Decimal("91")},
        {"longitude": Decimal("-180.5")},
        {"latitude": Decimal("NaN")},
        {"floor_area": Decimal("-1")},
        {"name": "点" * 101},
        {"address": "路" * 201},
        {"operator_name": "名" * 51},
        {"applied_on": TODAY.replace(year=TODAY.year + 1)},
    ],
)
def test_an_application_with_bad_input_is_refused_and_records_nothing(manda, changes):
    with pytest.raises(InvalidInput):
        apply_for_site(actor=None, application=_application(manda, **changes))
    assert not Site.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"latitude": Decimal("200")},
        {"longitude": Decimal("181")},
        {"floor_area": Decimal("12345678")},
        {"opening_hours": "8" * 101},
        {"name": " "},
        {"services": ["dancing"]},
    ],
)
def test_a_profile_with_bad_input_is_refused_and_changes_nothing(manda, changes):
    site = _site_at(S.OPERATING, manda)
    with pytest.raises(InvalidInput):
        update_site_profile(actor=None, site=site, changes=changes)
    fresh = Site.objects.get(pk=site.pk)
    assert (fresh.latitude, fresh.longitude, fresh.name, fresh.opening_hours) == (
        None,
        None,
        site.name,
        "",
    )


def test_coordinates_in_range_are_saved(manda):
    site = _site_at(S.OPERATING, manda)
    update_site_profile(
        actor=None, site=site, changes={"latitude": Decimal("21.957"), "longitude": "100.762"}
    )
    site.refresh_from_db()
    assert (site.latitude, site.longitude) == (Decimal("21.957"), Decimal("100.762"))


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-1", "1000000000000", "abc", 1.5])
def test_a_fee_that_is_not_a_sensible_amount_is_refused(manda, amount):
    site = _site_at(S.OPERATING, manda)
    with pytest.raises(InvalidInput):
        set_site_fee(
            actor=None, site=site, service=SiteService.PARCEL_RECEIVED, amount=amount, per="件"
        )
    assert not site.fees.exists()


def test_a_fee_with_too_long_a_unit_is_refused(manda):
    site = _site_at(S.OPERATING, manda)
    with pytest.raises(InvalidInput):
        set_site_fee(
            actor=None, site=site, service=SiteService.PARCEL_RECEIVED, amount="1", per="件" * 21
        )
    assert not site.fees.exists()


def test_the_ledger_refuses_an_over_long_category_and_a_huge_quantity(manda):
    site = _site_at(S.OPERATING, manda)
    for extra in ({"category": "茶" * 51}, {"quantity": 10**12}, {"amount": "NaN"}):
        with pytest.raises(InvalidInput):
            record_service(
                actor=None,
                site=site,
                kind=SiteService.ASSISTED_SALE,
                day=date(2017, 2, 1),
                **extra,
            )
    assert not ServiceRecord.objects.exists()


def test_the_ledger_checks_the_status_on_the_recorded_day(manda):
    # given a point that opened 2017-01-01 and closed 2017-06-01
    site = _site_at(S.OPERATING, manda)
    change_site_status(
        actor=None, site=site, to_status=S.CLOSED, effective_on=date(2017, 6, 1), reason="关闭"
    )

    def record(day):
        return record_service(
            actor=None, site=site, kind=SiteService.CONSULTATION, day=day, note=str(day)
        )

    # then a service it gave while open may still be entered, none before it opened or after
    assert record(date(2017, 5, 31)).day == date(2017, 5, 31)
    for day in (date(2016, 12, 31), date(2017, 6, 1)):
        with pytest.raises(Conflict):
            record(day)
    assert ServiceRecord.objects.count() == 1


def test_a_suspended_point_records_again_for_the_days_it_served(manda):
    site = _site_at(S.OPERATING, manda)
    change_site_status(
        actor=None, site=site, to_status=S.SUSPENDED, effective_on=date(2017, 4, 1), reason="x"
    )
    record_service(actor=None, site=site, kind=SiteService.CONSULTATION, day=date(2017, 3, 31))
    with pytest.raises(Conflict):
        record_service(actor=None, site=site, kind=SiteService.CONSULTATION, day=date(2017, 4, 2))
    assert ServiceRecord.objects.count() == 1


def test_a_carrier_serves_only_stations_and_village_points(county, manda):
    post = ensure_carrier(actor=None, code="YZPY", name="中国邮政")
    center = site_in(county, SiteKind.COUNTY_CENTER)
    station = site_in(manda.parent, SiteKind.TOWNSHIP_STATION)
    with pytest.raises(InvalidInput):
        start_carrier_service(actor=None, carrier=post, site=center, since=date(2017, 2, 1))
    start_carrier_service(actor=None, carrier=post, site=station, since=date(2017, 2, 1))
    assert list(CarrierService.objects.values_list("site", flat=True)) == [station.pk]


def test_coverage_cannot_start_in_the_future(manda):
    post = ensure_carrier(actor=None, code="YZPY", name="中国邮政")
    with pytest.raises(InvalidInput):
        start_carrier_service(
            actor=None,
            carrier=post,
            township=manda.parent,
            since=TODAY.replace(year=TODAY.year + 1),
        )
    assert not CarrierService.objects.exists()


def test_township_staff_do_not_record_carrier_coverage(gasa_staff, manda):
    post = ensure_carrier(actor=None, code="YZPY", name="中国邮政")
    site = _site_at(S.OPERATING, manda)
    with pytest.raises(NotAllowed):
        start_carrier_service(actor=gasa_staff, carrier=post, site=site, since=date(2017, 2, 1))
    service = start_carrier_service(actor=None, carrier=post, site=site, since=date(2017, 2, 1))
    with pytest.raises(NotAllowed):
        end_carrier_service(actor=gasa_staff, service=service, until=date(2017, 3, 1))
    assert CarrierService.objects.get().until is None


def test_site_codes_count_on_past_9999(manda):
    # given a county whose village points have reached number 9999
    prefix = f"{manda.county().code}-V"
    SiteCodeCounter.objects.create(prefix=prefix, last_number=9999)

    # when two more points apply
    codes = [apply_for_site(actor=None, application=_application(manda)).code for _ in range(2)]

    # then they get the next numbers, compared as numbers
    assert codes == [f"{prefix}10000", f"{prefix}10001"]


def test_the_first_code_of_a_prefix_follows_the_codes_already_given(manda):
    first = apply_for_site(actor=None, application=_application(manda))
    SiteCodeCounter.objects.all().delete()  # as on a register made before the counter existed

    second = apply_for_site(actor=None, application=_application(manda))

    assert int(second.code[-4:]) == int(first.code[-4:]) + 1
