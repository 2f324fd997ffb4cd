"""Financing support (增信融资): a business applies for a loan guaranteed by the county's
guarantee agency; its sales and training records are attached automatically; the agency and then
the bank review it (ask for more, approve, refuse); the bank's loan and its repayments."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.core.models import MoneyField, Timestamped


class ApplicationStatus:
    SUBMITTED = "submitted"  # with the guarantee agency
    INFO_REQUESTED = "info_requested"  # the agency or the bank asked the applicant for more
    GUARANTEED = "guaranteed"  # the agency will guarantee it: with the bank
    LENT = "lent"  # the bank approved and lent: the loan is being repaid
    REPAID = "repaid"  # the loan is repaid in full
    REFUSED = "refused"  # the agency or the bank said no

    choices = [
        (SUBMITTED, _("with the guarantee agency")),
        (INFO_REQUESTED, _("more information requested")),
        (GUARANTEED, _("guaranteed, with the bank")),
        (LENT, _("loan granted")),
        (REPAID, _("repaid")),
        # In context: an application is not approved (未通过), a payment notification refused.
        (REFUSED, pgettext_lazy("loan application", "refused")),
    ]


class ReviewStage:
    AGENCY = "agency"  # 担保机构
    BANK = "bank"  # 银行

    choices = [(AGENCY, _("guarantee agency")), (BANK, _("bank"))]


class Decision:
    APPROVE = "approve"
    REFUSE = "refuse"
    ASK_MORE = "ask_more"

    choices = [(APPROVE, _("approve")), (REFUSE, _("refuse")), (ASK_MORE, _("ask for more"))]


class LoanApplication(Timestamped):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    merchant = models.ForeignKey(
        "merchants.Merchant",
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="loan_applications",
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    amount = MoneyField(_("amount asked (yuan)"))
    purpose = models.TextField(_("purpose"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    # Who asked for more, so that the answer goes back to them.
    waiting_on = models.CharField(max_length=8, choices=ReviewStage.choices, blank=True)
    reached_bank = models.BooleanField(default=False)  # from then on the bank handles it too
    # Attached automatically when applying (and refreshed with each answer): what reviewers saw.
    sales_record = models.JSONField(_("sales record"), default=dict)
    training_record = models.JSONField(_("training record"), default=list)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("loan application")
        verbose_name_plural = _("loan applications")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="loan_application_positive"),
            models.CheckConstraint(condition=Q(term_months__gt=0), name="loan_term_positive"),
        ]

    def __str__(self):
        return self.reference


class Review(models.Model):
    """One step of a reviewer (append-only): the decision and what they wrote, or the applicant's
    answer to a request for more."""

    application = models.ForeignKey(
        LoanApplication, on_delete=models.PROTECT, related_name="reviews"
    )
    stage = models.CharField(_("by"), max_length=8, choices=ReviewStage.choices, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    note = models.TextField(_("note"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.application} {self.stage} {self.decision}"


class Loan(Timestamped):
    application = models.OneToOneField(
        LoanApplication, on_delete=models.PROTECT, related_name="loan"
    )
    principal = MoneyField(_("principal (yuan)"))
    annual_rate_percent = models.DecimalField(_("annual rate (%)"), max_digits=5, decimal_places=2)
    lent_on = models.DateField(_("lent on"))
    due_on = models.DateField(pgettext_lazy("loan", "due on"))  # 到期, not a report's deadline
    repaid = MoneyField(_("repaid (yuan)"), default=0)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        constraints = [
            models.CheckConstraint(condition=Q(principal__gt=0), name="loan_principal_positive"),
            models.CheckConstraint(
                condition=Q(repaid__gte=0, repaid__lte=models.F("principal")),
                name="loan_repaid_within_principal",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gt=models.F("lent_on")), name="loan_due_after_lent"
            ),
        ]

    def __str__(self):
        return f"{self.application} ¥{self.principal}"

    @property
    def outstanding(self):
        return self.principal - self.repaid


class Repayment(models.Model):
    """Money repaid on a loan (append-only; the loan's `repaid` is their sum, kept with them)."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="repayments")
    amount = MoneyField(_("amount (yuan)"))
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        ordering = ["paid_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_positive")]

    def __str__(self):
        return f"{self.loan} {self.amount} {self.paid_on}"
