"""代购 mode: the villager a point's operator chose is kept in the session, so the market, the
cart and the checkout all carry it until the order is placed or the operator ends it."""

from cuncun.orders import queries

ASSISTED_VILLAGER = "assisted_villager"  # session key: that villager's id


def assisted_villager(request):
    pk = request.session.get(ASSISTED_VILLAGER)
    if pk is None or not request.user.is_authenticated:
        return None
    return queries.assisted_villager(request.user, pk)


def assisted(request):
    """For the layout's 代购 bar, shown on every page while the mode is on."""
    return {"assisted_villager": assisted_villager(request)}
