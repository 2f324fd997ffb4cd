"""Reads of the tourism app, each starting from what the person may see."""

from datetime import date, timedelta

from django.db.models import Count, Max, Min, Prefetch, Q

from cuncun.accounts.roles import Role
from cuncun.catalog.queries import market_products
from cuncun.core.errors import NotFound
from cuncun.merchants.models import Merchant
from cuncun.regions.models import RegionUnit
from cuncun.tourism.models import (
    BookedNight,
    Booking,
    BookingStatus,
    Homestay,
    HomestayPhoto,
    HomestayStatus,
    Room,
    Route,
    SeasonalPrice,
)
from cuncun.tourism.services import is_host, may_manage_homestays


def bookable_homestays():
    """The public list: certified homestays, with their cheapest usual room price."""
    return (
        Homestay.objects.public()
        .select_related("region__parent")
        .annotate(from_price=Min("rooms__price", filter=Q(rooms__is_open=True)))
        .order_by("region__path", "name")
    )


def _with_rooms(queryset):
    return queryset.select_related("region__parent", "merchant").prefetch_related(
        Prefetch("rooms", queryset=Room.objects.prefetch_related("seasonal_prices")),
        "cancellation_rules",
        "photos",
    )


def homestay_for(user, pk: int) -> Homestay:
    """A certified homestay for everyone; any other to its host and the staff of its area."""
    homestay = _with_rooms(Homestay.objects.filter(pk=pk)).first()
    if homestay is None:
        raise NotFound()
    if homestay.status == HomestayStatus.CERTIFIED or is_host(user, homestay):
        return homestay
    if may_manage_homestays(user) and homestays_to_manage(user).filter(pk=pk).exists():
        return homestay
    raise NotFound()


def hosted_homestays(user):
    if not getattr(user, "is_authenticated", False):
        return Homestay.objects.none()
    return _with_rooms(Homestay.objects.filter(merchant__owner=user))


def homestays_to_manage(user):
    """The office sees every homestay, township staff their villages'."""
    if not may_manage_homestays(user):
        return Homestay.objects.none()
    homestays = Homestay.objects.select_related("region__parent", "merchant")
    if user.is_superuser or user.role == Role.COUNTY_OFFICE:
        return homestays
    return homestays.visible_to(user)


def host_bookings(user, *, since: date):
    """The host's bookings still to come or under way, and those cancelled lately."""
    return (
        Booking.objects.hosted_by(user)
        .filter(departure__gte=since)
        .select_related("room__homestay")
        .order_by("arrival", "id")
    )


def guest_bookings(user):
    if not getattr(user, "is_authenticated", False):
        return Booking.objects.none()
    return Booking.objects.filter(guest=user).select_related("room__homestay").order_by("-id")


def booking_for(user, reference: str) -> Booking:
    """A booking for its guest and its host; nobody else."""
    booking = (
        Booking.objects.filter(reference=reference)
        .select_related("room__homestay__merchant", "room__homestay__region")
        .first()
    )
    if booking is None or not (
        booking.guest_id == getattr(user, "pk", None) or is_host(user, booking.room.homestay)
    ):
        raise NotFound()
    return booking


def room_calendar(rooms, start: date, days: int) -> list[dict]:
    """For each room, its next `days` nights: free, held or booked (with the booking), in one
    query for all the rooms."""
    end = start + timedelta(days=days)
    taken = {
        (n.room_id, n.night): n.booking
        for n in BookedNight.objects.filter(
            room__in=rooms, is_active=True, night__gte=start, night__lt=end
        ).select_related("booking")
    }
    nights = [start + timedelta(days=i) for i in range(days)]
    return [
        {
            "room": room,
            "nights": [
                {
                    "day": night,
                    "booking": taken.get((room.pk, night)),
                    "held": getattr(taken.get((room.pk, night)), "status", "")
                    == BookingStatus.HELD,
                }
                for night in nights
            ],
        }
        for room in rooms
    ]


# --- rural tourism routes -------------------------------------------------------------------

MAP_WIDTH, MAP_HEIGHT, MAP_MARGIN = 320, 240, 20


def published_routes():
    return Route.objects.filter(is_published=True).annotate(
        day_count=Max("stops__day"), stop_count=Count("stops")
    )


def route_page(code: str) -> dict:
    """A published route: its days of stops, a plot of the stops' coordinates (for an inline
    SVG: no map tiles from the internet) and the market's products from its villages."""
    route = Route.objects.filter(code=code, is_published=True).first()
    if route is None:
        raise NotFound()
    stops = list(
        route.stops.select_related("region__parent", "homestay", "site").order_by("day", "position")
    )
    days = {}
    for number, stop in enumerate(stops, 1):
        stop.number = number
        days.setdefault(stop.day, []).append(stop)
    villages = {stop.region_id for stop in stops}
    products = market_products().filter(
        Q(origin_id__in=villages) | Q(merchant__region_id__in=villages)
    )[:12]
    return {"route": route, "days": sorted(days.items()), "map": _plot(stops), "products": products}


def _plot(stops) -> dict | None:
    """The stops with coordinates, scaled into the map's box (north up, same scale both ways)."""
    placed = [s for s in stops if s.latitude is not None and s.longitude is not None]
    if not placed:
        return None
    lats = [float(s.latitude) for s in placed]
    lons = [float(s.longitude) for s in placed]
    span = max(max(lats) - min(lats), max(lons) - min(lons), 0.01)
    scale = min(MAP_WIDTH, MAP_HEIGHT) - 2 * MAP_MARGIN
    points = [
        {
            "stop": s,
            "x": round(MAP_MARGIN + (float(s.longitude) - min(lons)) / span * scale, 1),
            "y": round(MAP_MARGIN + (max(lats) - float(s.latitude)) / span * scale, 1),
        }
        for s in placed
    ]
    return {
        "width": MAP_WIDTH,
        "height": MAP_HEIGHT,
        "points": points,
        "line": " ".join(f"{p['x']},{p['y']}" for p in points),
        "unplaced": len(stops) - len(placed),
    }


def host_merchants(user):
    """The businesses a host owns: a homestay is run by one of them."""
    if not getattr(user, "is_authenticated", False):
        return Merchant.objects.none()
    return Merchant.objects.filter(owner=user, is_active=True).select_related("region")


def village(pk: int) -> RegionUnit:
    found = RegionUnit.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def rules_initial(homestay: Homestay) -> dict:
    initial = {"house_rules": homestay.house_rules}
    for i, rule in enumerate(homestay.cancellation_rules.all()):
        initial[f"days_{i}"] = rule.days_before
        initial[f"percent_{i}"] = rule.refund_percent
    return initial


def hosted_room(user, room_id: int) -> Room:
    room = (
        Room.objects.select_related("homestay")
        .filter(pk=room_id, homestay__in=hosted_homestays(user))
        .first()
    )
    if room is None:
        raise NotFound()
    return room


def hosted_season(user, season_id: int) -> SeasonalPrice:
    season = (
        SeasonalPrice.objects.select_related("room__homestay")
        .filter(pk=season_id, room__homestay__in=hosted_homestays(user))
        .first()
    )
    if season is None:
        raise NotFound()
    return season


def hosted_photo(user, photo_id: int) -> HomestayPhoto:
    photo = (
        HomestayPhoto.objects.select_related("homestay")
        .filter(pk=photo_id, homestay__in=hosted_homestays(user))
        .first()
    )
    if photo is None:
        raise NotFound()
    return photo


def photo_for(user, photo_id: int) -> HomestayPhoto:
    """A photo, if its homestay's page may be seen by `user`."""
    photo = (
        HomestayPhoto.objects.filter(pk=photo_id)
        .only("homestay_id", "image", "content_type")
        .first()
    )
    if photo is None:
        raise NotFound()
    photo.homestay = homestay_for(user, photo.homestay_id)
    return photo
