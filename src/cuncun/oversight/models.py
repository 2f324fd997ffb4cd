"""Oversight of the program: report forms and their submissions, milestone completions, and the
yearly assessment (目标责任考核) with its manual scores and published results.

Report forms, milestone checks and assessment items are sections of the plan file (they quote the
plan like every plan entry); the rest are what people record against them.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.core.files import ProtectedFileField
from cuncun.oversight.periods import PeriodType
from cuncun.plans.models import MemberUnit, Milestone, Plan, PlanEntry

EVIDENCE_UPLOADS = "oversight/%Y/%m/"


class FieldType:
    NUMBER = "number"  # a decimal figure (yuan, percent …)
    INTEGER = "integer"  # a count
    TEXT = "text"  # a few sentences of work done
    # In context: elsewhere "number" is a document's (编号) and "text" a message's (内容).
    choices = [
        (NUMBER, pgettext_lazy("field type", "number")),
        (INTEGER, _("whole number")),
        (TEXT, pgettext_lazy("field type", "text")),
    ]


class ReviewStatus:
    SUBMITTED = "submitted"  # waiting for the county office
    ACCEPTED = "accepted"  # the office took it
    RETURNED = "returned"  # sent back with a reason: the unit corrects and submits again
    choices = [
        (SUBMITTED, _("awaiting review")),
        # The review's words are monitoring's (已接收), not a site's acceptance check (已验收).
        (ACCEPTED, pgettext_lazy("report review", "accepted")),
        (RETURNED, _("returned")),
    ]
    # What counts as received for completeness: a returned report is not in until resubmitted.
    RECEIVED = (SUBMITTED, ACCEPTED)


class ReportForm(PlanEntry):
    """A data set the plan asks member units to report (定期向领导小组报送有关工作信息)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="report_forms")
    title = models.CharField(_("title"), max_length=200)
    period_type = models.CharField(_("period"), max_length=16, choices=PeriodType.choices)
    due_day = models.PositiveSmallIntegerField(
        _("due day"), help_text=_("Day of the month after the period by which it is on time.")
    )
    lock_day = models.PositiveSmallIntegerField(
        _("lock day"), help_text=_("Day of the month after the period after which it is locked.")
    )
    fields = models.JSONField(_("fields"), default=list)  # [{key, label, type, unit}]
    obliged = models.ManyToManyField(
        MemberUnit, blank=True, related_name="report_forms", verbose_name=_("obliged units")
    )

    class Meta(PlanEntry.Meta):
        verbose_name = _("report form")
        verbose_name_plural = _("report forms")
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="report_form_key_in_plan")
        ]

    def __str__(self):
        return self.title

    def due_on(self, period):
        return period.day_after(self.due_day)

    def locked_after(self, period):
        return period.day_after(self.lock_day)


class SubmissionQuerySet(models.QuerySet):
    def received(self):
        return self.filter(status__in=ReviewStatus.RECEIVED)


class Submission(models.Model):
    """One unit's report for one period. A returned report is corrected in place and submitted
    again; every step is in the audit log."""

    form = models.ForeignKey(ReportForm, on_delete=models.PROTECT, related_name="submissions")
    unit = models.ForeignKey(MemberUnit, on_delete=models.PROTECT, related_name="submissions")
    # For the townships' member unit (各乡镇) each township reports for itself.
    township = models.ForeignKey(
        "regions.RegionUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township"),
    )
    period = models.CharField(_("period"), max_length=8)
    values = models.JSONField(_("values"), default=dict, encoder=DjangoJSONEncoder)
    attachment = ProtectedFileField(
        _("attachment"),
        upload_to=EVIDENCE_UPLOADS,
        blank=True,
        served_by="oversight:attachment_file",
    )
    status = models.CharField(_("status"), max_length=16, choices=ReviewStatus.choices)
    submitted_on = models.DateField(_("submitted on"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    review_note = models.TextField(_("review note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["form", "period", "unit", "township"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "unit", "period"],
                condition=Q(township__isnull=True),
                name="one_report_per_unit_and_period",
            ),
            models.UniqueConstraint(
                fields=["form", "unit", "township", "period"],
                condition=Q(township__isnull=False),
                name="one_report_per_township_and_period",
            ),
        ]

    def __str__(self):
        return f"{self.form} {self.period} {self.reporter_name}"

    @property
    def reporter_name(self) -> str:
        return self.township.name if self.township_id else self.unit.name


class MilestoneCheck(PlanEntry):
    """How the records tell that a milestone is reached: a target's indicator met, or enough sites
    of a kind serving. A milestone without one is completed by its unit and accepted by the
    office."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="milestone_checks")
    milestone = models.CharField(_("milestone"), max_length=64)  # the milestone's key
    target = models.CharField(_("target"), max_length=64, blank=True)  # a target's key
    site_kind = models.CharField(_("kind of site"), max_length=32, blank=True)
    site_count = models.PositiveSmallIntegerField(
        pgettext_lazy("milestone check", "sites"), null=True, blank=True
    )

    class Meta(PlanEntry.Meta):
        verbose_name = _("milestone check")
        verbose_name_plural = _("milestone checks")
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="milestone_check_key_in_plan")
        ]

    def __str__(self):
        return self.key


class MilestoneCompletion(models.Model):
    """A responsible unit says a milestone is done, with evidence; the office accepts or returns
    it. Rows are never deleted: a returned completion stays, a new one follows."""

    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="completions")
    unit = models.ForeignKey(MemberUnit, on_delete=models.PROTECT, related_name="+")
    completed_on = models.DateField(_("completed on"))
    note = models.TextField(_("what was done"))
    evidence = ProtectedFileField(
        _("evidence"), upload_to=EVIDENCE_UPLOADS, served_by="oversight:completion_evidence_file"
    )
    status = models.CharField(_("status"), max_length=16, choices=ReviewStatus.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    review_note = models.TextField(_("review note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("milestone completion")
        verbose_name_plural = _("milestone completions")
        ordering = ["milestone", "-id"]

    def __str__(self):
        return f"{self.milestone} ({self.get_status_display()})"


class Assessed:
    TOWNSHIP = "township"  # each township (乡镇、街道) of the county
    DEPARTMENT = "department"  # each member unit that is a department, company or association
    choices = [(TOWNSHIP, _("townships")), (DEPARTMENT, _("departments"))]


class ScoringMethod:
    LINEAR = "linear"  # points × value / target, at most the points
    THRESHOLD = "threshold"  # all points when the value reaches the threshold, else none
    YES_NO = "yes_no"  # all points when the plan's target in force is met, else none
    REPORTING = "reporting"  # points × the share of the unit's due reports that came on time
    MILESTONES = "milestones"  # points × the share of the unit's due milestones done on time
    MANUAL = "manual"  # the office scores it, with evidence
    choices = [
        (LINEAR, _("linear to the target")),
        (THRESHOLD, _("threshold")),
        (YES_NO, _("yes or no")),
        (REPORTING, _("timeliness of reporting")),
        (MILESTONES, _("milestones on time")),
        (MANUAL, _("scored by the office")),
    ]
    NEEDS_INDICATOR = {LINEAR, THRESHOLD, YES_NO}


class AssessmentItem(PlanEntry):
    """One line of the year's assessment scheme (目标责任考核), quoting the plan."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="assessment_items")
    year = models.PositiveSmallIntegerField(_("year"))
    assessed = models.CharField(_("assessed"), max_length=16, choices=Assessed.choices)
    label = models.CharField(_("label"), max_length=200)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    method = models.CharField(_("scored by"), max_length=16, choices=ScoringMethod.choices)
    indicator = models.CharField(_("indicator"), max_length=64, blank=True)
    # LINEAR: the value that earns all points (default: the plan's target in force);
    # THRESHOLD: the value to reach.
    target = models.DecimalField(
        _("target"), max_digits=16, decimal_places=4, null=True, blank=True
    )

    class Meta(PlanEntry.Meta):
        verbose_name = _("assessment item")
        verbose_name_plural = _("assessment items")
        ordering = ["year", "assessed", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="assessment_item_key_in_plan")
        ]

    def __str__(self):
        return self.label


class ManualScore(models.Model):
    """The office's score of a manual item for one township or department, with its evidence.
    A new score replaces the last one for the sheet; the old rows stay (append-only)."""

    item = models.ForeignKey(AssessmentItem, on_delete=models.PROTECT, related_name="scores")
    township = models.ForeignKey(
        "regions.RegionUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        MemberUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    reason = models.TextField(_("reason"))
    evidence = ProtectedFileField(
        _("evidence"),
        upload_to=EVIDENCE_UPLOADS,
        blank=True,
        served_by="oversight:score_evidence_file",
    )
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    scored_at = models.DateTimeField(_("scored at"), auto_now_add=True)

    class Meta:
        verbose_name = _("manual score")
        verbose_name_plural = _("manual scores")
        ordering = ["item", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(township__isnull=True) & Q(unit__isnull=False))
                | (Q(township__isnull=False) & Q(unit__isnull=True)),
                name="manual_score_for_one_subject",
            ),
            models.CheckConstraint(condition=Q(points__gte=0), name="manual_score_not_negative"),
        ]

    def __str__(self):
        return f"{self.item} {self.points}"


class AssessmentPublication(models.Model):
    """The year's results as published: the ranking and every score sheet, frozen."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    results = models.JSONField(_("results"), encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("published assessment")
        verbose_name_plural = _("published assessments")
        constraints = [
            models.UniqueConstraint(fields=["plan", "year"], name="one_publication_per_year")
        ]

    def __str__(self):
        return f"{self.plan} {self.year}"


class PackStatus:
    QUEUED = "queued"  # asked for, waiting for a worker
    BUILDING = "building"  # the worker is writing its parts
    DONE = "done"  # the zip is ready
    FAILED = "failed"  # the worker stopped on an error; ask again

    choices = [
        (QUEUED, pgettext_lazy("evaluation pack", "waiting for a worker")),
        (BUILDING, pgettext_lazy("evaluation pack", "building")),
        (DONE, pgettext_lazy("evaluation pack", "ready")),
        (FAILED, pgettext_lazy("evaluation pack", "failed")),
    ]
    RUNNING = {QUEUED, BUILDING}


class EvaluationPackBuild(models.Model):
    """One click on "evaluation pack": the year asked for, the progress of the task building it
    and, when done, the zip (kept in the database so any app server can hand it out)."""

    year = models.PositiveSmallIntegerField(_("year"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("asked for at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PackStatus.choices, default=PackStatus.QUEUED
    )
    parts_done = models.PositiveSmallIntegerField(_("parts written"), default=0)
    parts_total = models.PositiveSmallIntegerField(_("parts"), default=0)
    step = models.CharField(_("last part written"), max_length=40, blank=True)
    content = models.BinaryField(_("zip"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation pack build")
        verbose_name_plural = _("evaluation pack builds")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.year} · {self.status}"

    @property
    def is_running(self) -> bool:
        return self.status in PackStatus.RUNNING

    @property
    def percent(self) -> int:
        if self.status == PackStatus.DONE:
            return 100
        return int(self.parts_done * 100 / self.parts_total) if self.parts_total else 0
