"""Reads of the division tree, always from what the actor may see."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from cuncun.core.errors import NotFound, OutOfScope
from cuncun.regions.models import GroupCode, Kind, Level, RegionUnit, UnitGroupMembership


def visible_units(user):
    return RegionUnit.objects.visible_to(user)


def browse_root(user) -> RegionUnit | None:
    """Where a person's division browser starts: their own area, or the county for the public."""
    units = visible_units(user)
    return units.order_by("path").first()


def find_unit(user, ref: str | int) -> RegionUnit:
    """A unit by its division code or id, if the user may see it."""
    ref = str(ref).strip()
    unit = RegionUnit.objects.filter(code=ref).first()
    if unit is None and ref.isdigit():
        unit = RegionUnit.objects.filter(pk=int(ref)).first()
    if unit is None:
        raise NotFound(_("There is no division %s.") % ref, details={"region": ref})
    if not visible_units(user).filter(pk=unit.pk).exists():
        # Divisions are public facts, so saying that it exists but is not yours leaks nothing.
        raise OutOfScope(
            _("%s is outside the area you are responsible for.") % unit.name,
            details={"region": ref},
        )
    return unit


def children_with_counts(user, unit: RegionUnit):
    """The unit's children, each with its number of villages and of administrative villages."""
    return (
        visible_units(user)
        .filter(parent=unit)
        .annotate(
            village_count=Count("children", distinct=True),
            administrative_village_count=Count(
                "children", filter=Q(children__kind=Kind.ADMINISTRATIVE_VILLAGE), distinct=True
            ),
            is_poor=Count("memberships", filter=Q(memberships__group__code=GroupCode.POOR_VILLAGE)),
        )
        .order_by("path")
    )


def poor_village_marking() -> tuple[int, bool]:
    """How many villages are marked poor, and whether any of the marks are demo data (the page
    then says so, whatever mode the server runs in)."""
    marks = UnitGroupMembership.objects.filter(group__code=GroupCode.POOR_VILLAGE)
    return marks.count(), marks.filter(is_demo=True).exists()


def level_summary(user) -> dict[str, int]:
    units = visible_units(user)
    return {
        "townships": units.filter(level=Level.TOWNSHIP).count(),
        "villages": units.filter(level=Level.VILLAGE).count(),
        "administrative_villages": units.filter(kind=Kind.ADMINISTRATIVE_VILLAGE).count(),
        "communities": units.filter(kind=Kind.COMMUNITY).count(),
    }
