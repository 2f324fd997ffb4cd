"""Demo catalog: categories, 30+ products of 西双版纳 (tea, coffee, tropical fruit, purple rice,
dendrobium, dried goods, honey) and goods sold into the villages, with seasons and stock at the
county warehouse and some village points. Prices are plausible, not quoted. Safe to run twice."""

from django.db import transaction

from cuncun.catalog.models import Category, CategoryKind, Product, Unit
from cuncun.catalog.services import (
    ProductDetails,
    SkuDetails,
    create_product,
    ensure_category,
    set_stock,
)
from cuncun.merchants.models import Merchant
from cuncun.network.models import PickupMode, Site, SiteKind

F, C, S = CategoryKind.FARM_PRODUCT, CategoryKind.CONSUMER_GOODS, CategoryKind.SERVICE
CATEGORIES = [
    ("farm", "农特产品", F, None),
    ("tea", "普洱茶·红茶", F, "farm"),
    ("coffee", "小粒咖啡", F, "farm"),
    ("fruit", "热带水果", F, "farm"),
    ("grain", "米面粮油", F, "farm"),
    ("herbs", "南药·石斛", F, "farm"),
    ("dried", "干货特产", F, "farm"),
    ("honey", "蜂产品", F, "farm"),
    ("goods", "日用消费品", C, None),
    ("daily", "日用百货", C, "goods"),
    ("food", "食品饮料", C, "goods"),
    ("inputs", "农资农具", C, "goods"),
    ("services", "便民服务", S, None),
]
J, KG, BOX, PC = Unit.JIN, Unit.KG, Unit.BOX, Unit.PIECE
# merchant, category, name, origin ("township/village"), seasons, SKUs (unit, price, variant,
# grade, kg)
PRODUCTS = [
    (
        "刘家茶园",
        "tea",
        "勐龙古树普洱生茶饼",
        "勐龙镇/曼栋村委会",
        (),
        [(PC, "168", "357克/饼", "一级", "0.357"), (BOX, "1120", "7饼/提", "一级", "2.5")],
    ),
    (
        "刘家茶园",
        "tea",
        "普洱熟茶散茶",
        "勐龙镇/曼栋村委会",
        (),
        [(J, "60", "500克", "二级", "0.5")],
    ),
    (
        "刘家茶园",
        "tea",
        "滇红古树红茶",
        "勐龙镇/曼栋村委会",
        (),
        [(PC, "88", "250克/罐", "特级", "0.25")],
    ),
    (
        "刘家茶园",
        "tea",
        "春茶头采毛茶",
        "勐龙镇/曼栋村委会",
        ((301, 531),),
        [(J, "120", "500克", "特级", "0.5")],
    ),
    ("版纳山韵茶业有限公司", "tea", "普洱茶礼盒", "", (), [(BOX, "398", "2饼装礼盒", "", "0.8")]),
    ("版纳山韵茶业有限公司", "tea", "小青柑普洱", "", (), [(PC, "68", "10颗/罐", "", "0.15")]),
    (
        "基诺山小粒咖啡专业合作社",
        "coffee",
        "小粒咖啡熟豆",
        "基诺山基诺族乡",
        (),
        [(PC, "78", "500克/袋", "精品", "0.5")],
    ),
    (
        "基诺山小粒咖啡专业合作社",
        "coffee",
        "挂耳咖啡",
        "基诺山基诺族乡",
        (),
        [(BOX, "49", "10包/盒", "", "0.1")],
    ),
    (
        "基诺山小粒咖啡专业合作社",
        "coffee",
        "咖啡生豆",
        "基诺山基诺族乡",
        ((1101, 331),),
        [(KG, "42", "5千克起", "A级", "1")],
    ),
    (
        "嘎洒热带水果家庭农场",
        "fruit",
        "象牙芒",
        "嘎洒镇/曼勉村委会",
        ((501, 831),),
        [(BOX, "59", "5斤/箱", "大果", "2.5")],
    ),
    (
        "嘎洒热带水果家庭农场",
        "fruit",
        "香蕉",
        "嘎洒镇/曼勉村委会",
        (),
        [(BOX, "39", "10斤/箱", "", "5")],
    ),
    (
        "嘎洒热带水果家庭农场",
        "fruit",
        "百香果",
        "嘎洒镇/曼勉村委会",
        ((701, 1231),),
        [(J, "9.9", "", "", "0.5")],
    ),
    (
        "嘎洒热带水果家庭农场",
        "fruit",
        "红心火龙果",
        "嘎洒镇/曼勉村委会",
        ((601, 1130),),
        [(BOX, "45", "5斤/箱", "", "2.5")],
    ),
    (
        "嘎洒热带水果家庭农场",
        "fruit",
        "沃柑",
        "嘎洒镇/曼勉村委会",
        ((1201, 331),),
        [(BOX, "49", "9斤/箱", "", "4.5")],
    ),
    (
        "勐罕菠萝种植专业合作社",
        "fruit",
        "勐罕菠萝",
        "勐罕镇",
        ((1201, 630),),
        [(BOX, "36", "4个/箱", "", "5")],
    ),
    (
        "勐罕菠萝种植专业合作社",
        "fruit",
        "凤梨",
        "勐罕镇",
        ((101, 531),),
        [(J, "6.8", "", "", "0.5")],
    ),
    (
        "岩温（演示）",
        "grain",
        "曼达紫米",
        "嘎洒镇/曼达村委会",
        (),
        [(J, "12", "", "", "0.5"), (BOX, "110", "10斤/箱", "", "5")],
    ),
    ("岩温（演示）", "grain", "傣家香糯米", "嘎洒镇/曼达村委会", (), [(J, "9", "", "", "0.5")]),
    (
        "玉香（演示）",
        "herbs",
        "铁皮石斛鲜条",
        "嘎洒镇/曼达村委会",
        ((901, 430),),
        [(J, "160", "", "", "0.5")],
    ),
    (
        "玉香（演示）",
        "herbs",
        "石斛枫斗",
        "嘎洒镇/曼达村委会",
        (),
        [(PC, "198", "50克/盒", "", "0.05")],
    ),
    ("版纳农家干货小店", "dried", "傣味牛肉干", "", (), [(PC, "45", "250克/袋", "", "0.25")]),
    ("版纳农家干货小店", "dried", "酸笋干", "", (), [(J, "28", "", "", "0.5")]),
    (
        "版纳农家干货小店",
        "dried",
        "干鸡枞菌",
        "",
        ((801, 1231),),
        [(PC, "98", "100克/袋", "", "0.1")],
    ),
    ("版纳农家干货小店", "dried", "芒果干", "", (), [(PC, "19.9", "200克/袋", "", "0.2")]),
    ("勐养生态蜂蜜家庭农场", "honey", "百花蜜", "勐养镇", (), [(PC, "58", "500克/瓶", "", "0.5")]),
    ("勐养生态蜂蜜家庭农场", "honey", "蜂巢蜜", "勐养镇", (), [(PC, "88", "500克/盒", "", "0.5")]),
    ("景洪村村日用百货批发部", "daily", "洗衣粉", "", (), [(PC, "18.5", "2千克/袋", "", "2")]),
    ("景洪村村日用百货批发部", "daily", "太阳能照明灯", "", (), [(PC, "69", "", "", "1")]),
    ("景洪村村日用百货批发部", "daily", "雨靴", "", (), [(PC, "35", "39-44码", "", "1")]),
    ("景洪村村日用百货批发部", "food", "菜籽油", "", (), [(PC, "79", "5升/桶", "", "4.6")]),
    ("景洪村村日用百货批发部", "food", "挂面", "", (), [(BOX, "32", "5斤/箱", "", "2.5")]),
    ("景洪村村日用百货批发部", "inputs", "复合肥", "", (), [(PC, "165", "50千克/袋", "", "50")]),
    ("景洪村村日用百货批发部", "inputs", "橡胶割胶刀", "", (), [(PC, "25", "", "", "0.2")]),
]


def _origin(ref: str):
    from cuncun.regions.models import Level, RegionUnit

    if not ref:
        return None
    township, _, village = ref.partition("/")
    unit = RegionUnit.objects.get(level=Level.TOWNSHIP, name=township)
    return unit.children.get(name=village) if village else unit


def load_demo() -> None:
    with transaction.atomic():
        codes = {}
        for position, (code, name, kind, parent) in enumerate(CATEGORIES):
            codes[code] = ensure_category(
                actor=None,
                code=code,
                name=name,
                kind=kind,
                parent=codes.get(parent) or Category.objects.filter(code=parent or "").first(),
                position=position,
            )
        merchants = {m.name: m for m in Merchant.objects.filter(is_demo=True)}
        for merchant_name, category, name, origin, seasons, skus in PRODUCTS:
            merchant = merchants.get(merchant_name)
            if merchant is None or Product.objects.filter(merchant=merchant, name=name).exists():
                continue
            product = create_product(
                actor=None,
                merchant=merchant,
                details=ProductDetails(
                    name=name,
                    category=codes[category],
                    description=f"{name}，产自西双版纳。演示数据。",
                    origin=_origin(origin),
                    skus=tuple(
                        SkuDetails(unit=u, price=p, name=v, grade=g, net_weight_kg=kg)
                        for u, p, v, g, kg in skus
                    ),
                    seasons=seasons,
                    is_demo=True,
                ),
            )
            _stock(product)


def _stock(product: Product) -> None:
    """Every product at the county warehouse; village goods and 曼达's own produce also on the
    shelves of a few points that hand over their own stock."""
    warehouse = Site.objects.filter(kind=SiteKind.COUNTY_WAREHOUSE, is_demo=True).first()
    if warehouse is None or not warehouse.is_serving:
        return
    for n, sku in enumerate(product.skus.order_by("pk")):
        set_stock(actor=None, sku=sku, site=warehouse, quantity=40 + (sku.pk * 37) % 160 - 8 * n)
    local = (
        product.category.kind == CategoryKind.CONSUMER_GOODS or product.merchant.represented_by_id
    )
    if not local:
        return
    points = Site.objects.serving().filter(
        kind=SiteKind.VILLAGE_POINT, pickup_mode__in=[PickupMode.ANY_SITE, PickupMode.OWN_STOCK]
    )
    for point in points.order_by("pk")[:3]:
        for sku in product.skus.all():
            set_stock(actor=None, sku=sku, site=point, quantity=5 + sku.pk % 11)
