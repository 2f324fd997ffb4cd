"""Row locks of the network app: always taken in primary-key order so that two transactions
cannot deadlock."""

from django.db import IntegrityError, transaction

from cuncun.network.models import Site, SiteCodeCounter


def lock_site(site_id: int) -> Site:
    return Site.objects.select_for_update().select_related("region").get(pk=site_id)


def lock_code_counter(prefix: str, *, start_after) -> SiteCodeCounter:
    """The counter of a code prefix, locked until the transaction ends; made on first use,
    starting after `start_after()` (the highest number already given)."""
    counter = SiteCodeCounter.objects.select_for_update().filter(prefix=prefix).first()
    if counter is not None:
        return counter
    try:
        # A savepoint: another application may be making the same counter at this moment.
        with transaction.atomic():
            return SiteCodeCounter.objects.create(prefix=prefix, last_number=start_after())
    except IntegrityError:
        return SiteCodeCounter.objects.select_for_update().get(prefix=prefix)
