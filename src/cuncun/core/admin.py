from django.contrib import admin

from cuncun.core.models import AuditEntry, OutboxMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that only services write (validated and audited): the admin only shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The log is append-only."""

    list_display = ["at", "actor", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "object_id", "reason"]


@admin.register(OutboxMessage)
class OutboxAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "to", "text", "status", "reference"]
    list_filter = ["status", "channel"]
    search_fields = ["to", "reference", "text"]
