"""/api/training/: sessions (public), counts for an area, trainees (ID and phone numbers masked; the
training office opens one trainee's in full, audited)."""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.security import django_auth

from cuncun.core.errors import InvalidInput, NotFound
from cuncun.regions.queries import browse_root, find_unit
from cuncun.training import queries, services
from cuncun.training.access import require_reader
from cuncun.training.schemas import SessionOut, SummaryOut, TraineeOut, TraineePersonalOut

FIRST_YEAR, LAST_YEAR = 1900, 9998  # years a date filter can name

router = Router(tags=["training"])


def _day(value: str | None) -> date:
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise InvalidInput(_("on must be a date as YYYY-MM-DD"), details={"on": value}) from error


@router.get("/sessions/", response=list[SessionOut], summary="Training sessions")
def list_sessions(request, year: int | None = None, kind: str = ""):
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(_("year must be a year such as 2017"), details={"year": year})
    return [
        {
            "code": s.code,
            "title": s.display_title,
            "course": s.course.name,
            "kind": s.course.kind,
            "starts_on": s.starts_on,
            "ends_on": s.ends_on,
            "place": s.place,
            "township": s.region.name,
            "trainer": s.trainer,
            "institution": s.institution,
            "funding_source": s.funding_source,
            "cost": s.cost,
            "persons": s.persons,
        }
        for s in queries.sessions(request.user, year=year, kind=kind)
    ]


@router.get("/summary/", response=SummaryOut, summary="Person-times, persons and categories")
def summary(request, region: str | None = None, on: str | None = None):
    """Counted since the plan started, for people living in `region` (default: the caller's
    area, or the county). The training fund is the county's: the plan caps it county-wide."""
    unit = find_unit(request.user, region) if region else browse_root(request.user)
    if unit is None:
        raise NotFound(_("The county's divisions are not loaded yet."))
    day = _day(on)
    plan = queries.plan_for(unit, day)
    since = plan.starts_on if plan else None
    c = queries.counts(unit, since or date.min, day)
    fund = queries.training_fund(plan)
    return {
        "region": unit.code or str(unit.pk),
        "since": since,
        "on": day,
        "person_times": c.person_times,
        "persons": c.persons,
        "sessions": c.sessions,
        "categories": [
            {"code": r["code"], "label": str(r["label"]), "persons": r["persons"]}
            for r in queries.per_category(unit, since or date.min, day)
        ],
        "villages_without_talent": len(queries.villages_without_talent(unit, day)),
        "special_fund_spent": queries.spending(unit, since or date.min, day)["special_fund"],
        "county_training_fund": {
            "cap": fund.cap.amount,
            "committed": fund.committed,
            "left": fund.left,
            "sentence": fund.cap.sentence,
        }
        if fund
        else None,
    }


@router.get("/trainees/", response=list[TraineeOut], summary="Trainees the caller may see")
def list_trainees(request, region: str | None = None, category: str = "", limit: int = 100):
    require_reader(request.user)
    unit = find_unit(request.user, region) if region else None
    rows = queries.trainees(request.user, region=unit, category=category)[
        : max(1, min(limit, 1000))
    ]
    return [
        {
            "id": t.pk,
            "name": t.name,
            "id_number": t.masked_id_number,
            "gender": t.gender,
            "ethnicity": t.ethnicity,
            "village": t.region.name,
            "person_times": t.person_times,
        }
        for t in rows
    ]


@router.post(
    "/trainees/{trainee_id}/personal-data",
    response=TraineePersonalOut,
    auth=django_auth,
    summary="One trainee's full ID and phone number (training office; the look is audited)",
)
def reveal_trainee_personal_data(request, trainee_id: int):
    trainee = queries.trainee(request.user, trainee_id)
    return {"id": trainee.pk, **services.reveal_trainee(actor=request.user, trainee=trainee)}


routes = [("/training/", router)]
