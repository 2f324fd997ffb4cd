"""The special fund (专项资金): the fund of a plan, its projects (each one budget line of a plan
fund category), their documents, the disbursements paid to them and the append-only ledger that
reconciles each line."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.core.files import ProtectedFileField
from cuncun.core.models import MoneyField, Timestamped
from cuncun.core.scoping import ScopedQuerySet
from cuncun.plans.models import PlanEntry


class FundSource:
    CENTRAL = "central"  # 中央财政资金: what the plan's fund size and shares of the fund measure
    LOCAL = "local"  # 地方配套: the county's own money for the project
    choices = [(CENTRAL, _("central")), (LOCAL, _("local"))]


class ProjectStatus:
    ACTIVE = "active"  # a line of the budget: counts against every rule
    CANCELLED = "cancelled"  # withdrawn with a reason; kept, counts against nothing
    # In context: an order or a booking is cancelled (已取消), a fund's record withdrawn (已撤销).
    choices = [(ACTIVE, _("in the budget")), (CANCELLED, pgettext_lazy("fund record", "cancelled"))]


class Fund(models.Model):
    """The special fund a plan brings. Its size and rules are the plan's `[[fund_rule]]` rows;
    this row is what every change of the budget locks, so that two changes cannot pass a rule
    together."""

    plan = models.OneToOneField("plans.Plan", on_delete=models.PROTECT, related_name="fund")

    class Meta:
        verbose_name = _("special fund")
        verbose_name_plural = _("special funds")

    def __str__(self):
        return str(self.plan)


class ProjectQuerySet(ScopedQuerySet):
    region_path_lookup = "region__path"

    def active(self):
        return self.filter(status=ProjectStatus.ACTIVE)


class Project(Timestamped):
    """One budget line: a project of one plan fund category with the fund's support for it."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="projects")
    code = models.CharField(_("project code"), max_length=20)
    name = models.CharField(_("project"), max_length=200)
    category = models.CharField(_("fund category"), max_length=32)
    # Where the project is: its site's, its owner's, or the county's region (for scoping).
    region = models.ForeignKey(
        "regions.RegionUnit", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        "network.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fund_projects",
    )
    owner_merchant = models.ForeignKey(
        "merchants.Merchant",
        verbose_name=_("owner (business)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fund_projects",
    )
    owner_site = models.ForeignKey(
        "network.Site",
        verbose_name=_("owner (site)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_fund_projects",
    )
    owner_unit = models.ForeignKey(
        "plans.MemberUnit",
        verbose_name=_("owner (unit)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fund_projects",
    )
    total_investment = MoneyField(_("total investment (yuan)"))
    support = MoneyField(_("fund support (yuan)"))
    source = models.CharField(
        pgettext_lazy("fund project", "source"), max_length=8, choices=FundSource.choices
    )
    use = models.TextField(_("use of the support"))
    status = models.CharField(
        _("status"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("fund project")
        verbose_name_plural = _("fund projects")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "code"], name="fund_project_code_unique"),
            models.CheckConstraint(
                condition=Q(support__gte=0, total_investment__gte=0),
                name="fund_project_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        owner_merchant__isnull=False,
                        owner_site__isnull=True,
                        owner_unit__isnull=True,
                    )
                    | Q(
                        owner_merchant__isnull=True,
                        owner_site__isnull=False,
                        owner_unit__isnull=True,
                    )
                    | Q(
                        owner_merchant__isnull=True,
                        owner_site__isnull=True,
                        owner_unit__isnull=False,
                    )
                ),
                name="fund_project_one_owner",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProjectStatus.CANCELLED) | ~Q(cancel_reason=""),
                name="fund_project_cancel_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def owner(self):
        return self.owner_merchant or self.owner_site or self.owner_unit


class ProjectDocument(models.Model):
    """A file of a project (application, contract, acceptance report). Never replaced: a newer
    document is another row."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = ProtectedFileField(
        _("file"), upload_to="funds/documents/%Y/", served_by="funds:document_file"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("project document")
        verbose_name_plural = _("project documents")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.title


class DisbursementState:
    PROPOSED = "proposed"  # submitted by the commerce bureau or the office: immutable from now on
    REVIEWED = "reviewed"  # checked by the county e-commerce office
    APPROVED = "approved"  # approved by the finance bureau: committed in the ledger
    PAID = "paid"  # paid by the finance bureau with a voucher: paid in the ledger
    CANCELLED = "cancelled"  # withdrawn with a reason (or replaced by an amended version)
    choices = [
        (PROPOSED, _("proposed")),
        (REVIEWED, _("reviewed")),
        (APPROVED, _("approved")),
        (PAID, pgettext_lazy("fund payment", "paid")),
        (CANCELLED, pgettext_lazy("fund record", "cancelled")),
    ]
    # States whose amount the ledger holds as committed.
    COMMITTED = (APPROVED, PAID)
    OPEN = (PROPOSED, REVIEWED, APPROVED)


class AwardKind:
    SUBSIDY = "subsidy"  # 网络销售补助: the rate on a year's online sales above the threshold
    REWARD = "reward"  # 线上销售奖励: a share of the city's yearly reward pool
    choices = [(SUBSIDY, _("online sales subsidy")), (REWARD, _("online sales reward"))]


class DisbursementQuerySet(ScopedQuerySet):
    region_path_lookup = "project__region__path"


class Disbursement(models.Model):
    """A request to pay part of a project's support (拨付). Submitted, it is never edited: an
    amendment cancels it and submits the next version under the same number."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="disbursements")
    number = models.CharField(_("number"), max_length=20)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    amends = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amended_by"
    )
    payee_merchant = models.ForeignKey(
        "merchants.Merchant",
        verbose_name=_("payee (business)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fund_disbursements",
        help_text=_("A sales subsidy or reward: the business it is paid to."),
    )
    award_kind = models.CharField(
        _("award"), max_length=8, choices=AwardKind.choices, blank=True, default=""
    )
    award_year = models.PositiveSmallIntegerField(_("award year"), null=True, blank=True)
    payee_township = models.ForeignKey(
        "regions.RegionUnit",
        verbose_name=_("payee (township)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("A competitive allocation: the township it is paid to."),
    )
    allocation_year = models.PositiveSmallIntegerField(_("allocation year"), null=True, blank=True)
    amount = MoneyField(_("amount (yuan)"))
    purpose = models.TextField(_("purpose"))
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=DisbursementState.choices,
        default=DisbursementState.PROPOSED,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    voucher_number = models.CharField(_("voucher number"), max_length=50, blank=True)
    paid_on = models.DateField(pgettext_lazy("fund payment", "paid on"), null=True, blank=True)
    evidence = ProtectedFileField(
        _("payment evidence"),
        upload_to="funds/evidence/%Y/",
        blank=True,
        served_by="funds:evidence_file",
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = DisbursementQuerySet.as_manager()

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number", "version"], name="disbursement_version"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_amount_positive"),
            # A business applies once a year for each award (a correction is a new version).
            models.UniqueConstraint(
                fields=["payee_merchant", "award_kind", "award_year"],
                condition=~Q(award_kind="") & ~Q(state=DisbursementState.CANCELLED),
                name="one_award_a_year",
            ),
            models.CheckConstraint(
                condition=Q(award_kind="")
                | (Q(payee_merchant__isnull=False) & Q(award_year__isnull=False)),
                name="award_has_payee_and_year",
            ),
            # A township gets one competitive allocation a year (a correction is a new version).
            models.UniqueConstraint(
                fields=["payee_township", "allocation_year"],
                condition=Q(allocation_year__isnull=False) & ~Q(state=DisbursementState.CANCELLED),
                name="one_allocation_a_year",
            ),
            models.CheckConstraint(
                condition=Q(allocation_year__isnull=True) | Q(payee_township__isnull=False),
                name="allocation_has_township",
            ),
            models.CheckConstraint(
                condition=~Q(state=DisbursementState.PAID)
                | (~Q(voucher_number="") & Q(paid_on__isnull=False)),
                name="disbursement_paid_has_voucher",
            ),
            models.CheckConstraint(
                condition=~Q(state=DisbursementState.CANCELLED) | ~Q(cancel_reason=""),
                name="disbursement_cancel_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.number} v{self.version}"


class LedgerEntryKind:
    COMMITTED = "committed"  # an approval: the amount is promised to the line
    RELEASED = "released"  # an approved disbursement cancelled: the promise given back (negative)
    PAID = "paid"  # a payment with its voucher
    choices = [
        (COMMITTED, _("committed")),
        (RELEASED, _("released")),
        (PAID, pgettext_lazy("fund payment", "paid")),
    ]


class LedgerEntry(models.Model):
    """The fund ledger, append-only: a correction is a new entry, never an edit."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="ledger")
    disbursement = models.ForeignKey(Disbursement, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(_("kind"), max_length=12, choices=LedgerEntryKind.choices)
    amount = MoneyField(_("amount (yuan)"), help_text=_("Negative for a release."))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("fund ledger entry")
        verbose_name_plural = _("fund ledger")
        ordering = ["recorded_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"


class CompetitiveAllocationRule(PlanEntry):
    """The plan's competitive allocation of money to townships (竞争性分配资金): by the year's
    assessment of townships where the plan has one for that year, otherwise by the indicators it
    names here, each counting equally (its value against the target in force, at most 100%)."""

    plan = models.ForeignKey(
        "plans.Plan", on_delete=models.CASCADE, related_name="competitive_allocations"
    )
    label = models.CharField(_("label"), max_length=200)
    indicators = models.JSONField(_("indicators without an assessment"), default=list)

    class Meta(PlanEntry.Meta):
        verbose_name = _("competitive allocation rule")
        verbose_name_plural = _("competitive allocation rules")
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="competitive_allocation_key")
        ]

    def __str__(self):
        return self.label
