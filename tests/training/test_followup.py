"""Follow-up: which trainees later appear as merchants or operators, and sell."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cuncun.accounts.models import Role, User
from cuncun.merchants.models import Merchant, MerchantKind
from cuncun.network.models import SiteService
from cuncun.network.services import record_service
from cuncun.orders.services import confirm_offline_payment, place_order, start_payment
from cuncun.regions.models import RegionUnit
from cuncun.training import services
from cuncun.training.followup import MatchedBy, follow_up
from cuncun.training.roster import read_roster
from tests.conftest import township, village
from tests.merchants import factories as f
from tests.orders.conftest import pickup_request
from tests.training.builders import id_number, person_row, roster_file

TODAY = timezone.localdate


def _train(session, rows):
    services.import_roster(actor=None, session=session, sheet=read_roster(roster_file(rows)))


def _sell(market, sku, key="k"):
    placed = place_order(
        actor=market.buyer, idempotency_key=key, request=pickup_request(market, [(sku.pk, 1)])
    )
    payment = start_payment(actor=market.buyer, checkout=placed.checkout)
    confirm_offline_payment(actor=market.operator, payment=payment)


def _report(user=None):
    county = RegionUnit.objects.get(level="county")
    return follow_up(user, county, until=TODAY())


def _linked(report, n, female=False):
    wanted = id_number(n, female=female)
    return next(x for x in report.linked if x.trainee.id_number == wanted)


def test_a_trainee_who_registers_a_shop_and_sells_is_found_by_id_number(market, session):
    _train(session, [person_row(1, name="刘春华", township="勐龙镇", village="景龙村委会")])
    farm = f.merchant(
        "刘春华家庭农场",
        kind=MerchantKind.FAMILY_FARM,
        id_number=id_number(1),
        contact_phone="13700000001",
    )
    product = f.product(farm, "古树茶", price="30.00")
    f.stock(product.skus.get(), market.warehouse, 5)
    _sell(market, product.skus.get())

    found = _linked(_report(), 1)

    [link] = found.merchants
    assert link.matched_by == MatchedBy.ID_NUMBER and link.later and link.sells
    assert found.became_merchant and found.sells


def test_without_an_id_number_a_merchant_is_found_by_phone(market, session):
    # 刘家茶园's owner account has the phone 13900000006
    _train(session, [person_row(2, name="刘家", phone="13900000006")])
    report = _report()
    [link] = _linked(report, 2).merchants
    assert link.name == "刘家茶园" and link.matched_by == MatchedBy.PHONE and not link.sells

    _sell(market, market.tea)

    assert _linked(_report(), 2).sells


def test_a_merchant_with_someone_elses_id_number_is_not_linked_by_phone(market, session):
    f.merchant(
        "别人的农场", kind=MerchantKind.FARMER, id_number=id_number(9), contact_phone="13700000003"
    )
    _train(session, [person_row(3, phone="13700000003")])
    assert not _report().linked


def test_a_trainee_who_runs_a_village_point_is_found_by_phone_and_sells_by_assisted_sales(
    market, session
):
    # The point's operator account has the phone 13900000005; the point opened before training.
    _train(session, [person_row(4, name="岩罕龙", phone="13900000005")])
    found = _linked(_report(), 4)
    [link] = found.operators
    assert link.site_id == market.point.pk and not link.later and not link.sells

    record_service(
        actor=market.operator,
        site=market.point,
        kind=SiteService.ASSISTED_SALE,
        day=date(2017, 6, 1),
        amount="120.00",
        category="茶叶",
    )

    assert _linked(_report(), 4).sells


def test_assisted_sales_before_the_training_do_not_count(market, session):
    record_service(
        actor=market.operator,
        site=market.point,
        kind=SiteService.ASSISTED_SALE,
        day=date(2017, 2, 1),
        amount="50.00",
    )
    _train(session, [person_row(4, phone="13900000005")])
    assert not _linked(_report(), 4).sells


def test_training_that_led_to_nothing_is_counted_by_kind_of_course(market, session):
    _train(session, [person_row(5), person_row(6, phone="13900000005")])
    report = _report()
    assert (report.total.trainees, report.total.operators, report.total.nothing) == (2, 1, 1)
    [(kind, _label, outcome)] = report.by_kind
    assert kind == "awareness" and outcome.nothing == 1


def test_the_follow_up_page_masks_id_numbers_and_is_for_staff(
    client, market, session, gasa_staff, make_user
):
    _train(session, [person_row(4, name="岩罕龙", phone="13900000005")])
    client.force_login(gasa_staff)
    page = client.get(reverse("training:followup")).content.decode()
    assert "岩罕龙" in page and id_number(4) not in page and 'id="became-operators"' in page

    client.force_login(market.tea_owner)  # a merchant
    assert client.get(reverse("training:followup")).status_code == 403


def test_township_staff_follow_up_only_their_township(market, session, menglong_staff):
    _train(session, [person_row(4, phone="13900000005")])
    report = follow_up(menglong_staff, township("勐龙镇"), until=TODAY())
    assert report.total.trainees == 0


@pytest.mark.parametrize("blank", ["", " "])
def test_a_trainee_without_a_phone_is_never_linked_by_phone(market, session, blank):
    f.merchant("无名农场", kind=MerchantKind.FARMER, contact_phone="")
    _train(session, [person_row(7, phone=blank)])
    assert not _report().linked


# The session's first day is 2017-05-12; the county lives in Asia/Shanghai (UTC+8), so 00:30 on
# the 12th there is still the 11th in UTC, and 23:30 on the 11th is the 11th in both.
NEAR_MIDNIGHT = [(datetime(2017, 5, 12, 0, 30), True), (datetime(2017, 5, 11, 23, 30), False)]


@pytest.mark.parametrize(("registered", "later"), NEAR_MIDNIGHT)
def test_a_merchant_registered_near_midnight_counts_by_the_countys_day(
    market, session, registered, later
):
    _train(session, [person_row(8)])
    farm = f.merchant("岩温农场", kind=MerchantKind.FARMER, id_number=id_number(8))
    Merchant.objects.filter(pk=farm.pk).update(created_at=timezone.make_aware(registered))

    [link] = _linked(_report(), 8).merchants

    assert link.registered_on == registered.date() and link.later is later


@pytest.mark.parametrize(("joined", "later"), NEAR_MIDNIGHT)
def test_an_operator_account_opened_near_midnight_counts_by_the_countys_day(
    market, session, make_user, joined, later
):
    _train(session, [person_row(9, phone="13900000010")])
    account = make_user(
        "op2", Role.VILLAGE_OPERATOR, village("嘎洒镇", "曼播村委会"), phone="13900000010"
    )
    User.objects.filter(pk=account.pk).update(date_joined=timezone.make_aware(joined))

    [link] = _linked(_report(), 9).operators

    assert link.since == joined.date() and link.later is later
