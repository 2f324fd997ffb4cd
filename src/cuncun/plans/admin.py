from django.contrib import admin

from cuncun.plans.models import FundRule, MemberUnit, Milestone, Plan, SubsidyRule, Target


class ReadOnly(admin.ModelAdmin):
    """The plan changes by loading its file (validated, audited), not by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Plan)
class PlanAdmin(ReadOnly):
    list_display = ["title", "county", "starts_on", "ends_on"]
    exclude = ["text"]


@admin.register(Target)
class TargetAdmin(ReadOnly):
    list_display = ["label", "indicator", "comparison", "value", "unit", "deadline"]


@admin.register(Milestone)
class MilestoneAdmin(ReadOnly):
    list_display = ["title", "due_on", "phase"]


@admin.register(FundRule)
class FundRuleAdmin(ReadOnly):
    list_display = ["label", "kind", "category", "per", "amount", "share"]


@admin.register(SubsidyRule)
class SubsidyRuleAdmin(ReadOnly):
    list_display = ["label", "kind", "through_month", "threshold", "rate"]


@admin.register(MemberUnit)
class MemberUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "leads_implementation"]
    filter_horizontal = ["staff"]
    readonly_fields = [
        "plan",
        "key",
        "name",
        "kind",
        "duties",
        "sentence",
        "leads_implementation",
        "reports_regularly",
        "staff_quota",
    ]
