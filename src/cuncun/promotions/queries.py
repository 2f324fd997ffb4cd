"""Reads of promotions: the offers in force for a checkout, the vouchers a buyer may choose, the
campaigns shown on the market front."""

from django.db import connection
from django.db.models import F, Prefetch, Q
from django.utils.translation import gettext as _

from cuncun.core.errors import InvalidInput
from cuncun.promotions.models import Campaign, CampaignItem, VoucherBatch
from cuncun.promotions.pricing import VoucherTerms


def offers_in_force(sku_ids, now) -> dict[int, CampaignItem]:
    """The campaign item of each SKU whose campaign runs at `now` (one query; a SKU is in one
    campaign at a time). Its campaign is not read with it: whoever shows the campaign reads it
    (`prefetch_related_objects`).

    Written in SQL because it runs on every checkout of a flash sale, where building it through
    the ORM (a join and three conditions) cost three times the database's work; the rows are
    still model instances. Nothing is decided on this read alone: the checkout's conditional
    UPDATE (`take_for_checkout`) checks the price and limit again."""
    sku_ids = [int(pk) for pk in sku_ids]
    if not sku_ids:
        return {}
    at = connection.ops.adapt_datetimefield_value(now)
    items = CampaignItem.objects.raw(
        f"SELECT i.* FROM {CampaignItem._meta.db_table} i "
        f"JOIN {Campaign._meta.db_table} c ON c.id = i.campaign_id "
        f"WHERE i.sku_id IN ({', '.join(['%s'] * len(sku_ids))}) "
        "AND c.cancelled_at IS NULL AND c.starts_at <= %s AND c.ends_at > %s",
        [*sku_ids, at, at],
    )
    return {item.sku_id: item for item in items}


def vouchers_chosen(voucher_ids, now) -> list[VoucherBatch]:
    """The batches a buyer chose for a checkout, each valid now; InvalidInput names the others."""
    ids = sorted({int(pk) for pk in voucher_ids})
    if not ids:
        return []
    batches = {b.pk: b for b in VoucherBatch.objects.filter(pk__in=ids)}
    problems = []
    for pk in ids:
        batch = batches.get(pk)
        if batch is None:
            problems.append(_("voucher %s does not exist") % pk)
        elif not batch.starts_at <= now < batch.ends_at:
            problems.append(_("%s is not valid now") % batch.name)
        elif batch.left <= 0:
            problems.append(_("%s has run out") % batch.name)
    if problems:
        raise InvalidInput("; ".join(problems), details={"problems": problems})
    return [batches[pk] for pk in ids]


def terms_of(batch: VoucherBatch) -> VoucherTerms:
    return VoucherTerms(
        id=batch.pk,
        name=batch.name,
        funder=batch.funder,
        kind=batch.kind,
        amount=batch.amount,
        threshold=batch.threshold,
        merchant_id=batch.merchant_id,
        with_festival_prices=batch.with_festival_prices,
    )


def vouchers_open(now, merchant_ids=None):
    """Vouchers valid now with budget left: the program's, and those of these merchants."""
    rows = VoucherBatch.objects.filter(starts_at__lte=now, ends_at__gt=now, spent__lt=F("budget"))
    if merchant_ids is not None:
        rows = rows.filter(Q(merchant__isnull=True) | Q(merchant_id__in=list(merchant_ids)))
    return rows.select_related("merchant").order_by("merchant_id", "amount", "id")


def market_campaigns(now):
    """Campaigns running or to come, with their goods, for the market front's countdown."""
    return (
        Campaign.objects.coming_or_running(now)
        .order_by("starts_at", "id")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=CampaignItem.objects.select_related("sku__product"),
            )
        )
    )
