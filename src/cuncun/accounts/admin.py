from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.models import User


@admin.register(User)
class CuncunUserAdmin(UserAdmin):
    """Accounts are made and changed on the Accounts page (/accounts/manage/), through the
    services that check the rules and audit the change; here they are only read. Rights
    (administrator, staff, permissions) are not handed out by hand either."""

    list_display = ["username", "display_name", "role", "region", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = [
        (None, {"fields": ["username"]}),
        ("cuncun", {"fields": ["role", "region", "display_name", "masked_phone"]}),
        (_("rights"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    readonly_fields = ["masked_phone"]  # personal data is shown masked here as everywhere

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
