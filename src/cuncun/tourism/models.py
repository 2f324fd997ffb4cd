"""Homestays (民宿) and their certification as e-commerce homestay points (电商民宿点), rooms with
prices by season, the cancellation rules a homestay publishes, and bookings of room-nights.

A room is never booked twice for a night: every booked night is a row, and an active night is
unique per room (a partial unique index, on SQLite as on PostgreSQL)."""

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.core.files import ProtectedFileField
from cuncun.core.models import MoneyField, Timestamped
from cuncun.core.personal import mask_phone
from cuncun.core.scoping import ScopedQuerySet


class HomestayStatus:
    APPLIED = "applied"  # the host asked to be an e-commerce homestay point
    CHECKED = "checked"  # township staff or the office visited and found it fit
    CERTIFIED = "certified"  # 电商民宿点: counted by the plan, bookable online
    SUSPENDED = "suspended"  # certification withdrawn for now (complaints, safety): not bookable

    choices = [
        (APPLIED, _("applied")),
        (CHECKED, _("checked")),
        # In context: the county office recognises a homestay (认定); a service point is certified.
        (CERTIFIED, pgettext_lazy("homestay", "certified")),
        (SUSPENDED, _("suspended")),
    ]
    # Who may take each step: the township checks its villages' homestays, the office certifies.
    STEPS = {
        APPLIED: {CHECKED},
        CHECKED: {CERTIFIED, APPLIED},
        CERTIFIED: {SUSPENDED},
        SUSPENDED: {CERTIFIED},
    }
    OFFICE_ONLY = frozenset({CERTIFIED, SUSPENDED})


class HomestayQuerySet(ScopedQuerySet):
    region_path_lookup = "region__path"

    def public(self):
        return self.filter(status=HomestayStatus.CERTIFIED)

    def certified_on(self, day):
        """Homestays whose status on `day`, by their history, was certified."""
        latest = (
            HomestayStatusChange.objects.filter(homestay=OuterRef("pk"), effective_on__lte=day)
            .order_by("-effective_on", "-id")
            .values("to_status")[:1]
        )
        return self.annotate(status_then=Subquery(latest)).filter(
            status_then=HomestayStatus.CERTIFIED
        )


class Homestay(Timestamped):
    name = models.CharField(_("name"), max_length=100)
    merchant = models.ForeignKey(
        "merchants.Merchant",
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        related_name="homestays",
    )
    region = models.ForeignKey(
        "regions.RegionUnit",
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="homestays",
    )
    address = models.CharField(_("address"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    house_rules = models.TextField(_("house rules"), blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=HomestayStatus.choices, default=HomestayStatus.APPLIED
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = HomestayQuerySet.as_manager()

    class Meta:
        verbose_name = _("homestay")
        verbose_name_plural = _("homestays")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class HomestayStatusChange(models.Model):
    """One step of a homestay's certification; the history answers "was it certified on day D"."""

    homestay = models.ForeignKey(Homestay, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(
        _("from"), max_length=10, choices=HomestayStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=10, choices=HomestayStatus.choices)
    effective_on = models.DateField(_("effective on"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("certification step")
        verbose_name_plural = _("certification steps")
        ordering = ["effective_on", "id"]
        indexes = [models.Index(fields=["homestay", "effective_on"])]

    def __str__(self):
        return f"{self.homestay} {self.from_status}→{self.to_status} {self.effective_on}"


class HomestayPhoto(models.Model):
    """A photo of a homestay shown on its public page. Its kind was read from the file's own
    bytes (JPEG, PNG or WebP) when it was uploaded; it is served by the tourism app itself, so it
    needs no public media directory."""

    homestay = models.ForeignKey(Homestay, on_delete=models.CASCADE, related_name="photos")
    image = ProtectedFileField(
        _("photo"), upload_to="tourism/photos/%Y/%m/", served_by="tourism:photo"
    )
    content_type = models.CharField(max_length=20)
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("homestay photo")
        verbose_name_plural = _("homestay photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.caption or self.image.name


class CancellationRule(models.Model):
    """A published rule: cancelled at least `days_before` days before arrival, the guest gets
    `refund_percent` of the price back. The rule with the most days that still applies wins;
    later than every rule, nothing is refunded."""

    homestay = models.ForeignKey(
        Homestay, on_delete=models.CASCADE, related_name="cancellation_rules"
    )
    days_before = models.PositiveSmallIntegerField(_("days before arrival (at least)"))
    refund_percent = models.PositiveSmallIntegerField(_("refund (percent)"))

    class Meta:
        verbose_name = _("cancellation rule")
        verbose_name_plural = _("cancellation rules")
        ordering = ["-days_before"]
        constraints = [
            models.UniqueConstraint(
                fields=["homestay", "days_before"], name="cancellation_rule_one_per_day_count"
            ),
            models.CheckConstraint(
                condition=Q(refund_percent__lte=100), name="cancellation_refund_at_most_all"
            ),
        ]

    def __str__(self):
        return f"≥{self.days_before}d: {self.refund_percent}%"


class Room(models.Model):
    homestay = models.ForeignKey(Homestay, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("name"), max_length=60)
    beds = models.PositiveSmallIntegerField(_("beds"), default=1)
    guests = models.PositiveSmallIntegerField(_("guests (at most)"), default=2)
    price = MoneyField(_("price per night (yuan)"))
    is_open = models.BooleanField(_("open for booking"), default=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["homestay", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="room_price_positive"),
            models.UniqueConstraint(fields=["homestay", "name"], name="room_name_unique"),
        ]

    def __str__(self):
        return f"{self.homestay} · {self.name}"


class SeasonalPrice(models.Model):
    """The price of a night from `starts_on` to `ends_on` (both included), instead of the room's
    usual price: the Water-Splashing Festival, the Spring Festival, the rainy season."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="seasonal_prices")
    # In context, as on its form: a season of prices, not a product's season (上市季节), and its
    # dates, not a status change's.
    name = models.CharField(pgettext_lazy("season", "season"), max_length=60)
    starts_on = models.DateField(pgettext_lazy("season", "from"))
    ends_on = models.DateField(pgettext_lazy("season", "to"))
    price = MoneyField(_("price per night (yuan)"))

    class Meta:
        verbose_name = _("seasonal price")
        verbose_name_plural = _("seasonal prices")
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="season_price_positive"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="season_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.starts_on}–{self.ends_on}"


class BookingStatus:
    HELD = "held"  # the nights are kept for the guest while they pay, until `hold_until`
    CONFIRMED = "confirmed"  # paid
    CANCELLED = "cancelled"  # cancelled by the guest or the host (refund by the rules)
    EXPIRED = "expired"  # not paid in time: the nights were given back

    choices = [
        (HELD, _("held, awaiting payment")),
        (CONFIRMED, _("confirmed")),
        (CANCELLED, _("cancelled")),
        (EXPIRED, _("expired unpaid")),
    ]
    HOLDS_NIGHTS = frozenset({HELD, CONFIRMED})


class RefundStatus:
    NONE = ""  # nothing to give back
    PENDING = "pending"  # recorded; the provider has not paid it back yet (a task is queued)
    SENT = "sent"  # the provider paid it back
    FAILED = "failed"  # the provider could not pay it back: a person must see to it

    choices = [
        (NONE, "—"),
        (PENDING, _("being paid back")),
        (SENT, _("paid back")),
        (FAILED, _("not paid back: the provider failed")),
    ]


class BookingQuerySet(models.QuerySet):
    def hosted_by(self, user):
        return self.filter(room__homestay__merchant__owner=user)

    def overlapping(self, arrival, departure):
        return self.filter(arrival__lt=departure, departure__gt=arrival)


class Booking(Timestamped):
    """A guest's stay in one room from `arrival` to `departure` (the nights in between). Paid
    through orders' payment providers: a provider sees it as it sees a payment (`reference`,
    `amount`)."""

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="bookings")
    guest = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="homestay_bookings"
    )
    guest_name = models.CharField(_("guest"), max_length=50)
    guest_phone = models.CharField(_("guest's phone"), max_length=20)
    arrival = models.DateField(_("arrival"))
    departure = models.DateField(_("departure"))
    amount = MoneyField(_("amount (yuan)"))
    status = models.CharField(
        _("status"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.HELD
    )
    hold_until = models.DateTimeField(_("held until"))
    provider = models.CharField(_("payment method"), max_length=16)
    # The homestay's cancellation rules as published when the guest booked: a later change of
    # the rules does not change what this guest was promised.
    cancellation_terms = models.JSONField(_("cancellation terms"), default=list)
    redirect_url = models.CharField(max_length=300, blank=True)
    gateway_reference = models.CharField(_("gateway reference"), max_length=64, blank=True)
    gateway_sequence = models.PositiveIntegerField(default=0)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    refund_amount = MoneyField(_("refund (yuan)"), default=0)
    refund_status = models.CharField(
        _("refund"), max_length=8, choices=RefundStatus.choices, blank=True
    )
    refund_reference = models.CharField(max_length=64, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["arrival", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(departure__gt=models.F("arrival")), name="booking_at_least_one_night"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="booking_amount_positive"),
            models.CheckConstraint(
                condition=Q(refund_amount__gte=0, refund_amount__lte=models.F("amount")),
                name="booking_refund_within_amount",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def nights(self) -> int:
        return (self.departure - self.arrival).days

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.guest_phone)


class BookedNight(models.Model):
    """One night of one room taken by a booking. Active while the booking holds it; the partial
    unique index is what makes a second booking of the same night fail, however the requests
    interleave."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="booked_nights")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="booked_nights")
    night = models.DateField(_("night"))
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("booked night")
        verbose_name_plural = _("booked nights")
        ordering = ["night", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["room", "night"],
                condition=Q(is_active=True),
                name="room_night_booked_once",
            )
        ]

    def __str__(self):
        return f"{self.room} {self.night}"


class Route(Timestamped):
    """A rural tourism route (乡村旅游精品线路): days of stops at villages, homestays and service
    points, published for everyone."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    summary = models.TextField(_("summary"), blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("tourism route")
        verbose_name_plural = _("tourism routes")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class RouteStop(models.Model):
    """One stop of a route's day, in a village: a homestay or a service point there, or the
    village itself (its sights)."""

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="stops")
    day = models.PositiveSmallIntegerField(pgettext_lazy("tour route", "day"))  # 第几天, not a date
    position = models.PositiveSmallIntegerField(_("order in the day"))
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        "regions.RegionUnit", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    homestay = models.ForeignKey(
        Homestay, null=True, blank=True, on_delete=models.PROTECT, related_name="route_stops"
    )
    site = models.ForeignKey(
        "network.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("route stop")
        verbose_name_plural = _("route stops")
        ordering = ["route", "day", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["route", "day", "position"], name="route_stop_one_per_place"
            ),
            models.CheckConstraint(condition=Q(day__gte=1), name="route_day_from_one"),
        ]

    def __str__(self):
        return f"{self.route} D{self.day}.{self.position} {self.name}"
