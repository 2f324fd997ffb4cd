from cuncun.accounts.models import Role
from cuncun.core.models import AuditEntry
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


def test_the_office_opens_a_merchants_number_in_full_and_the_look_is_audited(
    client, county, office_user
):
    merchant = make()
    client.force_login(office_user)
    page = client.get(f"/merchants/{merchant.pk}/").content.decode()
    assert "139****5678" in page and "13912345678" not in page and 'id="reveal"' in page

    shown = client.post(f"/merchants/{merchant.pk}/").content.decode()

    assert 'href="tel:13912345678"' in shown
    (entry,) = AuditEntry.objects.for_object(merchant).filter(action="personal_data.shown")
    assert entry.actor == office_user and entry.after == {"fields": ["contact_phone"]}


def test_someone_who_does_not_sell_for_a_merchant_cannot_open_its_number(client, gasa_staff):
    merchant = make()
    client.force_login(gasa_staff)  # sees the township's merchants, not their numbers
    assert 'id="reveal"' not in client.get(f"/merchants/{merchant.pk}/").content.decode()

    refused = client.post(f"/merchants/{merchant.pk}/").content.decode()
    client.logout()
    anonymous = client.post(f"/merchants/{merchant.pk}/")

    assert "13912345678" not in refused and "只有" in refused
    assert "13912345678" not in anonymous.content.decode()
    assert not AuditEntry.objects.filter(action="personal_data.shown").exists()


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


def test_the_county_office_edits_a_merchant_its_flags_and_its_owner_from_the_page(
    client, make_user, office_user
):
    merchant = make()
    owner = make_user("shanyun", Role.MERCHANT, township("嘎洒镇"))
    client.force_login(office_user)
    form = client.get(f"/merchants/{merchant.pk}/edit/").content.decode()
    assert "入驻电商产业园" in form and "店主账号" in form

    response = client.post(
        f"/merchants/{merchant.pk}/edit/",
        {
            "name": "版纳山韵茶业有限公司",
            "kind": MerchantKind.ENTERPRISE,
            "region": township("嘎洒镇").pk,
            "contact_phone": "13912345678",
            "owner": "shanyun",
            "is_incubated": "on",
            "incubated_since": "2017-03-01",
            "is_park_tenant": "on",
        },
    )

    assert response["Location"] == f"/merchants/{merchant.pk}/"
    merchant.refresh_from_db()
    assert merchant.name == "版纳山韵茶业有限公司" and merchant.owner == owner
    assert merchant.is_incubated and merchant.is_park_tenant
    assert str(merchant.incubated_since) == "2017-03-01"
    assert AuditEntry.objects.filter(action="merchant.update").count() == 1


def test_an_unknown_owner_account_is_said_and_nothing_changes(client, office_user):
    merchant = make()
    client.force_login(office_user)
    text = client.post(
        f"/merchants/{merchant.pk}/edit/",
        {"name": "新名字", "kind": merchant.kind, "region": merchant.region_id, "owner": "nobody"},
    ).content.decode()
    assert "没有用户名为 nobody 的账号。" in text
    assert Merchant.objects.get(pk=merchant.pk).name == "版纳山韵茶业"


def test_a_closed_owner_account_is_refused_from_the_page_and_nothing_changes(
    client, make_user, office_user
):
    merchant = make()
    closed = make_user("shanyun", Role.MERCHANT, township("嘎洒镇"))
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    client.force_login(office_user)
    text = client.post(
        f"/merchants/{merchant.pk}/edit/",
        {"name": "新名字", "kind": merchant.kind, "region": merchant.region_id, "owner": "shanyun"},
    ).content.decode()
    assert "账号 shanyun 已停用" in text
    merchant.refresh_from_db()
    assert merchant.name == "版纳山韵茶业" and merchant.owner is None


def test_township_staff_edit_without_the_county_offices_fields(client, gasa_staff):
    merchant = make()
    client.force_login(gasa_staff)
    form = client.get(f"/merchants/{merchant.pk}/edit/").content.decode()
    assert 'name="owner"' not in form and 'name="is_incubated"' not in form

    client.post(
        f"/merchants/{merchant.pk}/edit/",
        {
            "name": "版纳山韵茶业",
            "kind": MerchantKind.ENTERPRISE,
            "region": township("嘎洒镇").pk,
            "address": "嘎洒镇曼达村",
            "owner": "gasa",  # not on its form: ignored
        },
    )

    merchant.refresh_from_db()
    assert merchant.address == "嘎洒镇曼达村" and merchant.owner is None


def test_a_merchant_cannot_open_another_merchants_edit_page(client, make_user):
    merchant = make()
    client.force_login(make_user("m", Role.MERCHANT, township("嘎洒镇")))
    assert client.get(f"/merchants/{merchant.pk}/edit/").status_code == 403


def test_the_office_stops_a_merchant_and_lets_it_sell_again_from_the_page(client, office_user):
    merchant = make()
    client.force_login(office_user)
    url = f"/merchants/{merchant.pk}/active/"
    refused = client.post(url, {"active": "0", "reason": ""}, follow=True).content.decode()
    assert "请说明停止该商家的原因" in refused and Merchant.objects.get(pk=merchant.pk).is_active

    client.post(url, {"active": "0", "reason": "停业"})
    assert not Merchant.objects.get(pk=merchant.pk).is_active
    client.post(url, {"active": "1"})
    assert Merchant.objects.get(pk=merchant.pk).is_active


def test_the_office_records_and_removes_an_outside_shop_from_the_page(client, office_user):
    merchant = make()
    client.force_login(office_user)
    client.post(
        f"/merchants/{merchant.pk}/shops/",
        {"platform": Platform.PINDUODUO, "shop_id": "pdd-88", "url": "https://pdd.example/88"},
    )
    shop = merchant.platform_shops.get()
    assert "pdd-88" in client.get(f"/merchants/{merchant.pk}/").content.decode()

    client.post(f"/merchants/{merchant.pk}/shops/{shop.pk}/remove/")

    assert not merchant.platform_shops.exists()
    assert AuditEntry.objects.filter(action="merchant.platform_shop.remove").count() == 1


def test_the_edit_form_never_shows_the_numbers_in_full_and_keeps_them_when_left_empty(
    client, office_user
):
    merchant = make()
    client.force_login(office_user)
    form = client.get(f"/merchants/{merchant.pk}/edit/").content.decode()
    assert "13912345678" not in form and "139****5678" in form

    client.post(
        f"/merchants/{merchant.pk}/edit/",
        {"name": "版纳山韵茶业", "kind": MerchantKind.ENTERPRISE, "region": merchant.region_id},
    )

    merchant.refresh_from_db()
    assert merchant.contact_phone == "13912345678"
