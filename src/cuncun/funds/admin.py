from django.contrib import admin

from cuncun.core.admin import ReadOnlyAdmin
from cuncun.funds.models import Disbursement, LedgerEntry, Project

# The fund changes through its services (rules checked, audited, ledger appended), never by hand.


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "category", "support", "source", "status"]
    list_filter = ["category", "status"]


@admin.register(Disbursement)
class DisbursementAdmin(ReadOnlyAdmin):
    list_display = ["number", "version", "project", "amount", "state", "voucher_number"]
    list_filter = ["state"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["recorded_at", "project", "disbursement", "kind", "amount"]
