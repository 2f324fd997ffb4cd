"""The parcels rollup: a parcel counts once, on the day of its first delivery, in its village;
maintained when a parcel is delivered, and equal to a direct count of the tracking events
whatever parcels are delivered, delivered again or never."""

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cuncun.logistics.models import DeliveredTo, EventKind, EventSource, TrackingEvent
from cuncun.logistics.services import EventInput, ParcelDetails, record_event
from cuncun.monitoring.models import DailyParcels
from cuncun.monitoring.queries import sales_by
from cuncun.monitoring.rollups import rebuild_parcels
from tests.conftest import township

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYS = [date(2018, 3, 30), date(2018, 3, 31), date(2018, 4, 1)]
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

parcels = st.lists(
    st.tuples(
        st.sampled_from([0, 1]),  # which village point
        st.sampled_from(range(len(DAYS))),  # the day it is delivered
        st.integers(min_value=0, max_value=23),  # the hour (local time)
        st.sampled_from([None, 0, 1]),  # delivered again that many days later, or not
        st.booleans(),  # delivered at all (or only accepted by the carrier)?
    ),
    max_size=6,
)


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI).replace(hour=hour)


def _scan(carrier, waybill: str, kind: str, when: datetime, point=None):
    return record_event(
        actor=None,
        carrier=carrier,
        waybill=waybill,
        event=EventInput(
            kind=kind,
            occurred_at=when,
            delivered_to=DeliveredTo.RECIPIENT if kind == EventKind.DELIVERED else "",
        ),
        source=EventSource.API,
        details=ParcelDetails(point=point, person_name="玉香") if point else None,
    )


def direct_counts() -> dict:
    """(day, village id) → parcels whose first delivery in the timeline fell on that day."""
    first: dict[int, tuple] = {}
    for event in TrackingEvent.objects.in_timeline().filter(kind=EventKind.DELIVERED):
        seen = first.get(event.parcel_id)
        if seen is None or event.occurred_at < seen[0]:
            first[event.parcel_id] = (event.occurred_at, event.parcel.region_id)
    return dict(Counter((timezone.localtime(at).date(), region) for at, region in first.values()))


def rolled_up() -> dict:
    counts = Counter()
    for row in DailyParcels.objects.all():
        counts[(row.day, row.region_id)] += row.parcels
    return dict(counts)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(parcels=parcels)
def test_the_parcels_rollup_equals_a_direct_count(points, carriers, parcels):
    with transaction.atomic():
        for n, (which, day, hour, again, delivered) in enumerate(parcels):
            waybill = f"SF20000{n}"
            when = _moment(DAYS[day], hour)
            _scan(
                carriers["SF"],
                waybill,
                EventKind.ACCEPTED,
                when - timedelta(hours=1),
                points[which],
            )
            if delivered:
                _scan(carriers["SF"], waybill, EventKind.DELIVERED, when)
            if delivered and again is not None:
                _scan(
                    carriers["SF"],
                    waybill,
                    EventKind.DELIVERED,
                    when + timedelta(days=again, minutes=5),
                )

        rebuild_parcels(DAYS[0], DAYS[-1] + timedelta(days=1))

        assert rolled_up() == direct_counts()
        delivered = sum(1 for *_rest, was_delivered in parcels if was_delivered)
        assert sum(rolled_up().values()) == delivered  # every delivered parcel, once
        transaction.set_rollback(True)  # the next example starts from the same records


def test_a_delivered_parcel_is_counted_that_day_without_a_rebuild(
    points, carriers, office_user, settings, django_capture_on_commit_callbacks
):
    # given a parcel accepted by the carrier for 曼达村
    settings.TASKS = IMMEDIATE
    when = _moment(date(2018, 3, 31), 23)
    _scan(carriers["SF"], "SF3000001", EventKind.ACCEPTED, when - timedelta(hours=3), points[0])
    assert not DailyParcels.objects.exists()

    # when it is delivered at 23:00 local time
    with django_capture_on_commit_callbacks(execute=True):
        _scan(carriers["SF"], "SF3000001", EventKind.DELIVERED, when)

    # then the rollup counts it on that local day, in its village, and March's statistics say so
    row = DailyParcels.objects.get()
    assert (row.day, row.region_id, row.parcels) == (date(2018, 3, 31), points[0].region_id, 1)
    by_month = sales_by(
        office_user,
        region=township("嘎洒镇"),
        first=date(2018, 3, 1),
        last=date(2018, 4, 1),
        by="month",
    )
    assert [(i["key"], i["parcels"]) for i in by_month] == [("2018-03", 1)]
