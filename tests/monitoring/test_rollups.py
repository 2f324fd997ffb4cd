"""The rollup equals a direct aggregation of the records, whatever orders are paid or refunded
and whatever reports are revised, accepted or returned."""

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cuncun.catalog.models import CategoryKind
from cuncun.monitoring.models import MonthlySales, ReviewStatus, SalesReport
from cuncun.monitoring.rollups import rebuild_all
from cuncun.monitoring.services import (
    accept_sales_report,
    return_sales_report,
    submit_sales_report,
)
from cuncun.monitoring.tasks import sales_changed
from cuncun.orders.models import Order, OrderStatus
from cuncun.orders.services import refund_order
from tests.monitoring.conftest import taobao

MONTHS = [date(2018, 1, 1), date(2018, 2, 1), date(2018, 3, 1)]

sales = st.lists(
    st.tuples(
        st.sampled_from([0, 1]),  # which merchant
        st.sampled_from(range(len(MONTHS))),
        st.integers(min_value=1, max_value=900),  # price in yuan
        st.booleans(),  # farm product?
        st.booleans(),  # refunded afterwards?
    ),
    max_size=3,
)
revisions = st.lists(
    st.tuples(
        st.sampled_from([0, 1]),
        st.sampled_from(range(len(MONTHS))),
        st.integers(min_value=0, max_value=5000),
        st.sampled_from([ReviewStatus.ACCEPTED, ReviewStatus.RETURNED, ReviewStatus.SUBMITTED]),
    ),
    max_size=5,
)


def direct_totals() -> dict:
    """(month, goods) → amount, straight from the records: market orders that are sales, and
    for each merchant and month the highest accepted revision."""
    totals = defaultdict(Decimal)
    for order in Order.objects.filter(status__in=OrderStatus.SOLD).prefetch_related(
        "lines__sku__product__category"
    ):
        month = timezone.localtime(order.paid_at).date().replace(day=1)
        for line in order.lines.all():
            farm = line.sku.product.category.kind == CategoryKind.FARM_PRODUCT
            totals[(month, "farm" if farm else "other")] += line.total
    newest = {}
    for report in SalesReport.objects.filter(status=ReviewStatus.ACCEPTED):
        key = (report.merchant_id, report.month)
        if key not in newest or report.revision > newest[key].revision:
            newest[key] = report
    for report in newest.values():
        for line in report.lines.all():
            totals[(report.month, "farm")] += line.farm_sales
            totals[(report.month, "other")] += line.other_sales
            totals[(report.month, "b2b")] += line.b2b_sales
    return {k: v for k, v in totals.items() if v}


def rolled_up() -> dict:
    totals = defaultdict(Decimal)
    for row in MonthlySales.objects.all():
        totals[(row.month, row.goods)] += row.amount
    return dict(totals)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sales=sales, revisions=revisions)
def test_the_rollup_equals_a_direct_aggregation(reporters, market_sale, sales, revisions):
    r = reporters
    merchants = [r.tea_garden, r.farmer]
    with transaction.atomic():
        for who, month, price, farm, refunded in sales:
            category = None if farm else _consumer_goods()
            order = market_sale(
                merchants[who],
                datetime.combine(MONTHS[month], datetime.min.time()).replace(day=15, hour=12),
                f"{price}.00",
                category=category,
            )
            if refunded:
                refund_order(actor=r.office, order=order, reason="买家退货")
        for who, month, amount, review in revisions:
            merchant = merchants[who]
            seen = SalesReport.objects.filter(merchant=merchant, month=MONTHS[month]).exists()
            report = submit_sales_report(
                actor=r.owner if merchant.owner_id else r.office,
                merchant=merchant,
                month=MONTHS[month],
                lines=[taobao(str(amount), other="1", b2b=str(amount // 3))],
                reason="更正" if seen else "",
            )
            if review == ReviewStatus.ACCEPTED:
                accept_sales_report(actor=r.office, report=report)
            elif review == ReviewStatus.RETURNED:
                return_sales_report(actor=r.office, report=report, note="请核对")

        rebuild_all(MONTHS[0], MONTHS[-1])

        assert rolled_up() == direct_totals()
        transaction.set_rollback(True)  # the next example starts from the same records


def _consumer_goods():
    from tests.merchants.factories import category

    return category("daily", "日用品", CategoryKind.CONSUMER_GOODS)


def test_sales_changing_twice_in_a_month_queue_one_rebuild(db, django_capture_on_commit_callbacks):
    # given a payment in March whose rebuild waits in the queue
    with django_capture_on_commit_callbacks(execute=True):
        sales_changed(date(2018, 3, 5))

    # when another payment of March commits before a worker takes it
    with django_capture_on_commit_callbacks(execute=True):
        sales_changed(datetime(2018, 3, 20, 9, tzinfo=timezone.get_current_timezone()))

    # then one rebuild of March waits
    waiting = DBTaskResult.objects.filter(task_path__endswith="refresh_sales_rollup")
    assert list(waiting.values_list("args_kwargs__args", flat=True)) == [["2018-03-01"]]
