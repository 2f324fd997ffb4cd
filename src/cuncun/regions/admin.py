from django.contrib import admin

from cuncun.core.admin import ReadOnlyAdmin
from cuncun.regions.models import RegionUnit, UnitGroup, UnitGroupMembership


@admin.register(RegionUnit)
class RegionUnitAdmin(ReadOnlyAdmin):
    """The tree changes through `load_divisions`, which validates and audits."""

    list_display = ["name", "code", "kind", "level", "parent", "opening_date", "closing_date"]
    list_filter = ["level", "kind"]
    search_fields = ["name", "code"]


class MembershipInline(admin.TabularInline):
    model = UnitGroupMembership
    extra = 0
    can_delete = False
    readonly_fields = ["unit", "since", "is_demo"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(UnitGroup)
class UnitGroupAdmin(ReadOnlyAdmin):
    """Groups and their members change through `ensure_group` and `add_to_group` (audited)."""

    list_display = ["code", "name"]
    inlines = [MembershipInline]
