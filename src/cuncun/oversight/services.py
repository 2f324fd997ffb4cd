"""Every write of oversight: reports and their review, milestone completions and their review,
the office's manual scores and the publication of the year's assessment."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cuncun.core import audit
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed
from cuncun.oversight.access import (
    Reporter,
    is_office,
    may_report_for,
    reads_everything,
    require_office,
)
from cuncun.oversight.models import (
    AssessmentItem,
    AssessmentPublication,
    EvaluationPackBuild,
    FieldType,
    ManualScore,
    MilestoneCompletion,
    PackStatus,
    ReportForm,
    ReviewStatus,
    ScoringMethod,
    Submission,
)
from cuncun.oversight.periods import parse_period
from cuncun.oversight.queries import expected_reporters, record_derived
from cuncun.oversight.scoring import frozen_results, subject_kind_of
from cuncun.plans.models import MemberUnit, Milestone

SUBMISSION_FIELDS = ["status", "values", "submitted_on", "review_note"]
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def _clean_values(form: ReportForm, values: dict) -> dict:
    """Each field of the form, typed; every problem at once."""
    cleaned, problems = {}, []
    for spec in form.fields:
        raw = str(values.get(spec["key"], "") or "").strip()
        label = spec["label"]
        if spec["type"] == FieldType.TEXT:
            if not raw:
                problems.append(_("%s: please fill it in") % label)
            cleaned[spec["key"]] = raw
            continue
        try:
            number = Decimal(raw)
        except InvalidOperation:
            problems.append(_("%s: a number is needed") % label)
            continue
        if not number.is_finite() or number < 0:
            problems.append(_("%s: a number of at least 0 is needed") % label)
        elif spec["type"] == FieldType.INTEGER and number != number.to_integral_value():
            problems.append(_("%s: a whole number is needed") % label)
        else:
            cleaned[spec["key"]] = int(number) if spec["type"] == FieldType.INTEGER else number
    if problems:
        raise InvalidInput("; ".join(problems), details={"fields": problems})
    return cleaned


def _check_attachment(attachment) -> None:
    if attachment is not None and attachment.size > MAX_ATTACHMENT_BYTES:
        raise InvalidInput(_("An attachment may be at most 10 MB."))


def submit_report(
    *,
    actor,
    form: ReportForm,
    period: str,
    unit: MemberUnit,
    township=None,
    values: dict,
    attachment=None,
    received_on: date | None = None,
) -> Submission:
    """A unit's report for a period, or its correction after a return (or before review).

    `received_on`: the day a paper report reached the office, entered by the office; everyone
    else submits on the day they submit."""
    today = timezone.localdate()
    if received_on is not None and not is_office(actor):
        raise NotAllowed(_("Only the county e-commerce office enters reports received earlier."))
    day = received_on or today
    the_period = parse_period(period)
    reporter = Reporter(unit, township)
    if not may_report_for(actor, reporter):
        raise NotAllowed(_("You may report only for your own unit."))
    if the_period.type != form.period_type:
        raise InvalidInput(_("This form is reported per %s.") % form.get_period_type_display())
    if not any(
        r.same_as(unit.pk, township.pk if township else None)
        for r in expected_reporters(form, the_period)
    ):
        raise InvalidInput(
            _("%(unit)s does not report this form for %(period)s.")
            % {
                "unit": reporter.name,
                "period": the_period.code,
            }
        )
    if day < the_period.starts_on or day > today:
        raise InvalidInput(_("A report can be made once its period has begun, never in advance."))
    if day > form.locked_after(the_period):
        raise Conflict(
            _("The period %(period)s was locked on %(day)s: ask the county office.")
            % {"period": the_period.code, "day": form.locked_after(the_period).isoformat()}
        )
    cleaned = _clean_values(form, values)
    _check_attachment(attachment)
    with transaction.atomic():
        existing = (
            Submission.objects.select_for_update()
            .filter(form=form, unit=unit, township=township, period=the_period.code)
            .order_by("pk")  # the default order joins the nullable township: not lockable
            .first()
        )
        if existing is not None and existing.status == ReviewStatus.ACCEPTED:
            raise Conflict(_("This report was accepted already and can no longer be changed."))
        before = audit.snapshot(existing, SUBMISSION_FIELDS) if existing else None
        submission = existing or Submission(
            form=form, unit=unit, township=township, period=the_period.code
        )
        submission.values = cleaned
        submission.status = ReviewStatus.SUBMITTED
        submission.submitted_on = day
        submission.submitted_by = actor
        if attachment is not None:
            submission.attachment = attachment
        submission.save()
        audit.record(
            actor=actor,
            action="oversight.report.submit" if existing is None else "oversight.report.resubmit",
            obj=submission,
            before=before,
            after={
                **audit.snapshot(submission, SUBMISSION_FIELDS),
                "attachment": submission.attachment.name,
            },
        )
    return submission


def _review(actor, submission: Submission, to_status: str, note: str) -> Submission:
    require_office(actor)
    if to_status == ReviewStatus.RETURNED and not note.strip():
        raise InvalidInput(_("Say why the report is returned, so that the unit can correct it."))
    with transaction.atomic():
        row = Submission.objects.select_for_update().get(pk=submission.pk)
        if row.status != ReviewStatus.SUBMITTED:
            raise Conflict(_("Only a report awaiting review can be accepted or returned."))
        before = audit.snapshot(row, ["status", "review_note"])
        row.status, row.review_note, row.reviewed_by = to_status, note.strip(), actor
        row.save(update_fields=["status", "review_note", "reviewed_by"])
        audit.record(
            actor=actor,
            action=f"oversight.report.{to_status}",
            obj=row,
            before=before,
            after=audit.snapshot(row, ["status", "review_note"]),
            reason=note,
        )
    return row


def accept_report(*, actor, submission: Submission, note: str = "") -> Submission:
    return _review(actor, submission, ReviewStatus.ACCEPTED, note)


def return_report(*, actor, submission: Submission, note: str) -> Submission:
    return _review(actor, submission, ReviewStatus.RETURNED, note)


# --- milestones --------------------------------------------------------------------------------


def complete_milestone(
    *, actor, milestone: Milestone, unit: MemberUnit, completed_on: date, note: str, evidence
) -> MilestoneCompletion:
    """A responsible unit says the milestone is done, with an evidence file."""
    if record_derived(milestone):
        raise Conflict(_("This milestone's state comes from the records; nothing to complete."))
    responsible = set(milestone.responsible.values_list("pk", flat=True))
    if unit.pk not in responsible and not is_office(actor):
        raise NotAllowed(_("%s is not responsible for this milestone.") % unit.name)
    if not is_office(actor) and not may_report_for(actor, Reporter(unit)):
        raise NotAllowed(_("You may complete milestones only for your own unit."))
    if completed_on > timezone.localdate():
        raise InvalidInput(_("The day it was completed cannot be in the future."))
    if not note.strip() or not evidence:
        raise InvalidInput(_("Say what was done and attach the evidence."))
    _check_attachment(evidence)
    with transaction.atomic():
        pending = (
            MilestoneCompletion.objects.select_for_update()
            .filter(milestone=milestone, status__in=ReviewStatus.RECEIVED)
            .order_by("pk")
            .first()
        )
        if pending is not None:
            raise Conflict(_("This milestone is already reported done: %s.") % pending.note)
        completion = MilestoneCompletion.objects.create(
            milestone=milestone,
            unit=unit,
            completed_on=completed_on,
            note=note.strip(),
            evidence=evidence,
            status=ReviewStatus.SUBMITTED,
            submitted_by=actor,
        )
        audit.record(
            actor=actor,
            action="oversight.milestone.complete",
            obj=completion,
            after={
                **audit.snapshot(completion, ["status", "completed_on", "note"]),
                "evidence": completion.evidence.name,
            },
        )
    return completion


def _review_completion(actor, completion, to_status: str, note: str) -> MilestoneCompletion:
    require_office(actor)
    if to_status == ReviewStatus.RETURNED and not note.strip():
        raise InvalidInput(_("Say why it is returned, so that the unit can act on it."))
    with transaction.atomic():
        row = MilestoneCompletion.objects.select_for_update().get(pk=completion.pk)
        if row.status != ReviewStatus.SUBMITTED:
            raise Conflict(_("Only a completion awaiting acceptance can be accepted or returned."))
        row.status, row.review_note, row.reviewed_by = to_status, note.strip(), actor
        row.save(update_fields=["status", "review_note", "reviewed_by"])
        audit.record(
            actor=actor,
            action=f"oversight.milestone.{to_status}",
            obj=row,
            before={"status": ReviewStatus.SUBMITTED},
            after={"status": to_status, "review_note": row.review_note},
            reason=note,
        )
    return row


def accept_milestone_completion(*, actor, completion, note: str = "") -> MilestoneCompletion:
    return _review_completion(actor, completion, ReviewStatus.ACCEPTED, note)


def return_milestone_completion(*, actor, completion, note: str) -> MilestoneCompletion:
    return _review_completion(actor, completion, ReviewStatus.RETURNED, note)


# --- assessment --------------------------------------------------------------------------------


def _published(plan, year: int) -> bool:
    return AssessmentPublication.objects.filter(plan=plan, year=year).exists()


def score_manually(
    *, actor, item: AssessmentItem, subject, points, reason: str, evidence=None
) -> ManualScore:
    """The office's score of a manual item for a township (RegionUnit) or department
    (MemberUnit), with the reason and, where there is one, the evidence."""
    require_office(actor)
    if item.method != ScoringMethod.MANUAL:
        raise InvalidInput(_("This item is scored from the records, not by hand."))
    try:
        points = Decimal(str(points))
    except InvalidOperation as error:
        raise InvalidInput(_("The points must be a number.")) from error
    if not points.is_finite() or not Decimal(0) <= points <= item.points:
        raise InvalidInput(_("The points must be between 0 and %s.") % item.points)
    if not reason.strip():
        raise InvalidInput(_("Say why these points were given."))
    _check_attachment(evidence)
    if subject_kind_of(subject) != item.assessed:
        raise InvalidInput(_("This item is not scored for %s.") % subject)
    with transaction.atomic():
        if _published(item.plan, item.year):
            raise Conflict(_("The %d assessment is published: its scores are final.") % item.year)
        score = ManualScore.objects.create(
            item=item,
            township=subject if item.assessed == "township" else None,
            unit=subject if item.assessed == "department" else None,
            points=points,
            reason=reason.strip(),
            evidence=evidence or "",
            scored_by=actor,
        )
        audit.record(
            actor=actor,
            action="oversight.assessment.score",
            obj=score,
            after=audit.snapshot(score, ["item_id", "township_id", "unit_id", "points", "reason"]),
        )
    return score


def publish_assessment(*, actor, plan, year: int) -> AssessmentPublication:
    """Freeze the year's ranking and score sheets as they are now, once."""
    require_office(actor)
    results = frozen_results(plan, year)
    if not results["townships"] and not results["departments"]:
        raise InvalidInput(_("The plan has no assessment items for %d.") % year)
    with transaction.atomic():
        if _published(plan, year):
            raise Conflict(_("The %d assessment is published already.") % year)
        publication = AssessmentPublication.objects.create(
            plan=plan, year=year, published_by=actor, results=results
        )
        audit.record(
            actor=actor,
            action="oversight.assessment.publish",
            obj=publication,
            after={"year": year, "subjects": len(results["townships"] + results["departments"])},
        )
    return publication


# --- the evaluation pack, built by a task ---------------------------------------------------


def start_evaluation_pack(*, actor, year: int) -> EvaluationPackBuild:
    """Queue the year's evaluation pack; the page follows its progress and offers the zip."""
    if not reads_everything(actor):
        require_office(actor)
    if not 2000 <= year <= timezone.localdate().year:
        raise InvalidInput(_("Choose a year that has begun."), details={"year": year})
    with transaction.atomic():
        build = EvaluationPackBuild.objects.create(year=year, requested_by=actor)
        audit.record(
            actor=actor, action="oversight.evaluation_pack", obj=build, after={"year": year}
        )
        transaction.on_commit(lambda: _enqueue_pack(build.pk))
    return build


def _enqueue_pack(build_id: int) -> None:
    from cuncun.oversight.tasks import build_evaluation_pack

    build_evaluation_pack.enqueue(build_id)


def process_evaluation_pack(*, build_id: int) -> str:
    """Build a queued pack (the background task), telling its progress part by part."""
    from cuncun.oversight.pack import evaluation_pack
    from cuncun.oversight.queries import current_plan

    claimed = EvaluationPackBuild.objects.filter(pk=build_id, status=PackStatus.QUEUED).update(
        status=PackStatus.BUILDING
    )
    build = EvaluationPackBuild.objects.get(pk=build_id)
    if not claimed:
        return build.status
    rows = EvaluationPackBuild.objects.filter(pk=build_id)

    def progress(done: int, total: int, step: str) -> None:
        rows.update(parts_done=done, parts_total=total, step=step[:40])

    try:
        content = evaluation_pack(year=build.year, plan=current_plan(), progress=progress)
    except Exception as error:  # the page says it failed, and the office may ask again
        rows.update(status=PackStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now())
        raise
    rows.update(status=PackStatus.DONE, content=content, finished_at=timezone.now())
    return PackStatus.DONE
