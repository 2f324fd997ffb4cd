from django.contrib import admin

from cuncun.core.admin import ReadOnlyAdmin
from cuncun.plans.models import FundRule, MemberUnit, Milestone, Plan, SubsidyRule, Target


# The plan changes by loading its file (validated, audited), not by hand.
@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ["title", "county", "starts_on", "ends_on"]
    exclude = ["text"]


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    list_display = ["label", "indicator", "comparison", "value", "unit", "deadline"]


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    list_display = ["title", "due_on", "phase"]


@admin.register(FundRule)
class FundRuleAdmin(ReadOnlyAdmin):
    list_display = ["label", "kind", "category", "per", "amount", "share"]


@admin.register(SubsidyRule)
class SubsidyRuleAdmin(ReadOnlyAdmin):
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
