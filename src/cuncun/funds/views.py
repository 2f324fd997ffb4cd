"""The fund's pages: its position, the projects, the workflow of each disbursement, checking a
budget file and the auditors' exports. Thin: every rule is in services.py and queries.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cuncun.core.errors import DomainError, NotFound
from cuncun.core.files import stored_file_response
from cuncun.core.money import to_money
from cuncun.core.pages import carry_out
from cuncun.funds import access, exports, queries, services
from cuncun.funds.allocation import Basis, competitive_allocation
from cuncun.funds.budget_file import check_budget_file
from cuncun.funds.forms import (
    AmendForm,
    BudgetFileForm,
    DisbursementForm,
    DocumentForm,
    PaymentForm,
    ProjectForm,
    ReasonForm,
)
from cuncun.funds.models import (
    AwardKind,
    Disbursement,
    DisbursementState,
    FundSource,
    ProjectStatus,
)
from cuncun.funds.rules import category_name, plan_categories
from cuncun.merchants.models import Merchant
from cuncun.plans.queries import fund_rules


def _fund():
    fund = queries.current_fund()
    if fund is None:
        raise NotFound(_("The plan's special fund has not been opened yet."))
    return fund


def _rights(user) -> dict:
    return {
        "may_propose": access.may_propose(user),
        "may_review": access.may_review(user),
        "may_approve": access.may_approve(user),
    }


@login_required
def home(request):
    fund = _fund()
    position = queries.fund_position(request.user, fund)
    return render(
        request,
        "funds/home.html",
        {
            "fund": fund,
            "position": position,
            "chart": [
                {
                    "name": c.name,
                    "budgeted": str(c.budgeted),
                    "committed": str(c.committed),
                    "paid": str(c.paid),
                }
                for c in position["categories"]
                if c.budgeted
            ],
            "waiting": queries.waiting_for(request.user, fund),
            "program_vouchers": queries.vouchers_of_lines(request.user, fund),
            "support_requests": queries.support_requests_waiting(request.user),
            "categories": [
                (key, category_name(key)) for key in plan_categories(fund_rules(fund.plan))
            ],
            "sources": FundSource.choices,
            **_rights(request.user),
        },
    )


@login_required
def project_new(request):
    access.require_proposer(request.user)
    fund = _fund()
    form = ProjectForm(request.POST or None, plan=fund.plan)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.add_project(actor=request.user, fund=fund, draft=form.draft())
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Project %s is in the budget.") % project.code)
            return redirect("funds:project", code=project.code)
    return render(request, "funds/project_form.html", {"form": form})


def _project(request, code):
    project = queries.project_for(request.user, _fund(), code)
    if project is None:
        raise Http404
    return project


@login_required
def project_edit(request, code):
    project = _project(request, code)
    access.require_proposer(request.user)
    form = ProjectForm(
        request.POST or None, plan=project.fund.plan, initial=ProjectForm.initial_for(project)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.change_project(actor=request.user, project=project, draft=form.draft())
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Project %s changed.") % project.code)
            return redirect("funds:project", code=project.code)
    return render(request, "funds/project_form.html", {"form": form, "project": project})


@login_required
def project_detail(request, code):
    project = _project(request, code)
    [line] = queries.line_positions(project.__class__.objects.filter(pk=project.pk))
    return render(
        request,
        "funds/project.html",
        {
            "project": project,
            "line": line,
            "program_vouchers": queries.vouchers_of_lines(
                request.user, project.fund, code=project.code
            ),
            "documents": project.documents.all(),
            "disbursements": project.disbursements.select_related("payee_merchant"),
            "ledger": project.ledger.select_related("disbursement"),
            "disbursement_form": DisbursementForm(),
            "document_form": DocumentForm(),
            "cancel_form": ReasonForm(),
            **_rights(request.user),
        },
    )


@login_required
@require_POST
def project_document(request, code):
    project = _project(request, code)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        carry_out(
            request,
            lambda: services.add_project_document(
                actor=request.user,
                project=project,
                title=form.cleaned_data["title"],
                file=form.cleaned_data["file"],
            ),
            _("Document added."),
        )
    else:
        messages.error(request, _("A document needs a title and a file."))
    return redirect("funds:project", code=code)


@login_required
@require_POST
def project_cancel(request, code):
    project = _project(request, code)
    carry_out(
        request,
        lambda: services.cancel_project(
            actor=request.user, project=project, reason=request.POST.get("reason", "")
        ),
        _("Project cancelled."),
    )
    return redirect("funds:project", code=code)


@login_required
@require_POST
def disbursement_new(request, code):
    project = _project(request, code)
    form = DisbursementForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give an amount and a purpose."))
        return redirect("funds:project", code=code)
    proposed = []
    done = carry_out(
        request,
        lambda: proposed.append(
            services.propose_disbursement(
                actor=request.user,
                project=project,
                amount=form.cleaned_data["amount"],
                purpose=form.cleaned_data["purpose"],
            )
        ),
        _("Disbursement proposed."),
    )
    if done:
        return redirect("funds:disbursement", pk=proposed[0].pk)
    return redirect("funds:project", code=code)


def _award_year(request) -> int:
    """The year asked for (?year=), or the last full year: awards are paid on a year's sales."""
    raw = request.POST.get("year") or request.GET.get("year") or ""
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year - 1


@login_required
def awards(request):
    """The year's online-sales subsidy and reward, from the businesses' accepted reports."""
    fund = _fund()
    year = _award_year(request)
    return render(
        request,
        "funds/awards.html",
        {
            "fund": fund,
            "year": year,
            "rows": queries.sales_awards(request.user, fund, year),
            "pool": queries.reward_pool(fund.plan),
            "projects": queries.projects_visible_to(request.user, fund).filter(
                status=ProjectStatus.ACTIVE
            ),
            "kinds": AwardKind,
            **_rights(request.user),
        },
    )


@login_required
@require_POST
def award_apply(request):
    fund = _fund()
    year = _award_year(request)
    merchant = Merchant.objects.filter(pk=_digits(request.POST.get("merchant"))).first()
    project = queries.project_for(request.user, fund, request.POST.get("project", ""))
    if merchant is None or project is None:
        messages.error(request, _("Choose the business and the budget line."))
    else:
        carry_out(
            request,
            lambda: services.apply_for_sales_award(
                actor=request.user,
                project=project,
                merchant=merchant,
                year=year,
                kind=request.POST.get("kind", ""),
            ),
            _("Application proposed: it now waits for review."),
        )
    return redirect(reverse("funds:awards") + f"?year={year}")


def _digits(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _disbursement(request, pk) -> Disbursement:
    found = queries.disbursements_visible_to(request.user, _fund()).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@login_required
def disbursement_detail(request, pk):
    disbursement = _disbursement(request, pk)
    return render(
        request,
        "funds/disbursement.html",
        {
            "d": disbursement,
            "States": DisbursementState,
            "payment_form": PaymentForm(),
            "reason_form": ReasonForm(),
            "amend_form": AmendForm(
                initial={"amount": disbursement.amount, "purpose": disbursement.purpose}
            ),
            "versions": Disbursement.objects.filter(number=disbursement.number).order_by("version"),
            **_rights(request.user),
        },
    )


def document_file(request, pk):
    """A project's document, for whoever may see the project (404 for anyone else)."""
    document = queries.document_for(request.user, pk)
    return stored_file_response(document.file, public=False)


def evidence_file(request, pk):
    """A disbursement's payment evidence, for whoever may see the disbursement."""
    disbursement = queries.payment_evidence_for(request.user, pk)
    return stored_file_response(disbursement.evidence, public=False)


@login_required
@require_POST
def disbursement_step(request, pk, step):
    disbursement = _disbursement(request, pk)
    actor = request.user
    steps = {
        "review": (
            lambda: services.review_disbursement(actor=actor, disbursement=disbursement),
            _("Reviewed: it now waits for the finance bureau."),
        ),
        "approve": (
            lambda: services.approve_disbursement(actor=actor, disbursement=disbursement),
            _("Approved: the amount is committed to the project."),
        ),
        "cancel": (
            lambda: services.cancel_disbursement(
                actor=actor, disbursement=disbursement, reason=request.POST.get("reason", "")
            ),
            _("Disbursement cancelled."),
        ),
    }
    if step not in steps:
        raise Http404
    carry_out(request, *steps[step])
    return redirect("funds:disbursement", pk=pk)


@login_required
@require_POST
def disbursement_pay(request, pk):
    disbursement = _disbursement(request, pk)
    form = PaymentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Give the voucher number, the date and the evidence."))
        return redirect("funds:disbursement", pk=pk)
    carry_out(
        request,
        lambda: services.pay_disbursement(
            actor=request.user,
            disbursement=disbursement,
            evidence=services.PaymentEvidence(
                voucher_number=form.cleaned_data["voucher_number"],
                paid_on=form.cleaned_data["paid_on"],
                attachment=form.cleaned_data["attachment"],
            ),
        ),
        _("Paid."),
    )
    return redirect("funds:disbursement", pk=pk)


@login_required
@require_POST
def disbursement_amend(request, pk):
    disbursement = _disbursement(request, pk)
    form = AmendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give an amount, a purpose and why it is amended."))
        return redirect("funds:disbursement", pk=pk)
    amended = []
    done = carry_out(
        request,
        lambda: amended.append(
            services.amend_disbursement(
                actor=request.user, disbursement=disbursement, **form.cleaned_data
            )
        ),
        _("Amended: the new version is submitted."),
    )
    return redirect("funds:disbursement", pk=amended[0].pk if done else pk)


def check(request):
    """Check a budget file against the plan without saving it (the rules are public)."""
    form = BudgetFileForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        fund = _fund()
        result = check_budget_file(form.cleaned_data["file"].read(), fund.plan)
    return render(request, "funds/check.html", {"form": form, "result": result})


@login_required
def export(request, what):
    fund = _fund()
    makers = {
        "budget": exports.budget_against_rules,
        "ledger": exports.ledger_per_line,
        "disbursements": exports.disbursements_with_evidence,
    }
    if what not in makers:
        raise Http404
    return makers[what](request.user, fund)


def _allocation_pool(request):
    """The sum to share out as typed (?pool=), or None when none or not an amount."""
    raw = (request.POST.get("pool") or request.GET.get("pool") or "").strip()
    try:
        pool = to_money(raw) if raw else None
    except (ValueError, TypeError):
        return None
    return pool if pool is not None and pool > 0 else None


def _allocation_of(request, fund):
    access.require_workflow_role(request.user)
    year = _award_year(request)
    return year, competitive_allocation(fund.plan, year, _allocation_pool(request))


@login_required
def allocation(request):
    """The competitive allocation to townships of a year: each one's score, share and amount,
    with how the score was reached; the office proposes it into the fund's workflow."""
    fund = _fund()
    year, result = _allocation_of(request, fund)
    projects = queries.projects_visible_to(request.user, fund).filter(status=ProjectStatus.ACTIVE)
    return render(
        request,
        "funds/allocation.html",
        {
            "fund": fund,
            "year": year,
            "allocation": result,
            "from_assessment": result is not None and result.basis == Basis.ASSESSMENT,
            "pool_text": request.GET.get("pool", ""),
            "projects": projects,
            "proposed": queries.allocation_disbursements(request.user, fund, year),
            **_rights(request.user),
        },
    )


@login_required
def allocation_export(request):
    fund = _fund()
    _year, result = _allocation_of(request, fund)
    if result is None:
        raise Http404
    return exports.competitive_allocation(result)


@login_required
@require_POST
def allocation_propose(request):
    fund = _fund()
    year = _award_year(request)
    project = queries.project_for(request.user, fund, request.POST.get("project", ""))
    pool = request.POST.get("pool", "")
    if project is None:
        messages.error(request, _("Choose the budget line the money comes from."))
    else:
        carry_out(
            request,
            lambda: services.propose_competitive_allocation(
                actor=request.user, project=project, year=year, pool=pool
            ),
            _(
                "The allocation is proposed: one disbursement per township, each waiting for "
                "review."
            ),
        )
    return redirect(f"{reverse('funds:allocation')}?year={year}&pool={pool}")


@login_required
@require_POST
def support_request(request, pk: int):
    """Take a park's request for support into the budget, or decline it with a reason."""
    fund = _fund()
    found = queries.support_requests_waiting(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    if request.POST.get("decision") == "decline":
        carry_out(
            request,
            lambda: services.decline_support_request(
                actor=request.user, request=found, reason=request.POST.get("reason", "")
            ),
            _("Request declined; the park sees why."),
        )
        return redirect("funds:home")
    done = carry_out(
        request,
        lambda: services.take_support_request(
            actor=request.user,
            fund=fund,
            request=found,
            category=request.POST.get("category", ""),
            source=request.POST.get("source", FundSource.LOCAL),
        ),
        _("Taken into the budget as a project."),
    )
    found.refresh_from_db()
    if done and found.fund_project:
        return redirect("funds:project", found.fund_project)
    return redirect("funds:home")
