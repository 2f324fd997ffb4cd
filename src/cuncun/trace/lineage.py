"""The lineage graph of batches: a batch made by mixing or repacking points at its sources
(BatchInput). Walked level by level (one query per level), which stays small: a lot is rarely
more than a few transformations away from its harvest."""

from cuncun.trace.models import Batch, BatchInput


def _walk(start_ids: list[int], *, upstream: bool) -> list[int]:
    seen: set[int] = set()
    frontier = set(start_ids)
    here, there = ("output_id", "source_id") if upstream else ("source_id", "output_id")
    while frontier:
        found = set(
            BatchInput.objects.filter(**{f"{here}__in": frontier}).values_list(there, flat=True)
        )
        frontier = found - seen - set(start_ids)
        seen |= frontier
    return sorted(seen)


def ancestor_ids(batch_id: int) -> list[int]:
    """Every batch this one was made from, directly or through other transformations."""
    return _walk([batch_id], upstream=True)


def descendant_ids(batch_id: int) -> list[int]:
    """Every batch made from this one, directly or through other transformations."""
    return _walk([batch_id], upstream=False)


def harvested_sources(batch: Batch) -> list[Batch]:
    """The batches harvested from a base that this one comes from (itself, if it was)."""
    if batch.base_id:
        return [batch]
    return list(
        Batch.objects.filter(pk__in=ancestor_ids(batch.pk), base__isnull=False)
        .select_related("base__village__parent")
        .order_by("pk")
    )


def origin_text(batch: Batch) -> str:
    """产地 as a certificate prints it: the township and village of each base it comes from."""
    places = []
    for source in harvested_sources(batch):
        village = source.base.village
        place = f"{village.parent.name}{village.name}" if village.parent_id else village.name
        if place not in places:
            places.append(place)
    return "、".join(places)[:200]
