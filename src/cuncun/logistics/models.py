"""County-township-village logistics (县乡村三级物流): parcels of every carrier, tracked scan by
scan in one vocabulary, checked in at a village point with a shelf slot and a pickup code, handed
over with that code, and carried on consolidated routes (共同配送) planned each day.

Carriers and their coverage belong to `network` (Carrier, CarrierService); hubs and points are
network Sites. Logistics knows nothing of the market: a market order is only `Parcel.order_ref`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.core.models import Timestamped
from cuncun.core.personal import mask_phone
from cuncun.core.scoping import ScopedQuerySet


class Direction:
    INBOUND = "inbound"  # 进村: bought outside, delivered to a village point
    OUTBOUND = "outbound"  # 出村: produce sent from a village point to a buyer

    choices = [(INBOUND, _("inbound to a village")), (OUTBOUND, _("outbound from a village"))]


class EventKind:
    """One vocabulary for every carrier's scans."""

    ACCEPTED = "accepted"  # 揽收: the carrier took the parcel in
    ARRIVED_HUB = "arrived_hub"  # 到达: arrived at a hub (county warehouse, township station …)
    DEPARTED_HUB = "departed_hub"  # 发出: left a hub
    OUT_FOR_DELIVERY = "out_for_delivery"  # 派件: on the courier's or the route's vehicle
    AT_PICKUP_POINT = "at_pickup_point"  # 驿站/服务点代收: waiting at a point, with consent
    DELIVERED = "delivered"  # 签收
    FAILED_ATTEMPT = "failed_attempt"  # 投递失败: nobody there, wrong address …
    EXCEPTION = "exception"  # 疑难件: damaged, lost, address unknown …
    REFUSED = "refused"  # 拒签
    RETURNING = "returning"  # 退回中
    RETURNED = "returned"  # 已退回: back with the sender

    choices = [
        (ACCEPTED, pgettext_lazy("parcel event", "accepted")),
        (ARRIVED_HUB, pgettext_lazy("parcel event", "arrived at hub")),
        (DEPARTED_HUB, pgettext_lazy("parcel event", "departed hub")),
        (OUT_FOR_DELIVERY, pgettext_lazy("parcel event", "out for delivery")),
        (AT_PICKUP_POINT, pgettext_lazy("parcel event", "at pickup point")),
        (DELIVERED, pgettext_lazy("parcel event", "delivered")),
        (FAILED_ATTEMPT, pgettext_lazy("parcel event", "failed attempt")),
        (EXCEPTION, pgettext_lazy("parcel event", "exception")),
        (REFUSED, pgettext_lazy("parcel event", "refused")),
        (RETURNING, pgettext_lazy("parcel event", "returning")),
        (RETURNED, pgettext_lazy("parcel event", "returned")),
    ]
    TERMINAL = {DELIVERED, RETURNED}
    # Kinds that only make sense on the way to the recipient, not once a parcel goes back.
    FORWARD_LAST_MILE = {OUT_FOR_DELIVERY, AT_PICKUP_POINT, DELIVERED, FAILED_ATTEMPT}
    RETURN_PATH = {REFUSED, RETURNING}


class ParcelStatus:
    """A parcel's status is the kind of its latest applied event, or `registered` before any."""

    REGISTERED = "registered"  # known (from a manifest or an order), no scan yet
    choices = [(REGISTERED, pgettext_lazy("parcel event", "registered")), *EventKind.choices]


class DeliveredTo:
    """签收 by whom."""

    RECIPIENT = "recipient"  # the recipient in person
    PROXY = "proxy"  # someone else on the recipient's behalf (family, neighbour)
    PICKUP_POINT = "pickup_point"  # collected from the pickup point

    choices = [
        (RECIPIENT, _("the recipient")),
        (PROXY, _("a proxy")),
        (PICKUP_POINT, _("from the pickup point")),
    ]


class ConsentBasis:
    """Why a parcel may wait at a pickup point instead of being brought to the address: the 2024
    express rules (快递市场管理办法) forbid leaving it at a 驿站 or locker without the recipient's
    consent, so every `at_pickup_point` event says which consent it relies on."""

    ADDRESS_IS_POINT = "address_is_point"  # the recipient gave the point as the address
    AGREED_BY_PHONE = "agreed_by_phone"  # the courier called and the recipient agreed
    AGREED_BY_MESSAGE = "agreed_by_message"  # agreed by SMS or in the carrier's app
    STANDING_CONSENT = "standing_consent"  # a consent on file at the point for all parcels

    choices = [
        (ADDRESS_IS_POINT, _("the recipient gave the point as the address")),
        (AGREED_BY_PHONE, _("the recipient agreed by phone")),
        (AGREED_BY_MESSAGE, _("the recipient agreed by message or app")),
        (STANDING_CONSENT, _("standing consent on file")),
    ]


class EventSource:
    API = "api"  # a carrier's system, through the API
    MANIFEST = "manifest"  # a bulk manifest (CSV/xlsx)
    SCAN = "scan"  # scanned at a hub or point in the console

    choices = [(API, _("carrier API")), (MANIFEST, _("manifest")), (SCAN, _("scan"))]


class EventState:
    APPLIED = "applied"  # part of the parcel's timeline
    FLAGGED = "flagged"  # impossible in the sequence: waits for a person to review it
    ACCEPTED = "accepted"  # reviewed and applied although the sequence looked wrong
    DISMISSED = "dismissed"  # reviewed and left out of the timeline

    choices = [
        (APPLIED, pgettext_lazy("tracking event state", "applied")),
        (FLAGGED, pgettext_lazy("tracking event state", "flagged for review")),
        (ACCEPTED, pgettext_lazy("tracking event state", "applied after review")),
        (DISMISSED, pgettext_lazy("tracking event state", "dismissed after review")),
    ]
    IN_TIMELINE = {APPLIED, ACCEPTED}


class ParcelQuerySet(ScopedQuerySet):
    region_path_lookup = "region__path"

    def of_carrier(self, carrier):
        return self.filter(carrier=carrier)

    def on_shelf_at(self, site):
        return self.filter(pickup_site=site, on_shelf=True)


def normal_waybill(waybill: str) -> str:
    """A waybill number as a parcel keeps it (and is looked up by): trimmed, in capitals."""
    return (waybill or "").strip().upper()


class Parcel(Timestamped):
    """快件: one waybill of one carrier, bound for (or sent from) a village point or station."""

    carrier = models.ForeignKey(
        "network.Carrier", verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="+"
    )
    waybill = models.CharField(_("waybill number"), max_length=40)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INBOUND
    )
    point = models.ForeignKey(
        "network.Site",
        verbose_name=_("village point or station"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Where an inbound parcel goes, or where an outbound one was sent from."),
    )
    region = models.ForeignKey(
        "regions.RegionUnit",
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The recipient (inbound) or the sender (outbound): stored once, shown masked.
    person_name = models.CharField(_("recipient or sender"), max_length=50, blank=True)
    person_phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    order_ref = models.CharField(
        _("market order"),
        max_length=40,
        blank=True,
        help_text=_("The market order this parcel carries, when it has one (filled by orders)."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ParcelStatus.choices, default=ParcelStatus.REGISTERED
    )
    status_at = models.DateTimeField(_("status since"), null=True, blank=True)
    status_site = models.ForeignKey(
        "network.Site",
        verbose_name=_("last seen at"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    needs_review = models.BooleanField(_("has flagged events"), default=False)
    # At the pickup point: 货架-层-号 and a single-use code, of which only a keyed hash is kept.
    pickup_site = models.ForeignKey(
        "network.Site",
        verbose_name=pgettext_lazy("parcel", "pickup point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_shelf = models.BooleanField(_("on the shelf"), default=False)
    shelf_slot = models.CharField(_("shelf slot"), max_length=16, blank=True)
    pickup_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    pickup_code_attempts = models.PositiveSmallIntegerField(_("wrong code attempts"), default=0)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = ParcelQuerySet.as_manager()

    class Meta:
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "waybill"], name="parcel_waybill_per_carrier"
            ),
            models.UniqueConstraint(
                fields=["pickup_site", "shelf_slot"],
                condition=Q(on_shelf=True),
                name="parcel_one_per_shelf_slot",
            ),
            models.CheckConstraint(
                condition=Q(weight_kg__isnull=True) | Q(weight_kg__gte=0),
                name="parcel_weight_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(on_shelf=False) | (Q(pickup_site__isnull=False) & ~Q(shelf_slot="")),
                name="parcel_on_shelf_has_slot",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "status_at"]),
            models.Index(fields=["pickup_site", "on_shelf"]),
        ]

    def __str__(self):
        return f"{self.carrier_id and self.carrier.code} {self.waybill}"

    @property
    def reference(self) -> str:
        """What the point's service ledger and the SMS outbox know this parcel by."""
        return f"logistics.Parcel:{self.pk}"

    @property
    def masked_name(self) -> str:
        return mask_name(self.person_name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.person_phone)


def mask_name(name: str) -> str:
    """张*明, 李*: the family name and, for longer names, the last character."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


class TrackingEventQuerySet(ScopedQuerySet):
    region_path_lookup = "parcel__region__path"

    def in_timeline(self):
        return self.filter(state__in=EventState.IN_TIMELINE)

    def flagged(self):
        return self.filter(state=EventState.FLAGGED)


class TrackingEvent(models.Model):
    """One scan of a parcel. The same event delivered twice is one row: `dedupe_key` is the
    carrier's event id when it sends one, else a hash of the event's content."""

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    occurred_at = models.DateTimeField(_("event time"), db_index=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    source = models.CharField(_("source"), max_length=10, choices=EventSource.choices)
    site = models.ForeignKey(
        "network.Site",
        verbose_name=_("hub or point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    location = models.CharField(_("place (carrier's words)"), max_length=100, blank=True)
    raw_text = models.TextField(_("carrier's text"), blank=True)
    carrier_event_id = models.CharField(_("carrier's event id"), max_length=64, blank=True)
    dedupe_key = models.CharField(max_length=80, editable=False)
    delivered_to = models.CharField(
        _("delivered to"), max_length=16, choices=DeliveredTo.choices, blank=True
    )
    consent_basis = models.CharField(
        _("consent basis"), max_length=24, choices=ConsentBasis.choices, blank=True
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=EventState.choices, default=EventState.APPLIED
    )
    problem = models.CharField(_("problem"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # In context: a flagged scan is checked (核查), a report reviewed (审核).
    reviewed_at = models.DateTimeField(
        pgettext_lazy("flagged event", "reviewed at"), null=True, blank=True
    )
    review_note = models.CharField(
        pgettext_lazy("flagged event", "review note"), max_length=200, blank=True
    )

    objects = TrackingEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["parcel", "dedupe_key"], name="tracking_event_once"),
            models.CheckConstraint(
                condition=Q(kind=EventKind.DELIVERED) | Q(delivered_to=""),
                name="tracking_event_delivered_to_only_on_delivery",
            ),
        ]
        indexes = [models.Index(fields=["kind", "occurred_at"]), models.Index(fields=["state"])]

    def __str__(self):
        return f"{self.parcel_id} {self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"


class PickupPointSettings(models.Model):
    """How a point's parcel shelves are laid out (货架-层-号) and how long a parcel may wait."""

    site = models.OneToOneField(
        "network.Site", on_delete=models.CASCADE, related_name="pickup_settings"
    )
    shelves = models.CharField(
        _("shelves"), max_length=26, default="ABCD", help_text=_("One letter per shelf.")
    )
    levels = models.PositiveSmallIntegerField(_("levels per shelf"), default=4)
    slots_per_level = models.PositiveSmallIntegerField(_("slots per level"), default=20)
    hold_days = models.PositiveSmallIntegerField(
        _("days a parcel may wait"),
        default=7,
        help_text=_("After this the parcel is listed for a reminder or a return."),
    )

    class Meta:
        verbose_name = _("pickup shelf layout")
        verbose_name_plural = _("pickup shelf layouts")
        constraints = [
            models.CheckConstraint(condition=Q(levels__gte=1), name="pickup_levels_positive"),
            models.CheckConstraint(
                condition=Q(slots_per_level__gte=1), name="pickup_slots_positive"
            ),
        ]

    def __str__(self):
        return f"{self.site}"


class CarrierApiKey(models.Model):
    """A carrier's key for the event API; only its SHA-256 is stored, the key is shown once."""

    carrier = models.ForeignKey(
        "network.Carrier", on_delete=models.CASCADE, related_name="+", verbose_name=_("carrier")
    )
    label = models.CharField(_("label"), max_length=50, blank=True)
    prefix = models.CharField(_("key begins"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("carrier API key")
        verbose_name_plural = _("carrier API keys")
        ordering = ["carrier", "-created_at"]

    def __str__(self):
        return f"{self.carrier_id} {self.prefix}…"


class RoadDistance(models.Model):
    """A road distance between two sites, loaded from a road-distance matrix (km)."""

    from_site = models.ForeignKey("network.Site", on_delete=models.CASCADE, related_name="+")
    to_site = models.ForeignKey("network.Site", on_delete=models.CASCADE, related_name="+")
    km = models.DecimalField(_("km"), max_digits=7, decimal_places=2)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("road distance")
        verbose_name_plural = _("road distances")
        constraints = [
            models.UniqueConstraint(fields=["from_site", "to_site"], name="road_distance_once"),
            models.CheckConstraint(condition=Q(km__gte=0), name="road_distance_not_negative"),
        ]

    def __str__(self):
        return f"{self.from_site_id}→{self.to_site_id} {self.km} km"


class RoutePlanQuerySet(models.QuerySet):
    def current(self):
        """The plans in force: a day planned again replaces its earlier plan."""
        return self.filter(replaced_at__isnull=True)


class RoutePlan(models.Model):
    """共同配送: one day's routes from the county warehouse through the township stations, for
    every carrier's parcels."""

    class Solver:
        VROOM = "vroom"
        SIMPLE = "simple"  # the fallback when the solver did not answer in time, or failed
        choices = [(VROOM, _("VROOM")), (SIMPLE, _("simple plan (nearest neighbour)"))]

    day = models.DateField(_("day"), db_index=True)
    depot = models.ForeignKey(
        "network.Site",
        verbose_name=_("county warehouse"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    solver = models.CharField(_("solver"), max_length=10, choices=Solver.choices)
    solve_seconds = models.DecimalField(_("solve time (s)"), max_digits=8, decimal_places=3)
    distance_source = models.CharField(_("distances"), max_length=200)
    detour_factor = models.DecimalField(_("detour factor"), max_digits=4, decimal_places=2)
    vehicle_capacity = models.PositiveIntegerField(_("vehicle capacity (parcels)"))
    total_km = models.DecimalField(_("total km"), max_digits=9, decimal_places=1)
    naive_km = models.DecimalField(
        _("km if each carrier drove alone"), max_digits=9, decimal_places=1
    )
    parcels = models.PositiveIntegerField(_("parcels"))
    unassigned = models.JSONField(_("stops left out"), default=list, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    replaced_at = models.DateTimeField(_("replaced at"), null=True, blank=True)

    objects = RoutePlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery plan")
        verbose_name_plural = _("delivery plans")
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "depot"],
                condition=Q(replaced_at__isnull=True),
                name="route_plan_one_current_per_day",
            )
        ]

    def __str__(self):
        return f"{self.day} #{self.pk}"


class RouteLeg:
    TRUNK = "trunk"  # 县→乡: from the county warehouse to the township stations
    TOWNSHIP = "township"  # 乡→村: from a township station to its village points

    choices = [
        (TRUNK, _("county warehouse to township stations")),
        (TOWNSHIP, _("township station to village points")),
    ]


class Route(models.Model):
    """One van's route of a day's plan: a trunk from the county warehouse, or a township run."""

    plan = models.ForeignKey(RoutePlan, on_delete=models.CASCADE, related_name="routes")
    number = models.PositiveSmallIntegerField(_("route"))
    leg = models.CharField(
        _("leg"), max_length=10, choices=RouteLeg.choices, default=RouteLeg.TRUNK
    )
    start_site = models.ForeignKey(
        "network.Site",
        verbose_name=_("leaves from"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    vehicle = models.CharField(_("vehicle"), max_length=30)
    km = models.DecimalField(_("km"), max_digits=8, decimal_places=1)
    start_at = models.TimeField(_("leaves at"))
    end_at = models.TimeField(_("back at"))
    parcels = models.PositiveIntegerField(_("parcels"))

    class Meta:
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="route_number_in_plan")
        ]

    def __str__(self):
        return f"{self.plan} / {self.number}"


class RouteStop(models.Model):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="stops")
    sequence = models.PositiveSmallIntegerField(pgettext_lazy("route stop", "order"))
    site = models.ForeignKey("network.Site", on_delete=models.PROTECT, related_name="+")
    arrive_at = models.TimeField(_("arrives at"))
    serve_at = models.TimeField(
        _("serves from"), help_text=_("The arrival, or the opening after waiting.")
    )
    km_from_previous = models.DecimalField(_("km from previous"), max_digits=7, decimal_places=1)
    parcels = models.ManyToManyField(Parcel, related_name="route_stops", blank=True)
    parcel_count = models.PositiveIntegerField(_("parcels"))

    class Meta:
        verbose_name = _("stop")
        verbose_name_plural = _("stops")
        ordering = ["route", "sequence"]

    def __str__(self):
        return f"{self.route} #{self.sequence} {self.site_id}"
