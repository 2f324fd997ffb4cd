"""/api/funds/: checking a budget file against the plan's fund rules (nothing is saved, and the
rules are public, so anyone may ask)."""

from django.utils.translation import gettext as _
from ninja import File, Router
from ninja.files import UploadedFile

from cuncun.core.errors import InvalidInput, NotFound
from cuncun.funds.budget_file import check_budget_file
from cuncun.funds.schemas import BudgetCheckOut
from cuncun.plans.models import Plan
from cuncun.plans.queries import plan_in_force

MAX_BUDGET_FILE = 5 * 1024 * 1024  # a budget of a few hundred rows is a few dozen kilobytes

router = Router(tags=["funds"])


@router.post(
    "/check", response=BudgetCheckOut, summary="Check a budget file (xlsx) against the plan"
)
def check(request, file: File[UploadedFile], plan: str = ""):
    found = Plan.objects.filter(code=plan).first() if plan else plan_in_force()
    if found is None:
        raise NotFound(_("There is no such plan."), details={"plan": plan})
    if file.size > MAX_BUDGET_FILE:
        raise InvalidInput(_("The file is too large."), details={"size": file.size})
    return check_budget_file(file.read(), found).as_json()


routes = [("/funds/", router)]
