"""Tenants of the incubation center and the parks: their lease and stage, the services delivered
to them, and the incubated_enterprises indicator counted from these records."""

from datetime import date

import pytest

from cuncun.core.errors import Conflict, InvalidInput, NotAllowed
from cuncun.core.indicators import registry
from cuncun.merchants.models import Merchant, TenancyProgramme, TenancyStage, TenantServiceKind
from cuncun.merchants.services import (
    change_tenancy_stage,
    record_tenancy,
    record_tenant_service,
)
from cuncun.network.models import SiteKind
from tests.conftest import township
from tests.factories import site_in
from tests.merchants.factories import merchant


@pytest.fixture
def center(county):
    return site_in(county, SiteKind.INCUBATOR, name="景洪市电子商务创业孵化中心")


def settle(center, tenant, moved_in, programme=TenancyProgramme.INCUBATION, actor=None):
    return record_tenancy(
        actor=actor,
        site=center,
        merchant=tenant,
        programme=programme,
        space="203室 40㎡",
        lease_from=moved_in,
        lease_to=moved_in.replace(year=moved_in.year + 2),
    )


def test_incubated_enterprises_count_tenants_from_moving_in_until_they_leave_ungraduated(
    county, center
):
    tea, coffee, shop = merchant("山韵茶业"), merchant("小粒咖啡"), merchant("干货小店")
    settle(center, tea, date(2017, 3, 1))
    graduating = settle(center, coffee, date(2017, 4, 1))
    leaving = settle(center, shop, date(2017, 5, 1))
    change_tenancy_stage(
        actor=None, tenancy=graduating, stage=TenancyStage.GRADUATED, on=date(2018, 1, 1)
    )
    change_tenancy_stage(actor=None, tenancy=leaving, stage=TenancyStage.LEFT, on=date(2017, 9, 1))
    count = registry.get("incubated_enterprises").compute

    assert count(county, date(2017, 2, 28)).value == 0
    assert count(county, date(2017, 3, 1)).value == 1
    assert count(county, date(2017, 5, 1)).value == 3
    assert count(county, date(2017, 9, 1)).value == 2  # the one that left no longer counts
    assert count(county, date(2018, 6, 1)).value == 2  # the graduate still does
    assert count(township("嘎洒镇"), date(2017, 5, 1)).value == 0  # the tenants are in 勐龙镇


def test_a_park_tenancy_flags_the_register_until_the_tenant_leaves(county, center):
    shop = merchant("干货小店")
    tenancy = settle(center, shop, date(2017, 5, 1), programme=TenancyProgramme.PARK)
    assert Merchant.objects.get(pk=shop.pk).is_park_tenant

    change_tenancy_stage(actor=None, tenancy=tenancy, stage=TenancyStage.LEFT, on=date(2017, 8, 1))

    assert not Merchant.objects.get(pk=shop.pk).is_park_tenant
    assert registry.get("incubated_enterprises").compute(county, date(2017, 6, 1)).value == 0


def test_services_to_tenants_are_recorded_by_the_center_and_not_by_township_staff(
    county, center, make_user, gasa_staff
):
    from cuncun.accounts.models import Role

    keeper = make_user("center", Role.SERVICE_CENTER)
    tenancy = settle(center, merchant(), date(2017, 3, 1), actor=keeper)

    record_tenant_service(
        actor=keeper,
        tenancy=tenancy,
        kind=TenantServiceKind.PHOTOGRAPHY,
        delivered_on=date(2017, 3, 8),
    )
    with pytest.raises(NotAllowed):
        record_tenant_service(
            actor=gasa_staff,
            tenancy=tenancy,
            kind=TenantServiceKind.TRAINING,
            delivered_on=date(2017, 3, 9),
        )

    assert list(tenancy.services.values_list("kind", flat=True)) == ["photography"]


def test_a_tenancy_needs_the_incubator_a_space_and_a_lease_and_is_not_recorded_twice(
    county, center
):
    tea = merchant()
    station = site_in(township("嘎洒镇"), SiteKind.TOWNSHIP_STATION)
    with pytest.raises(InvalidInput):
        settle(station, tea, date(2017, 3, 1))
    settle(center, tea, date(2017, 3, 1))
    with pytest.raises(Conflict):
        settle(center, tea, date(2017, 6, 1))


def test_the_tenants_page_shows_the_centers_work_and_the_office_records_a_tenant(
    client, county, center, office_user, gasa_staff
):
    from cuncun.merchants.models import Tenancy
    from tests.conftest import PASSWORD

    tea = merchant("山韵茶业")
    client.login(username="office", password=PASSWORD)
    client.post(
        "/merchants/tenancies/",
        {
            "action": "tenancy",
            "site": center.pk,
            "merchant": tea.pk,
            "programme": "incubation",
            "space": "A区201室",
            "lease_from": "2017-03-01",
            "lease_to": "2020-03-01",
        },
    )
    tenancy = Tenancy.objects.get()
    client.post(
        "/merchants/tenancies/",
        {
            "action": "service",
            "tenancy": tenancy.pk,
            "kind": "photography",
            "delivered_on": "2017-03-20",
        },
    )

    page = client.get("/merchants/tenancies/").content.decode()
    assert "山韵茶业" in page and "孵化中" in page and "产品摄影" in page
    client.login(username="gasa", password=PASSWORD)
    client.post(
        "/merchants/tenancies/", {"action": "stage", "tenancy": tenancy.pk, "stage": "left"}
    )
    assert Tenancy.objects.get().stage == "incubating"  # township staff only read


def test_the_demo_settles_five_tenants_at_the_center_once(county, plan):
    from cuncun.merchants import demo as merchants_demo
    from cuncun.merchants.models import Tenancy
    from cuncun.network import demo as network_demo

    network_demo.load_demo()
    merchants_demo.load_demo()
    merchants_demo.load_demo()

    assert Tenancy.objects.count() == len(merchants_demo.DEMO_TENANTS) == 5
    from cuncun.merchants.models import SupportRequest, SupportRequestStatus

    [request] = SupportRequest.objects.all()  # once, however often the demo runs
    assert request.status == SupportRequestStatus.SUBMITTED and "演示" in request.purpose
    # four incubated (one of the five is a park tenant) by mid-2017
    assert registry.get("incubated_enterprises").compute(county, date(2017, 6, 1)).value == 4
