from django.contrib import admin

from cuncun.core.admin import ReadOnlyAdmin
from cuncun.plans.models import FundRule, MemberUnit, Milestone, Plan, SubsidyRule, Target
from cuncun.plans.services import set_member_unit_staff


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
    """Only the staff may change here, through `set_member_unit_staff` (checked and audited)."""

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
        "carries_out",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Every other field is read-only: nothing of the unit itself is saved here."""

    def save_related(self, request, form, formsets, change):
        set_member_unit_staff(
            actor=request.user, unit=form.instance, users=form.cleaned_data["staff"]
        )
