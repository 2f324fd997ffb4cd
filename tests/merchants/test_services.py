import pytest
from django.contrib.auth.models import AnonymousUser

from cuncun.accounts.models import Role
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed, OutOfScope
from cuncun.core.models import AuditEntry
from cuncun.core.personal import id_check_char
from cuncun.merchants.models import Merchant, MerchantKind, Platform
from cuncun.merchants.queries import merchant_list, summary, visible_merchants
from cuncun.merchants.services import (
    MerchantDetails,
    add_platform_shop,
    may_record_shops,
    register_merchant,
    sees_owner,
    update_merchant,
)
from cuncun.regions.models import GroupCode
from cuncun.regions.services import add_to_group, ensure_group
from tests.conftest import township, village


def valid_id(first17="53280119800101123"):
    return first17 + id_check_char(first17)


def details(**overrides):
    values = {
        "name": "曼达咖啡合作社",
        "kind": MerchantKind.COOPERATIVE,
        "region": township("嘎洒镇"),
    }
    values.update(overrides)
    return MerchantDetails(**values)


def test_a_farmer_without_phone_or_account_is_registered_by_their_village_operator(make_user):
    manda = village("嘎洒镇", "曼达村委会")
    operator = make_user("op", Role.VILLAGE_OPERATOR, manda)

    farmer = register_merchant(
        actor=operator,
        details=details(name="玉罕", kind=MerchantKind.FARMER, region=manda, id_number=valid_id()),
    )

    assert farmer.owner is None and farmer.contact_phone == ""
    assert farmer.represented_by == operator
    assert farmer.sells_through_operator
    assert farmer.masked_id_number.startswith("5328") and "*" in farmer.masked_id_number


def test_an_operator_cannot_register_a_merchant_in_another_village(make_user):
    operator = make_user("op", Role.VILLAGE_OPERATOR, village("嘎洒镇", "曼达村委会"))
    with pytest.raises(OutOfScope):
        register_merchant(actor=operator, details=details(region=village("勐龙镇", "曼栋村委会")))
    assert not Merchant.objects.exists()


def test_every_problem_of_a_registration_is_reported_at_once(county):
    bad_id = valid_id()[:-1] + ("0" if valid_id()[-1] != "0" else "1")
    with pytest.raises(InvalidInput) as error:
        register_merchant(
            actor=None,
            details=details(
                name=" ", contact_phone="12345", kind=MerchantKind.FARMER, id_number=bad_id
            ),
        )
    problems = error.value.details["problems"]
    assert len(problems) == 3
    assert not Merchant.objects.exists()


def test_an_enterprise_has_no_resident_id_number(county):
    with pytest.raises(InvalidInput, match="个人经营者"):
        register_merchant(actor=None, details=details(id_number=valid_id()))


def test_the_same_resident_id_is_registered_once(county):
    register_merchant(
        actor=None, details=details(name="A", kind=MerchantKind.FARMER, id_number=valid_id())
    )
    with pytest.raises(Conflict):
        register_merchant(
            actor=None, details=details(name="B", kind=MerchantKind.FARMER, id_number=valid_id())
        )


def test_in_poor_village_is_computed_from_the_region_group(county, office_user):
    manda = village("嘎洒镇", "曼达村委会")
    farmer = register_merchant(actor=None, details=details(name="岩香", region=manda))
    assert not Merchant.objects.get(pk=farmer.pk).in_poor_village

    group = ensure_group(actor=None, code=GroupCode.POOR_VILLAGE, name="贫困村")
    add_to_group(actor=None, group=group, unit=manda)

    assert Merchant.objects.get(pk=farmer.pk).in_poor_village
    assert list(Merchant.objects.in_poor_villages()) == [farmer]
    assert summary(office_user)["poor_village"] == 1


def test_only_the_county_office_records_incubation(county, gasa_staff, office_user):
    merchant = register_merchant(actor=gasa_staff, details=details())
    with pytest.raises(NotAllowed):
        update_merchant(actor=gasa_staff, merchant=merchant, changes={"is_incubated": True})
    update_merchant(actor=office_user, merchant=merchant, changes={"is_incubated": True})
    assert Merchant.objects.get(pk=merchant.pk).is_incubated


def test_the_owner_changes_their_contact_but_not_their_flags(make_user):
    owner = make_user("tea", Role.MERCHANT, township("勐龙镇"))
    merchant = register_merchant(
        actor=None, details=details(region=township("勐龙镇"), owner=owner)
    )
    update_merchant(actor=owner, merchant=merchant, changes={"contact_phone": "13912345678"})
    with pytest.raises(NotAllowed):
        update_merchant(actor=owner, merchant=merchant, changes={"is_poverty_registered": True})
    entry = AuditEntry.objects.for_object(merchant).filter(action="merchant.update").get()
    assert entry.after == {"contact_phone": "139****5678"}  # masked even in the audit log


def test_outside_platform_shops_are_recorded_once(county, office_user):
    merchant = register_merchant(actor=None, details=details())
    add_platform_shop(
        actor=office_user,
        merchant=merchant,
        platform=Platform.TAOBAO,
        shop_id="1234567",
        url="https://shop1234567.taobao.com",
    )
    with pytest.raises(Conflict):
        add_platform_shop(
            actor=office_user, merchant=merchant, platform=Platform.TAOBAO, shop_id="1234567"
        )
    with pytest.raises(InvalidInput):
        add_platform_shop(
            actor=office_user, merchant=merchant, platform=Platform.JD, shop_id="9", url="not a url"
        )
    listed = merchant_list(office_user, flag="platform")
    assert [m.name for m in listed] == [merchant.name]
    assert summary(office_user)["by_platform"] == {Platform.TAOBAO: 1}


def test_township_staff_see_only_their_townships_merchants(county, gasa_staff):
    register_merchant(actor=None, details=details(name="嘎洒", region=township("嘎洒镇")))
    register_merchant(actor=None, details=details(name="勐龙", region=township("勐龙镇")))
    assert [m.name for m in visible_merchants(gasa_staff)] == ["嘎洒"]


def test_the_merchant_list_costs_a_fixed_number_of_queries(
    county, office_user, django_assert_max_num_queries
):
    for n in range(5):
        m = register_merchant(actor=None, details=details(name=f"商家{n}"))
        add_platform_shop(actor=None, merchant=m, platform=Platform.JD, shop_id=f"jd{n}")
    with django_assert_max_num_queries(3):
        rows = list(merchant_list(office_user))
        assert all(len(m.platform_shops.all()) == 1 and m.in_poor_village is False for m in rows)


def test_nobody_in_a_township_or_village_links_an_owner_account(make_user, gasa_staff):
    manda = village("嘎洒镇", "曼达村委会")
    operator = make_user("op", Role.VILLAGE_OPERATOR, manda)
    farmer = register_merchant(actor=operator, details=details(name="玉罕", region=manda))

    for actor in (operator, gasa_staff):
        for owner in (actor, make_user(f"friend-of-{actor.username}", Role.MERCHANT, manda)):
            with pytest.raises(NotAllowed, match="市电商办"):
                update_merchant(actor=actor, merchant=farmer, changes={"owner": owner})
    with pytest.raises(NotAllowed):
        register_merchant(actor=gasa_staff, details=details(name="新店", owner=gasa_staff))

    assert Merchant.objects.get(pk=farmer.pk).owner is None
    assert [m.name for m in Merchant.objects.all()] == ["玉罕"]
    assert not AuditEntry.objects.filter(action="merchant.update").exists()


def test_the_county_office_links_an_owner_account_and_it_is_audited(make_user, office_user):
    merchant = register_merchant(actor=None, details=details())
    owner = make_user("coop", Role.MERCHANT, township("嘎洒镇"))

    update_merchant(actor=office_user, merchant=merchant, changes={"owner": owner})

    assert Merchant.objects.get(pk=merchant.pk).owner == owner
    entry = AuditEntry.objects.get(action="merchant.update")
    assert (entry.before, entry.after) == ({"owner_id": None}, {"owner_id": owner.pk})


def test_a_closed_account_or_a_staff_account_is_never_linked_as_owner(make_user, office_user):
    merchant = register_merchant(actor=None, details=details())
    closed = make_user("closed", Role.MERCHANT, township("嘎洒镇"))
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    staff = make_user("staff", Role.TOWNSHIP_STAFF, township("嘎洒镇"))

    for owner, problem in ((closed, "closed 已停用"), (staff, "staff 不是商家账号")):
        with pytest.raises(InvalidInput, match=problem):
            update_merchant(actor=office_user, merchant=merchant, changes={"owner": owner})
        with pytest.raises(InvalidInput, match=problem):
            register_merchant(actor=office_user, details=details(name="新店", owner=owner))

    assert Merchant.objects.get(pk=merchant.pk).owner is None
    assert Merchant.objects.count() == 1
    assert not AuditEntry.objects.filter(action="merchant.update").exists()


def test_a_merchant_whose_owner_account_was_closed_can_still_be_edited(make_user, office_user):
    owner = make_user("coop", Role.MERCHANT, township("嘎洒镇"))
    merchant = register_merchant(actor=None, details=details(owner=owner))
    owner.is_active = False
    owner.save(update_fields=["is_active"])

    update_merchant(actor=office_user, merchant=merchant, changes={"address": "嘎洒镇曼达村"})

    merchant.refresh_from_db()
    assert merchant.address == "嘎洒镇曼达村" and merchant.owner == owner


def test_who_records_shops_and_sees_the_owner(make_user, office_user, gasa_staff, menglong_staff):
    owner = make_user("coop", Role.MERCHANT, township("嘎洒镇"))
    merchant = register_merchant(actor=None, details=details(owner=owner))
    stranger = make_user("other", Role.MERCHANT, township("嘎洒镇"))

    recorders = [
        u
        for u in (office_user, gasa_staff, menglong_staff, owner, stranger, AnonymousUser())
        if may_record_shops(u, merchant)
    ]
    assert recorders == [office_user, gasa_staff, owner]
    assert [u for u in (office_user, gasa_staff, owner) if sees_owner(u)] == [office_user]
    assert not sees_owner(AnonymousUser())
    with pytest.raises(OutOfScope):
        add_platform_shop(
            actor=menglong_staff, merchant=merchant, platform=Platform.JD, shop_id="1"
        )
    with pytest.raises(NotAllowed):
        add_platform_shop(actor=stranger, merchant=merchant, platform=Platform.JD, shop_id="1")
    assert not merchant.platform_shops.exists()


def test_township_staff_change_what_they_may_and_nothing_else(county, gasa_staff, menglong_staff):
    from cuncun.merchants.services import editable_fields

    merchant = register_merchant(actor=None, details=details())
    assert "owner" not in editable_fields(gasa_staff, merchant)
    assert editable_fields(menglong_staff, merchant) == set()

    update_merchant(actor=gasa_staff, merchant=merchant, changes={"address": "曼达村3组"})
    with pytest.raises(OutOfScope):
        update_merchant(actor=menglong_staff, merchant=merchant, changes={"address": "别处"})
    assert Merchant.objects.get(pk=merchant.pk).address == "曼达村3组"


def test_texts_longer_than_their_columns_are_refused_with_every_problem(county, office_user):
    merchant = register_merchant(actor=None, details=details())
    with pytest.raises(InvalidInput) as error:
        update_merchant(
            actor=office_user,
            merchant=merchant,
            changes={"name": "社" * 101, "address": "路" * 201, "contact_name": "张" * 51},
        )
    assert len(error.value.details["problems"]) == 3
    with pytest.raises(InvalidInput):
        add_platform_shop(actor=office_user, merchant=merchant, platform="jd", shop_id="9" * 65)
    assert Merchant.objects.get(pk=merchant.pk).name == "曼达咖啡合作社"
    assert not merchant.platform_shops.exists()


def test_the_office_stops_a_merchant_and_removes_a_shop_each_audited(county, office_user):
    from cuncun.merchants.services import remove_platform_shop, set_merchant_active

    merchant = register_merchant(actor=None, details=details())
    shop = add_platform_shop(
        actor=office_user, merchant=merchant, platform=Platform.JD, shop_id="jd-1"
    )
    with pytest.raises(InvalidInput):
        set_merchant_active(actor=office_user, merchant=merchant, active=False, reason=" ")

    set_merchant_active(actor=office_user, merchant=merchant, active=False, reason="停业整顿")
    remove_platform_shop(actor=office_user, shop=shop)

    merchant.refresh_from_db()
    assert not merchant.is_active and not merchant.platform_shops.exists()
    actions = set(AuditEntry.objects.for_object(merchant).values_list("action", flat=True))
    assert {"merchant.deactivate", "merchant.platform_shop.remove"} <= actions
