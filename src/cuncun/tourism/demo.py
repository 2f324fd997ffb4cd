"""Demo homestays: six invented homestays (民宿) in real villages of 景洪, four of them certified
e-commerce homestay points, one checked, one applied for; the first is run by the demo user
`host` and has bookings by the demo buyer. Names, people and phone numbers are fictional.
Safe to run twice."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from cuncun.accounts.models import User
from cuncun.merchants.models import MerchantKind
from cuncun.merchants.services import MerchantDetails, register_merchant
from cuncun.network.models import Site, SiteKind
from cuncun.regions.models import Level, RegionUnit
from cuncun.tourism.models import Homestay, HomestayStatus, Route
from cuncun.tourism.services import (
    HomestayDetails,
    StayRequest,
    StopDetails,
    add_homestay_photo,
    add_room,
    apply_for_homestay,
    book_room,
    change_homestay_status,
    confirm_cash_for_booking,
    create_route,
    publish_cancellation_rules,
    set_seasonal_price,
)

S = HomestayStatus
# name, "township/village", owner's username, status, (latitude, longitude), rooms (name, price)
DEMO_HOMESTAYS = [
    (
        "曼达傣家小院（演示）",
        "嘎洒镇/曼达村委会",
        "host",
        S.CERTIFIED,
        ("21.9302", "100.7630"),
        [("竹楼大床房", "168.00"), ("竹楼家庭房", "238.00")],
    ),
    (
        "曼听凤尾竹民宿（演示）",
        "勐罕镇/曼听村委会",
        "",
        S.CERTIFIED,
        ("21.8590", "100.9380"),
        [("临水双床房", "198.00"), ("傣式大床房", "218.00")],
    ),
    (
        "曼栋茶山客栈（演示）",
        "勐龙镇/曼栋村委会",
        "",
        S.CERTIFIED,
        ("21.5780", "100.7090"),
        [("茶山景观房", "158.00")],
    ),
    (
        "曼纳庄雨林人家（演示）",
        "勐养镇/曼纳庄村委会",
        "",
        S.CERTIFIED,
        ("22.1650", "100.8660"),
        [("雨林木屋", "260.00")],
    ),
    (
        "曼景罕稻香民宿（演示）",
        "嘎洒镇/曼景罕村委会",
        "",
        S.CHECKED,
        ("21.9550", "100.7480"),
        [("稻田标间", "128.00")],
    ),
    (
        "曼搭江畔小筑（演示）",
        "勐罕镇/曼搭村委会",
        "",
        S.APPLIED,
        ("21.8450", "100.9550"),
        [("江景房", "188.00")],
    ),
]
RULES = [(7, 100), (3, 50)]
HOUSE_RULES = "入住时间14:00后，退房12:00前；22:00后请保持安静；竹楼内禁止吸烟。演示数据。"
WATER_FESTIVAL = ("泼水节", (4, 13), (4, 15), Decimal("1.8"))  # the festival's nights cost more


def _village(ref: str) -> RegionUnit:
    township, _sep, village = ref.partition("/")
    return RegionUnit.objects.get(level=Level.TOWNSHIP, name=township).children.get(name=village)


def load_demo() -> None:
    users = {u.username: u for u in User.objects.filter(username__in=["host", "13900000009"])}
    for n, (name, where, owner, status, (lat, lon), rooms) in enumerate(DEMO_HOMESTAYS, 1):
        if Homestay.objects.filter(name=name, is_demo=True).exists():
            continue
        with transaction.atomic():
            homestay = _homestay(n, name, _village(where), users.get(owner), status, lat, lon)
            host = users.get(owner)
            for room_name, price in rooms:
                room = add_room(actor=host, homestay=homestay, name=room_name, price=price)
                _festival_price(room, host)
            publish_cancellation_rules(
                actor=host, homestay=homestay, rules=RULES, house_rules=HOUSE_RULES
            )
    _demo_bookings(users.get("host"), users.get("13900000009"))
    _demo_photos(users.get("host"))
    _demo_route()


def _homestay(n, name, village, owner, status, lat, lon) -> Homestay:
    merchant = register_merchant(
        actor=None,
        details=MerchantDetails(
            name=name.replace("（演示）", "经营户（演示）"),
            kind=MerchantKind.FAMILY_FARM,
            region=village,
            contact_name=f"民宿主{n}（演示）",
            contact_phone=f"1390002{n:04d}",
            owner=owner,
            description="演示数据：虚构的民宿经营户。",
            is_demo=True,
        ),
    )
    homestay = apply_for_homestay(
        actor=None,
        details=HomestayDetails(
            name=name,
            merchant=merchant,
            region=village,
            address=f"{village.name}{n}组（演示）",
            description="演示数据：虚构的民宿。傣家竹楼，步行可到村级电商服务站。",
            latitude=Decimal(lat),
            longitude=Decimal(lon),
            applied_on=date(2017, 3, 1),
            is_demo=True,
        ),
    )
    steps = {S.APPLIED: [], S.CHECKED: [S.CHECKED], S.CERTIFIED: [S.CHECKED, S.CERTIFIED]}
    for day, step in enumerate(steps[status], 5):
        homestay = change_homestay_status(
            actor=None, homestay=homestay, to_status=step, effective_on=date(2017, 3, day)
        )
    return homestay


def _festival_price(room, host) -> None:
    name, (m1, d1), (m2, d2), factor = WATER_FESTIVAL
    year = timezone.localdate().year + 1
    set_seasonal_price(
        actor=host,
        room=room,
        name=name,
        starts_on=date(year, m1, d1),
        ends_on=date(year, m2, d2),
        price=(room.price * factor).quantize(Decimal("1")),
    )


def _demo_bookings(host, guest) -> None:
    """Two stays at the host's homestay by the demo buyer, paid cash to the host."""
    homestay = Homestay.objects.filter(is_demo=True, merchant__owner=host).first()
    if (
        host is None
        or guest is None
        or homestay is None
        or homestay.rooms.filter(bookings__is_demo=True).exists()
    ):
        return
    today = timezone.localdate()
    for room, offset in zip(homestay.rooms.order_by("pk"), (2, 5), strict=False):
        booking = book_room(
            actor=guest,
            request=StayRequest(
                room=room,
                arrival=today + timedelta(days=offset),
                departure=today + timedelta(days=offset + 2),
                guest_name="陈小雨（演示）",
                guest_phone=guest.phone or "13900000009",
                provider_code="offline",
                is_demo=True,
            ),
        )
        confirm_cash_for_booking(actor=host, booking=booking)


# An invented two-day route through the demo homestays' villages: (day, village, stop name, what).
DEMO_ROUTE = [
    (1, "勐罕镇/曼听村委会", "曼听傣寨", "homestay", "看傣家竹楼，夜宿凤尾竹民宿"),
    (1, "勐罕镇/曼搭村委会", "澜沧江畔", "", "江边散步，品傣味"),
    (2, "嘎洒镇/曼达村委会", "曼达村电商服务站", "site", "选购村里的热带水果和普洱茶"),
    (2, "嘎洒镇/曼达村委会", "曼达傣家小院", "homestay", "午饭后入住"),
    (2, "勐养镇/曼纳庄村委会", "雨林人家", "homestay", "雨林徒步，夜观萤火虫"),
]


def _demo_route() -> None:
    if Route.objects.filter(is_demo=True).exists():
        return
    stops = []
    for day, where, name, what, note in DEMO_ROUTE:
        village = _village(where)
        homestay = (
            Homestay.objects.filter(region=village, is_demo=True).first()
            if what == "homestay"
            else None
        )
        site = (
            Site.objects.filter(region=village, kind=SiteKind.VILLAGE_POINT).first()
            if what == "site"
            else None
        )
        stops.append(
            StopDetails(day=day, name=name, region=village, homestay=homestay, site=site, note=note)
        )
    create_route(
        actor=None,
        code="daixiang-rainforest-2days",
        name="傣乡雨林两日游（演示）",
        summary="演示数据：虚构的线路。傣寨、江畔、村级电商服务站与雨林，沿途住电商民宿。",
        stops=stops,
        is_demo=True,
    )


def _demo_photos(host) -> None:
    """Two drawn pictures (not photographs: the demo has no real homestay) on the host's
    homestay, uploaded as a host would."""
    homestay = Homestay.objects.filter(is_demo=True, merchant__owner=host).first()
    if host is None or homestay is None or homestay.photos.exists():
        return
    for n, (sky, caption) in enumerate(
        [("#9fd3f0", "竹楼外景（演示图片）"), ("#f6d7a7", "客房（演示图片）")]
    ):
        picture = ContentFile(_drawn_house(sky), name=f"demo-{n}.png")
        add_homestay_photo(actor=host, homestay=homestay, upload=picture, caption=caption)


def _drawn_house(sky: str) -> bytes:
    """A bamboo house under a roof, drawn with Pillow: enough to show where photos go."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (640, 420), sky)
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 330, 640, 420), fill="#5f9e4a")  # the ground
    draw.polygon([(150, 190), (320, 80), (490, 190)], fill="#8a5a2b")  # the roof
    draw.rectangle((180, 190, 460, 330), fill="#d9b26f")  # the walls
    draw.rectangle((295, 250, 345, 330), fill="#6b4423")  # the door
    for left in (205, 385):
        draw.rectangle((left, 215, left + 50, 255), fill="#fff7e0")  # the windows
    out = BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()
