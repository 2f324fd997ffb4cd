from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from cuncun.accounts.models import User


@admin.register(User)
class CuncunUserAdmin(UserAdmin):
    """Role, area, name, phone and whether an account is open change on the Accounts page
    (/accounts/manage/), through the services that check the rules and audit the change."""

    list_display = ["username", "display_name", "role", "region", "is_active", "locked_until"]
    list_filter = ["role", "is_active"]
    fieldsets = [
        *UserAdmin.fieldsets,
        ("cuncun", {"fields": ["role", "region", "display_name", "phone", "locked_until"]}),
    ]
    readonly_fields = ["role", "region", "display_name", "phone", "locked_until", "is_active"]
