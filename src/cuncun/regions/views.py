from django.shortcuts import render

from cuncun.core.errors import NotFound
from cuncun.regions import queries


def browse(request, ref: str | None = None):
    """The division browser: county → township → village, limited to what the user may see."""
    unit = queries.find_unit(request.user, ref) if ref else queries.browse_root(request.user)
    if unit is None:
        raise NotFound()
    poor_count, poor_is_demo = queries.poor_village_marking()
    return render(
        request,
        "regions/browse.html",
        {
            "poor_count": poor_count,
            "poor_is_demo": poor_is_demo,
            "unit": unit,
            "ancestors": unit.ancestors(),
            "children": queries.children_with_counts(request.user, unit),
            "summary": queries.level_summary(request.user),
        },
    )
