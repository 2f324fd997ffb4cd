"""Admin: reading parcels and their events; carrier API keys are issued with
`cuncun issue_carrier_key <code>` (the key is shown once) and revoked here."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from cuncun.logistics import services
from cuncun.logistics.models import (
    CarrierApiKey,
    Parcel,
    PickupPointSettings,
    RoadDistance,
    RoutePlan,
    TrackingEvent,
)


class ReadOnly(admin.ModelAdmin):
    """Rows change only through the services: the admin reads."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = TrackingEvent
    fields = ["occurred_at", "kind", "site", "raw_text", "source", "state", "problem"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Parcel)
class ParcelAdmin(ReadOnly):
    list_display = ["waybill", "carrier", "direction", "point", "status", "status_at", "on_shelf"]
    list_filter = ["status", "direction", "carrier", "needs_review", "is_demo"]
    search_fields = ["waybill", "order_ref"]
    exclude = ["person_name", "person_phone", "pickup_code_hash"]
    readonly_fields = ["masked_name", "masked_phone"]
    list_select_related = ["carrier", "point"]
    inlines = [EventInline]


@admin.register(TrackingEvent)
class TrackingEventAdmin(ReadOnly):
    list_display = ["parcel", "kind", "occurred_at", "site", "source", "state"]
    list_filter = ["state", "kind", "source"]
    list_select_related = ["parcel", "parcel__carrier", "site"]


@admin.action(description=_("Revoke the selected keys"))
def revoke(modeladmin, request, queryset):
    for key in queryset:
        services.revoke_carrier_api_key(actor=request.user, api_key=key)
    messages.success(request, _("Revoked."))


@admin.register(CarrierApiKey)
class CarrierApiKeyAdmin(ReadOnly):
    list_display = ["carrier", "label", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = [revoke]


@admin.register(PickupPointSettings)
class PickupPointSettingsAdmin(ReadOnly):
    list_display = ["site", "shelves", "levels", "slots_per_level", "hold_days"]


@admin.register(RoadDistance)
class RoadDistanceAdmin(ReadOnly):
    list_display = ["from_site", "to_site", "km", "loaded_at"]


@admin.register(RoutePlan)
class RoutePlanAdmin(ReadOnly):
    list_display = ["day", "solver", "parcels", "total_km", "naive_km", "solve_seconds"]
