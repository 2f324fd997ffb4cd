"""Demo merchants: ten invented businesses of 景洪's townships (the names are fictional), one of
them owned by the demo user `merchant`, two farmers represented by the demo operator. Safe to run
twice."""

from datetime import date

from django.db import transaction

from cuncun.accounts.models import User
from cuncun.core.personal import id_check_char
from cuncun.merchants.models import Merchant, MerchantKind, Platform, Tenancy
from cuncun.merchants.services import (
    MerchantDetails,
    record_tenancy,
    record_tenant_service,
    register_merchant,
    request_park_support,
)
from cuncun.network.models import Site, SiteKind
from cuncun.regions.models import Level, RegionUnit

K = MerchantKind
# name, kind, "township" or "township/village", owner, represented by, flags, outside shops
DEMO_MERCHANTS = [
    ("刘家茶园", K.FAMILY_FARM, "勐龙镇/曼栋村委会", "merchant", "", {}, []),
    (
        "版纳山韵茶业有限公司",
        K.ENTERPRISE,
        "允景洪街道",
        "",
        "",
        {"is_incubated": True, "incubated_since": date(2017, 3, 1), "is_park_tenant": True},
        [(Platform.TMALL, "shanyuntea", "https://shanyuntea.tmall.com")],
    ),
    (
        "基诺山小粒咖啡专业合作社",
        K.COOPERATIVE,
        "基诺山基诺族乡",
        "",
        "",
        {"is_incubated": True, "incubated_since": date(2017, 5, 10)},
        [(Platform.JD, "10086321", "https://mall.jd.com/index-10086321.html")],
    ),
    (
        "嘎洒热带水果家庭农场",
        K.FAMILY_FARM,
        "嘎洒镇/曼勉村委会",
        "",
        "",
        {},
        [(Platform.PINDUODUO, "pdd-880231", "")],
    ),
    ("勐罕菠萝种植专业合作社", K.COOPERATIVE, "勐罕镇", "", "", {}, []),
    (
        "岩温（演示）",
        K.FARMER,
        "嘎洒镇/曼达村委会",
        "",
        "operator",
        {"is_poverty_registered": True},
        [],
    ),
    (
        "玉香（演示）",
        K.FARMER,
        "嘎洒镇/曼达村委会",
        "",
        "operator",
        {"is_poverty_registered": True},
        [],
    ),
    (
        "版纳农家干货小店",
        K.ONLINE_SHOP,
        "允景洪街道",
        "",
        "",
        {"is_park_tenant": True},
        [(Platform.WECHAT, "wx-banna-ganhuo", ""), (Platform.TAOBAO, "bannaganhuo", "")],
    ),
    ("景洪村村日用百货批发部", K.ENTERPRISE, "允景洪街道", "", "", {}, []),
    ("勐养生态蜂蜜家庭农场", K.FAMILY_FARM, "勐养镇", "", "", {}, []),
]


def _region(ref: str) -> RegionUnit:
    township, _, village = ref.partition("/")
    unit = RegionUnit.objects.get(level=Level.TOWNSHIP, name=township)
    return unit.children.get(name=village) if village else unit


def _demo_id(n: int) -> str:
    first17 = f"5328011980010{n:03d}1"
    return first17 + id_check_char(first17)


def load_demo() -> None:
    users = {u.username: u for u in User.objects.filter(username__in=["merchant", "operator"])}
    with transaction.atomic():
        for n, (name, kind, where, owner, rep, flags, shops) in enumerate(DEMO_MERCHANTS, 1):
            if Merchant.objects.filter(name=name, is_demo=True).exists():
                continue
            represented_by = users.get(rep) if rep else None
            if rep and represented_by is None:
                continue  # the demo operator is not there: skip the farmers they represent
            individual = kind in K.INDIVIDUAL
            register_merchant(
                actor=None,
                details=MerchantDetails(
                    name=name,
                    kind=kind,
                    region=_region(where),
                    contact_name="" if kind == K.FARMER else f"联系人{n}（演示）",
                    contact_phone="" if kind == K.FARMER else f"1390001{n:04d}",
                    id_number=_demo_id(n) if individual else "",
                    owner=users.get(owner) if owner else None,
                    represented_by=represented_by,
                    description="演示数据：虚构的商家。",
                    is_demo=True,
                    platform_shops=[
                        {"platform": p, "shop_id": shop_id, "url": url} for p, shop_id, url in shops
                    ],
                    **flags,
                ),
            )
    load_demo_tenancies()


# Tenants of the demo's incubation center (fictional businesses above): name, programme, space,
# moved in, services delivered (kind, day).
DEMO_TENANTS = [
    (
        "版纳山韵茶业有限公司",
        "incubation",
        "A区201室 60㎡",
        date(2017, 3, 1),
        [("shop_setup", date(2017, 3, 8)), ("photography", date(2017, 3, 20))],
    ),
    (
        "基诺山小粒咖啡专业合作社",
        "incubation",
        "A区203室 40㎡",
        date(2017, 5, 10),
        [("training", date(2017, 5, 20))],
    ),
    (
        "勐罕菠萝种植专业合作社",
        "incubation",
        "A区205室 40㎡",
        date(2017, 4, 1),
        [("warehousing", date(2017, 6, 1)), ("consultation", date(2017, 6, 12))],
    ),
    (
        "勐养生态蜂蜜家庭农场",
        "incubation",
        "B区102室 30㎡",
        date(2017, 4, 15),
        [("photography", date(2017, 5, 2))],
    ),
    (
        "版纳农家干货小店",
        "park",
        "园区仓储间3号 80㎡",
        date(2017, 6, 1),
        [("warehousing", date(2017, 6, 5))],
    ),
]


def load_demo_tenancies() -> None:
    """The demo's tenants at the incubation center (run after the network's demo made it)."""
    center = Site.objects.filter(kind=SiteKind.INCUBATOR, is_demo=True).first()
    if center is None or Tenancy.objects.filter(is_demo=True).exists():
        return
    with transaction.atomic():
        for name, programme, space, moved_in, services in DEMO_TENANTS:
            merchant = Merchant.objects.filter(name=name, is_demo=True).first()
            if merchant is None:
                continue
            tenancy = record_tenancy(
                actor=None,
                site=center,
                merchant=merchant,
                programme=programme,
                space=space,
                lease_from=moved_in,
                lease_to=moved_in.replace(year=moved_in.year + 3),
                is_demo=True,
            )
            for kind, day in services:
                record_tenant_service(actor=None, tenancy=tenancy, kind=kind, delivered_on=day)
        # The center asks the special fund to fit out its live-streaming room: it waits on the
        # fund's page for the proposers to take it into the budget or decline it.
        request_park_support(
            actor=None,
            site=center,
            purpose="直播间与产品拍摄室装修（演示数据）",
            total_investment="400000",
            amount="150000",
            on=date(2017, 6, 1),
        )
