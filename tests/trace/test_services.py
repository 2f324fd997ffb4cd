import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cuncun.accounts.models import Role
from cuncun.catalog.models import ProductStatus
from cuncun.catalog.services import set_product_status
from cuncun.core.errors import NotAllowed
from cuncun.core.models import AuditEntry, OutboxMessage
from cuncun.orders.models import Order
from cuncun.orders.services import pack_order, pick_up_order, place_order, ship_order
from cuncun.trace import lineage, services
from cuncun.trace.models import Batch, BatchStatus, BizStep, InputKind, InspectionResult
from cuncun.trace.queries import recall_rows, recall_scope
from tests.conftest import township
from tests.orders.conftest import pickup_request
from tests.orders.test_fulfilment import paid_pickup
from tests.trace.conftest import HARVEST, base_of, harvest, inspection


def spray(base, applied_on, days, name="吡虫啉"):
    return services.record_input(
        actor=None,
        base=base,
        kind=InputKind.PESTICIDE,
        product_name=name,
        dose="10g/亩",
        applied_on=applied_on,
        safe_interval_days=days,
    )


def test_a_batch_harvested_inside_a_pesticides_safe_interval_is_refused(farm):
    garden = base_of(farm.market.tea_garden, "南糯山茶园", ("勐龙镇", "曼康湾村委会"))
    sprayed = HARVEST - timedelta(days=10)
    spray(garden, sprayed, 7)

    with pytest.raises(services.SafeIntervalNotOver) as refused:
        harvest(farm.market.tea.product, garden, day=sprayed + timedelta(days=6))

    assert "吡虫啉" in str(refused.value.message)
    assert str(sprayed + timedelta(days=7)) in str(refused.value.message)  # harvest from then
    assert Batch.objects.count() == 1
    later = harvest(farm.market.tea.product, garden, day=sprayed + timedelta(days=7))
    assert later.lot.startswith("JH")


def test_a_pesticide_that_would_put_a_recorded_harvest_inside_its_interval_is_refused(farm):
    with pytest.raises(services.SafeIntervalNotOver) as refused:
        spray(farm.base, HARVEST - timedelta(days=2), 14)

    assert farm.batch.lot in str(refused.value.message)
    assert not farm.base.inputs.exists()
    fertiliser = services.record_input(
        actor=None,
        base=farm.base,
        kind=InputKind.FERTILISER,
        product_name="有机肥",
        dose="200kg/亩",
        applied_on=HARVEST - timedelta(days=2),
        safe_interval_days=14,
    )
    assert fertiliser.safe_interval_days == 0  # only a pesticide holds the harvest back


def test_mixing_and_repacking_make_new_batches_whose_lineage_is_a_graph(farm):
    market = farm.market
    other_base = base_of(market.tea_garden, "南糯山茶园", ("勐龙镇", "曼康湾村委会"))
    second = harvest(market.tea.product, other_base, quantity="300")

    blend = services.transform_batches(
        actor=market.tea_owner,
        product=market.tea.product,
        sources=[(farm.batch, "200"), (second, "300")],
        quantity="500",
        unit="斤",
        made_on=timezone.localdate(),
    )
    boxes = services.transform_batches(
        actor=market.tea_owner,
        product=market.tea.product,
        sources=[(blend, "500")],
        quantity="100",
        unit="盒",
        made_on=timezone.localdate(),
    )

    assert lineage.ancestor_ids(boxes.pk) == sorted([farm.batch.pk, second.pk, blend.pk])
    assert lineage.descendant_ids(farm.batch.pk) == sorted([blend.pk, boxes.pk])
    assert {b.pk for b in lineage.harvested_sources(boxes)} == {farm.batch.pk, second.pk}
    assert lineage.origin_text(boxes) == "勐龙镇曼栋村委会、勐龙镇曼康湾村委会"
    assert boxes.events.get().event_type == "TransformationEvent"


def test_a_failed_inspection_blocks_the_batch_and_every_batch_made_from_it(farm, office_user):
    market = farm.market
    blend = services.transform_batches(
        actor=None,
        product=market.tea.product,
        sources=[(farm.batch, "100")],
        quantity="100",
        unit="斤",
        made_on=timezone.localdate(),
    )

    result = services.record_inspection(
        actor=office_user, batch=farm.batch, details=inspection(farm.station, value="62.5")
    )

    assert result.result == InspectionResult.FAIL
    assert {b.status for b in Batch.objects.filter(pk__in=[farm.batch.pk, blend.pk])} == {
        BatchStatus.BLOCKED
    }
    assert AuditEntry.objects.filter(action="trace.batch.blocked").count() == 2
    assert farm.batch.events.filter(biz_step=BizStep.HOLDING).exists()


def test_a_passed_inspection_leaves_the_batch_open(farm, office_user):
    services.record_inspection(
        actor=office_user, batch=farm.batch, details=inspection(farm.station, value="12")
    )
    farm.batch.refresh_from_db()
    assert farm.batch.status == BatchStatus.OPEN


def test_township_staff_test_only_their_townships_batches(farm, make_user):
    other = make_user("gasa", Role.TOWNSHIP_STAFF, township("嘎洒镇"))
    with pytest.raises(NotAllowed):
        services.record_inspection(
            actor=other, batch=farm.batch, details=inspection(farm.station, value="70")
        )
    farm.batch.refresh_from_db()
    assert farm.batch.status == BatchStatus.OPEN


def test_a_failed_batch_cannot_be_sold_shipped_handed_over_or_listed(farm, office_user):
    market = farm.market
    (shipped,) = paid_pickup(market, key="shipped")
    pack_order(actor=market.tea_owner, order=shipped)
    ship_order(actor=market.tea_owner, order=shipped)  # at the point: its pickup code is sent
    (waiting,) = paid_pickup(market, key="waiting")
    pack_order(actor=market.tea_owner, order=waiting)

    services.record_inspection(
        actor=office_user, batch=farm.batch, details=inspection(farm.station, value="80")
    )

    with pytest.raises(services.BatchHeld):  # sale
        place_order(
            actor=market.buyer,
            idempotency_key="again",
            request=pickup_request(market, [(market.tea.pk, 1)]),
        )
    with pytest.raises(services.BatchHeld):  # shipping
        ship_order(actor=market.tea_owner, order=waiting)
    with pytest.raises(services.BatchHeld):  # handover at the point
        pick_up_order(actor=market.operator, order=shipped, code="000000")
    set_product_status(actor=market.tea_owner, product=market.tea.product, status="delisted")
    with pytest.raises(services.BatchHeld.__mro__[1]) as refused:  # listing (catalog's Conflict)
        set_product_status(actor=market.tea_owner, product=market.tea.product, status="listed")
    assert farm.batch.lot in str(refused.value.message)
    market.tea.product.refresh_from_db()
    assert market.tea.product.status == ProductStatus.DELISTED
    assert Order.objects.get(pk=waiting.pk).status == "packed"


def test_a_certificate_copies_the_batch_and_is_kept_two_years(farm):
    certificate = services.issue_certificate(
        actor=farm.market.tea_owner,
        batch=farm.batch,
        basis=["self_test"],
        issuer="刘明",
        contact_phone="13900000006",
    )

    assert certificate.product_name == "普洱茶"
    assert certificate.origin == "勐龙镇曼栋村委会"
    assert certificate.quantity == "500 斤"
    assert certificate.producer == "刘家茶园"
    assert len(certificate.promises) == 3
    assert (certificate.keep_until - certificate.issued_on).days >= 730


def test_a_held_batch_gets_no_certificate(farm, office_user):
    services.record_inspection(
        actor=office_user, batch=farm.batch, details=inspection(farm.station, value="90")
    )
    with pytest.raises(services.BatchHeld):
        services.issue_certificate(
            actor=None,
            batch=farm.batch,
            basis=["self_test"],
            issuer="刘明",
            contact_phone="13900000006",
        )


def test_a_recall_finds_everything_upstream_and_downstream_stops_sales_and_texts_buyers(
    farm, office_user, django_capture_on_commit_callbacks
):
    market = farm.market
    services.record_input(
        actor=None,
        base=farm.base,
        kind=InputKind.FERTILISER,
        product_name="有机肥",
        dose="200kg/亩",
        applied_on=HARVEST - timedelta(days=30),
    )
    (order,) = paid_pickup(market, key="r1")
    pack_order(actor=market.tea_owner, order=order)
    ship_order(actor=market.tea_owner, order=order)
    (unshipped,) = paid_pickup(market, key="r2")
    blend = services.transform_batches(
        actor=None,
        product=market.tea.product,
        sources=[(farm.batch, "50")],
        quantity="50",
        unit="斤",
        made_on=timezone.localdate(),
    )

    with django_capture_on_commit_callbacks(execute=True):
        recall = services.recall_lot(actor=office_user, lot=farm.batch.lot, reason="农残超标")

    scope = recall_scope(farm.batch.lot)
    assert [b.pk for b in scope.downstream] == [blend.pk]
    assert [b.pk for b in scope.bases] == [farm.base.pk]
    assert [r.product_name for r in scope.inputs] == ["有机肥"]
    assert [s.stock_id for s in scope.stocks] == [farm.stock.pk]
    orders = {r.reference for r in scope.reached if r.kind == "order"}
    assert orders == {order.number, unshipped.number}
    assert {b.status for b in recall.recalled} == {BatchStatus.RECALLED}
    assert recall.notices == 1  # one buyer, two orders: one SMS
    sms = OutboxMessage.objects.get(reference=f"recall:{farm.batch.lot}")
    assert sms.to == market.buyer.phone and farm.batch.lot in sms.text
    with pytest.raises(services.BatchHeld):
        place_order(
            actor=market.buyer,
            idempotency_key="after",
            request=pickup_request(market, [(market.tea.pk, 1)]),
        )
    masked = recall_rows(scope, show_personal=False)
    assert market.buyer.phone not in str(masked)
    assert market.buyer.phone in str(recall_rows(scope, show_personal=True))


def test_only_the_county_office_recalls(farm):
    with pytest.raises(NotAllowed):
        services.recall_lot(actor=farm.market.tea_owner, lot=farm.batch.lot, reason="x")
    farm.batch.refresh_from_db()
    assert farm.batch.status == BatchStatus.OPEN


def test_the_recall_command_lists_the_lot_and_recalls_it_for_the_named_office_user(
    farm, office_user
):
    out = io.StringIO()
    (order,) = paid_pickup(farm.market, key="cmd")

    call_command("recall", farm.batch.lot, "--by", "office", "--reason", "农残超标", stdout=out)

    text = out.getvalue()
    assert farm.batch.lot in text and order.number in text and farm.base.name in text
    farm.batch.refresh_from_db()
    assert farm.batch.status == BatchStatus.RECALLED
    # the list carries the buyers' full numbers: taking it is recorded, for the named user
    (taken,) = AuditEntry.objects.filter(action="personal_data.exported")
    assert taken.actor == office_user and taken.after["people"] == 1
    with pytest.raises(CommandError):
        call_command("recall", "NOSUCHLOT", stdout=io.StringIO())
