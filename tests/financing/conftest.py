"""The market's tea garden (owned by the user `merchant`) with a sale, its owner trained, and the
guarantee agency's and the bank's reviewers."""

from types import SimpleNamespace

import pytest

from cuncun.accounts.models import Role
from cuncun.orders.services import confirm_offline_payment, place_order, start_payment
from cuncun.training import services as training
from cuncun.training.roster import read_roster
from tests.orders.conftest import market, pickup_request  # noqa: F401 (the fixture)
from tests.training.builders import person_row, roster_file
from tests.training.conftest import awareness, session  # noqa: F401 (the fixtures)


def sell(market, sku, quantity=2):  # noqa: F811
    placed = place_order(
        actor=market.buyer,
        idempotency_key=f"sale-{sku.pk}-{quantity}",
        request=pickup_request(market, [(sku.pk, quantity)]),
    )
    payment = start_payment(actor=market.buyer, checkout=placed.checkout)
    confirm_offline_payment(actor=market.operator, payment=payment)


@pytest.fixture
def lending(market, session, make_user, office_user):  # noqa: F811
    sell(market, market.tea, 2)  # ¥100 of tea paid at the point
    training.import_roster(
        actor=None,
        session=session,
        sheet=read_roster(roster_file([person_row(1, name="刘茶农", phone="13900000006")])),
    )
    return SimpleNamespace(
        market=market,
        applicant=market.tea_owner,
        garden=market.tea_garden,
        agency=make_user("agency", Role.GUARANTEE_AGENCY),
        bank=make_user("bank", Role.BANK),
        office=office_user,
        session=session,
    )
