"""Festival results (购物节成效) for the county office and a township's staff: per campaign, what
its paid, not refunded orders sold, by merchant, township, poor village and poverty-registered
household, with the same figures as an xlsx. Thin: the counting is in orders.queries."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from cuncun.core import exports
from cuncun.orders import queries


def _groups(results) -> list[tuple[str, str, list[dict]]]:
    return [
        ("merchant", _("By merchant"), results.by_merchant),
        ("township", _("By township"), results.by_township),
        ("poor-village", _("By poor village"), results.by_poor_village),
        ("poverty-household", _("By poverty-registered household"), results.by_poverty_household),
    ]


@login_required
def festivals(request):
    """The campaigns whose results the person reads, newest first."""
    campaigns = queries.festivals_visible_to(request.user).order_by("-starts_at", "-id")
    return render(request, "orders/festivals.html", {"campaigns": campaigns, "now": timezone.now()})


@login_required
def festival(request, pk: int):
    campaign = queries.festival_visible(request.user, pk)
    results = queries.festival_results(campaign)
    chart = [
        {"name": row["name"], "sales": str(row["sales"]), "orders": row["orders"]}
        for row in results.by_township
    ]
    return render(
        request,
        "orders/festival.html",
        {
            "campaign": campaign,
            "results": results,
            "groups": _groups(results),
            "chart": chart,
            "now": timezone.now(),
        },
    )


@login_required
def festival_export(request, pk: int):
    campaign = queries.festival_visible(request.user, pk)
    results = queries.festival_results(campaign)
    header = [_("Group"), _("Orders"), _("Buyers"), _("Units"), _("Sales (yuan)")]

    def body(rows):
        return [[r["name"], r["orders"], r["buyers"], r["units"], r["sales"]] for r in rows]

    sheets = {_("Total"): (header, body([results.total]))}
    for _key, title, rows in _groups(results):
        sheets[title] = (header, body(rows))
    return exports.xlsx_response(f"festival-{campaign.pk}.xlsx", sheets)
