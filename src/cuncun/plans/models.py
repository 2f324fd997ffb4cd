"""The county plan as data: targets, phases, milestones, fund rules, subsidy thresholds and the
leadership group's member units, each with the sentence of the plan it comes from."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.core.models import MoneyField
from cuncun.regions.models import Level


class Comparison:
    AT_LEAST = ">="
    MORE_THAN = ">"
    AT_MOST = "<="
    LESS_THAN = "<"
    EXACTLY = "=="
    choices = [(c, c) for c in (AT_LEAST, MORE_THAN, AT_MOST, LESS_THAN, EXACTLY)]

    @staticmethod
    def holds(comparison: str, value, target) -> bool:
        return {
            ">=": value >= target,
            ">": value > target,
            "<=": value <= target,
            "<": value < target,
            "==": value == target,
        }[comparison]


class TargetUnit:
    PERCENT = "percent"  # a share, 0-100
    PERSON_TIMES = "person_times"  # 人次: one person at three sessions counts three
    PERSONS = "persons"  # 人: unique people
    SESSIONS = "sessions"  # 期/次: training sessions
    COUNT = "count"  # 个: sites, enterprises, homestays …
    CNY = "cny"  # 元
    MBPS = "mbps"  # bandwidth
    SHARE = "share"  # a fraction: 0.30 is 30% (year-on-year growth)
    choices = [
        (PERCENT, "%"),
        (PERSON_TIMES, _("person-times")),
        (PERSONS, _("persons")),
        (SESSIONS, pgettext_lazy("training", "sessions")),
        (COUNT, _("count")),
        (CNY, _("yuan")),
        (MBPS, "Mbps"),
        (SHARE, _("share")),
    ]


class TargetPeriod:
    PLAN = "plan"  # reached by the deadline (or the plan's end) and kept
    YEAR = "year"  # in every calendar year of the plan
    YEAR_ON_YEAR = "yoy"  # growth over the same period of the year before
    choices = [
        (PLAN, _("by the deadline")),
        (YEAR, _("every year")),
        (YEAR_ON_YEAR, _("year on year")),
    ]


class TargetScope:
    """Of whom a target is asked."""

    COUNTY = "county"  # the county as a whole: a total (10,000 person-times, 100 homestays)
    EVERY_UNIT = "every_unit"  # each unit of it: a share, or a bound per village (1-3 talents)
    choices = [(COUNTY, _("the county as a whole")), (EVERY_UNIT, _("every unit"))]

    @classmethod
    def default_for(cls, unit: str) -> str:
        return cls.EVERY_UNIT if unit == TargetUnit.PERCENT else cls.COUNTY


class FundRuleKind:
    FUND_SIZE = "fund_size"  # the special fund's total
    CAP_AMOUNT = "cap_amount"  # at most this many yuan (per category, project or site)
    MIN_SHARE_OF_FUND = "min_share_of_fund"  # at least this share of the fund
    CAP_SHARE_OF_PROJECT = "cap_share_of_project"  # at most this share of a project's investment
    CAP_COUNT = "cap_count"  # at most this many projects
    FORBIDDEN = "forbidden"  # the fund may not pay for this at all
    ANNUAL_BUDGET = "annual_budget"  # a sum the city budgets every year
    choices = [
        (FUND_SIZE, _("fund size")),
        (CAP_AMOUNT, _("cap (amount)")),
        (MIN_SHARE_OF_FUND, _("minimum share of the fund")),
        (CAP_SHARE_OF_PROJECT, _("cap (share of project investment)")),
        (CAP_COUNT, _("cap (number of projects)")),
        (FORBIDDEN, _("forbidden use")),
        (ANNUAL_BUDGET, _("annual budget")),
    ]


class FundRulePer:
    CATEGORY = "category"  # all budget lines of the category together
    PROJECT = "project"  # each project
    SITE = "site"  # each site (station or point)
    YEAR = "year"  # each year
    FUND = "fund"  # the whole fund
    choices = [(c, c) for c in (CATEGORY, PROJECT, SITE, YEAR, FUND)]


class SubsidyRuleKind:
    RATE_ON_SALES = "rate_on_sales"  # a share of the year's sales, above a threshold
    APPLICATION_THRESHOLD = "application_threshold"  # sales by a month that allow applying
    choices = [
        (RATE_ON_SALES, _("rate on sales")),
        (APPLICATION_THRESHOLD, _("application threshold")),
    ]


class MemberUnitTask:
    """Work of the program that the plan puts in one member unit's hands, so that the apps can find
    that unit whatever the county calls it (景洪: 市人社局负责实施 the training)."""

    TRAINING = "training"  # runs the training plan: sessions, rosters, certificates
    FUND_PROJECTS = "fund_projects"  # 项目申报: proposes the special fund's projects and payments
    choices = [(TRAINING, _("runs the training")), (FUND_PROJECTS, _("proposes fund projects"))]


class ReportingForm:
    """What the plan asks to be reported regularly (the [[reporting]] section)."""

    ENTERPRISE_SALES = "enterprise_sales"  # every e-commerce business's online sales, per period
    INDICATOR = "indicator"  # a target's value the records cannot hold, from its member unit
    choices = [
        (ENTERPRISE_SALES, _("enterprise sales report")),
        (INDICATOR, _("reported indicator")),
    ]


class ReportingPeriod:
    MONTH = "month"
    YEAR = "year"
    choices = [(MONTH, _("monthly")), (YEAR, _("yearly"))]
    MONTHS = {MONTH: 1, YEAR: 12}


class MemberUnitKind:
    OFFICE = "office"  # the leadership group's office (市电商办)
    DEPARTMENT = "department"  # a government department
    ENTERPRISE = "enterprise"  # the postal and telecom companies
    TOWNSHIP = "township"  # the townships and subdistrict offices
    ASSOCIATION = "association"  # federations, unions, the league, co-op federation
    choices = [
        (OFFICE, _("office")),
        (DEPARTMENT, _("department")),
        (ENTERPRISE, _("enterprise")),
        (TOWNSHIP, _("townships")),
        (ASSOCIATION, _("association")),
    ]


class Plan(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=200)
    county = models.ForeignKey(
        "regions.RegionUnit",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="plans",
    )
    issued_by = models.CharField(_("issued by"), max_length=100)
    issued_on = models.DateField(_("issued on"))
    effective_on = models.DateField(_("in force from"))
    effective_sentence = models.TextField(_("source sentence (in force)"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    text = models.TextField(_("full text"), blank=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="plan_ends_after_start"
            )
        ]

    def __str__(self):
        return self.title


class PlanEntry(models.Model):
    """What every entry of a plan has: a key unique in its plan and the sentence it quotes."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(_("key"), max_length=64)
    sentence = models.TextField(_("source sentence"))

    class Meta:
        abstract = True
        ordering = ["id"]


class Phase(PlanEntry):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(_("name"), max_length=50)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta(PlanEntry.Meta):
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["starts_on"]
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="phase_key_in_plan")]

    def __str__(self):
        return self.name


class Target(PlanEntry):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")
    indicator = models.CharField(_("indicator"), max_length=64, blank=True, db_index=True)
    label = models.CharField(_("label"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100, blank=True)
    comparison = models.CharField(_("comparison"), max_length=2, choices=Comparison.choices)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=16, choices=TargetUnit.choices)
    period = models.CharField(_("period"), max_length=8, choices=TargetPeriod.choices)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    deadline_note = models.CharField(_("deadline as written"), max_length=50, blank=True)
    scope = models.CharField(
        _("asked of"), max_length=16, choices=TargetScope.choices, default=TargetScope.COUNTY
    )

    class Meta(PlanEntry.Meta):
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="target_key_in_plan")]

    def __str__(self):
        return f"{self.label} {self.comparison} {Decimal(self.value).normalize():f}"

    def is_met_by(self, value) -> bool:
        return value is not None and Comparison.holds(self.comparison, value, self.value)

    def applies_to(self, region) -> bool:
        """A total (10,000 person-times) is asked of the county the plan is for, not of each of
        its townships; a share or a per-village bound of every unit."""
        return self.scope == TargetScope.EVERY_UNIT or region.level == Level.COUNTY


class MemberUnit(PlanEntry):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="member_units")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=MemberUnitKind.choices)
    leads_implementation = models.BooleanField(_("leads implementation"), default=False)
    reports_regularly = models.BooleanField(_("reports to the leadership group"), default=False)
    staff_quota = models.PositiveSmallIntegerField(_("staff quota"), null=True, blank=True)
    duties = models.TextField(_("duties"))
    carries_out = models.JSONField(
        _("carries out"), default=list, blank=True, help_text=_("MemberUnitTask values")
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="member_units", verbose_name=_("staff")
    )

    class Meta(PlanEntry.Meta):
        verbose_name = _("member unit")
        verbose_name_plural = _("member units")
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="member_unit_key_in_plan")
        ]

    def __str__(self):
        return self.name

    def get_carries_out_display(self) -> list[str]:
        labels = dict(MemberUnitTask.choices)
        return [str(labels.get(task, task)) for task in self.carries_out]


class Milestone(PlanEntry):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due on"))
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="milestones")
    responsible = models.ManyToManyField(MemberUnit, blank=True, related_name="milestones")

    class Meta(PlanEntry.Meta):
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="milestone_key_in_plan")
        ]

    def __str__(self):
        return self.title


class FundRule(PlanEntry):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="fund_rules")
    label = models.CharField(_("label"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=FundRuleKind.choices)
    category = models.CharField(_("budget category"), max_length=32)
    per = models.CharField(_("applies per"), max_length=16, choices=FundRulePer.choices)
    amount = MoneyField(_("amount (yuan)"), null=True, blank=True)
    share = models.DecimalField(_("share"), max_digits=5, decimal_places=4, null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("count"), null=True, blank=True)

    class Meta(PlanEntry.Meta):
        verbose_name = _("fund rule")
        verbose_name_plural = _("fund rules")
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="fund_rule_key_in_plan")
        ]

    def __str__(self):
        return self.label


class SubsidyRule(PlanEntry):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="subsidy_rules")
    label = models.CharField(_("label"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=SubsidyRuleKind.choices)
    through_month = models.PositiveSmallIntegerField(_("cumulative through month"))
    threshold = MoneyField(_("threshold (yuan)"))
    rate = models.DecimalField(_("rate"), max_digits=6, decimal_places=4, null=True, blank=True)

    class Meta(PlanEntry.Meta):
        verbose_name = _("subsidy rule")
        verbose_name_plural = _("subsidy rules")
        ordering = ["through_month"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="subsidy_rule_key_in_plan"),
            models.CheckConstraint(
                condition=Q(through_month__gte=1, through_month__lte=12),
                name="subsidy_month_in_year",
            ),
        ]

    def __str__(self):
        return self.label


class ReportingRule(PlanEntry):
    """A report the plan asks for: what, how often, due which day of the period after, and for a
    reported indicator the member unit that enters it."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reporting_rules")
    form = models.CharField(_("form"), max_length=24, choices=ReportingForm.choices)
    indicator = models.CharField(_("indicator"), max_length=64, blank=True)
    period = models.CharField(_("period"), max_length=8, choices=ReportingPeriod.choices)
    due_day = models.PositiveSmallIntegerField(_("due on day of the next period"))
    member_unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reporting_rules",
    )

    class Meta(PlanEntry.Meta):
        verbose_name = _("reporting rule")
        verbose_name_plural = _("reporting rules")
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="reporting_rule_key_in_plan"),
            models.CheckConstraint(
                condition=Q(due_day__gte=1, due_day__lte=28), name="reporting_due_day_in_month"
            ),
        ]

    def __str__(self):
        return self.key

    def due_on(self, period_start):
        """The day a report for the period starting on `period_start` is due: `due_day` of the
        month after the period ends."""
        months = (
            period_start.year * 12 + period_start.month - 1 + ReportingPeriod.MONTHS[self.period]
        )
        return period_start.replace(year=months // 12, month=months % 12 + 1, day=self.due_day)
