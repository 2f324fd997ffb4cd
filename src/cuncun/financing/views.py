"""Pages of financing: the applicant's applications and the form to apply, the agency's and the
bank's queue, an application's page (reviews, answers, the loan and repayments) and the county
office's pipeline. Thin: the rules are in services.py, the reads in queries.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cuncun.accounts.roles import Role
from cuncun.core.pages import carry_out
from cuncun.financing import queries, services
from cuncun.financing.forms import AnswerForm, ApplicationForm, RepaymentForm, ReviewForm
from cuncun.financing.models import ApplicationStatus, Loan
from cuncun.merchants.models import Merchant


def _owned(user):
    return Merchant.objects.filter(owner=user, is_active=True)


@login_required
def home(request):
    user = request.user
    if queries.is_office(user):
        return render(request, "financing/pipeline.html", {"p": queries.pipeline(user)})
    merchants = list(_owned(user)) if user.role == Role.MERCHANT else []
    if user.role not in services.STAGE_OF_ROLE and not merchants:
        raise PermissionDenied
    form = ApplicationForm(request.POST or None, merchants=merchants)
    if request.method == "POST" and merchants and form.is_valid():
        data = form.cleaned_data
        done = []
        carry_out(
            request,
            lambda: done.append(
                services.apply_for_loan(
                    actor=user,
                    merchant=next(m for m in merchants if m.pk == data["merchant"]),
                    amount=data["amount"],
                    purpose=data["purpose"],
                    term_months=data["term_months"],
                )
            ),
            _("Your application is with the guarantee agency."),
        )
        if done:
            return redirect("financing:application", reference=done[0].reference)
    return render(
        request,
        "financing/home.html",
        {
            "applications": queries.handled_by(user)[:200],
            "form": form if merchants else None,
            "waiting": {
                Role.GUARANTEE_AGENCY: ApplicationStatus.SUBMITTED,
                Role.BANK: ApplicationStatus.GUARANTEED,
            }.get(user.role),
        },
    )


@login_required
def application(request, reference: str):
    user = request.user
    app = services.open_application(actor=user, reference=reference)
    stage = services.STAGE_OF_ROLE.get(user.role)
    return render(
        request,
        "financing/application.html",
        {
            "a": app,
            "loan": Loan.objects.filter(application=app).prefetch_related("repayments").first(),
            "review_form": ReviewForm()
            if stage and app.status == services.DECIDES_AT[stage]
            else None,
            "is_bank": stage == "bank",
            "answer_form": AnswerForm()
            if app.status == ApplicationStatus.INFO_REQUESTED and app.merchant.owner_id == user.pk
            else None,
            "repayment_form": RepaymentForm()
            if stage == "bank" and app.status == ApplicationStatus.LENT
            else None,
        },
    )


@login_required
@require_POST
def review(request, reference: str):
    app = queries.application_for(request.user, reference)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the form: %s") % form.errors.as_text())
    else:
        carry_out(
            request,
            lambda: services.review_application(
                actor=request.user, application=app, **form.cleaned_data
            ),
            _("Your decision is recorded."),
        )
    return redirect("financing:application", reference=reference)


@login_required
@require_POST
def answer(request, reference: str):
    app = queries.application_for(request.user, reference)
    form = AnswerForm(request.POST)
    if form.is_valid():
        carry_out(
            request,
            lambda: services.answer_request(
                actor=request.user, application=app, answer=form.cleaned_data["answer"]
            ),
            _("Your answer was sent."),
        )
    return redirect("financing:application", reference=reference)


@login_required
@require_POST
def repayment(request, reference: str):
    app = queries.application_for(request.user, reference)
    loan = Loan.objects.filter(application=app).first()
    form = RepaymentForm(request.POST)
    if loan is not None and form.is_valid():
        carry_out(
            request,
            lambda: services.record_repayment(actor=request.user, loan=loan, **form.cleaned_data),
            _("The repayment is recorded."),
        )
    return redirect("financing:application", reference=reference)
