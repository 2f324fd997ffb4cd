"""Every write of trace: bases, inputs, batches and their lineage, stock filled from a batch,
inspections, certificates, the journey's events and recalls; and the one question the market,
orders and logistics ask before goods move: is any of it held?"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cuncun.accounts.roles import Role
from cuncun.catalog.models import Product, Stock
from cuncun.catalog.services import adjust_stock
from cuncun.core import audit, reach, reveal
from cuncun.core.checks import texts_too_long
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed
from cuncun.core.personal import is_valid_phone
from cuncun.core.scoping import scope_of
from cuncun.core.sms import send_sms
from cuncun.merchants.models import Merchant
from cuncun.merchants.services import may_sell_for
from cuncun.trace import gs1, lineage, queries
from cuncun.trace.models import (
    Batch,
    BatchInput,
    BatchStatus,
    BatchStock,
    BizStep,
    Certificate,
    Certification,
    EventType,
    InputKind,
    InputRecord,
    Inspection,
    InspectionResult,
    ProductionBase,
    TestingStation,
    TraceEvent,
)

# 承诺达标合格证 are kept at least two years (农业农村部《承诺达标合格证管理办法》).
CERTIFICATE_KEPT_YEARS = 2


class BatchHeld(Conflict):
    """Goods from a blocked or recalled batch were about to be listed, sold, shipped or handed
    over."""

    code = "batch_held"


class SafeIntervalNotOver(Conflict):
    code = "safe_interval"


# --- who may -------------------------------------------------------------------------------------


def may_record_production(actor, merchant: Merchant) -> bool:
    """The producer (or the operator selling for it) and the county office."""
    return may_sell_for(actor, merchant) or bool(
        getattr(actor, "is_authenticated", False) and actor.manages_reference_data
    )


def _require_producer(actor, merchant: Merchant) -> None:
    if not may_record_production(actor, merchant):
        raise NotAllowed(
            _("Only %(merchant)s or the county office may record its production.")
            % {"merchant": merchant.name}
        )


def may_inspect(actor, batch: Batch) -> bool:
    """The county office anywhere; township staff (their testing station) in their township."""
    if actor is None:
        return True  # the system itself: the demo, an import
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.manages_reference_data:
        return True
    region = batch.base.village if batch.base_id else batch.product.merchant.region
    return actor.role == Role.TOWNSHIP_STAFF and scope_of(actor).covers(region.path)


def may_recall(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.manages_reference_data)


# --- bases and inputs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BaseDetails:
    name: str
    village: object  # regions.RegionUnit, a village
    area_mu: object
    latitude: object
    longitude: object
    crops: str
    certification: str = Certification.NONE
    certificate_number: str = ""
    certified_until: date | None = None


def _decimal(value, label: str, *, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("%s is not a number.") % label) from None
    if not number.is_finite() or not low <= number <= high:
        raise InvalidInput(
            _("%(what)s must be between %(low)s and %(high)s.")
            % {"what": label, "low": low, "high": high}
        )
    return number


def register_base(*, actor, merchant: Merchant, details: BaseDetails) -> ProductionBase:
    """A producer's field, orchard or tea garden, with its certification and validity."""
    d = details
    problems = texts_too_long(
        ProductionBase,
        {"name": d.name, "crops": d.crops, "certificate_number": d.certificate_number},
    )
    if not d.name.strip() or not d.crops.strip():
        problems.append(_("Give the base a name and its crops."))
    if d.village is None or d.village.level != "village":
        problems.append(_("Choose the village the base lies in."))
    if d.certification not in dict(Certification.choices):
        problems.append(_("Unknown certification."))
    elif d.certification != Certification.NONE and (
        d.certified_until is None or not d.certificate_number.strip()
    ):
        problems.append(_("A certification needs its certificate number and validity."))
    if problems:
        raise InvalidInput(problems[0], details={"problems": problems})
    values = {
        "area_mu": _decimal(d.area_mu, _("Area"), low=Decimal("0.01"), high=Decimal("9999999")),
        "latitude": _decimal(d.latitude, _("Latitude"), low=Decimal(-90), high=Decimal(90)),
        "longitude": _decimal(d.longitude, _("Longitude"), low=Decimal(-180), high=Decimal(180)),
    }
    with transaction.atomic():
        _require_producer(actor, merchant)
        base = ProductionBase.objects.create(
            merchant=merchant,
            name=d.name.strip(),
            village=d.village,
            crops=d.crops.strip(),
            certification=d.certification,
            certificate_number=d.certificate_number.strip(),
            certified_until=d.certified_until if d.certification != Certification.NONE else None,
            **values,
        )
        audit.record(
            actor=actor, action="trace.base.register", obj=base, after=audit.snapshot(base)
        )
    return base


def record_input(
    *,
    actor,
    base: ProductionBase,
    kind: str,
    product_name: str,
    dose: str,
    applied_on: date,
    safe_interval_days: int = 0,
) -> InputRecord:
    """A fertiliser or pesticide applied on a base. A pesticide applied before a batch already
    harvested there, inside its safe interval, is refused: the record would make that batch
    unlawful, so the person must check their dates first."""
    if kind not in dict(InputKind.choices):
        raise InvalidInput(_("Unknown kind of input."))
    if not product_name.strip() or not dose.strip():
        raise InvalidInput(_("Name the input product and its dose."))
    if problems := texts_too_long(InputRecord, {"product_name": product_name, "dose": dose}):
        raise InvalidInput(problems[0])
    if not isinstance(safe_interval_days, int) or not 0 <= safe_interval_days <= 365:
        raise InvalidInput(_("The safe interval is 0 to 365 days."))
    with transaction.atomic():
        _require_producer(actor, base.merchant)
        record = InputRecord(
            base=base,
            kind=kind,
            product_name=product_name.strip(),
            dose=dose.strip(),
            applied_on=applied_on,
            safe_interval_days=safe_interval_days if kind == InputKind.PESTICIDE else 0,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        inside = base.batches.filter(
            harvested_on__gte=applied_on, harvested_on__lt=record.harvest_allowed_from
        ).first()
        if inside is not None:
            raise SafeIntervalNotOver(
                _("Batch %(lot)s was harvested on %(day)s, inside this pesticide's safe interval.")
                % {"lot": inside.lot, "day": inside.harvested_on}
            )
        record.save()
        audit.record(
            actor=actor, action="trace.input.record", obj=record, after=audit.snapshot(record)
        )
    return record


# --- batches and lineage -------------------------------------------------------------------------


def _quantity(value) -> Decimal:
    return _decimal(value, _("Quantity"), low=Decimal("0.01"), high=Decimal("99999999"))


def _gtin_of(product: Product, gtin: str) -> str:
    if not gtin.strip():
        return gs1.county_gtin(product.pk)
    try:
        return gs1.normalise_gtin(gtin)
    except gs1.NotADigitalLink:
        raise InvalidInput(_("This GTIN is not valid (its length or check digit).")) from None


def _new_batch(actor, product: Product, *, harvested_on: date, **fields) -> Batch:
    # The lot is issued from the row's id, so it is unique without a counter to lock.
    batch = Batch.objects.create(
        product=product,
        harvested_on=harvested_on,
        lot=f"new-{uuid.uuid4().hex[:16]}",
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **fields,
    )
    batch.lot = f"JH{harvested_on:%y%m%d}{batch.pk:06d}"
    batch.save(update_fields=["lot"])
    return batch


def pesticide_still_acting(base: ProductionBase, harvested_on: date) -> InputRecord | None:
    """A pesticide applied on the base whose safe interval was not over on the harvest day."""
    applied = base.inputs.filter(kind=InputKind.PESTICIDE, applied_on__lte=harvested_on)
    return next(
        (r for r in applied.order_by("-applied_on") if r.harvest_allowed_from > harvested_on), None
    )


def record_batch(
    *,
    actor,
    product: Product,
    base: ProductionBase,
    harvested_on: date,
    quantity,
    unit: str,
    gtin: str = "",
) -> Batch:
    """A lot harvested from a base. Refused while a pesticide applied there is inside its safe
    interval on the harvest day."""
    quantity = _quantity(quantity)
    if not unit.strip():
        raise InvalidInput(_("Give the unit of the quantity."))
    if product.merchant_id != base.merchant_id:
        raise InvalidInput(_("The product and the base belong to different producers."))
    if harvested_on > timezone.localdate():
        raise InvalidInput(_("The harvest date cannot be in the future."))
    gtin = _gtin_of(product, gtin)
    with transaction.atomic():
        _require_producer(actor, base.merchant)
        if pesticide := pesticide_still_acting(base, harvested_on):
            raise SafeIntervalNotOver(
                _(
                    "%(input)s was applied on %(day)s with a safe interval of %(days)d days: "
                    "harvest from %(from)s."
                )
                % {
                    "input": pesticide.product_name,
                    "day": pesticide.applied_on,
                    "days": pesticide.safe_interval_days,
                    "from": pesticide.harvest_allowed_from,
                },
                details={"input": pesticide.pk, "from": str(pesticide.harvest_allowed_from)},
            )
        batch = _new_batch(
            actor,
            product,
            base=base,
            harvested_on=harvested_on,
            quantity=quantity,
            unit=unit.strip(),
            gtin=gtin,
        )
        audit.record(
            actor=actor, action="trace.batch.record", obj=batch, after=audit.snapshot(batch)
        )
        _event(batch, BizStep.COMMISSIONING, "active", place=base.name, region=base.village)
    return batch


def pack_batch(*, actor, batch: Batch, packing: str, packed_on: date) -> Batch:
    """How the batch was packed (包装), e.g. 5斤装纸箱."""
    if not packing.strip():
        raise InvalidInput(_("Say how the batch is packed."))
    if problem := texts_too_long(Batch, {"packing": packing}):
        raise InvalidInput(problem[0])
    if packed_on < batch.harvested_on:
        raise InvalidInput(_("A batch cannot be packed before it is harvested."))
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        _require_producer(actor, batch.product.merchant)
        before = {"packing": batch.packing, "packed_on": str(batch.packed_on or "")}
        batch.packing, batch.packed_on = packing.strip(), packed_on
        batch.save(update_fields=["packing", "packed_on", "updated_at"])
        audit.record(
            actor=actor,
            action="trace.batch.pack",
            obj=batch,
            before=before,
            after={"packing": batch.packing, "packed_on": str(packed_on)},
        )
        _event(batch, BizStep.PACKING, "active", note=batch.packing)
    return batch


def transform_batches(
    *,
    actor,
    product: Product,
    sources: list[tuple[Batch, object]],
    quantity,
    unit: str,
    made_on: date,
) -> Batch:
    """Mix or repack batches into a new one (拼配、分装) that records what it was made of, so the
    lineage is a graph. A held batch cannot go into a new one."""
    quantity = _quantity(quantity)
    if not sources:
        raise InvalidInput(_("Choose the batches it is made from."))
    if len({b.pk for b, _q in sources}) < len(sources):
        raise InvalidInput(_("Each batch is listed once."))
    used = [(batch, _quantity(q)) for batch, q in sources]
    with transaction.atomic():
        _require_producer(actor, product.merchant)
        locked = {
            b.pk: b
            for b in Batch.objects.select_for_update()
            .filter(pk__in=[b.pk for b, _q in used])
            .order_by("pk")
        }
        for batch in locked.values():
            _require_producer(actor, batch.product.merchant)
        if held := [b.lot for b in locked.values() if b.is_held]:
            raise BatchHeld(_("Held batches cannot be used: %s") % ", ".join(held))
        batch = _new_batch(
            actor,
            product,
            base=None,
            harvested_on=max(b.harvested_on for b in locked.values()),
            quantity=quantity,
            unit=unit.strip(),
            gtin=gs1.county_gtin(product.pk),
            packed_on=made_on,
        )
        BatchInput.objects.bulk_create(
            BatchInput(output=batch, source=locked[b.pk], quantity=q) for b, q in used
        )
        audit.record(
            actor=actor,
            action="trace.batch.transform",
            obj=batch,
            after={"lot": batch.lot, "sources": {locked[b.pk].lot: str(q) for b, q in used}},
        )
        _event(
            batch,
            BizStep.TRANSFORMING,
            "active",
            event_type=EventType.TRANSFORMATION,
            note=", ".join(locked[b.pk].lot for b, _q in used),
        )
    return batch


def fill_stock(*, actor, batch: Batch, stock: Stock, quantity: int) -> BatchStock:
    """Units of a batch put on hand as a SKU at a site: the stock goes up (through catalog) and the
    link says where those units came from."""
    if not isinstance(quantity, int) or quantity < 1:
        raise InvalidInput(_("Put at least one unit into stock."))
    if stock.sku.product_id != batch.product_id:
        raise InvalidInput(_("This stock is of another product."))
    with transaction.atomic():
        _require_producer(actor, batch.product.merchant)
        if Batch.objects.get(pk=batch.pk).is_held:
            raise BatchHeld(_("Batch %s is held and cannot be put into stock.") % batch.lot)
        adjust_stock(
            actor=actor,
            sku=stock.sku,
            site=stock.site,
            change=quantity,
            reason=_("batch %s") % batch.lot,
        )
        fill, created = BatchStock.objects.get_or_create(
            batch=batch, stock=stock, defaults={"quantity": quantity}
        )
        if not created:
            BatchStock.objects.filter(pk=fill.pk).update(quantity=fill.quantity + quantity)
        audit.record(
            actor=actor,
            action="trace.batch.fill_stock",
            obj=batch,
            after={"stock": stock.pk, "units": quantity},
        )
        _event(
            batch,
            BizStep.STOCKING,
            "sellable_not_accessible",
            place=stock.site.name,
            region=stock.site.region,
        )
    return fill


# --- inspections ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InspectionDetails:
    station: TestingStation
    item: str
    method: str
    value: object
    limit: object
    value_unit: str
    inspector: str
    inspected_on: date
    photo: object = None


def record_inspection(*, actor, batch: Batch, details: InspectionDetails) -> Inspection:
    """A residue test's result. Above the limit it fails, and the batch and every batch made from
    it are blocked at once: the market, orders and logistics refuse their goods."""
    d = details
    if problems := texts_too_long(
        Inspection,
        {"item": d.item, "method": d.method, "value_unit": d.value_unit, "inspector": d.inspector},
    ):
        raise InvalidInput(problems[0])
    if not all(s.strip() for s in (d.item, d.method, d.inspector)):
        raise InvalidInput(_("Give the test item, the method and the inspector."))
    value = _decimal(
        d.value, pgettext("inspection", "Value"), low=Decimal(0), high=Decimal("999999")
    )
    limit = _decimal(
        d.limit, pgettext("inspection", "Limit"), low=Decimal(0), high=Decimal("999999")
    )
    if d.inspected_on < batch.harvested_on or d.inspected_on > timezone.localdate():
        raise InvalidInput(_("The test date lies between the harvest and today."))
    result = InspectionResult.FAIL if value > limit else InspectionResult.PASS
    with transaction.atomic():
        if not may_inspect(actor, batch):
            raise NotAllowed(_("Only the county office or the township's station may test it."))
        inspection = Inspection.objects.create(
            batch=batch,
            station=d.station,
            item=d.item.strip(),
            method=d.method.strip(),
            value=value,
            limit=limit,
            value_unit=d.value_unit.strip(),
            result=result,
            inspector=d.inspector.strip(),
            inspected_on=d.inspected_on,
            recorded_by=actor,
            **({"photo": d.photo} if d.photo else {}),
        )
        audit.record(
            actor=actor,
            action="trace.inspection.record",
            obj=inspection,
            after={
                "batch": batch.lot,
                "item": inspection.item,
                "value": str(value),
                "limit": str(limit),
                "result": result,
            },
        )
        _event(
            batch,
            BizStep.INSPECTING,
            "active" if result == InspectionResult.PASS else "non_sellable_other",
            place=d.station.name,
            region=d.station.region,
            note=f"{inspection.item}: {inspection.get_result_display()}",
        )
        if result == InspectionResult.FAIL:
            reason = _("failed %(item)s on %(day)s") % {
                "item": inspection.item,
                "day": d.inspected_on,
            }
            _hold(actor, batch, BatchStatus.BLOCKED, reason)
    return inspection


def _hold(actor, batch: Batch, status: str, reason: str) -> list[Batch]:
    """Block or recall a batch and every batch made from it, each with its audit row and event."""
    ids = [batch.pk, *lineage.descendant_ids(batch.pk)]
    held = list(Batch.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    step = BizStep.RECALLING if status == BatchStatus.RECALLED else BizStep.HOLDING
    for b in held:
        if b.status == status or b.status == BatchStatus.RECALLED:
            continue
        before = b.status
        b.status, b.status_reason = status, reason[:200]
        b.save(update_fields=["status", "status_reason", "updated_at"])
        audit.record(
            actor=actor,
            action=f"trace.batch.{status}",
            obj=b,
            before={"status": before},
            after={"status": status},
            reason=reason,
        )
        _event(
            b,
            step,
            "recalled" if status == BatchStatus.RECALLED else "non_sellable_other",
            note=reason,
        )
    return held


# --- certificates --------------------------------------------------------------------------------


class CertificatePromise:
    """承诺事项 of the current 承诺达标合格证."""

    NO_BANNED = "no_banned"  # 不使用禁用农药兽药、停用兽药和非法添加物
    RESIDUES_WITHIN = "residues_within"  # 常规农药兽药残留不超标
    TRUTHFUL = "truthful"  # 对承诺的真实性负责

    choices = [
        (NO_BANNED, "不使用禁用农药兽药、停用兽药和非法添加物"),
        (RESIDUES_WITHIN, "常规农药兽药残留不超标"),
        (TRUTHFUL, "对承诺的真实性负责"),
    ]


class CertificateBasis:
    """承诺依据."""

    ENTRUSTED_TEST = "entrusted_test"  # 委托检测
    SELF_TEST = "self_test"  # 自我检测
    INTERNAL_CONTROL = "internal_control"  # 内部质量控制
    SELF_PROMISE = "self_promise"  # 自我承诺

    choices = [
        (ENTRUSTED_TEST, "委托检测"),
        (SELF_TEST, "自我检测"),
        (INTERNAL_CONTROL, "内部质量控制"),
        (SELF_PROMISE, "自我承诺"),
    ]


def issue_certificate(
    *, actor, batch: Batch, basis: list[str], issuer: str, contact_phone: str
) -> Certificate:
    """The producer's 承诺达标合格证 for a batch, with every promise of the current rules. A held
    batch gets none; a batch has one (print it again as often as needed)."""
    basis = sorted(set(basis))
    if not basis or not set(basis) <= set(dict(CertificateBasis.choices)):
        raise InvalidInput(_("Choose what the promise is based on."))
    if not issuer.strip():
        raise InvalidInput(_("Give the name of the person issuing it."))
    if not is_valid_phone(contact_phone):
        raise InvalidInput(_("Give a valid mobile number to contact the producer."))
    with transaction.atomic():
        batch = (
            Batch.objects.select_for_update(of=("self",))
            .select_related("product__merchant", "base__village")
            .get(pk=batch.pk)
        )
        merchant = batch.product.merchant
        _require_producer(actor, merchant)
        if batch.is_held:
            raise BatchHeld(_("Batch %s is held: no certificate can be issued.") % batch.lot)
        if Certificate.objects.filter(batch=batch).exists():
            raise Conflict(_("Batch %s already has its certificate.") % batch.lot)
        today = timezone.localdate()
        certificate = Certificate.objects.create(
            batch=batch,
            number=f"HG{batch.lot[2:]}",
            promises=[code for code, _text in CertificatePromise.choices],
            basis=basis,
            product_name=batch.product.name,
            quantity=f"{batch.quantity.normalize():f} {batch.unit}",
            origin=lineage.origin_text(batch),
            producer=merchant.name,
            contact_phone=contact_phone.strip(),
            issued_on=today,
            issuer=issuer.strip()[:50],
            keep_until=today.replace(year=today.year + CERTIFICATE_KEPT_YEARS)
            if (today.month, today.day) != (2, 29)
            else today + timedelta(days=365 * CERTIFICATE_KEPT_YEARS + 1),
            issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(
            actor=actor,
            action="trace.certificate.issue",
            obj=certificate,
            after={"batch": batch.lot, "number": certificate.number},
        )
    return certificate


# --- the journey ---------------------------------------------------------------------------------


def _event(
    batch: Batch, step: str, disposition: str, *, event_id: str = "", **fields
) -> TraceEvent:
    """Append an event of the journey; one with an event id already recorded is that event."""
    event_id = event_id or f"urn:uuid:{uuid.uuid4()}"
    fields.setdefault("event_time", timezone.now())
    fields.setdefault("event_type", EventType.OBJECT)
    event, _created = TraceEvent.objects.get_or_create(
        event_id=event_id,
        defaults={"batch": batch, "biz_step": step, "disposition": disposition, **fields},
    )
    return event


def _journey_id(*parts) -> str:
    """The same step of the same order for the same batch is one event, however often it is
    reported (a retried scan, a replayed shipment)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'cuncun:' + ':'.join(map(str, parts)))}"


def batches_filling(stock_ids) -> list[Batch]:
    return list(
        Batch.objects.filter(stock_fills__stock_id__in=list(stock_ids)).distinct().order_by("pk")
    )


def batches_for_sale(stock_ids) -> dict[int, list[Batch]]:
    """The batches that filled each of these stock rows, read once for a checkout: refused
    (BatchHeld) if any is held, else handed back to `record_order_step` for each order.

    Written in SQL because it runs inside every checkout's transaction, where building it
    through the ORM cost more than the database's work; the rows are still Batch instances."""
    stock_ids = [int(pk) for pk in stock_ids]
    if not stock_ids:
        return {}
    by_stock: dict[int, list[Batch]] = {}
    for batch in Batch.objects.raw(
        f"SELECT b.*, f.stock_id AS filling FROM {Batch._meta.db_table} b "
        f"JOIN {BatchStock._meta.db_table} f ON f.batch_id = b.id "
        f"WHERE f.stock_id IN ({', '.join(['%s'] * len(stock_ids))}) ORDER BY f.stock_id, b.id",
        stock_ids,
    ):
        by_stock.setdefault(batch.filling, []).append(batch)
    _refuse_held({b.pk: b for batches in by_stock.values() for b in batches}.values())
    return by_stock


def _refuse_held(batches) -> None:
    held = sorted((b for b in batches if b.is_held), key=lambda b: b.pk)
    if held:
        raise BatchHeld(
            _("Batch %(lots)s is %(status)s and may not be sold or shipped.")
            % {"lots": ", ".join(b.lot for b in held), "status": held[0].get_status_display()},
            details={"lots": [b.lot for b in held]},
        )


def refuse_held_stock(stock_ids) -> None:
    """Refuse goods drawn from these stock rows if a batch that filled them is held: what orders
    ask before a sale and a shipment."""
    _refuse_held(batches_filling(stock_ids))


def refuse_held_order(order_ref: str) -> None:
    """Refuse to hand over or move a market order's goods if a batch it carries is held: what
    logistics asks before a handover."""
    if not order_ref:
        return
    held = list(
        Batch.objects.filter(events__order_ref=order_ref, status__in=BatchStatus.HELD).distinct()
    )
    if held:
        raise BatchHeld(
            _("This parcel carries batch %s, which is held: keep it, do not hand it over.")
            % ", ".join(b.lot for b in held),
            details={"lots": [b.lot for b in held]},
        )


def listing_refusal(product) -> str:
    """Why the product may not be listed: goods of a held batch are still in its stock."""
    held = (
        Batch.objects.filter(
            product=product, status__in=BatchStatus.HELD, stock_fills__stock__quantity__gt=0
        )
        .values_list("lot", flat=True)
        .first()
    )
    return (
        _("Batch %s is held and its goods are still in stock: it cannot be listed.") % held
        if held
        else ""
    )


def record_order_step(
    *,
    order_ref: str,
    stock_ids,
    step: str,
    place: str = "",
    region=None,
    at: datetime | None = None,
    batches: list[Batch] | None = None,
) -> list[TraceEvent]:
    """Orders record a sale or a shipment of an order into the journey of each batch its stock
    came from (idempotent per order, batch and step); `batches`, when the caller has read them
    (`batches_for_sale`), saves reading them again."""
    if batches is None:
        batches = batches_filling(stock_ids)
    return [
        _event(
            b,
            step,
            "in_transit" if step == BizStep.SHIPPING else "in_progress",
            event_id=_journey_id(order_ref, b.pk, step),
            order_ref=order_ref,
            place=place,
            region=region,
            event_time=at or timezone.now(),
        )
        for b in batches
    ]


def record_parcel_step(
    *, order_ref: str, waybill: str, step: str, key: str, place: str = "", region=None, at=None
) -> list[TraceEvent]:
    """Logistics record a parcel's scan into the journey of each batch its market order carries
    (idempotent by the scan's own key)."""
    if not order_ref:
        return []
    batches = Batch.objects.filter(events__order_ref=order_ref).distinct().order_by("pk")
    return [
        _event(
            b,
            step,
            "in_transit",
            event_id=_journey_id(key, b.pk),
            order_ref=order_ref,
            waybill=waybill,
            place=place,
            region=region,
            event_time=at or timezone.now(),
        )
        for b in batches
    ]


# --- recall --------------------------------------------------------------------------------------


@dataclass
class Recall:
    batch: Batch
    recalled: list[Batch]
    notices: int


def export_recall_list(*, actor, scope) -> list[list[str]]:
    """The recall as rows with the full names and phone numbers of the buyers and recipients it
    reached, to call them: for the county office (or the command line, actor None). One audit
    row says that it was taken and for how many people."""
    if actor is not None and not may_recall(actor):
        raise NotAllowed(_("Only the county office may recall a lot."))
    rows = queries.recall_rows(scope, show_personal=True)
    reveal.record_personal_data_export(
        actor=actor,
        obj=scope.batch,
        fields=["person", "phone"],
        people=len({(r.person, r.phone) for r in scope.reached if r.person or r.phone}),
        reason="recall list",
    )
    return rows


def recall_lot(*, actor, lot: str, reason: str) -> Recall:
    """Recall a lot: it and every batch made from it are recalled at once (no further sale,
    shipment or handover), and each buyer of their goods gets an SMS notice."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the lot is recalled."))
    with transaction.atomic():
        if not may_recall(actor):
            raise NotAllowed(_("Only the county office may recall a lot."))
        batch = Batch.objects.filter(lot=lot.strip()).select_related("product").first()
        if batch is None:
            raise InvalidInput(_("No batch has the lot %s.") % lot)
        recalled = _hold(actor, batch, BatchStatus.RECALLED, reason)
        refs = sorted(
            set(
                TraceEvent.objects.filter(batch__in=recalled)
                .exclude(order_ref="")
                .values_list("order_ref", flat=True)
            )
        )
        phones = {r.phone for r in reach.reached_by(refs) if r.kind == "order" and r.phone}
        text = _(
            "[County e-commerce office] %(product)s of lot %(lot)s is recalled: please stop eating "
            "it and return it to your service point for a refund."
        ) % {"product": batch.product.name, "lot": batch.lot}
        for phone in sorted(phones):
            send_sms(to=phone, text=text, reference=f"recall:{batch.lot}")
        audit.record(
            actor=actor,
            action="trace.recall",
            obj=batch,
            reason=reason,
            after={"recalled": [b.lot for b in recalled], "notices": len(phones)},
        )
    return Recall(batch=batch, recalled=recalled, notices=len(phones))


# --- EPCIS capture -------------------------------------------------------------------------------

# Partners report the journey's movements; what changes a batch (its harvest, packing, mixing,
# inspection, hold or recall) is recorded through trace's own rules, never captured.
CARRIER_STEPS = {
    BizStep.SHIPPING,
    BizStep.RECEIVING,
    BizStep.DEPARTING,
    BizStep.ARRIVING,
    BizStep.ACCEPTING,
    BizStep.STORING,
    BizStep.REMOVING,
}
OFFICE_STEPS = CARRIER_STEPS | {BizStep.STOCKING, BizStep.RETAIL_SELLING}
# Steps that pass goods on towards a buyer: refused for a held batch, as a shipment is.
PASSING_ON_STEPS = {
    BizStep.SHIPPING,
    BizStep.DEPARTING,
    BizStep.ACCEPTING,
    BizStep.REMOVING,
    BizStep.STOCKING,
    BizStep.RETAIL_SELLING,
}


@dataclass
class Capture:
    captured: list[TraceEvent]
    duplicates: list[str]  # event ids already recorded: nothing changed for them


def capture_steps(actor) -> set[str]:
    """The steps a caller may capture: couriers their movements, the county office also
    stocking and sales; anyone else none."""
    if not getattr(actor, "is_authenticated", False):
        return set()
    if actor.manages_reference_data:
        return OFFICE_STEPS
    return CARRIER_STEPS if actor.role == Role.COURIER else set()


def _capture_problems(events, batches: dict, steps: set[str]) -> list[dict]:
    problems = []
    for e in events:
        batch = batches.get((e.gtin, e.lot))
        reason = ""
        if batch is None:
            reason = _("No batch has GTIN %(gtin)s and lot %(lot)s.") % {
                "gtin": e.gtin,
                "lot": e.lot,
            }
        elif e.biz_step not in steps:
            reason = _("You may not capture the step %s.") % e.biz_step
        elif batch.is_held and e.biz_step in PASSING_ON_STEPS:
            reason = _("Batch %s is held: its goods may not be passed on.") % batch.lot
        if reason:
            problems.append({"index": e.index, "field": "", "reason": str(reason)})
    return problems


def capture_events(*, actor, events: list) -> Capture:
    """Record partners' EPCIS events (epcis.read_events has checked their shape) into the
    journey: all of them or none, each once by its eventID (a replay changes nothing)."""
    steps = capture_steps(actor)
    if not steps:
        raise NotAllowed(_("Only the county office and couriers may capture events."))
    source = f"user:{actor.username}"
    try:
        return _capture(actor, events, steps, source)
    except IntegrityError as error:
        # Another capture of the same eventID committed between our look and our write.
        raise Conflict(
            _("The same events are being captured by another request: send them again."),
            code="epcis_concurrent",
        ) from error


def _capture(actor, events, steps, source) -> Capture:
    wanted = {(e.gtin, e.lot) for e in events}
    with transaction.atomic():
        batches = {
            (b.gtin, b.lot): b
            for b in Batch.objects.filter(lot__in={lot for _g, lot in wanted})
            if (b.gtin, b.lot) in wanted
        }
        problems = _capture_problems(events, batches, steps)
        if problems:
            raise InvalidInput(
                _("%d of the events were refused: nothing was captured.") % len(problems),
                details={"problems": problems},
                code="epcis_refused",
            )
        known = set(
            TraceEvent.objects.filter(event_id__in=[e.event_id for e in events]).values_list(
                "event_id", flat=True
            )
        )
        fresh = {e.event_id: e for e in events if e.event_id not in known}.values()
        captured = TraceEvent.objects.bulk_create(
            TraceEvent(
                event_id=e.event_id,
                event_type=EventType.OBJECT,
                batch=batches[(e.gtin, e.lot)],
                biz_step=e.biz_step,
                disposition=e.disposition,
                event_time=e.event_time,
                place=e.place,
                source=source[:40],
            )
            for e in fresh
        )
        for batch in {ev.batch for ev in captured}:
            audit.record(
                actor=actor,
                action="trace.epcis.capture",
                obj=batch,
                after={
                    "source": source,
                    "events": [ev.event_id for ev in captured if ev.batch == batch],
                },
            )
    return Capture(captured=captured, duplicates=sorted(known))
