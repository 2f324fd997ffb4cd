"""Row locks of the network app: always taken in primary-key order so that two transactions
cannot deadlock."""

from cuncun.network.models import Site


def lock_site(site_id: int) -> Site:
    return Site.objects.select_for_update().select_related("region").get(pk=site_id)
