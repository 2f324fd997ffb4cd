"""代购: the operator chooses or writes down the villager first; an operator's order names nobody
else outside that mode."""

import pytest

from cuncun.core.errors import InvalidInput, NotAllowed
from cuncun.core.models import AuditEntry
from cuncun.orders.models import Villager
from cuncun.orders.services import CheckoutRequest, place_order, register_villager
from tests.conftest import village
from tests.merchants import factories as f
from tests.orders.conftest import pickup_request


def a_villager(market, **extra) -> Villager:
    return register_villager(
        actor=market.operator,
        site=market.point,
        name=extra.get("name", "玉香"),
        phone=extra.get("phone", "13700000009"),
        village=extra.get("village", market.point.region),
    )


def test_a_villager_is_written_down_once_per_phone_and_audited(market):
    first = a_villager(market)
    again = a_villager(market, name="玉香（又一次）")

    assert again == first and Villager.objects.count() == 1
    entry = AuditEntry.objects.for_object(first).get(action="villager.register")
    assert entry.actor == market.operator and entry.after["phone"] == "137****0009"


def test_a_villager_must_live_in_the_points_township(market):
    with pytest.raises(InvalidInput) as refused:
        a_villager(market, village=village("勐龙镇", "曼伞村委会"))
    assert "所在乡镇" in str(refused.value.message)
    assert not Villager.objects.exists()


def test_only_the_points_operator_writes_villagers_down(market):
    with pytest.raises(NotAllowed):
        register_villager(
            actor=market.buyer,
            site=market.point,
            name="玉香",
            phone="13700000009",
            village=market.point.region,
        )


def test_an_assisted_order_is_the_villagers(market):
    villager = a_villager(market)
    placed = place_order(
        actor=market.operator,
        idempotency_key="k",
        request=CheckoutRequest(
            fulfilment="pickup",
            payment_provider="offline",
            pickup_site_id=market.point.pk,
            assisted_site_id=market.point.pk,
            villager_id=villager.pk,
            lines=[(market.coffee.pk, 1)],
        ),
    )
    checkout = placed.checkout
    assert checkout.villager == villager and checkout.on_behalf_of_name == "玉香"
    assert checkout.contact_phone == "13700000009"  # who gets the pickup SMS


def test_an_operator_cannot_order_in_a_villagers_name_outside_assisted_mode(market):
    request = pickup_request(market, [(market.coffee.pk, 1)])
    request.recipient_name, request.recipient_phone = "玉香", "13700000009"

    with pytest.raises(NotAllowed) as refused:
        place_order(actor=market.operator, idempotency_key="k", request=request)

    assert "代购" in str(refused.value.message)


def test_an_operator_still_buys_for_themselves(market):
    request = pickup_request(market, [(market.coffee.pk, 1)])
    request.recipient_phone = market.operator.phone
    placed = place_order(actor=market.operator, idempotency_key="k", request=request)
    assert placed.checkout.assisted_site is None


def test_a_villager_of_another_point_is_refused(market, make_user):
    other_operator = f.operator_of(make_user, "other", village("嘎洒镇", "曼景罕村委会"))
    other_point = f.pickup_point(
        village("嘎洒镇", "曼景罕村委会"), operator=other_operator, name="曼景罕村服务点"
    )
    stranger = register_villager(
        actor=other_operator,
        site=other_point,
        name="岩温",
        phone="13700000008",
        village=other_point.region,
    )
    with pytest.raises(InvalidInput):
        place_order(
            actor=market.operator,
            idempotency_key="k",
            request=CheckoutRequest(
                fulfilment="pickup",
                payment_provider="offline",
                pickup_site_id=market.point.pk,
                assisted_site_id=market.point.pk,
                villager_id=stranger.pk,
                lines=[(market.coffee.pk, 1)],
            ),
        )
