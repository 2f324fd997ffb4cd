"""Carriers: the standard ones are on every install (reference data, installed by a migration),
and the county office adds any other through a service that is audited."""

import pytest

from cuncun.accounts.models import Role
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed
from cuncun.core.models import AuditEntry
from cuncun.logistics.carriers import STANDARD_CARRIERS, install_standard_carriers
from cuncun.logistics.services import add_carrier
from cuncun.network.models import Carrier
from tests.conftest import township
from tests.logistics.conftest import logged_in

STANDARD_CODES = ["YZPY", "EMS", "SF", "ZTO", "YTO", "STO", "YD", "JD", "JTSD"]


def test_a_fresh_install_has_the_standard_carriers_with_their_codes(db):
    assert dict(Carrier.objects.values_list("code", "name")) == dict(STANDARD_CARRIERS)
    assert sorted(code for code, _name in STANDARD_CARRIERS) == sorted(STANDARD_CODES)


def test_installing_the_standard_carriers_again_changes_nothing_but_their_names(db):
    Carrier.objects.filter(code="SF").update(name="顺丰")

    install_standard_carriers()
    install_standard_carriers()

    assert Carrier.objects.count() == len(STANDARD_CARRIERS)
    assert Carrier.objects.get(code="SF").name == "顺丰速运"


def test_the_county_office_adds_another_carrier_and_it_is_audited(office_user):
    carrier = add_carrier(actor=office_user, code=" dbl ", name="德邦快递")

    assert (carrier.code, carrier.name, carrier.is_active) == ("DBL", "德邦快递", True)
    entry = AuditEntry.objects.for_object(carrier).get(action="carrier.create")
    assert entry.actor == office_user and entry.after == {"code": "DBL", "name": "德邦快递"}


def test_a_carrier_code_already_used_is_refused(office_user):
    with pytest.raises(Conflict) as refused:
        add_carrier(actor=office_user, code="sf", name="顺丰冷运")

    assert str(refused.value.message) == "代码 SF 已属于顺丰速运。"
    assert Carrier.objects.get(code="SF").name == "顺丰速运"


@pytest.mark.parametrize(
    "code, name",
    [
        ("", "德邦快递"),
        ("DB L", "德邦快递"),
        ("德邦", "德邦快递"),
        ("D" * 17, "德邦快递"),
        ("DBL", ""),
        ("DBL", "德" * 51),
    ],
)
def test_a_carrier_with_a_bad_code_or_name_is_refused(office_user, code, name):
    with pytest.raises(InvalidInput):
        add_carrier(actor=office_user, code=code, name=name)
    assert Carrier.objects.count() == len(STANDARD_CARRIERS)


def test_only_the_county_office_adds_carriers(make_user):
    staff = make_user("gasa", Role.TOWNSHIP_STAFF, township("嘎洒镇"))
    with pytest.raises(NotAllowed):
        add_carrier(actor=staff, code="DBL", name="德邦快递")


def test_the_office_adds_a_carrier_on_its_page(office_user):
    client = logged_in(office_user)

    page = client.post(
        "/logistics/carriers/", {"code": "DBL", "name": "德邦快递"}, follow=True
    ).content.decode()

    assert "德邦快递（DBL）已添加。" in page and "JTSD" in page
    assert Carrier.objects.filter(code="DBL").exists()


def test_the_carriers_page_is_the_county_offices(gasa_staff):
    assert logged_in(gasa_staff).get("/logistics/carriers/").status_code == 404
