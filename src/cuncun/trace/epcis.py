"""EPCIS 2.0 JSON-LD for a batch's journey: trace's event log written out as an EPCISDocument,
and partners' EPCIS events read in (capture). Only what the public trace page shows goes out:
what (the lot as a GS1 Digital Link), when, where (a place's name), why (CBV step and
disposition); no order, waybill or person.

What is read in is checked here into plain `Captured` values, every problem of the document
listed at once; the rules of who may capture what are in services.capture_events."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cuncun.core.errors import InvalidInput
from cuncun.trace import gs1
from cuncun.trace.models import Batch, BatchInput, BizStep, EventType, TraceEvent

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SCHEMA_VERSION = "2.0"
# The county's own extension: a place's name as a person reads it (bizLocation ids are URIs).
EXTENSION_PREFIX = "cuncun"
PLACE = f"{EXTENSION_PREFIX}:place"
# CBV 2.0 names its steps and dispositions as bare words, as URIs, or as EPCIS 1.x URNs.
BIZ_STEP_PREFIXES = ("https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:")
DISPOSITION_PREFIXES = ("https://ref.gs1.org/cbv/Disp-", "urn:epcglobal:cbv:disp:")
MAX_EVENTS = 500
# trace's own steps that CBV 2.0 has no word for, written as the nearest CBV step: a mix creates
# (commissions) a new lot; a recall holds the lot, its disposition `recalled` says why.
CBV_STEP = {BizStep.TRANSFORMING: "commissioning", BizStep.RECALLING: "holding"}


def extension_namespace(root: str) -> str:
    return f"{root.rstrip('/')}/epcis/"


# --- out: a batch's events as an EPCISDocument ---------------------------------------------------


def _time(moment: datetime) -> tuple[str, str]:
    """The event's time with the offset of the county's clock, as EPCIS wants both."""
    local = timezone.localtime(moment)
    offset = local.strftime("%z")
    return local.isoformat(), f"{offset[:3]}:{offset[3:]}"


def _object_event(event: TraceEvent, lot_uri: str) -> dict:
    return {
        "type": EventType.OBJECT,
        "action": "ADD" if event.biz_step == BizStep.COMMISSIONING else "OBSERVE",
        "quantityList": [{"epcClass": lot_uri}],
    }


def _transformation_event(event: TraceEvent, lot_uri: str, sources: list[tuple[str, str]]) -> dict:
    return {
        "type": EventType.TRANSFORMATION,
        "inputQuantityList": [{"epcClass": uri, "quantity": float(q)} for uri, q in sources],
        "outputQuantityList": [{"epcClass": lot_uri}],
    }


def _event(event: TraceEvent, lot_uri: str, sources) -> dict:
    when, offset = _time(event.event_time)
    shaped = (
        _transformation_event(event, lot_uri, sources)
        if event.event_type == EventType.TRANSFORMATION
        else _object_event(event, lot_uri)
    )
    shaped.update(
        eventID=event.event_id,
        eventTime=when,
        eventTimeZoneOffset=offset,
        bizStep=CBV_STEP.get(event.biz_step, event.biz_step),
        disposition=event.disposition,
    )
    if event.place:
        shaped[PLACE] = event.place
    return shaped


def batch_document(batch: Batch, root: str) -> dict:
    """The EPCISDocument of a batch's journey; `root` is the resolver's domain
    (`https://trace.example.cn`), so every lot is named by the URI its QR carries."""
    lot_uri = gs1.build(batch.gtin, batch.lot).uri(root)
    sources = [
        (gs1.build(edge.source.gtin, edge.source.lot).uri(root), edge.quantity)
        for edge in BatchInput.objects.filter(output=batch).select_related("source").order_by("pk")
    ]
    events = TraceEvent.objects.filter(batch=batch).order_by("event_time", "id")
    return {
        "@context": [CONTEXT, {EXTENSION_PREFIX: extension_namespace(root)}],
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": timezone.localtime().isoformat(),
        "epcisBody": {"eventList": [_event(e, lot_uri, sources) for e in events]},
    }


# --- in: partners' events ------------------------------------------------------------------------


@dataclass(frozen=True)
class Captured:
    """One event read from a partner's document, checked for shape (not yet for rules)."""

    index: int
    event_id: str
    gtin: str
    lot: str
    biz_step: str
    disposition: str
    event_time: datetime
    place: str


class InvalidEpcis(InvalidInput):
    code = "invalid_epcis"


def _problem(index, field: str, reason: str) -> dict:
    return {"index": index, "field": field, "reason": str(reason)}


def _bare(value, prefixes) -> str:
    value = value if isinstance(value, str) else ""
    for prefix in prefixes:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def _what(event: dict) -> list[str]:
    """The URIs an ObjectEvent names: its EPCs and its quantity elements' classes."""
    epcs = event.get("epcList") if isinstance(event.get("epcList"), list) else []
    quantities = event.get("quantityList") if isinstance(event.get("quantityList"), list) else []
    classes = [q.get("epcClass") for q in quantities if isinstance(q, dict)]
    return [uri for uri in [*epcs, *classes] if isinstance(uri, str)]


def _read_event(index: int, event, problems: list[dict]) -> Captured | None:
    """One event, or None with its problems appended."""
    before = len(problems)
    if not isinstance(event, dict):
        problems.append(_problem(index, "", _("An event is a JSON object.")))
        return None
    if event.get("type") != EventType.OBJECT:
        problems.append(
            _problem(
                index, "type", _("Only ObjectEvents are captured; mixing is recorded in trace.")
            )
        )
    event_id = event.get("eventID")
    if not isinstance(event_id, str) or ":" not in event_id or len(event_id) > 120:
        problems.append(
            _problem(
                index, "eventID", _("Give each event an eventID: a URI of 120 characters at most.")
            )
        )
    if event.get("action") not in {"ADD", "OBSERVE", "DELETE"}:
        problems.append(_problem(index, "action", _("action is ADD, OBSERVE or DELETE.")))
    when = event.get("eventTime")
    moment = parse_datetime(when) if isinstance(when, str) else None
    if moment is None or timezone.is_naive(moment):
        problems.append(
            _problem(index, "eventTime", _("eventTime is a date and time with its offset."))
        )
    step = _bare(event.get("bizStep"), BIZ_STEP_PREFIXES)
    if step not in dict(BizStep.choices):
        problems.append(_problem(index, "bizStep", _("This business step is not one trace knows.")))
    links = []
    for uri in _what(event):
        try:
            links.append(gs1.parse(uri.split("://", 1)[-1].partition("/")[2]))
        except gs1.NotADigitalLink as error:
            problems.append(_problem(index, "epcClass", error))
    if len(set(links)) != 1 and len(problems) == before:
        problems.append(
            _problem(index, "quantityList", _("Name exactly one lot, by its GS1 Digital Link URI."))
        )
    place = event.get(PLACE, "")
    if not isinstance(place, str) or len(place) > 120:
        problems.append(_problem(index, PLACE, _("A place's name has 120 characters at most.")))
    if len(problems) > before:
        return None
    return Captured(
        index=index,
        event_id=event_id,
        gtin=links[0].gtin,
        lot=links[0].lot,
        biz_step=step,
        disposition=_bare(event.get("disposition"), DISPOSITION_PREFIXES)[:30],
        event_time=moment,
        place=place.strip(),
    )


def read_events(document) -> list[Captured]:
    """The events of an EPCISDocument (or of one bare event), every problem reported at once."""
    if isinstance(document, dict) and document.get("type") == "EPCISDocument":
        events = (document.get("epcisBody") or {}).get("eventList")
    else:
        events = [document]
    if not isinstance(events, list) or not events:
        raise InvalidEpcis(_("Send an EPCISDocument with its epcisBody.eventList, or one event."))
    if len(events) > MAX_EVENTS:
        raise InvalidEpcis(_("Send at most %d events at once.") % MAX_EVENTS)
    problems: list[dict] = []
    captured = [_read_event(i, e, problems) for i, e in enumerate(events)]
    if problems:
        raise InvalidEpcis(
            _("%d of the events are not valid: nothing was captured.")
            % len({p["index"] for p in problems}),
            details={"problems": problems},
        )
    return captured
