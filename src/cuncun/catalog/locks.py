"""Row locks of the catalog, in primary-key order. Checkouts do not lock stock rows up front: they
change them with conditional UPDATEs (catalog.services.reserve_stock), which lock each row for the
rest of the transaction, also in primary-key order."""

from cuncun.catalog.models import Stock


def lock_stocks(ids) -> list[Stock]:
    return list(Stock.objects.select_for_update().filter(pk__in=list(ids)).order_by("pk"))
