from django.contrib import admin

from cuncun.core.admin import ReadOnlyAdmin
from cuncun.merchants.models import Merchant, MerchantPlatformShop


class PlatformShopInline(admin.TabularInline):
    model = MerchantPlatformShop
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Merchant)
class MerchantAdmin(ReadOnlyAdmin):
    """Merchants are registered and changed through the services (validated, audited)."""

    list_display = ["name", "kind", "region", "is_poverty_registered", "is_incubated", "is_active"]
    list_filter = ["kind", "is_poverty_registered", "is_incubated", "is_park_tenant", "is_active"]
    search_fields = ["name"]
    exclude = ["contact_phone"]  # the ID number is sealed (editable=False): never in a form
    inlines = [PlatformShopInline]
