from django.contrib import admin

from cuncun.merchants.models import Merchant, MerchantPlatformShop


class PlatformShopInline(admin.TabularInline):
    model = MerchantPlatformShop
    extra = 0


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    """Read-only here: merchants are registered and changed through the services (audited)."""

    list_display = ["name", "kind", "region", "is_poverty_registered", "is_incubated", "is_active"]
    list_filter = ["kind", "is_poverty_registered", "is_incubated", "is_park_tenant", "is_active"]
    search_fields = ["name"]
    exclude = ["contact_phone", "id_number"]
    inlines = [PlatformShopInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
