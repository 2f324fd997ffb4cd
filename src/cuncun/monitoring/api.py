from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from cuncun.core.errors import InvalidInput, NotFound
from cuncun.core.indicators import registry
from cuncun.monitoring.schemas import IndicatorOut, IndicatorValueOut
from cuncun.plans.progress import evaluate
from cuncun.regions.queries import browse_root, find_unit

router = Router(tags=["indicators"])


@router.get("/", response=list[IndicatorOut], summary="The program indicators")
def list_indicators(request):
    return [
        {"code": i.code, "name": str(i.name), "unit": i.unit, "description": str(i.description)}
        for i in registry.all()
    ]


@router.get("/{code}/", response=IndicatorValueOut, summary="An indicator for a region and a day")
def indicator_value(request, code: str, region: str | None = None, on: str | None = None):
    """`region`: division code or id (default: the caller's area, or the county);
    `on`: YYYY-MM-DD (default today). `met` compares with the plan's target in force that day."""
    unit = find_unit(request.user, region) if region else browse_root(request.user)
    if unit is None:
        raise NotFound(_("No divisions are loaded yet."), details={"region": region})
    return evaluate(code, unit, _parse_day(on)).as_dict()


def _parse_day(value: str | None) -> date:
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise InvalidInput(_("on must be a date as YYYY-MM-DD"), details={"on": value}) from error


routes = [("/indicators/", router)]
