"""The statistical reports the office sends on: the monthly report to the commerce bureau (per
township and goods: this month, year to date, the same period last year, growth) and the yearly
compilation of enterprise statistics (企业统计汇编). Written through cuncun.core.exports."""

from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cuncun.merchants.models import Merchant
from cuncun.monitoring.models import Goods
from cuncun.monitoring.periods import add_months
from cuncun.monitoring.queries import monthly_online_sales, rollup_rows
from cuncun.regions.models import RegionUnit


def _growth(this: Decimal, before: Decimal):
    """Growth as a share rounded to 4 places; None without last year's figure."""
    if not before:
        return None
    return ((this - before) / before).quantize(Decimal("0.0001"))


def monthly_statistics(user, region: RegionUnit, month: date) -> tuple[list, list]:
    """(header, rows): one row per township and goods, then the region's total per goods."""
    january = date(month.year, 1, 1)
    last_year = (add_months(january, -12), add_months(month, -12))
    sums = {
        "this_month": Sum("amount", filter=Q(month=month)),
        "ytd": Sum("amount", filter=Q(month__gte=january, month__lte=month)),
        "last_ytd": Sum("amount", filter=Q(month__gte=last_year[0], month__lte=last_year[1])),
    }
    rows = (
        rollup_rows(user, region, last_year[0], month)
        .values("township_id", "goods")
        .annotate(**sums)
        .order_by("township_id", "goods")
    )
    names = dict(RegionUnit.objects.townships().values_list("pk", "name"))
    goods = dict(Goods.choices)
    header = [
        _("Township"),
        _("Goods"),
        _("This month (yuan)"),
        _("Year to date (yuan)"),
        _("Same period last year (yuan)"),
        _("Growth"),
    ]
    out = []
    for r in rows:
        this, before = r["ytd"] or Decimal(0), r["last_ytd"] or Decimal(0)
        out.append(
            [
                names.get(r["township_id"], region.name),
                str(goods[r["goods"]]),
                r["this_month"] or Decimal(0),
                this,
                before,
                _growth(this, before),
            ]
        )
    return header, out


def enterprise_compilation(user, year: int) -> tuple[list, list]:
    """(header, rows): each business of the actor's area with its online sales per month (from
    accepted reports and the market's orders) and the year's total."""
    return enterprise_rows(Merchant.objects.visible_to(user), year)


def enterprise_rows(merchants, year: int) -> tuple[list, list]:
    """(header, rows) of the compilation for the given businesses (the evaluation pack passes the
    county's)."""
    merchants = merchants.select_related("region").order_by("region__path", "name")
    sales = monthly_online_sales(year=year, merchant_ids=[m.pk for m in merchants])
    header = [
        _("Business"),
        _("Kind"),
        _("Division"),
        *[f"{m}月" for m in range(1, 13)],
        pgettext("year total", "Year"),
    ]
    rows = []
    for m in merchants:
        months = sales.get(m.pk, {})
        figures = [months.get(n) for n in range(1, 13)]
        rows.append(
            [
                m.name,
                str(m.get_kind_display()),
                m.region.name,
                *figures,
                sum(months.values(), Decimal(0)),
            ]
        )
    return header, rows
