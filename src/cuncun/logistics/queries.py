"""Reads of logistics, always from what the actor may see."""

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from cuncun.accounts.models import Role
from cuncun.core.errors import NotFound
from cuncun.core.models import AuditEntry
from cuncun.core.reach import Reached
from cuncun.core.scoping import scope_of
from cuncun.logistics.models import (
    Direction,
    EventKind,
    Parcel,
    ParcelStatus,
    PickupPointSettings,
    Route,
    RoutePlan,
    RouteStop,
    TrackingEvent,
    normal_waybill,
)
from cuncun.network.models import (
    Carrier,
    ServiceRecord,
    Site,
    SiteFee,
    SiteKind,
    SiteService,
    SiteStatus,
)

DEFAULT_HOLD_DAYS = PickupPointSettings._meta.get_field("hold_days").default


def visible_parcels(user):
    return Parcel.objects.visible_to(user).select_related(
        "carrier", "point", "region", "status_site", "pickup_site"
    )


def parcel_for(user, pk: int) -> Parcel:
    parcel = (
        visible_parcels(user)
        .prefetch_related(
            Prefetch(
                "events",
                queryset=TrackingEvent.objects.select_related("site", "actor").order_by(
                    "occurred_at", "id"
                ),
            )
        )
        .filter(pk=pk)
        .first()
    )
    if parcel is None:
        raise NotFound(details={"parcel": pk})
    return parcel


def find_by_waybill(user, waybill: str, carrier: Carrier | None = None):
    """Parcels the user may see with this waybill (one per carrier that used the number)."""
    parcels = visible_parcels(user).filter(waybill=normal_waybill(waybill))
    if carrier is not None:
        parcels = parcels.filter(carrier=carrier)
    return list(parcels)


def all_carriers():
    return Carrier.objects.order_by("-is_active", "code")


def carrier_parcel(carrier: Carrier, waybill: str) -> Parcel:
    """A carrier's own parcel with its timeline (for the carrier API)."""
    parcel = (
        Parcel.objects.filter(carrier=carrier, waybill=normal_waybill(waybill))
        .select_related("carrier", "point", "status_site")
        .prefetch_related(Prefetch("events", queryset=TrackingEvent.objects.select_related("site")))
        .first()
    )
    if parcel is None:
        raise NotFound(details={"waybill": waybill})
    return parcel


def _where_user_works(user, sites):
    """Of these sites, those where the user works: the county office all, township staff and
    couriers their area's, an operator the points they run."""
    if user.is_superuser or user.manages_reference_data:
        chosen = sites
    elif user.role in {Role.TOWNSHIP_STAFF, Role.COURIER}:
        chosen = sites.visible_to(user)
    else:
        chosen = sites.operated_by(user)
    return chosen.select_related("region").order_by("kind", "code").distinct()


def scan_sites(user):
    """Serving hubs and points where the user may scan."""
    return _where_user_works(
        user,
        Site.objects.serving().filter(
            kind__in=[
                SiteKind.COUNTY_WAREHOUSE,
                SiteKind.TOWNSHIP_STATION,
                SiteKind.VILLAGE_POINT,
                SiteKind.PICKUP_STORE,
                SiteKind.COUNTY_CENTER,
            ]
        ),
    )


def point_sites(user):
    """Points whose counter the user keeps (check-in, handover): the serving ones, and those no
    longer serving that still have parcels on their shelves to hand over or return."""
    on_shelf = Parcel.objects.filter(pickup_site=OuterRef("pk"), on_shelf=True)
    return _where_user_works(
        user,
        Site.objects.filter(kind__in=SiteKind.PARCEL_POINTS).filter(
            Q(status__in=SiteStatus.SERVING) | Exists(on_shelf)
        ),
    )


def destination_points(user):
    """Serving points a parcel scanned at the user's hub may be bound for: those of the user's
    area (the county office: all)."""
    points = Site.objects.serving().filter(kind__in=SiteKind.PARCEL_POINTS)
    if not (user.is_superuser or user.manages_reference_data):
        points = points.visible_to(user)
    return points.select_related("region").order_by("code")


def waiting_at(site: Site):
    return Parcel.objects.on_shelf_at(site).select_related("carrier").order_by("shelf_slot")


def last_at_point(site: Site, waybill: str) -> Parcel | None:
    """The parcel with this waybill that last waited at this point and has left its shelf."""
    return (
        Parcel.objects.filter(pickup_site=site, waybill=waybill, on_shelf=False)
        .order_by("-status_at", "-pk")
        .first()
    )


# A parcel in one of these states is still on its way: the point will check it in when it comes.
ON_THE_WAY = [
    ParcelStatus.REGISTERED,
    EventKind.ACCEPTED,
    EventKind.ARRIVED_HUB,
    EventKind.DEPARTED_HUB,
    EventKind.OUT_FOR_DELIVERY,
]


def bound_for(site: Site):
    """Inbound parcels on their way to a point, not yet on its shelf: what it will check in."""
    return Parcel.objects.filter(
        point=site, direction=Direction.INBOUND, on_shelf=False, status__in=ON_THE_WAY
    )


def hold_days_of(site: Site) -> int:
    layout = PickupPointSettings.objects.filter(site=site).first()
    return layout.hold_days if layout else DEFAULT_HOLD_DAYS


def waiting_too_long(user, site: Site | None = None, now=None):
    """Parcels on a shelf longer than their point allows: to remind the recipient or return."""
    now = now or timezone.now()
    custom = dict(PickupPointSettings.objects.values_list("site_id", "hold_days"))
    late = Q(checked_in_at__lt=now - timedelta(days=DEFAULT_HOLD_DAYS)) & ~Q(
        pickup_site_id__in=list(custom)
    )
    for site_id, days in custom.items():
        late |= Q(pickup_site_id=site_id, checked_in_at__lt=now - timedelta(days=days))
    parcels = visible_parcels(user).filter(on_shelf=True).filter(late)
    if site is not None:
        parcels = parcels.filter(pickup_site=site)
    return parcels.order_by("checked_in_at")


def pickup_fee(site: Site) -> SiteFee | None:
    """What the recipient pays when a parcel is handed over: the point's fee for the handover
    when it publishes one, else its fee for receiving parcels (快递代收)."""
    fees = {
        fee.service: fee
        for fee in SiteFee.objects.filter(
            site=site, service__in=[SiteService.PARCEL_HANDED_OVER, SiteService.PARCEL_RECEIVED]
        )
    }
    return fees.get(SiteService.PARCEL_HANDED_OVER) or fees.get(SiteService.PARCEL_RECEIVED)


def parcel_ledger_rows(site_id: int, kind: str, parcel: Parcel):
    """The point's ledger rows of one service for this parcel: its first, and after an undone
    one (taken back by a correction row) the row of each redo, referenced `<parcel>~2`, `~3` …"""
    return ServiceRecord.objects.filter(site_id=site_id, kind=kind).filter(
        Q(reference=parcel.reference) | Q(reference__startswith=f"{parcel.reference}~")
    )


def handover_record(parcel: Parcel) -> ServiceRecord | None:
    """The point's ledger row for handing this parcel over (its fee, 0 when waived): the one
    standing, not one an undo took back."""
    return (
        parcel_ledger_rows(parcel.pickup_site_id, SiteService.PARCEL_HANDED_OVER, parcel)
        .filter(correction__isnull=True)
        .order_by("-pk")
        .first()
    )


def undoable_at(site: Site, user, since) -> list[TrackingEvent]:
    """The check-ins and handovers this person recorded at this point since `since` that are
    still the last thing that happened to their parcel: the ones an undo may take back."""
    events = (
        TrackingEvent.objects.in_timeline()
        .filter(
            site=site,
            actor=user,
            kind__in=[EventKind.AT_PICKUP_POINT, EventKind.DELIVERED],
            recorded_at__gte=since,
        )
        .select_related("parcel", "parcel__carrier")
        .order_by("-recorded_at")
    )
    return [
        e
        for e in events
        if e.parcel.status == e.kind
        and e.parcel.status_at == e.occurred_at
        and e.parcel.pickup_site_id == site.pk
    ]


def handover_fee_waived(parcel: Parcel) -> bool:
    """Whether the handover of this parcel was free because its point had stopped operating, as
    `services.hand_over_parcel` decided it (its audit row)."""
    entry = AuditEntry.objects.for_object(parcel).filter(action="parcel.handover").first()
    return bool(entry and entry.after.get("fee_waived"))


def flagged_events(user):
    return (
        TrackingEvent.objects.visible_to(user)
        .flagged()
        .select_related("parcel", "parcel__carrier", "parcel__point", "site")
        .order_by("recorded_at")
    )


def status_counts(user) -> dict[str, int]:
    rows = visible_parcels(user).values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


def in_exception(user):
    return visible_parcels(user).filter(status=EventKind.EXCEPTION).order_by("status_at")


def runs_hubs(user) -> bool:
    """The county office and the township (hub) staff: they review flagged events, upload
    manifests and see the day's route plans."""
    return user.manages_reference_data or user.role == Role.TOWNSHIP_STAFF


def route_plans(limit: int = 20):
    return RoutePlan.objects.current().select_related("depot").order_by("-day", "-id")[:limit]


def routes_for(user):
    """The routes a user may open: all, for those who plan and run the hubs; a courier (a driver)
    those that start or stop in their area."""
    routes = Route.objects.all()
    if runs_hubs(user):
        return routes
    # A courier without an area opens none (the sites it could see are the public's).
    if user.role == Role.COURIER and not scope_of(user).is_public:
        area = Site.objects.visible_to(user)
        return routes.filter(Q(start_site__in=area) | Q(stops__site__in=area)).distinct()
    return routes.none()


def stops_with_waybills(user, route: Route) -> set[int]:
    """The stops of a route whose waybills a user may read: every stop for those who plan and
    run the hubs; for a courier only the stops in their area. A trunk van also stops at other
    townships' stations, whose parcels are not theirs to list."""
    stops = route.stops.all()
    if runs_hubs(user):
        return {stop.pk for stop in stops}
    area = set(Site.objects.visible_to(user).values_list("pk", flat=True))
    return {stop.pk for stop in stops if stop.site_id in area}


def todays_routes(user):
    """A driver's route sheets for today, from today's plan."""
    return (
        routes_for(user)
        .filter(plan__in=RoutePlan.objects.current().filter(day=timezone.localdate()))
        .select_related("plan", "start_site")
        .order_by("number")
    )


def route_plan(pk: int) -> RoutePlan:
    plan = (
        RoutePlan.objects.select_related("depot")
        .prefetch_related(
            Prefetch(
                "routes",
                queryset=Route.objects.select_related("start_site").prefetch_related(
                    Prefetch(
                        "stops",
                        queryset=RouteStop.objects.select_related(
                            "site", "site__region"
                        ).prefetch_related(
                            Prefetch("parcels", queryset=Parcel.objects.select_related("carrier"))
                        ),
                    )
                ),
            )
        )
        .filter(pk=pk)
        .first()
    )
    if plan is None:
        raise NotFound(details={"plan": pk})
    return plan


def reached_parcels(order_refs: list[str]) -> list[Reached]:
    """For a recall (core.reach): the parcels carrying these market orders and their recipients."""
    return [
        Reached(
            kind="parcel",
            order_ref=p.order_ref,
            reference=f"{p.carrier.name} {p.waybill}",
            status=p.get_status_display(),
            place=p.point.name if p.point_id else "",
            person=p.person_name,
            phone=p.person_phone,
        )
        for p in Parcel.objects.filter(order_ref__in=order_refs).select_related("carrier", "point")
    ]
