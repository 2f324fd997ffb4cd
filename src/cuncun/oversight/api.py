"""/api/oversight/: milestones with their state, reporting completeness and timeliness for a
period, the year's assessment ranking. Read with the same rights as the pages."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from cuncun.core.errors import InvalidInput, NotFound
from cuncun.oversight import queries, scoring
from cuncun.oversight.access import reads_everything, require_reader

router = Router(tags=["oversight"])


def _number(value):
    return None if value is None else float(value)


def _score_evidence_url(score_id: int | None) -> str | None:
    """A manual score's evidence file, where the sheet shows one (older publications did not
    name it)."""
    return reverse("oversight:score_evidence_file", args=[score_id]) if score_id else None


@router.get("/milestones/", summary="The plan's milestones and their state")
def milestones(request):
    require_reader(request.user)
    states = queries.milestone_states(queries.current_plan(), timezone.localdate())
    return {
        "items": [
            {
                "key": s.milestone.key,
                "title": s.milestone.title,
                "phase": s.milestone.phase.key,
                "due_on": s.milestone.due_on,
                "status": s.status,
                "late": s.late,
                "source": s.source,
                "detail": str(s.detail),
                "responsible": [u.key for u in s.milestone.responsible.all()],
                "sentence": s.milestone.sentence,
            }
            for s in states
        ]
    }


@router.get("/reporting/", summary="Completeness and timeliness per unit for a period")
def reporting(request, period: str):
    """`period`: 2017-03 (monthly forms), 2017Q1 (quarterly) or 2017 (yearly). A unit's staff
    see their own reports; the office and the leadership group every unit's."""
    require_reader(request.user)
    summaries = queries.reporting_for_period(request.user, period)
    return {
        "period": period,
        "forms": [
            {
                "form": s.form.key,
                "title": s.form.title,
                "expected": s.expected,
                "received": s.received,
                "on_time": s.on_time,
                "completeness": s.completeness,
                "timeliness": s.timeliness,
                "units": [
                    {
                        "unit": line.reporter.code,
                        "name": line.reporter.name,
                        "due_on": line.due_on,
                        "status": line.submission.status if line.submission else "missing",
                        "submitted_on": line.submission.submitted_on if line.submission else None,
                        "received": line.received,
                        "on_time": line.on_time,
                    }
                    for line in s.lines
                ],
            }
            for s in summaries
        ],
    }


@router.get("/assessment/", summary="The year's assessment: score and rank of each unit")
def assessment(request, year: int):
    require_reader(request.user)
    if not 1900 <= year <= 9998:
        raise InvalidInput(_("year must be a year such as 2017"), details={"year": year})
    results, publication = scoring.assessment_results(queries.current_plan(), year)
    if publication is None and not reads_everything(request.user):
        raise NotFound(_("The %d assessment is not published yet.") % year)
    return {
        "year": year,
        "published": publication is not None,
        "measured_on": results["measured_on"],
        "items": [
            {
                "unit": row["unit"],
                "name": row["name"],
                "kind": row["kind"],
                "score": _number(row["score"]),
                "possible": _number(row["possible"]),
                "rank": row["rank"],
                "lines": [
                    {
                        **line,
                        "max_points": _number(line["max_points"]),
                        "points": _number(line["points"]),
                        "value": _number(line["value"]),
                        "target": _number(line["target"]),
                        "evidence": _score_evidence_url(line.get("evidence")),
                    }
                    for line in row["lines"]
                ],
            }
            for group in ("townships", "departments")
            for row in results[group]
        ],
    }


routes = [("/oversight/", router)]
