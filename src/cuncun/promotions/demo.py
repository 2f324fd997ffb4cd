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


def load_demo() -> None:
    county = RegionUnit.objects.filter(level=Level.COUNTY).first()
    if county is None or Campaign.objects.filter(name=FESTIVAL).exists():
        return
    now = timezone.now()
    campaign = create_campaign(
        actor=None,
        name=FESTIVAL,
        kind=CampaignKind.FESTIVAL,
        region=county,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=6),
        description="全市农产品网络促销",
    )
    merchant = None
    for name, price, limit, units in GOODS:
        sku = Sku.objects.filter(product__name=name, product__is_demo=True).first()
        if sku is None:
            continue
        merchant = sku.product.merchant
        join_campaign(
            actor=None,
            campaign=campaign,
            sku=sku,
            festival_price=price,
            per_buyer_limit=limit,
            set_aside=min(units, sum(s.available for s in sku.stocks.all())),
        )
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
