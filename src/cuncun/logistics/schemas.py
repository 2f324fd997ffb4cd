"""The carrier event API's shapes."""

from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema

MAX_BATCH = 500


class ParcelIn(Schema):
    """What is known of a parcel the first time it is seen (needed only then)."""

    point: str = Field(description="Site code of the village point or station it is bound for")
    direction: str = Field("inbound", description="inbound | outbound")
    name: str = Field("", description="Recipient (inbound) or sender (outbound)")
    phone: str = Field("", description="Their mobile number, for the pickup SMS")
    weight_kg: Decimal | None = None
    order_ref: str = Field("", description="The market order it carries, if any")


class EventIn(Schema):
    waybill: str
    carrier: str = Field("", description="Carrier code; implied by a carrier key")
    kind: str = Field(
        description="accepted | arrived_hub | departed_hub | out_for_delivery | at_pickup_point | "
        "delivered | failed_attempt | exception | refused | returning | returned"
    )
    occurred_at: datetime = Field(description="When it happened, with its time zone")
    event_id: str = Field("", description="The carrier's id of this event (idempotency)")
    site: str = Field("", description="Site code of the hub or point, when it is one of ours")
    location: str = Field("", description="The place in the carrier's words")
    text: str = Field("", description="The carrier's raw text, kept as sent")
    delivered_to: str = Field("", description="For delivered: recipient | proxy | pickup_point")
    consent: str = Field(
        "",
        description="For at_pickup_point: address_is_point | agreed_by_phone | agreed_by_message "
        "| standing_consent",
    )
    parcel: ParcelIn | None = None


class EventBatchIn(Schema):
    events: list[EventIn] = Field(max_length=MAX_BATCH)


class EventResult(Schema):
    index: int
    waybill: str
    outcome: str = Field(description="recorded | duplicate | flagged | error")
    event: int | None = None
    status: str | None = None
    code: str | None = None
    http_status: int | None = Field(None, description="For an error: 400, 403, 404 or 409")
    message: str | None = None


class EventBatchOut(Schema):
    recorded: int
    duplicates: int
    flagged: int
    errors: int
    results: list[EventResult]


class TrackingEventOut(Schema):
    kind: str
    occurred_at: datetime
    site: str | None
    location: str
    text: str
    state: str
    problem: str


class ParcelOut(Schema):
    carrier: str
    waybill: str
    direction: str
    point: str
    status: str
    status_at: datetime | None
    recipient: str
    order_ref: str
    events: list[TrackingEventOut]
