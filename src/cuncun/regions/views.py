from django.shortcuts import render

from cuncun.core.errors import NotFound
from cuncun.regions import queries


def browse(request, ref: str | None = None):
    """The division browser: county → township → village, limited to what the user may see."""
    unit = queries.find_unit(request.user, ref) if ref else queries.browse_root(request.user)
    if unit is None:
        raise NotFound()
    return render(
        request,
        "regions/browse.html",
        {
            "unit": unit,
            "ancestors": unit.ancestors(),
            "children": queries.children_with_counts(request.user, unit),
            "summary": queries.level_summary(request.user),
        },
    )
