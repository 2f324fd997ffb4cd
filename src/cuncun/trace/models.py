"""Traceability: production bases, batches (lots) and their lineage, the inputs applied on a base,
inspections by the testing stations, 承诺达标合格证 and an EPCIS-shaped event log that trace,
orders and logistics record a batch's journey into.

A batch is held (may not be listed, sold, shipped or handed over) while its status is not OPEN: a
failed inspection blocks it and every batch made from it; a recall recalls it and its descendants.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.core.files import ProtectedFileField
from cuncun.core.models import Timestamped


class Certification:
    """A base's quality certification (三品一标)."""

    NONE = "none"  # 无认证
    GREEN = "green"  # 绿色食品
    ORGANIC = "organic"  # 有机产品
    GI = "gi"  # 农产品地理标志
    GAP = "gap"  # 良好农业规范 (GAP)

    choices = [
        (NONE, _("none")),
        (GREEN, _("green food")),
        (ORGANIC, _("organic")),
        (GI, _("geographical indication")),
        (GAP, _("good agricultural practice")),
    ]


class ProductionBase(Timestamped):
    """A merchant's field, orchard or tea garden (生产基地) where batches are harvested."""

    merchant = models.ForeignKey(
        "merchants.Merchant",
        verbose_name=_("producer"),
        on_delete=models.PROTECT,
        related_name="production_bases",
    )
    name = models.CharField(_("name"), max_length=100)
    village = models.ForeignKey(
        "regions.RegionUnit",
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="production_bases",
    )
    area_mu = models.DecimalField(_("area (mu)"), max_digits=9, decimal_places=2)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    crops = models.CharField(_("crops"), max_length=100)
    certification = models.CharField(
        _("certification"), max_length=8, choices=Certification.choices, default=Certification.NONE
    )
    certificate_number = models.CharField(_("certificate number"), max_length=40, blank=True)
    certified_until = models.DateField(_("certified until"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("production base")
        verbose_name_plural = _("production bases")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(area_mu__gt=0), name="base_area_positive"),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="base_coordinates_on_earth",
            ),
            models.CheckConstraint(
                condition=Q(certification=Certification.NONE) | Q(certified_until__isnull=False),
                name="base_certification_has_validity",
            ),
        ]

    def __str__(self):
        return self.name

    def is_certified_on(self, day: date) -> bool:
        return self.certification != Certification.NONE and self.certified_until >= day


class InputKind:
    FERTILISER = "fertiliser"  # 肥料
    PESTICIDE = "pesticide"  # 农药: its safe interval (安全间隔期) holds the harvest back

    choices = [(FERTILISER, _("fertiliser")), (PESTICIDE, _("pesticide"))]


class InputRecord(models.Model):
    """One application of a fertiliser or pesticide on a base (投入品使用记录)."""

    base = models.ForeignKey(ProductionBase, on_delete=models.PROTECT, related_name="inputs")
    kind = models.CharField(_("kind"), max_length=12, choices=InputKind.choices)
    product_name = models.CharField(_("input product"), max_length=100)
    dose = models.CharField(_("dose"), max_length=50)
    applied_on = models.DateField(_("applied on"))
    safe_interval_days = models.PositiveSmallIntegerField(_("safe interval (days)"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("input record")
        verbose_name_plural = _("input records")
        ordering = ["-applied_on", "-id"]

    def __str__(self):
        return f"{self.product_name} {self.applied_on}"

    @property
    def harvest_allowed_from(self) -> date:
        return self.applied_on + timedelta(days=self.safe_interval_days)


class BatchStatus:
    OPEN = "open"  # may be listed, sold, shipped and handed over
    BLOCKED = "blocked"  # a failed inspection (of it or of a batch it was made from) stops it
    RECALLED = "recalled"  # recalled by the county office: every unit is called back

    choices = [(OPEN, _("open")), (BLOCKED, _("blocked")), (RECALLED, _("recalled"))]
    HELD = [BLOCKED, RECALLED]


class Batch(Timestamped):
    """A lot (批次): a quantity of a product harvested from a base on a day, or made by mixing or
    repacking other batches (then it has no base and its inputs are in BatchInput)."""

    lot = models.CharField(_("lot"), max_length=20, unique=True)
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    base = models.ForeignKey(
        ProductionBase,
        verbose_name=_("production base"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="batches",
    )
    gtin = models.CharField(
        _("GTIN"),
        max_length=14,
        help_text=_("The product's GTIN-14, or the county-issued number where it has none."),
    )
    harvested_on = models.DateField(_("harvest date"))
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=8)
    packing = models.CharField(_("packing"), max_length=60, blank=True)
    packed_on = models.DateField(_("packed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.OPEN
    )
    status_reason = models.CharField(_("why"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["-harvested_on", "-id"]
        indexes = [models.Index(fields=["gtin", "lot"])]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="batch_quantity_positive"),
        ]

    def __str__(self):
        return self.lot

    @property
    def is_held(self) -> bool:
        return self.status in BatchStatus.HELD


class BatchInput(models.Model):
    """An edge of the lineage graph: `output` was made (mixed, repacked) from `source`."""

    output = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="made_from")
    source = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="used_in")
    quantity = models.DecimalField(_("quantity used"), max_digits=10, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["output", "source"], name="batch_input_once"),
            models.CheckConstraint(
                condition=~Q(output=models.F("source")), name="batch_input_not_itself"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="batch_input_positive"),
        ]

    def __str__(self):
        return f"{self.source_id} → {self.output_id}"


class BatchStock(models.Model):
    """A batch fills a stock row (a SKU at a site): units of that SKU there come from it."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="stock_fills")
    stock = models.ForeignKey("catalog.Stock", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(pgettext_lazy("quantity", "units"))  # 件数
    filled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "stock"], name="batch_fills_stock_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="batch_stock_positive"),
        ]

    def __str__(self):
        return f"{self.batch_id} → stock {self.stock_id}"


class StationKind:
    COUNTY_CENTER = "county_center"  # 市农产品质量安全检测中心
    TOWNSHIP_STATION = "township_station"  # 乡镇农产品质量安全检测站
    MARKET_ROOM = "market_room"  # 农贸市场、企业检测室

    choices = [
        (COUNTY_CENTER, _("county testing center")),
        (TOWNSHIP_STATION, _("township testing station")),
        (MARKET_ROOM, _("market or enterprise testing room")),
    ]


class TestingStation(models.Model):
    """A testing center or station, as the plan's survey (信息摸底) records it."""

    __test__ = False  # a model, not a test class, whatever its name says to pytest

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=StationKind.choices)
    region = models.ForeignKey(
        "regions.RegionUnit", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    equipment = models.TextField(_("equipment"), blank=True)
    test_items = models.TextField(_("test items"), blank=True)
    staff_count = models.PositiveSmallIntegerField(_("testers"), default=0)
    surveyed_on = models.DateField(_("surveyed on"))
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("testing station")
        verbose_name_plural = _("testing stations")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


class InspectionResult:
    PASS = "pass"  # 合格
    FAIL = "fail"  # 不合格: the batch is blocked

    choices = [(PASS, _("pass")), (FAIL, _("fail"))]


class Inspection(models.Model):
    """A rapid residue test of a batch (农残速测): the value against the limit decides."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="inspections")
    station = models.ForeignKey(TestingStation, on_delete=models.PROTECT, related_name="+")
    item = models.CharField(_("test item"), max_length=60)
    method = models.CharField(_("method"), max_length=60)
    # In context: a test's measured value (检测值), not a target's or a report's.
    value = models.DecimalField(
        pgettext_lazy("inspection", "value"), max_digits=9, decimal_places=3
    )
    limit = models.DecimalField(_("limit"), max_digits=9, decimal_places=3)
    value_unit = models.CharField(_("unit"), max_length=20)
    result = models.CharField(_("result"), max_length=4, choices=InspectionResult.choices)
    inspector = models.CharField(_("inspector"), max_length=50)
    photo = ProtectedFileField(
        _("photo of the strip"),
        upload_to="inspections/%Y/%m/",
        blank=True,
        served_by="trace:inspection_photo",
    )
    inspected_on = models.DateField(_("inspected on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_on", "-id"]

    def __str__(self):
        return f"{self.batch} {self.item} {self.result}"


class Certificate(models.Model):
    """承诺达标合格证: the producer's promise for one batch. The fields are copied when it is
    issued, so the certificate stays as printed whatever changes later; it is never deleted."""

    batch = models.OneToOneField(Batch, on_delete=models.PROTECT, related_name="certificate")
    number = models.CharField(_("certificate number"), max_length=24, unique=True)
    promises = models.JSONField(_("promises"))  # 承诺事项, the codes of CertificatePromise
    basis = models.JSONField(_("basis"))  # 承诺依据, the codes of CertificateBasis
    product_name = models.CharField(_("product"), max_length=100)
    quantity = models.CharField(_("quantity"), max_length=30)
    origin = models.CharField(_("origin"), max_length=200)
    producer = models.CharField(_("producer"), max_length=100)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    issued_on = models.DateField(_("date issued"))
    # In context: who writes out a certificate (开具人), not the office that issues a document.
    issuer = models.CharField(pgettext_lazy("commitment certificate", "issued by"), max_length=50)
    keep_until = models.DateField(_("kept until"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("commitment certificate")
        verbose_name_plural = _("commitment certificates")
        ordering = ["-issued_on", "-id"]

    def __str__(self):
        return self.number


class EventType:
    """EPCIS 2.0 event types used here."""

    OBJECT = "ObjectEvent"
    TRANSFORMATION = "TransformationEvent"

    choices = [(OBJECT, "ObjectEvent"), (TRANSFORMATION, "TransformationEvent")]


class BizStep:
    """EPCIS 2.0 CBV business steps a batch goes through, with how a buyer reads them."""

    COMMISSIONING = "commissioning"  # 采收入库
    INSPECTING = "inspecting"  # 检测
    PACKING = "packing"  # 包装
    TRANSFORMING = "transforming"  # 拼配、分装
    STOCKING = "stocking"  # 上架
    RETAIL_SELLING = "retail_selling"  # 售出
    SHIPPING = "shipping"  # 发货
    RECEIVING = "receiving"  # 到达网点
    DEPARTING = "departing"  # 离开
    ARRIVING = "arriving"  # 到达
    ACCEPTING = "accepting"  # 揽收
    STORING = "storing"  # 待取
    REMOVING = "removing"  # 取走
    HOLDING = "holding"  # 封存
    RECALLING = "recalling"  # 召回

    # In the journey's context: trace comes before orders and logistics, and their states
    # (已发货, 已打包 …) must not read as a journey's steps, nor the other way round.
    choices = [
        (COMMISSIONING, pgettext_lazy("journey step", "harvested")),
        (INSPECTING, pgettext_lazy("journey step", "inspected")),
        (PACKING, pgettext_lazy("journey step", "packed")),
        (TRANSFORMING, pgettext_lazy("journey step", "mixed or repacked")),
        (STOCKING, pgettext_lazy("journey step", "stocked")),
        (RETAIL_SELLING, pgettext_lazy("journey step", "sold")),
        (SHIPPING, pgettext_lazy("journey step", "shipped")),
        (RECEIVING, pgettext_lazy("journey step", "received")),
        (DEPARTING, pgettext_lazy("journey step", "departed")),
        (ARRIVING, pgettext_lazy("journey step", "arrived")),
        (ACCEPTING, pgettext_lazy("journey step", "accepted by the carrier")),
        (STORING, pgettext_lazy("journey step", "waiting for pickup")),
        (REMOVING, pgettext_lazy("journey step", "picked up")),
        (HOLDING, pgettext_lazy("journey step", "held")),
        (RECALLING, pgettext_lazy("journey step", "recalled")),
    ]


class TraceEvent(models.Model):
    """One event of a batch's journey, in EPCIS's dimensions: what (the batch), when, where (a
    place's name and region, no person), why (business step and disposition). `event_id` makes
    recording idempotent: the same event twice is one row."""

    event_id = models.CharField(max_length=120, unique=True)
    event_type = models.CharField(max_length=20, choices=EventType.choices)
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="events")
    biz_step = models.CharField(_("step"), max_length=20, choices=BizStep.choices)
    disposition = models.CharField(max_length=30)
    event_time = models.DateTimeField(_("when"))
    place = models.CharField(_("where"), max_length=120, blank=True)
    region = models.ForeignKey(
        "regions.RegionUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order_ref = models.CharField(max_length=40, blank=True, db_index=True)
    waybill = models.CharField(max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    source = models.CharField(
        max_length=40, default="cuncun"
    )  # who captured it: cuncun or a partner
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event_time", "id"]
        indexes = [models.Index(fields=["batch", "event_time"])]

    def __str__(self):
        return f"{self.batch} {self.biz_step} {self.event_time:%Y-%m-%d}"
