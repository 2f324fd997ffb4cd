"""Who may take each step on a site, and who may read the management records."""

from datetime import date

import pytest

from cuncun.accounts.models import Role
from cuncun.core.errors import NotAllowed, OutOfScope
from cuncun.network.models import ServiceRecord, Site, SiteKind, SiteService, SiteStatus
from cuncun.network.queries import console_sites, daily_service_report
from cuncun.network.services import (
    SiteApplication,
    apply_for_site,
    assign_operator,
    change_site_status,
    may_take,
    record_service,
    set_site_fee,
    update_site_profile,
)
from tests.conftest import township, village
from tests.factories import site_in

S = SiteStatus
# Who may take each step, as the project's owners decided, written out here so that a wrong
# table in the code fails: O the county office, T the township's own staff. Columns: a village
# point (and a pickup store), a township station, a county-level site.
EXPECTED = {
    "apply": ("OT", "O", "O"),
    "approve": ("OT", "O", "O"),
    "reject": ("OT", "O", "O"),
    "accept": ("OT", "O", "O"),
    "open": ("OT", "O", "O"),
    "rectify": ("OT", "O", "O"),
    "rectified": ("OT", "O", "O"),
    "suspend": ("OT", "O", "O"),
    "resume": ("OT", "O", "O"),
    "close": ("OT", "O", "O"),
    "register_operating": ("O", "O", "O"),
    "assign_operator": ("OT", "O", "O"),
    "edit_profile": ("OT", "OT", "O"),
    "set_fee": ("OT", "OT", "O"),
    "record_service": ("OT", "OT", "O"),
}
KINDS = [
    (SiteKind.VILLAGE_POINT, 0),
    (SiteKind.PICKUP_STORE, 0),
    (SiteKind.TOWNSHIP_STATION, 1),
    (SiteKind.COUNTY_CENTER, 2),
    (SiteKind.COUNTY_WAREHOUSE, 2),
    (SiteKind.INCUBATOR, 2),
]
# Roles with a region in 嘎洒镇 (or the county) that never take a step on a site by their role.
OTHER_ROLES = [Role.MERCHANT, Role.COURIER, Role.VILLAGE_OPERATOR, Role.MEMBER_DEPARTMENT]


@pytest.fixture
def people(make_user, office_user, gasa_staff, menglong_staff):
    gasa = township("嘎洒镇")
    others = {
        role: make_user(
            role,
            role,
            village("嘎洒镇", "曼达村委会")
            if role == Role.VILLAGE_OPERATOR
            else (None if role == Role.MEMBER_DEPARTMENT else gasa),
        )
        for role in OTHER_ROLES
    }
    return {"O": office_user, "T": gasa_staff, "other_township": menglong_staff, **others}


@pytest.mark.parametrize("step", list(EXPECTED))
def test_each_role_takes_exactly_the_steps_the_owners_decided(people, step):
    gasa = township("嘎洒镇")
    for kind, column in KINDS:
        allowed = EXPECTED[step][column]
        assert may_take(people["O"], step, kind, gasa) is ("O" in allowed), kind
        assert may_take(people["T"], step, kind, gasa) is ("T" in allowed), kind
        assert may_take(people["other_township"], step, kind, gasa) is False, kind
        for role in OTHER_ROLES:
            assert may_take(people[role], step, kind, gasa) is False, (kind, role)


def test_township_staff_approve_a_village_point_in_their_township(people):
    point = site_in(village("嘎洒镇", "曼达村委会"), status=S.APPLIED)

    change_site_status(actor=people["T"], site=point, to_status=S.APPROVED)

    assert Site.objects.get(pk=point.pk).status == S.APPROVED


def test_township_staff_may_not_approve_or_close_their_township_station(people):
    station = site_in(township("嘎洒镇"), SiteKind.TOWNSHIP_STATION, status=S.APPLIED)
    with pytest.raises(NotAllowed):
        change_site_status(actor=people["T"], site=station, to_status=S.APPROVED)
    change_site_status(actor=people["O"], site=station, to_status=S.APPROVED)
    running = site_in(township("嘎洒镇"), SiteKind.TOWNSHIP_STATION)
    with pytest.raises(NotAllowed):
        change_site_status(actor=people["T"], site=running, to_status=S.CLOSED, reason="x")
    assert Site.objects.get(pk=running.pk).status == S.OPERATING


def test_township_staff_keep_their_station_profile_and_fees(people):
    station = site_in(township("嘎洒镇"), SiteKind.TOWNSHIP_STATION)

    update_site_profile(
        actor=people["T"], site=station, changes={"opening_hours": "8:00-20:00", "name": "嘎洒站"}
    )
    set_site_fee(
        actor=people["T"], site=station, service=SiteService.PARCEL_SENT, amount="5", per="件"
    )

    station.refresh_from_db()
    assert (station.name, station.opening_hours, station.fees.get().per) == (
        "嘎洒站",
        "8:00-20:00",
        "件",
    )


def test_township_staff_may_not_apply_for_a_county_site_or_a_station(people):
    for kind, region in [
        (SiteKind.COUNTY_CENTER, township("嘎洒镇").parent),
        (SiteKind.TOWNSHIP_STATION, township("嘎洒镇")),
    ]:
        with pytest.raises(NotAllowed) as refused:
            apply_for_site(
                actor=people["T"],
                application=SiteApplication(
                    kind=kind, name="站", region=region, address="镇上", applied_on=date(2017, 1, 1)
                ),
            )
        assert refused.value.details == {"step": "apply", "kind": kind}
    assert not Site.objects.exists()


def test_staff_of_another_township_are_refused_for_being_outside_their_area(people):
    point = site_in(village("嘎洒镇", "曼达村委会"), status=S.APPLIED)
    with pytest.raises(OutOfScope):
        change_site_status(actor=people["other_township"], site=point, to_status=S.APPROVED)


def test_merchants_and_couriers_take_no_step(people):
    point = site_in(village("嘎洒镇", "曼达村委会"))
    for role in (Role.MERCHANT, Role.COURIER):
        with pytest.raises(NotAllowed):
            change_site_status(actor=people[role], site=point, to_status=S.SUSPENDED, reason="x")
        with pytest.raises(NotAllowed):
            update_site_profile(actor=people[role], site=point, changes={"opening_hours": "x"})
        with pytest.raises(NotAllowed):
            assign_operator(actor=people[role], site=point, name="某人", since=date(2017, 2, 1))
    assert Site.objects.get(pk=point.pk).status == S.OPERATING


def test_management_reads_are_for_the_office_township_staff_and_the_points_operator(people):
    manda = site_in(village("嘎洒镇", "曼达村委会"))
    mengmian = site_in(village("嘎洒镇", "曼勉村委会"))
    jinglong = site_in(village("勐龙镇", "景龙村委会"))
    operator = people[Role.VILLAGE_OPERATOR]
    assign_operator(actor=None, site=manda, name="岩罕", since=date(2017, 2, 1), user=operator)
    for site in (manda, mengmian):
        record_service(
            actor=None,
            site=site,
            kind=SiteService.ASSISTED_SALE,
            day=date(2017, 5, 1),
            amount="10",
            authorized_by_caller=True,
        )

    def seen(user):
        return set(console_sites(user))

    assert seen(people["O"]) == {manda, mengmian, jinglong}
    assert seen(people["T"]) == {manda, mengmian}
    assert seen(operator) == {manda}
    for role in (Role.MERCHANT, Role.COURIER, Role.MEMBER_DEPARTMENT):
        assert seen(people[role]) == set(), role
        assert daily_service_report(people[role], date(2017, 5, 1)) == []
    assert [r["site_code"] for r in daily_service_report(operator, date(2017, 5, 1))] == [
        manda.code
    ]
    # The ledger's own QuerySet follows the same rule, for any future read that starts from it.
    assert ServiceRecord.objects.visible_to(people["T"]).count() == 2
    assert list(ServiceRecord.objects.visible_to(operator).values_list("site", flat=True)) == [
        manda.pk
    ]
    for role in (Role.MERCHANT, Role.COURIER, Role.MEMBER_DEPARTMENT):
        assert not ServiceRecord.objects.visible_to(people[role]).exists(), role
