"""Row locks of the logistics app. A service that locks a site (network.locks.lock_site) locks it
before any parcel, and parcels in primary-key order, so two transactions cannot deadlock."""

from cuncun.logistics.models import Parcel


def lock_parcel(parcel_id: int) -> Parcel:
    return (
        Parcel.objects.select_for_update(of=("self",))
        .select_related("carrier", "point", "point__region", "region", "pickup_site")
        .get(pk=parcel_id)
    )
