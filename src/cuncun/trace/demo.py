"""Demo traceability: the testing stations of the survey, two tea gardens of 刘家茶园 and a banana
plantation of the 嘎洒 fruit farm with their inputs, harvested batches, a blend made from two of
them, inspections (one failed: that batch is blocked), certificates, and the blend filling the
warehouse stock of the market's tea cake, so its market page shows the certificate and its QR
leads to the trace page. Dates count back from today; people are invented. Safe to run twice."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cuncun.catalog.models import Product, Stock
from cuncun.merchants.models import Merchant
from cuncun.network.models import Site, SiteKind
from cuncun.regions.models import RegionUnit
from cuncun.trace import services
from cuncun.trace.models import (
    Batch,
    Certification,
    InputKind,
    ProductionBase,
    StationKind,
    TestingStation,
)

STATIONS = [
    # name, kind, township ("" for the county), equipment, items, testers
    (
        "景洪市农产品质量安全检测中心",
        StationKind.COUNTY_CENTER,
        "",
        "气相色谱仪、农残速测仪",
        "农药残留、兽药残留、重金属",
        6,
    ),
    (
        "嘎洒镇农产品质量安全检测站",
        StationKind.TOWNSHIP_STATION,
        "嘎洒镇",
        "农残速测仪",
        "有机磷和氨基甲酸酯类农药（速测）",
        2,
    ),
    (
        "勐龙镇农产品质量安全检测站",
        StationKind.TOWNSHIP_STATION,
        "勐龙镇",
        "农残速测仪",
        "有机磷和氨基甲酸酯类农药（速测）",
        2,
    ),
]
RAPID_TEST = ("有机磷和氨基甲酸酯类农药", "酶抑制率法（速测卡）", "50", "%")


def load_demo() -> None:
    if ProductionBase.objects.filter(is_demo=True).exists():
        return
    tea_garden = Merchant.objects.filter(name="刘家茶园", is_demo=True).first()
    fruit_farm = Merchant.objects.filter(name="嘎洒热带水果家庭农场", is_demo=True).first()
    if tea_garden is None or fruit_farm is None:
        return  # the merchants' demo did not run: nothing to trace
    with transaction.atomic():
        stations = [_station(*row) for row in STATIONS]
        _tea(tea_garden, county_center=stations[0], township_station=stations[2])
        _bananas(fruit_farm, township_station=stations[1])


def _village(ref: str) -> RegionUnit:
    township, village = ref.split("/")
    return RegionUnit.objects.get(parent__name=township, name=village)


def _station(name, kind, township, equipment, items, testers) -> TestingStation:
    region = (
        RegionUnit.objects.get(level="township", name=township)
        if township
        else RegionUnit.objects.get(level="county")
    )
    return TestingStation.objects.create(
        name=name,
        kind=kind,
        region=region,
        equipment=equipment,
        test_items=items,
        staff_count=testers,
        surveyed_on=timezone.localdate().replace(month=1, day=15),
        is_demo=True,
    )


def _base(merchant, name, village, crops, *, lat, lon, mu, certification=Certification.NONE):
    certified = certification != Certification.NONE
    base = services.register_base(
        actor=None,
        merchant=merchant,
        details=services.BaseDetails(
            name=name,
            village=_village(village),
            area_mu=mu,
            latitude=lat,
            longitude=lon,
            crops=crops,
            certification=certification,
            certificate_number="LB-53-1609230317" if certified else "",
            certified_until=timezone.localdate() + timedelta(days=700) if certified else None,
        ),
    )
    ProductionBase.objects.filter(pk=base.pk).update(is_demo=True)
    return base


def _test(batch, station, value, inspector):
    item, method, limit, unit = RAPID_TEST
    return services.record_inspection(
        actor=None,
        batch=batch,
        details=services.InspectionDetails(
            station=station,
            item=item,
            method=method,
            value=value,
            limit=limit,
            value_unit=unit,
            inspector=inspector,
            inspected_on=batch.harvested_on + timedelta(days=1),
        ),
    )


def _demo(*batches: Batch) -> None:
    Batch.objects.filter(pk__in=[b.pk for b in batches]).update(is_demo=True)


def _tea(merchant, *, county_center, township_station) -> None:
    today = timezone.localdate()
    cake = Product.objects.get(merchant=merchant, name="勐龙古树普洱生茶饼")
    old_garden = _base(
        merchant,
        "曼栋古树茶园",
        "勐龙镇/曼栋村委会",
        "普洱茶（古树）",
        lat="21.589",
        lon="100.947",
        mu="86.5",
        certification=Certification.GREEN,
    )
    terrace = _base(
        merchant,
        "曼栋生态茶园",
        "勐龙镇/曼栋村委会",
        "普洱茶（台地）",
        lat="21.596",
        lon="100.952",
        mu="140",
    )
    services.record_input(
        actor=None,
        base=old_garden,
        kind=InputKind.FERTILISER,
        product_name="腐熟羊粪有机肥",
        dose="300千克/亩",
        applied_on=today - timedelta(days=90),
    )
    services.record_input(
        actor=None,
        base=terrace,
        kind=InputKind.PESTICIDE,
        product_name="苦参碱（生物农药）",
        dose="0.3%水剂 800倍液",
        applied_on=today - timedelta(days=40),
        safe_interval_days=10,
    )
    spring = services.record_batch(
        actor=None,
        product=cake,
        base=old_garden,
        harvested_on=today - timedelta(days=20),
        quantity="180",
        unit="斤",
    )
    summer = services.record_batch(
        actor=None,
        product=cake,
        base=terrace,
        harvested_on=today - timedelta(days=18),
        quantity="320",
        unit="斤",
    )
    _test(spring, county_center, "12.4", "玉香")
    _test(summer, township_station, "18.9", "岩罕")
    blend = services.transform_batches(
        actor=None,
        product=cake,
        sources=[(spring, "100"), (summer, "150")],
        quantity="250",
        unit="斤",
        made_on=today - timedelta(days=10),
    )
    services.pack_batch(
        actor=None, batch=blend, packing="357克/饼 棉纸包装", packed_on=today - timedelta(days=9)
    )
    for batch in (spring, blend):
        services.issue_certificate(
            actor=None,
            batch=batch,
            basis=["self_test", "internal_control"],
            issuer="刘明",
            contact_phone=merchant.contact_phone or "13900010001",
        )
    warehouse = Site.objects.filter(kind=SiteKind.COUNTY_WAREHOUSE, is_demo=True).first()
    stock = Stock.objects.filter(sku__product=cake, site=warehouse).order_by("sku__price").first()
    if stock is not None:
        services.fill_stock(actor=None, batch=blend, stock=stock, quantity=20)
    _demo(spring, summer, blend)


def _bananas(merchant, *, township_station) -> None:
    today = timezone.localdate()
    bananas = Product.objects.get(merchant=merchant, name="香蕉")
    plantation = _base(
        merchant, "曼勉香蕉园", "嘎洒镇/曼勉村委会", "香蕉", lat="21.953", lon="100.763", mu="210"
    )
    services.record_input(
        actor=None,
        base=plantation,
        kind=InputKind.PESTICIDE,
        product_name="毒死蜱",
        dose="40%乳油 1500倍液",
        applied_on=today - timedelta(days=30),
        safe_interval_days=21,
    )
    failed = services.record_batch(
        actor=None,
        product=bananas,
        base=plantation,
        harvested_on=today - timedelta(days=6),
        quantity="2000",
        unit="斤",
    )
    _test(failed, township_station, "63.2", "玉应")  # above the limit: blocked
    _demo(failed)
