"""Demo campaign: the county's 双十二 shopping festival running now, the tea garden's goods in it
at festival prices and a shop voucher. Its program vouchers (¥5 off, a free pickup) are paid from
a line of the special fund, so the fund's demo issues them once that line is in the budget. Safe
to run twice (nothing is made again if the festival is there)."""

from datetime import timedelta

from django.utils import timezone

from cuncun.catalog.models import Sku
from cuncun.promotions.models import Campaign, CampaignKind
from cuncun.promotions.services import (
    VoucherTermsInput,
    create_campaign,
    issue_vouchers,
    join_campaign,
)
from cuncun.regions.models import Level, RegionUnit

FESTIVAL = "双十二网络购物节（演示数据）"
# (product, festival price, per buyer, units set aside)
GOODS = [("普洱熟茶散茶", "48", 5, 40), ("滇红古树红茶", "69", 3, 20)]


def county_festival(*, actor, name, description, starts_at, ends_at, goods):
    """A county-wide festival of demo goods ((product, festival price, per buyer, units set
    aside), each joined by its seller); None when there is no county yet or it is already there.
    Also the orders demo's past festival."""
    county = RegionUnit.objects.filter(level=Level.COUNTY).first()
    if county is None or Campaign.objects.filter(name=name).exists():
        return None
    campaign = create_campaign(
        actor=actor,
        name=name,
        kind=CampaignKind.FESTIVAL,
        region=county,
        starts_at=starts_at,
        ends_at=ends_at,
        description=description,
    )
    for product, price, limit, units in goods:
        sku = demo_sku(product)
        if sku is not None:
            join_campaign(
                actor=None,
                campaign=campaign,
                sku=sku,
                festival_price=price,
                per_buyer_limit=limit,
                set_aside=min(units, sum(s.available for s in sku.stocks.all())),
            )
    return campaign


def demo_sku(product_name: str) -> Sku | None:
    return (
        Sku.objects.filter(product__name=product_name, product__is_demo=True).order_by("pk").first()
    )


def load_demo() -> None:
    now = timezone.now()
    campaign = county_festival(
        actor=None,
        name=FESTIVAL,
        description="全市农产品网络促销",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=6),
        goods=GOODS,
    )
    if campaign is None:
        return
    sku = demo_sku(GOODS[0][0])
    merchant = sku.product.merchant if sku is not None else None
    window = {"starts_at": now - timedelta(days=1), "ends_at": now + timedelta(days=6)}
    if merchant is not None:
        issue_vouchers(
            actor=None,
            merchant=merchant,
            terms=VoucherTermsInput(
                name="刘家茶园满100减10",
                kind="threshold",
                amount="10",
                threshold="100",
                budget="500",
                with_festival_prices=True,
                campaign=campaign,
                **window,
            ),
        )
