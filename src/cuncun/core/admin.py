from django.contrib import admin

from cuncun.core.models import AuditEntry, OutboxMessage


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only and written by services."""

    list_display = ["at", "actor", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "object_id", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "text", "status", "reference"]
    list_filter = ["status", "channel"]
    search_fields = ["to", "reference", "text"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
