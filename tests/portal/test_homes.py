"""Each person lands on their own work after logging in, and the menu holds what their role uses."""

import pytest
from django.test import Client
from django.urls import reverse

from cuncun.accounts.models import Role
from cuncun.accounts.services import register_buyer
from cuncun.orders.services import place_order, start_payment
from cuncun.portal.homes import ROLE_HOMES, TRAINING_OFFICE_HOME
from tests.conftest import PASSWORD, township
from tests.orders.conftest import market, pickup_request  # noqa: F401 (the market fixture)
from tests.training.conftest import join_training_office


def logged_in_landing(username: str) -> str:
    response = Client().post(
        reverse("accounts:login"), {"username": username, "password": PASSWORD}, follow=True
    )
    return response.redirect_chain[-1][0]


def menu_of(client: Client) -> str:
    page = client.get(reverse("plans:current")).content.decode()
    return page[page.index('<nav class="nav"') : page.index("</nav>")]


@pytest.mark.parametrize(
    ("role", "region"),
    [
        (Role.COUNTY_OFFICE, None),
        (Role.LEADERSHIP_GROUP, None),
        (Role.SUPERVISION_OFFICE, None),
        (Role.SERVICE_CENTER, None),
        (Role.FINANCE_BUREAU, None),
        (Role.MEMBER_DEPARTMENT, None),
        (Role.TOWNSHIP_STAFF, "嘎洒镇"),
        (Role.MERCHANT, "勐龙镇"),
        (Role.COURIER, "嘎洒镇"),
        (Role.GUARANTEE_AGENCY, None),
        (Role.BANK, None),
    ],
)
def test_each_role_lands_on_its_own_work_after_login(plan, make_user, role, region):
    make_user("someone", role, township(region) if region else None)
    assert logged_in_landing("someone") == reverse(ROLE_HOMES[role])


def test_a_buyer_lands_on_the_market(plan, make_user):
    register_buyer(phone="13800000001", password=PASSWORD)
    assert logged_in_landing("13800000001") == reverse("orders:market")


def test_the_training_office_lands_on_its_sessions(plan, make_user):
    join_training_office(make_user("peixun", Role.MEMBER_DEPARTMENT), plan)
    assert logged_in_landing("peixun") == reverse(TRAINING_OFFICE_HOME)


def test_the_village_operator_lands_on_the_point_console(market):  # noqa: F811
    assert logged_in_landing("operator") == reverse("portal:console")


def test_the_operator_menu_holds_the_counter_work_and_not_the_county_statistics(market):  # noqa: F811
    client = Client()
    client.force_login(market.operator)
    menu = menu_of(client)
    assert "快件" in menu and "市场" in menu and "我的商品" in menu
    assert "行政区划" not in menu and "覆盖" not in menu and "账户管理" not in menu


def test_a_visitor_menu_shows_the_public_pages_and_no_staff_work(plan):
    menu = menu_of(Client())
    assert "行政区划" in menu and "市场" in menu and "服务站点" in menu
    assert "快件" not in menu and "我的商品" not in menu


def test_the_county_office_menu_has_the_program_and_not_the_shop(plan, office_user):
    client = Client()
    client.force_login(office_user)
    menu = menu_of(client)
    assert "行政区划" in menu and "账户管理" in menu and "快件" in menu
    assert "我的商品" not in menu


def test_the_console_counts_what_waits_at_the_point(market):  # noqa: F811
    # Given a pickup order paid in cash at the point, not yet confirmed
    placed = place_order(
        actor=market.buyer,
        idempotency_key="k",
        request=pickup_request(market, [(market.tea.pk, 1)]),
    )
    start_payment(actor=market.buyer, checkout=placed.checkout)
    client = Client()
    client.force_login(market.operator)

    page = client.get(reverse("portal:console")).content.decode()

    cash = page[page.index('data-key="cash"') :]
    assert '<span class="console-count">1</span>' in cash[: cash.index("</a>")]
    for label in ["取件", "入库", "代购", "代售", "收现金", "今日台账"]:
        assert label in page


def test_the_console_is_only_for_someone_who_runs_a_point(plan, office_user):
    client = Client()
    client.force_login(office_user)
    assert client.get(reverse("portal:console")).status_code == 403
