from cuncun.accounts.models import Role
from cuncun.merchants.models import Merchant, MerchantKind, Platform
from cuncun.merchants.services import MerchantDetails, add_platform_shop, register_merchant
from tests.conftest import township, village


def make(name="版纳山韵茶业", **extra):
    values = {
        "kind": MerchantKind.ENTERPRISE,
        "region": township("嘎洒镇"),
        "contact_phone": "13912345678",
    }
    values.update(extra)
    return register_merchant(actor=None, details=MerchantDetails(name=name, **values))


def test_the_public_list_shows_contacts_masked(client, county):
    merchant = make()
    add_platform_shop(actor=None, merchant=merchant, platform=Platform.TMALL, shop_id="shanyun")
    page = client.get("/merchants/").content.decode()
    assert "版纳山韵茶业" in page and "139****5678" in page and "13912345678" not in page
    assert "天猫" in page
    detail = client.get(f"/merchants/{merchant.pk}/").content.decode()
    assert "139****5678" in detail and "13912345678" not in detail


def test_the_office_sees_counts_by_flag(client, county, office_user):
    make(is_poverty_registered=True, kind=MerchantKind.FARMER, name="岩温")
    client.force_login(office_user)
    page = client.get("/merchants/", {"flag": "poverty"}).content.decode()
    assert "岩温" in page and "贫困户" in page


def test_an_operator_registers_a_farmer_from_the_page(client, make_user):
    manda = village("嘎洒镇", "曼达村委会")
    operator = make_user("op", Role.VILLAGE_OPERATOR, manda)
    client.force_login(operator)
    response = client.post(
        "/merchants/new/",
        {"name": "玉香", "kind": MerchantKind.FARMER, "region": manda.pk},
    )
    farmer = Merchant.objects.get()
    assert response["Location"] == f"/merchants/{farmer.pk}/"
    assert farmer.represented_by == operator


def test_a_bad_registration_says_what_is_wrong(client, make_user):
    manda = village("嘎洒镇", "曼达村委会")
    client.force_login(make_user("op", Role.VILLAGE_OPERATOR, manda))
    page = client.post(
        "/merchants/new/",
        {"name": "玉香", "kind": MerchantKind.FARMER, "region": manda.pk, "contact_phone": "12"},
    ).content.decode()
    assert "联系电话不是手机号码" in page
    assert not Merchant.objects.exists()
