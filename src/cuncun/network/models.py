"""The service network (三级服务体系): the county center and warehouse, township stations, village
service points, partner pickup stores and the incubator; who runs them, what they offer and
charge, their lifecycle, the express carriers that reach them, and every service they give."""

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.accounts.models import Role
from cuncun.core.files import ProtectedFileField
from cuncun.core.models import FileImport, MoneyField, Timestamped
from cuncun.core.personal import mask_phone
from cuncun.core.scoping import ScopedQuerySet


class SiteKind:
    COUNTY_CENTER = "county_center"  # 市级电子商务公共服务中心
    COUNTY_WAREHOUSE = "county_warehouse"  # 市级物流仓储配送中心
    TOWNSHIP_STATION = "township_station"  # 乡镇（街道）电子商务服务站
    VILLAGE_POINT = "village_point"  # 村级电商服务点
    PICKUP_STORE = "pickup_store"  # 网订店取 partner store (a community shop)
    INCUBATOR = "incubator"  # 创业孵化中心 / 电商产业园

    choices = [
        (COUNTY_CENTER, _("county public service center")),
        (COUNTY_WAREHOUSE, _("county warehouse")),
        (TOWNSHIP_STATION, _("township station")),
        (VILLAGE_POINT, _("village service point")),
        (PICKUP_STORE, _("partner pickup store")),
        (INCUBATOR, _("incubator / e-commerce park")),
    ]
    # The level of region unit each kind stands in; None: any level.
    REGION_LEVEL = {
        COUNTY_CENTER: "county",
        COUNTY_WAREHOUSE: None,
        TOWNSHIP_STATION: "township",
        VILLAGE_POINT: "village",
        PICKUP_STORE: None,
        INCUBATOR: None,
    }
    # 代买/代卖 report: site type 1 county, 2 township, 3 village.
    REPORT_TYPE = {
        COUNTY_CENTER: 1,
        COUNTY_WAREHOUSE: 1,
        INCUBATOR: 1,
        TOWNSHIP_STATION: 2,
        VILLAGE_POINT: 3,
        PICKUP_STORE: 3,
    }
    CODE_LETTER = {
        COUNTY_CENTER: "C",
        COUNTY_WAREHOUSE: "W",
        TOWNSHIP_STATION: "T",
        VILLAGE_POINT: "V",
        PICKUP_STORE: "P",
        INCUBATOR: "I",
    }
    # Where parcels wait to be collected (驿站/服务点代收), are addressed to, and vans stop.
    PARCEL_POINTS = frozenset({VILLAGE_POINT, PICKUP_STORE, TOWNSHIP_STATION})


class SiteStatus:
    APPLIED = "applied"  # 申请: the application form is in
    APPROVED = "approved"  # 审批: approved, being built
    REJECTED = "rejected"  # 不予批准: final for this application
    ACCEPTED = "accepted"  # 验收: passed the acceptance check, not yet open
    OPERATING = "operating"  # 运营: open and serving
    RECTIFYING = "rectifying"  # 整改: open, with faults to correct by a date
    SUSPENDED = "suspended"  # 暂停: not serving for now
    CLOSED = "closed"  # 关闭: final

    choices = [
        (APPLIED, _("applied")),
        (APPROVED, _("approved")),
        (REJECTED, _("rejected")),
        (ACCEPTED, _("accepted")),
        (OPERATING, _("operating")),
        (RECTIFYING, _("rectifying")),
        (SUSPENDED, _("suspended")),
        (CLOSED, _("closed")),
    ]
    # A site covers its area (for the coverage indicators) while it serves people.
    SERVING = {OPERATING, RECTIFYING}


class SiteService:
    ASSISTED_PURCHASE = "assisted_purchase"  # 代购/代买: buying online for a villager
    ASSISTED_SALE = "assisted_sale"  # 代售/代卖: selling a villager's produce online
    PARCEL_RECEIVED = "parcel_received"  # 快递代收: a parcel checked in for a villager
    PARCEL_HANDED_OVER = "parcel_handed_over"  # 快递代收: the parcel given to its recipient
    PARCEL_SENT = "parcel_sent"  # 快递代发
    BILL_PAYMENT = "bill_payment"  # 便民缴费: phone, power, water bills
    CONSULTATION = "consultation"  # 信息咨询
    TRAINING = "training"  # 培训
    PICKUP = "pickup"  # 网订店取: online orders picked up here

    # A service that finishes one begun while the site was operating: recorded even after the
    # site stopped, so that a suspended point can still hand over what is on its shelf.
    FINISHES = {PARCEL_HANDED_OVER: PARCEL_RECEIVED}

    choices = [
        (ASSISTED_PURCHASE, _("assisted purchase")),
        (ASSISTED_SALE, _("assisted sale")),
        (PARCEL_RECEIVED, _("parcel receiving")),
        (PARCEL_HANDED_OVER, _("parcel handover")),
        (PARCEL_SENT, _("parcel sending")),
        (BILL_PAYMENT, _("bill payment")),
        (CONSULTATION, _("information and advice")),
        (TRAINING, _("training")),
        (PICKUP, _("order pickup")),
    ]


class PickupMode:
    """Whether buyers may pick up market orders here (as Saleor's click-and-collect)."""

    DISABLED = "disabled"  # no pickup here
    OWN_STOCK = "own_stock"  # only goods stocked at this site
    ANY_SITE = "any_site"  # goods from any site are shipped in for pickup

    choices = [
        (DISABLED, _("no pickup")),
        (OWN_STOCK, _("own stock only")),
        (ANY_SITE, _("shipped in from any site")),
    ]


# The roles with a management console of sites; everyone else sees sites on the public pages.
CONSOLE_ROLES = {Role.COUNTY_OFFICE, Role.TOWNSHIP_STAFF, Role.VILLAGE_OPERATOR}


def has_console(user) -> bool:
    return getattr(user, "is_authenticated", False) and (
        user.manages_reference_data or user.role in CONSOLE_ROLES
    )


class SiteQuerySet(ScopedQuerySet):
    def public(self):
        # Anyone may find a serving site and check it is certified.
        return self.serving()

    def serving(self):
        return self.filter(status__in=SiteStatus.SERVING)

    def in_console_of(self, user):
        """The sites whose management records (application, history, ledger, operators' phones)
        a user may read: the county office all, township staff their township's, a village
        operator the point they run. Merchants, couriers and departments are scoped to a region
        for other work but see sites only on the public pages."""
        if not has_console(user):
            return self.none()
        if user.manages_reference_data:
            return self.all()
        if user.role == Role.TOWNSHIP_STAFF:
            return self.visible_to(user)
        return self.operated_by(user)

    def with_status_on(self, day):
        """Annotate each site with its status on `day`, from the status history."""
        latest = (
            SiteStatusChange.objects.filter(site=OuterRef("pk"), effective_on__lte=day)
            .order_by("-effective_on", "-id")
            .values("to_status")[:1]
        )
        return self.annotate(status_on=Subquery(latest))

    def serving_on(self, day):
        return self.with_status_on(day).filter(status_on__in=SiteStatus.SERVING)

    def with_fee(self, service: str):
        """Annotate each site with `service_fee`: what it charges for a service, as published
        (None when it publishes no fee for it)."""
        fee = SiteFee.objects.filter(site=OuterRef("pk"), service=service).values("amount")[:1]
        return self.annotate(service_fee=Subquery(fee))

    def serving_in_outer_unit(self, kind: str, day):
        """Sites of a kind serving on a day in the region unit of the outer query, for
        `Exists(...)`: "this village has an operating point on that day"."""
        return self.serving_on(day).filter(kind=kind, region=OuterRef("pk"))

    def operated_by(self, user):
        return self.filter(operators__user=user, operators__until__isnull=True)


class Site(Timestamped):
    code = models.CharField(_("site code"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=SiteKind.choices)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        "regions.RegionUnit",
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="sites",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=SiteStatus.choices, default=SiteStatus.APPLIED
    )
    address = models.CharField(_("address"), max_length=200)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    floor_area = models.DecimalField(
        _("floor area (m²)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    equipment = models.TextField(_("equipment"), blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    # How long a delivery van stays to hand its parcels over here, as the point knows it (a
    # narrow lane, stairs, a counter that checks every parcel); empty: estimated from the parcels.
    handling_minutes = models.PositiveSmallIntegerField(
        _("handling time per delivery (minutes)"), null=True, blank=True
    )
    # The one number a point chooses to publish; the operators' own phones stay masked.
    public_phone = models.CharField(_("contact number to publish"), max_length=20, blank=True)
    services = models.JSONField(_("services offered"), default=list, blank=True)
    pickup_mode = models.CharField(
        _("pickup"), max_length=16, choices=PickupMode.choices, default=PickupMode.DISABLED
    )
    host = models.CharField(
        _("hosted in"),
        max_length=100,
        blank=True,
        help_text=_(
            "The existing place it uses: a village shop, the village committee, a post office …"
        ),
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(floor_area__isnull=True) | Q(floor_area__gte=0),
                name="site_floor_area_positive",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="site_latitude_valid",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="site_longitude_valid",
            ),
        ]
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self):
        return self.name

    @property
    def is_serving(self) -> bool:
        return self.status in SiteStatus.SERVING

    def was_serving_on(self, day) -> bool:
        """Whether the site was operating on a day, from its status history."""
        return Site.objects.serving_on(day).filter(pk=self.pk).exists()

    def service_labels(self) -> list[str]:
        names = dict(SiteService.choices)
        return [names.get(code, code) for code in self.services]


class SiteCodeCounter(models.Model):
    """The last running number given to a site code prefix (532801-V): one row per prefix,
    locked while a code is given, so that two applications at once never get the same code."""

    prefix = models.CharField(_("code prefix"), max_length=16, unique=True)
    last_number = models.PositiveIntegerField(_("last number"))

    class Meta:
        verbose_name = _("site code counter")
        verbose_name_plural = _("site code counters")

    def __str__(self):
        return f"{self.prefix}{self.last_number}"


class SiteStatusChange(models.Model):
    """One step of a site's lifecycle; the history answers "what was its status on day D"."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=16, choices=SiteStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=SiteStatus.choices)
    effective_on = models.DateField(_("effective on"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["effective_on", "id"]
        indexes = [models.Index(fields=["site", "effective_on"])]

    def __str__(self):
        return f"{self.site} {self.from_status}→{self.to_status} {self.effective_on}"


# 验收 checklist, after the provincial standards for village e-commerce service points; a site
# is accepted only when every item was answered and passed.
ACCEPTANCE_ITEMS = [
    ("signboard", _("Unified signboard and certificate on the door")),
    ("computer_and_network", _("Computer, printer and broadband working")),
    ("shelves", _("Shelves for parcels and goods")),
    ("operator_trained", _("Operator trained")),
    ("rules_posted", _("Service rules and fees posted")),
    ("ledger_kept", _("Service ledger kept")),
]


def passing_checklist() -> dict[str, bool]:
    """Every item answered "passed": what a site that passes its acceptance check records."""
    return {key: True for key, _label in ACCEPTANCE_ITEMS}


class AcceptanceCheck(models.Model):
    """验收: the checklist a site is inspected against before it may open."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="acceptance_checks")
    checked_on = models.DateField(_("checked on"))
    checklist = models.JSONField(_("checklist"), help_text=_("item → passed"))
    passed = models.BooleanField(_("passed"))
    notes = models.TextField(_("notes"), blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("acceptance check")
        verbose_name_plural = _("acceptance checks")
        ordering = ["-checked_on", "-id"]

    def __str__(self):
        return f"{self.site} {self.checked_on}"


class SitePhoto(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="photos")
    acceptance_check = models.ForeignKey(
        AcceptanceCheck, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    image = ProtectedFileField(_("photo"), upload_to="sites/%Y/%m/", served_by="network:site_photo")
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("site photo")
        verbose_name_plural = _("site photos")

    def __str__(self):
        return self.caption or self.image.name


class SiteOperator(models.Model):
    """A person who runs a site; their phone is stored here once and shown masked."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="operators")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="operated_sites",
        help_text=_("Their account, if they have one."),
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("operator")
        verbose_name_plural = _("operators")
        ordering = ["-since"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "user"],
                condition=Q(until__isnull=True, user__isnull=False),
                name="site_operator_once_while_active",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class SiteFee(models.Model):
    """What a site charges for a service, published on its public page."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="fees")
    service = models.CharField(_("service"), max_length=24, choices=SiteService.choices)
    amount = MoneyField(_("fee (yuan)"))
    per = models.CharField(_("per"), max_length=20, help_text=_("e.g. 件 (parcel), 单 (order)"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fee schedule")
        constraints = [
            models.UniqueConstraint(fields=["site", "service"], name="site_fee_once_per_service"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="site_fee_not_negative"),
        ]

    def __str__(self):
        return f"{self.get_service_display()} {self.amount}/{self.per}"


# The express companies the plan names and their usual codes (as carriers' own APIs use them).
STANDARD_CARRIERS = [
    ("YZPY", "中国邮政"),
    ("EMS", "EMS"),
    ("SF", "顺丰速运"),
    ("ZTO", "中通快递"),
    ("YTO", "圆通速递"),
    ("STO", "申通快递"),
    ("YD", "韵达快递"),
    ("JD", "京东物流"),
    ("JTSD", "极兔速递"),
]


class Carrier(models.Model):
    """An express company (邮政, 顺丰, 中通 …); logistics tracks its parcels."""

    code = models.CharField(
        _("code"), max_length=16, unique=True, help_text=_("e.g. YZPY, SF, ZTO")
    )
    name = models.CharField(_("name"), max_length=50)
    # In context: Django's own "active" is an account's (有效); a carrier is in use (启用).
    is_active = models.BooleanField(pgettext_lazy("carrier", "active"), default=True)

    class Meta:
        verbose_name = _("express carrier")
        verbose_name_plural = _("express carriers")
        ordering = ["code"]

    def __str__(self):
        return self.name


class CarrierServiceQuerySet(models.QuerySet):
    def on(self, day):
        return self.filter(since__lte=day).filter(Q(until__isnull=True) | Q(until__gt=day))


class CarrierService(models.Model):
    """A carrier serves a township (delivers to it) or a village point (drops parcels there)."""

    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="services")
    township = models.ForeignKey(
        "regions.RegionUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carrier_services",
    )
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="carrier_services"
    )
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    objects = CarrierServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("carrier coverage")
        verbose_name_plural = _("carrier coverage")
        constraints = [
            models.CheckConstraint(
                condition=(Q(township__isnull=False) & Q(site__isnull=True))
                | (Q(township__isnull=True) & Q(site__isnull=False)),
                name="carrier_service_township_xor_site",
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gt=models.F("since")),
                name="carrier_service_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.carrier} → {self.township or self.site}"


class ServiceRecordQuerySet(ScopedQuerySet):
    region_path_lookup = "site__region__path"

    def visible_to(self, user):
        """A ledger is a management record: read by those who manage its site (`in_console_of`),
        not by everyone scoped to its region (merchants, couriers, departments)."""
        return self.filter(site__in=Site.objects.in_console_of(user))


class ServiceRecord(models.Model):
    """服务台账: one service a site gave. Append-only; other apps record through services.py."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="ledger")
    day = models.DateField(_("day"), db_index=True)
    kind = models.CharField(_("service"), max_length=24, choices=SiteService.choices)
    category = models.CharField(_("goods category"), max_length=50, blank=True)
    # Negative only on a correction row, so that a day's sums stay right (append-only ledger).
    quantity = models.IntegerField(_("orders / items"), default=1)
    amount = MoneyField(_("amount (yuan)"), default=0)
    reference = models.CharField(
        pgettext_lazy("related record", "reference"),
        max_length=100,
        blank=True,
        help_text=_("What it records (an order, a parcel); the same reference is recorded once."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction",
        help_text=_("The row this one takes back (a refunded assisted purchase): its negative."),
    )

    objects = ServiceRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service ledger")
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "kind", "reference"],
                condition=~Q(reference=""),
                name="service_record_once_per_reference",
            ),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True, amount__gte=0, quantity__gte=1)
                | Q(corrects__isnull=False, amount__lte=0, quantity__lte=0),
                name="service_record_only_a_correction_is_negative",
            ),
        ]

    def __str__(self):
        return f"{self.site} {self.day} {self.get_kind_display()}"


class SiteImport(FileImport):
    """A register of sites handed in from Excel, checked and written by a background worker (a
    register may have thousands of rows: it never holds a request)."""

    update_existing = models.BooleanField(
        _("a row naming a registered site updates it"), default=False
    )

    class Meta:
        verbose_name = _("site import")
        verbose_name_plural = _("site imports")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.file_name


# A point keeping more than half of a farmer's sale would be buying, not selling for them.
COMMISSION_MAX_PERCENT = 50


class CommissionRateQuerySet(models.QuerySet):
    def in_force(self, site_id: int):
        """The rate a point charges now: the last one set (the earlier ones are its history)."""
        return self.filter(site_id=site_id).order_by("-set_at", "-id").first()


class CommissionRate(models.Model):
    """The share of a consigned sale (代售) a point keeps, as a percentage, set by the township's
    staff or the county office. Never edited: a new rate is a new row, so the history shows who
    set which rate when, and each intake receipt names the rate the farmer was shown."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="commission_rates")
    percent = models.DecimalField(_("commission (%)"), max_digits=5, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=200)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(auto_now_add=True)

    objects = CommissionRateQuerySet.as_manager()

    class Meta:
        verbose_name = _("commission rate")
        verbose_name_plural = _("commission rates")
        ordering = ["-set_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=COMMISSION_MAX_PERCENT),
                name="commission_rate_within_range",
            )
        ]

    def __str__(self):
        return f"{self.site_id}: {self.percent}%"
