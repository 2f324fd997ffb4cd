"""The carrier event API: carriers' systems send batches of tracking events with their key
(header X-Carrier-Key); couriers and staff, logged in, may send them too. Each event is
idempotent by carrier + waybill + event id (or content hash); each is answered on its own."""

from django.utils.translation import gettext as _
from ninja import Router
from ninja.security import APIKeyHeader, django_auth

from cuncun.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from cuncun.core.ratelimit import count_attempt
from cuncun.logistics import queries, services
from cuncun.logistics.models import EventSource
from cuncun.logistics.schemas import EventBatchIn, EventBatchOut, EventIn, ParcelOut
from cuncun.network.models import Carrier, Site

router = Router(tags=["logistics"])
HEADER = services.HEADER_NAME


class CarrierKey(APIKeyHeader):
    param_name = HEADER

    def authenticate(self, request, key):
        carrier = services.carrier_for_key(key)
        if carrier is not None:
            request.carrier = carrier
        return carrier


def _caller(request):
    """(carrier, actor): a carrier key acts as that carrier; a logged-in user as themselves."""
    carrier = getattr(request, "carrier", None)
    if carrier is not None:
        return carrier, None
    return None, request.user


@router.post(
    "/events/",
    response=EventBatchOut,
    auth=[CarrierKey(), django_auth],
    summary="Send a batch of tracking events",
)
def post_events(request, batch: EventBatchIn):
    """Up to 500 events. The answer has one result per event, in order: `recorded`,
    `duplicate` (already had it: nothing changed), `flagged` (kept for review: the sequence is
    impossible) or `error` (with a code, the HTTP status it would have on its own and a message;
    nothing was written for it)."""
    key_carrier, actor = _caller(request)
    count_attempt("carrier_api", f"carrier:{key_carrier.pk}" if key_carrier else f"user:{actor.pk}")
    if actor is not None and not (
        actor.manages_reference_data or actor.role in services.SCANNING_ROLES
    ):
        raise NotAllowed(_("Your role may not send tracking events."))
    codes = {e.site for e in batch.events if e.site} | {
        e.parcel.point for e in batch.events if e.parcel
    }
    sites = {s.code: s for s in Site.objects.filter(code__in=codes).select_related("region")}
    carriers = {c.code: c for c in Carrier.objects.filter(is_active=True)}
    results, counts = [], {"recorded": 0, "duplicate": 0, "flagged": 0, "error": 0}
    for index, item in enumerate(batch.events):
        try:
            recorded = _one(item, key_carrier, actor, carriers, sites)
            result = {
                "outcome": recorded.outcome,
                "event": recorded.event.pk,
                "status": recorded.parcel.status,
                "message": recorded.event.problem or None,
            }
        except DomainError as error:
            # This event only is refused; the batch goes on (answered 200, event by event).
            result = {
                "outcome": "error",
                "code": error.code,
                "http_status": error.http_status,
                "message": str(error.message),
            }
        counts[result["outcome"]] += 1
        results.append({"index": index, "waybill": item.waybill, **result})
    return {
        "recorded": counts["recorded"],
        "duplicates": counts["duplicate"],
        "flagged": counts["flagged"],
        "errors": counts["error"],
        "results": results,
    }


def _one(item: EventIn, key_carrier, actor, carriers, sites) -> services.Recorded:
    if key_carrier is not None:
        if item.carrier and item.carrier.upper() != key_carrier.code:
            raise NotAllowed(_("A carrier's key sends only that carrier's events."))
        carrier = key_carrier
    else:
        carrier = carriers.get(item.carrier.upper())
        if carrier is None:
            raise InvalidInput(_("unknown carrier %s") % (item.carrier or "—"))
    site = None
    if item.site:
        site = sites.get(item.site)
        if site is None:
            raise InvalidInput(_("unknown site %s") % item.site)
    details = None
    if item.parcel is not None:
        point = sites.get(item.parcel.point)
        if point is None:
            raise InvalidInput(_("unknown service point %s") % item.parcel.point)
        details = services.ParcelDetails(
            point=point,
            direction=item.parcel.direction,
            person_name=item.parcel.name,
            person_phone=item.parcel.phone,
            weight_kg=item.parcel.weight_kg,
            order_ref=item.parcel.order_ref,
        )
    return services.record_event(
        actor=actor,
        carrier=carrier,
        waybill=item.waybill,
        event=services.EventInput(
            kind=item.kind,
            occurred_at=item.occurred_at,
            site=site,
            location=item.location,
            raw_text=item.text,
            event_id=item.event_id,
            delivered_to=item.delivered_to,
            consent_basis=item.consent,
        ),
        source=EventSource.API,
        details=details,
    )


@router.get(
    "/parcels/{carrier}/{waybill}/",
    response=ParcelOut,
    auth=[CarrierKey(), django_auth],
    summary="A parcel and its tracking events",
)
def get_parcel(request, carrier: str, waybill: str):
    key_carrier, actor = _caller(request)
    if key_carrier is not None:
        if carrier.upper() != key_carrier.code:
            raise NotFound()
        parcel = queries.carrier_parcel(key_carrier, waybill)
    else:
        found = [
            p for p in queries.find_by_waybill(actor, waybill) if p.carrier.code == carrier.upper()
        ]
        if not found:
            raise NotFound(details={"waybill": waybill})
        parcel = queries.parcel_for(actor, found[0].pk)
    return {
        "carrier": parcel.carrier.code,
        "waybill": parcel.waybill,
        "direction": parcel.direction,
        "point": parcel.point.code,
        "status": parcel.status,
        "status_at": parcel.status_at,
        "recipient": parcel.masked_name,
        "order_ref": parcel.order_ref,
        "events": [
            {
                "kind": e.kind,
                "occurred_at": e.occurred_at,
                "site": e.site.code if e.site else None,
                "location": e.location,
                "text": e.raw_text,
                "state": e.state,
                "problem": e.problem,
            }
            for e in parcel.events.all()
        ],
    }


routes = [("/logistics/", router)]
