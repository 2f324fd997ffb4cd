"""Reads of trace, each starting from what the reader may see: the public sees a batch's public
page (personal data masked); a producer their own bases and batches; the county office and
township staff the batches of their area."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cuncun.accounts.roles import Role
from cuncun.catalog.models import CategoryKind
from cuncun.core import reach
from cuncun.core.errors import NotFound
from cuncun.core.personal import mask_phone
from cuncun.core.scoping import scope_of
from cuncun.core.templatetags.personal import mask_name
from cuncun.merchants.queries import merchants_of
from cuncun.trace import lineage
from cuncun.trace.models import (
    Batch,
    BatchStatus,
    BatchStock,
    BizStep,
    Certificate,
    InputRecord,
    Inspection,
    ProductionBase,
    TestingStation,
    TraceEvent,
)


def batch_by_link(gtin: str, lot: str) -> Batch | None:
    """The batch a Digital Link names (one indexed lookup: the resolver's hot path)."""
    return Batch.objects.filter(gtin=gtin, lot=lot).only("pk", "lot", "gtin", "product_id").first()


@dataclass
class TracePage:
    batch: Batch
    sources: list[Batch]
    inputs: list[InputRecord]
    inspections: list[Inspection]
    certificate: Certificate | None
    events: list[TraceEvent]
    producer_phone: str  # masked


def public_trace(lot: str) -> TracePage:
    """What a buyer who scans the QR sees: product, producer, base and village, harvest, the
    inputs, inspections, certificate and the journey; phones masked, no person named.

    Every scan lands here (bench/trace_lookup): the batch comes with its certificate in one
    query, and the lists load only what the page shows."""
    batch = get_object_or_404(
        Batch.objects.select_related(
            "product__merchant", "base__village__parent", "certificate"
        ).only(*PUBLIC_BATCH_FIELDS),
        lot=lot,
    )
    sources = [s for s in lineage.harvested_sources(batch) if s.pk != batch.pk]
    return TracePage(
        batch=batch,
        sources=sources,
        inputs=inputs_of(batch, with_base=False),
        inspections=list(
            Inspection.objects.filter(batch_id__in=[batch.pk, *(s.pk for s in sources)])
            .select_related("station")
            .only(*PUBLIC_INSPECTION_FIELDS)
            .order_by("-inspected_on", "-id")
        ),
        certificate=getattr(batch, "certificate", None),
        events=_labelled(
            TraceEvent.objects.filter(batch=batch)
            .only("event_time", "biz_step", "place", "note")
            .order_by("event_time", "id")
        ),
        producer_phone=mask_phone(batch.product.merchant.contact_phone),
    )


def _labelled(events) -> list[TraceEvent]:
    """The events with their step's words (`step_label`), translated once per page: Django's
    get_FOO_display hashes every lazy choice on each call, a third of the page's time."""
    labels = {code: str(label) for code, label in BizStep.choices}
    events = list(events)
    for event in events:
        event.step_label = labels.get(event.biz_step, event.biz_step)
    return events


# What the public page shows, and nothing else: the columns a scan loads.
PUBLIC_BATCH_FIELDS = [
    *("lot", "gtin", "status", "status_reason", "harvested_on", "quantity", "unit", "packing"),
    *("product__name", "product__merchant__name", "product__merchant__contact_phone"),
    *("base__name", "base__crops", "base__area_mu", "base__latitude", "base__longitude"),
    *("base__certification", "base__certificate_number", "base__certified_until"),
    *("base__village__name", "base__village__parent__name"),
    *("certificate__number", "certificate__issued_on", "certificate__producer"),
    *("certificate__origin", "certificate__quantity"),
]
PUBLIC_INSPECTION_FIELDS = [
    *("result", "item", "method", "value", "limit", "value_unit", "inspected_on"),
    "station__name",
]


def inputs_of(batch: Batch, *, with_base: bool = True) -> list[InputRecord]:
    """The inputs applied on the bases of a batch (and of those it was made from) in the year
    before their harvest: the growing season they could have reached. One query for all the
    sources (a blend of ten harvests is one scan, not ten)."""
    seasons = Q(pk__in=[])
    for source in lineage.harvested_sources(batch):
        seasons |= Q(
            base_id=source.base_id,
            applied_on__lte=source.harvested_on,
            applied_on__gt=source.harvested_on.replace(year=source.harvested_on.year - 1),
        )
    found = InputRecord.objects.filter(seasons).order_by("base_id", "-applied_on", "-id")
    return list(found.select_related("base") if with_base else found)


def current_certificate(product) -> Certificate | None:
    """The certificate of the newest open batch of a product, for its market page: edible farm
    products leave the farm with one (承诺达标合格证), other goods are not covered."""
    if product.category.kind != CategoryKind.FARM_PRODUCT:
        return None
    return (
        Certificate.objects.filter(batch__product=product, batch__status=BatchStatus.OPEN)
        .select_related("batch")
        .order_by("-issued_on", "-id")
        .first()
    )


# --- the producer's console ----------------------------------------------------------------------


def producer_bases(user):
    return ProductionBase.objects.filter(merchant__in=merchants_of(user)).select_related(
        "village", "merchant"
    )


def producer_batches(user):
    return (
        Batch.objects.filter(product__merchant__in=merchants_of(user))
        .select_related("product", "base", "certificate")
        .order_by("-harvested_on", "-id")
    )


def producer_batch(user, pk: int) -> Batch:
    return get_object_or_404(producer_batches(user), pk=pk)


# --- the office ----------------------------------------------------------------------------------


def _area_batches(user):
    scope = scope_of(user)
    if scope.is_public:
        return Batch.objects.none()
    return Batch.objects.filter(product__merchant__region__path__startswith=scope.region_path)


def office_batches(user, search: str = ""):
    batches = _area_batches(user).select_related("product__merchant", "base__village")
    if search:
        batches = batches.filter(lot__icontains=search.strip()) | batches.filter(
            product__name__icontains=search.strip()
        )
    return batches.prefetch_related(
        Prefetch("inspections", queryset=Inspection.objects.order_by("-inspected_on"))
    ).order_by("-harvested_on", "-id")


def office_batch(user, pk: int) -> Batch:
    return get_object_or_404(office_batches(user), pk=pk)


def is_quality_staff(user) -> bool:
    """The quality pages are the county office's and the township staff's (their area's)."""
    return getattr(user, "is_authenticated", False) and (
        user.manages_reference_data or user.role == Role.TOWNSHIP_STAFF
    )


def inspection_photo_for(user, pk: int) -> Inspection:
    """The photo of an inspection's strip: for the quality staff of the batch's area, who see
    the inspection on their page, and for the batch's producer. The public page shows the
    result, not the photo."""
    seen = Q(batch__product__merchant__in=merchants_of(user))
    if is_quality_staff(user):
        seen |= Q(batch__in=_area_batches(user))
    inspection = Inspection.objects.filter(seen, pk=pk).exclude(photo="").only("photo").first()
    if inspection is None:
        raise NotFound(details={"inspection": pk})
    return inspection


def stations():
    return TestingStation.objects.select_related("region").order_by("kind", "name")


# --- recall --------------------------------------------------------------------------------------


REACHED_KINDS = {"order": gettext_lazy("order"), "parcel": gettext_lazy("parcel")}


@dataclass
class RecallScope:
    batch: Batch
    upstream: list[Batch]  # the batches it was made from
    bases: list[ProductionBase]
    inputs: list[InputRecord]
    downstream: list[Batch]  # the batches made from it
    stocks: list[BatchStock]
    reached: list[reach.Reached]  # orders and parcels, phones unmasked (mask for who may not see)


def recall_scope(lot: str) -> RecallScope:
    """Everything a lot touches: upstream bases and inputs, downstream batches, stock, orders,
    parcels and their recipients."""
    batch = get_object_or_404(Batch.objects.select_related("product", "base"), lot=lot.strip())
    upstream = list(
        Batch.objects.filter(pk__in=lineage.ancestor_ids(batch.pk)).select_related("base")
    )
    downstream = list(Batch.objects.filter(pk__in=lineage.descendant_ids(batch.pk)))
    family = [batch, *downstream]
    bases = {b.base_id: b.base for b in [batch, *upstream] if b.base_id}
    refs = sorted(
        set(
            TraceEvent.objects.filter(batch__in=family)
            .exclude(order_ref="")
            .values_list("order_ref", flat=True)
        )
    )
    return RecallScope(
        batch=batch,
        upstream=upstream,
        bases=list(bases.values()),
        inputs=inputs_of(batch),
        downstream=downstream,
        stocks=list(
            BatchStock.objects.filter(batch__in=family).select_related(
                "batch", "stock__sku", "stock__site"
            )
        ),
        reached=reach.reached_by(refs),
    )


def recall_rows(scope: RecallScope, *, show_personal: bool) -> list[list[str]]:
    """The recall as rows (what, reference, state, where, person, phone), personal data only for
    who may see it."""
    rows = [[_("batch"), scope.batch.lot, scope.batch.get_status_display(), "", "", ""]]
    rows += [
        [_("upstream batch"), b.lot, b.get_status_display(), str(b.base or ""), "", ""]
        for b in scope.upstream
    ]
    rows += [
        [_("base"), b.name, b.get_certification_display(), str(b.village), "", ""]
        for b in scope.bases
    ]
    rows += [
        [_("input"), r.product_name, r.get_kind_display(), r.base.name, str(r.applied_on), ""]
        for r in scope.inputs
    ]
    rows += [
        [_("downstream batch"), b.lot, b.get_status_display(), "", "", ""] for b in scope.downstream
    ]
    rows += [
        [_("stock"), str(s.stock.sku), str(s.quantity), s.stock.site.name, "", ""]
        for s in scope.stocks
    ]
    for r in scope.reached:
        person = r.person if show_personal else mask_name(r.person)
        phone = r.phone if show_personal else mask_phone(r.phone)
        rows.append(
            [str(REACHED_KINDS.get(r.kind, r.kind)), r.reference, r.status, r.place, person, phone]
        )
    return rows
