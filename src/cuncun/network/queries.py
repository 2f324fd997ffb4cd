"""Reads of the service network, always from what the actor may see."""

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Count, Exists, Max, Min, Prefetch, Q, Sum

from cuncun.core.errors import NotFound
from cuncun.core.money import to_money
from cuncun.network.indicators import administrative_villages, townships_expected
from cuncun.network.models import (
    CarrierService,
    ServiceRecord,
    Site,
    SiteImport,
    SiteKind,
    SiteOperator,
    SitePhoto,
    SiteService,
    SiteStatusChange,
)
from cuncun.regions.models import GroupCode, Level, RegionUnit


def console_sites(user):
    """The sites of the management console: see SiteQuerySet.in_console_of."""
    return Site.objects.in_console_of(user).select_related("region", "region__parent")


def site_imports_of(user):
    """The register imports a user may follow: their own; the county office's, everyone's."""
    imports = SiteImport.objects.defer("content")
    if user.manages_reference_data:
        return imports
    return imports.filter(uploaded_by=user)


def site_import(user, pk: int) -> SiteImport:
    job = site_imports_of(user).filter(pk=pk).first()
    if job is None:
        raise NotFound(details={"import": pk})
    return job


def public_site(code: str) -> Site:
    """A site's public page shows any site that was ever registered, with its true status, so a
    villager can tell a certified point from a fake one."""
    site = (
        Site.objects.select_related("region", "region__parent")
        .prefetch_related(
            "fees",
            "photos",
            Prefetch("operators", queryset=SiteOperator.objects.filter(until__isnull=True)),
            Prefetch(
                "carrier_services",
                queryset=CarrierService.objects.filter(until__isnull=True).select_related(
                    "carrier"
                ),
            ),
        )
        .filter(code=code)
        .first()
    )
    if site is None:
        raise NotFound(details={"site": code})
    return site


def site_photo_for(user, pk: int) -> SitePhoto:
    """A site's photo: anyone's while the site serves (its public page shows them), otherwise
    only for those who manage the site."""
    photo = (
        SitePhoto.objects.filter(
            Q(site__in=Site.objects.public()) | Q(site__in=Site.objects.in_console_of(user)),
            pk=pk,
        )
        .select_related("site")
        .first()
    )
    if photo is None:
        raise NotFound(details={"photo": pk})
    return photo


def managed_site(user, pk: int) -> Site:
    site = (
        console_sites(user)
        .prefetch_related("fees", "operators", "status_changes", "acceptance_checks", "photos")
        .filter(pk=pk)
        .first()
    )
    if site is None:
        raise NotFound(details={"site": pk})
    return site


def finder(township: RegionUnit | None = None, village: RegionUnit | None = None):
    """Serving village points and pickup stores, for the public "find my service point" page."""
    sites = Site.objects.serving().filter(
        kind__in=[SiteKind.VILLAGE_POINT, SiteKind.PICKUP_STORE, SiteKind.TOWNSHIP_STATION]
    )
    if village is not None:
        sites = sites.filter(region=village)
    elif township is not None:
        sites = sites.filter(region__path__startswith=township.path)
    return (
        sites.select_related("region", "region__parent")
        .prefetch_related("fees")
        .order_by("region__path", "kind")
    )


def coverage_by_township(county: RegionUnit, day: date) -> list[dict]:
    """Per township: its station, and how many of its administrative villages have a point."""
    villages = administrative_villages(county, day).annotate(
        covered=Exists(Site.objects.serving_in_outer_unit(SiteKind.VILLAGE_POINT, day))
    )
    per_township = defaultdict(lambda: {"villages": 0, "covered": 0})
    for village in villages.values("parent_id", "covered"):
        row = per_township[village["parent_id"]]
        row["villages"] += 1
        row["covered"] += int(village["covered"])
    stations = set(
        Site.objects.serving_on(day)
        .filter(kind=SiteKind.TOWNSHIP_STATION)
        .values_list("region_id", flat=True)
    )
    carriers = (
        CarrierService.objects.on(day)
        .filter(township__isnull=False)
        .values("township_id")
        .annotate(n=Count("carrier", distinct=True))
    )
    carrier_count = {row["township_id"]: row["n"] for row in carriers}
    rows = []
    for township in townships_expected(county, day).order_by("path"):
        counts = per_township[township.pk]
        rows.append(
            {
                "township": township,
                "has_station": township.pk in stations,
                "villages": counts["villages"],
                "covered": counts["covered"],
                "share": round(100 * counts["covered"] / counts["villages"])
                if counts["villages"]
                else None,
                "carriers": carrier_count.get(township.pk, 0),
            }
        )
    return rows


def uncovered_villages(county: RegionUnit, day: date):
    return (
        administrative_villages(county, day)
        .exclude(Exists(Site.objects.serving_in_outer_unit(SiteKind.VILLAGE_POINT, day)))
        .select_related("parent")
        .annotate(
            is_poor=Count("memberships", filter=Q(memberships__group__code=GroupCode.POOR_VILLAGE))
        )
        .order_by("path")
    )


def month_starts(first: date, last: date) -> list[date]:
    days, day = [], first.replace(day=1)
    while day <= last:
        days.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return days


def recorded_span() -> tuple[date, date] | None:
    """The first and the last day a site's status changed (the coverage chart's story)."""
    days = SiteStatusChange.objects.aggregate(first=Min("effective_on"), last=Max("effective_on"))
    return (days["first"], days["last"]) if days["first"] else None


def chart_months(day: date, plan_end: date | None) -> list[date]:
    """The coverage chart's points: every month from the first change until the later of the last
    change and the plan's end, then the chosen day itself, so years in which nothing changed do
    not squeeze the plan's story into a corner."""
    span = recorded_span()
    if span is None:
        return []
    first, last = span
    until = min(day, max(last, plan_end or last))
    months = month_starts(first, until)
    if not months or months[-1] != day:
        months.append(day)
    return months


def carrier_coverage(day: date):
    """Each carrier with the townships and the sites (stations, village points) it serves on a
    day, each since when."""
    services = CarrierService.objects.on(day).select_related(
        "carrier", "township", "site", "site__region"
    )
    by_carrier = defaultdict(lambda: {"townships": [], "sites": []})
    for service in services.order_by("carrier__code", "township__path", "site__code"):
        by_carrier[service.carrier]["townships" if service.township_id else "sites"].append(service)
    return sorted(by_carrier.items(), key=lambda item: item[0].code)


def daily_service_report(user, day: date) -> list[dict]:
    """The 代买/代卖 report: per site and goods category, orders and amounts bought and sold."""
    records = (
        ServiceRecord.objects.visible_to(user)
        .filter(day=day, kind__in=[SiteService.ASSISTED_PURCHASE, SiteService.ASSISTED_SALE])
        .values("site_id", "site__code", "site__name", "site__kind", "category")
        .annotate(
            bought_orders=Sum("quantity", filter=Q(kind=SiteService.ASSISTED_PURCHASE), default=0),
            bought_amount=Sum("amount", filter=Q(kind=SiteService.ASSISTED_PURCHASE), default=0),
            sold_orders=Sum("quantity", filter=Q(kind=SiteService.ASSISTED_SALE), default=0),
            sold_amount=Sum("amount", filter=Q(kind=SiteService.ASSISTED_SALE), default=0),
        )
        .order_by("site__code", "category")
    )
    return [
        {
            "day": day.isoformat(),
            "site_type": SiteKind.REPORT_TYPE[row["site__kind"]],
            "site_code": row["site__code"],
            "site_name": row["site__name"],
            "category": row["category"],
            "bought_orders": row["bought_orders"],
            "bought_amount": to_money(row["bought_amount"]),
            "sold_orders": row["sold_orders"],
            "sold_amount": to_money(row["sold_amount"]),
        }
        for row in records
    ]


def ledger_of(user, site: Site, limit: int = 50):
    return (
        ServiceRecord.objects.visible_to(user)
        .filter(site=site)
        .select_related("recorded_by")[:limit]
    )


def division_choices(user) -> list:
    """The divisions the user may place a site in, for a select picked by name: the county (for
    those who act county-wide), then each township followed by its villages, grouped by township."""
    units = list(RegionUnit.objects.visible_to(user).order_by("path"))
    townships = [u for u in units if u.level == Level.TOWNSHIP]
    choices = [(u.pk, u.name) for u in units if u.level == Level.COUNTY]
    for township in townships:
        villages = [
            (u.pk, f"{township.name} · {u.name}") for u in units if u.parent_id == township.pk
        ]
        choices.append((township.name, [(township.pk, township.name), *villages]))
    return choices
