"""The logistics demo: fictional parcels of the standard carriers in every state across the
network demo's points, today's plan through the stations; running it twice changes nothing."""

from django.utils import timezone

from cuncun.logistics import demo
from cuncun.logistics.carriers import STANDARD_CARRIERS
from cuncun.logistics.models import Parcel, RouteLeg, RoutePlan, TrackingEvent
from cuncun.network import demo as network_demo
from cuncun.network.models import Carrier


def test_the_demo_makes_marked_parcels_of_the_standard_carriers_and_todays_plan(plan):
    network_demo.load_demo()

    demo.load_demo()
    demo.load_demo()

    parcels = Parcel.objects.all()
    assert parcels.count() == demo.PARCELS and not parcels.filter(is_demo=False).exists()
    assert set(parcels.values_list("carrier__code", flat=True)) <= {
        c for c, _n in STANDARD_CARRIERS
    }
    assert Carrier.objects.count() == len(STANDARD_CARRIERS)
    assert TrackingEvent.objects.filter(state="flagged").exists()
    today = RoutePlan.objects.current().get(day=timezone.localdate())
    legs = set(today.routes.values_list("leg", flat=True))
    assert legs == {RouteLeg.TRUNK, RouteLeg.TOWNSHIP} and not today.unassigned
