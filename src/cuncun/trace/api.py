"""trace's API: a batch's journey as EPCIS 2.0 JSON-LD (public, as its trace page is), and the
capture of partners' EPCIS events (couriers and the county office, logged in). Errors are
`{"code", "message", "details"}`; a refused capture lists its problems by event."""

import json

from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Router
from ninja.security import django_auth

from cuncun.core.errors import InvalidInput, NotFound
from cuncun.trace import epcis, services
from cuncun.trace.models import Batch

router = Router(tags=["trace"])
routes = [("/trace/", router)]
EPCIS_JSON_LD = "application/ld+json"


def _root(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@router.get("/batches/{lot}/epcis", summary="A batch's events as an EPCIS 2.0 document")
def batch_epcis(request, lot: str):
    """The EPCISDocument (JSON-LD) of the lot's journey: every event trace recorded for it, the
    lot named by its GS1 Digital Link URI; no order, waybill or person."""
    batch = Batch.objects.filter(lot=lot).first()
    if batch is None:
        raise NotFound(_("No batch has the lot %s.") % lot)
    return JsonResponse(
        epcis.batch_document(batch, _root(request)),
        content_type=EPCIS_JSON_LD,
        json_dumps_params={"ensure_ascii": False},
    )


@router.post(
    "/epcis/capture",
    auth=django_auth,
    summary="Capture partners' EPCIS events",
)
def capture(request):
    """An EPCISDocument (or one event) of ObjectEvents naming a lot by its Digital Link URI.
    All are captured or none; an eventID already captured is a duplicate and changes nothing.
    Couriers capture their movements (shipping … removing); the county office also stocking and
    retail_selling."""
    try:
        document = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput(
            _("The body is not JSON."), code="invalid_json", details={"error": str(error)}
        ) from error
    events = epcis.read_events(document)
    done = services.capture_events(actor=request.user, events=events)
    return {
        "captured": [e.event_id for e in done.captured],
        "duplicates": done.duplicates,
    }
