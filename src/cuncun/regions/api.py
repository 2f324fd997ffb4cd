from django.utils.translation import gettext as _
from ninja import Router

from cuncun.core.errors import InvalidInput
from cuncun.regions import queries
from cuncun.regions.models import Level
from cuncun.regions.schemas import RegionList

router = Router(tags=["regions"])


@router.get("/", response=RegionList, summary="Divisions the caller may see")
def list_regions(request, level: str | None = None, parent: str | None = None):
    """Filter by `level` (county | township | village) and `parent` (division code or id)."""
    units = queries.visible_units(request.user).select_related("parent")
    if level is not None:
        if level not in Level.order:
            raise InvalidInput(
                _("level must be one of: %s") % ", ".join(Level.order), details={"level": level}
            )
        units = units.filter(level=level)
    if parent is not None:
        units = units.filter(parent=queries.find_unit(request.user, parent))
    items = list(units.order_by("path"))
    return {"count": len(items), "items": items}


routes = [("/regions/", router)]
