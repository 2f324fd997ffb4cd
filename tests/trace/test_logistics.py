"""Logistics asks trace before a handover and records its scans into the batch's journey."""

import pytest

from cuncun.logistics.carriers import install_standard_carriers
from cuncun.logistics.models import ConsentBasis, Parcel
from cuncun.logistics.services import ParcelDetails, check_in_parcel, hand_over_parcel
from cuncun.orders.services import pack_order, ship_order
from cuncun.trace import services
from cuncun.trace.models import BizStep
from cuncun.trace.queries import recall_scope
from tests.logistics.test_pickup import code_sent_for
from tests.orders.test_fulfilment import paid_pickup
from tests.trace.conftest import inspection


def parcel_of_an_order_at_the_point(farm):
    market = farm.market
    (order,) = paid_pickup(market, key="parcel")
    pack_order(actor=market.tea_owner, order=order)
    ship_order(actor=market.tea_owner, order=order)
    carriers = install_standard_carriers()
    check_in_parcel(
        actor=market.operator,
        site=market.point,
        carrier=carriers["ZTO"],
        waybill="ZT3000001",
        consent_basis=ConsentBasis.ADDRESS_IS_POINT,
        details=ParcelDetails(
            point=market.point,
            person_name="玉香南",
            person_phone="13812345678",
            order_ref=order.number,
        ),
    )
    return order, Parcel.objects.get(waybill="ZT3000001")


def test_a_parcel_carrying_a_failed_batch_is_not_handed_over(farm, office_user):
    market = farm.market
    order, parcel = parcel_of_an_order_at_the_point(farm)
    assert farm.batch.events.filter(biz_step=BizStep.STORING, waybill=parcel.waybill).exists()

    services.record_inspection(
        actor=office_user, batch=farm.batch, details=inspection(farm.station, value="66")
    )

    with pytest.raises(services.BatchHeld):
        hand_over_parcel(
            actor=market.operator, site=market.point, parcel=parcel, code=code_sent_for(parcel)
        )
    parcel.refresh_from_db()
    assert parcel.on_shelf and parcel.handed_over_at is None
    reached = {(r.kind, r.order_ref, r.person) for r in recall_scope(farm.batch.lot).reached}
    assert ("parcel", order.number, "玉香南") in reached
    assert ("order", order.number, str(market.buyer)) in reached
