"""Reads of the special fund, always starting from what the actor may see."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, F, Q, Sum, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cuncun.core.errors import NotFound
from cuncun.core.glances import Glance
from cuncun.core.models import MoneyField
from cuncun.core.money import format_yuan, to_money
from cuncun.funds import access
from cuncun.funds.awards import (
    allocate_reward,
    eligible_subsidies,
    sales_through,
    threshold_crossings,
)
from cuncun.funds.models import (
    Disbursement,
    DisbursementState,
    Fund,
    FundSource,
    LedgerEntry,
    LedgerEntryKind,
    Project,
    ProjectDocument,
    ProjectStatus,
)
from cuncun.funds.rules import (
    ZERO,
    Line,
    Violation,
    category_name,
    check_budget,
    in_category,
    plan_categories,
    plan_years,
)
from cuncun.merchants.models import Merchant, SupportRequest, SupportRequestStatus
from cuncun.monitoring.queries import monthly_online_sales
from cuncun.plans.models import FundRuleKind, Plan
from cuncun.plans.queries import fund_rules, next_plan_starts, plan_in_force, subsidy_rules
from cuncun.promotions.models import Funder, VoucherBatch
from cuncun.training.queries import training_fund


def fund_of(plan: Plan | None) -> Fund | None:
    return Fund.objects.filter(plan=plan).select_related("plan").first() if plan else None


def current_fund() -> Fund | None:
    return fund_of(plan_in_force())


def fund_governing(day: date) -> Fund | None:
    """The fund of the plan whose time holds `day` (from its start until a newer plan's)."""
    plan = plan_in_force(on=day)
    return fund_of(plan) if plan is not None and plan.starts_on <= day else None


LINE_FIELDS = ["code", "category", "support", "total_investment", "source", "site__code", "name"]


def line_of(project: Project) -> Line:
    return Line(
        key=project.code,
        category=project.category,
        support=project.support,
        total_investment=project.total_investment,
        source=project.source,
        site_code=project.site.code if project.site_id else "",
        name=project.name,
    )


def budget_lines(fund: Fund) -> list[Line]:
    """The active lines of the budget, read as plain values: every change reads them twice.
    The training sessions paid from the fund are a line of their own (see
    `training_sessions_line`)."""
    rows = fund.projects.active().order_by("code").values_list(*LINE_FIELDS)
    lines = [
        Line(key=key, category=category, support=support, total_investment=total,
             source=source, site_code=site_code or "", name=name)
        for key, category, support, total, source, site_code, name in rows
    ]  # fmt: skip
    sessions = training_sessions_line(fund.plan)
    return [*lines, sessions] if sessions else lines


TRAINING_SESSIONS_KEY = "training-sessions"


def training_sessions_line(plan: Plan) -> Line | None:
    """What the training office's sessions paid from the special fund cost (scheduling one
    commits its cost), as one line of the plan's training category: the rule checker counts it
    against the training cap beside the fund's own training projects."""
    spent = training_fund(plan)
    if spent is None or not spent.sessions:
        return None
    return Line(
        key=TRAINING_SESSIONS_KEY,
        category=spent.cap.category,
        support=spent.sessions,
        total_investment=spent.sessions,
        source=FundSource.CENTRAL,
        name=_("Training sessions paid from the fund"),
    )


def fund_glance(user) -> Glance | None:
    """The fund's position on the program dashboard (registered in `core.glances`)."""
    fund = current_fund()
    if fund is None or not access.may_read(user):
        return None
    position = fund_position(user, fund)
    figures = [
        (_("budgeted"), format_yuan(position["budgeted"])),
        (_("approved"), format_yuan(position["committed"])),
        (pgettext("fund payment", "paid"), format_yuan(position["paid"])),
    ]
    if position["size"]:
        figures.insert(0, (_("the fund"), format_yuan(position["size"])))
    vouchers = position["vouchers"]
    if vouchers.committed:
        figures.append((_("paid through program vouchers"), format_yuan(vouchers.paid)))
    return Glance(
        title=str(_("Special fund")),
        url=reverse("funds:home"),
        figures=[(str(what), amount) for what, amount in figures],
        warnings=[str(v.message) for v in position["warnings"] + position["violations"]],
    )


def committed_in_category(plan: Plan, category: str) -> Decimal:
    """What the fund's active projects of a category take (registered in `core.commitments`
    for training's cap check)."""
    projects = Project.objects.active().filter(fund__plan=plan, category=category)
    return projects.aggregate(total=Sum("support"))["total"] or ZERO


def budget_violations(fund: Fund) -> list[Violation]:
    """Every rule against the fund's budget as it stands (standing warnings included)."""
    return check_budget(fund_rules(fund.plan), budget_lines(fund), years=plan_years(fund.plan))


def projects_visible_to(user, fund: Fund):
    access.require_reader(user)
    projects = Project.objects.filter(fund=fund).select_related(
        "region", "site", "owner_merchant", "owner_site", "owner_unit"
    )
    return projects if user is None else projects.visible_to(user)


def project_for(user, fund: Fund, code: str) -> Project | None:
    return projects_visible_to(user, fund).filter(code=code).first()


def disbursements_visible_to(user, fund: Fund):
    access.require_reader(user)
    found = Disbursement.objects.filter(project__fund=fund).select_related(
        "project", "payee_merchant", "proposed_by", "approved_by"
    )
    return found if user is None else found.visible_to(user)


def _fund_for_files(user) -> Fund:
    """The fund whose files the person may open: the current one, for its readers (404 for
    anyone else, so that a file's address says nothing about whether it exists)."""
    fund = current_fund()
    if fund is None or not access.may_read(user):
        raise NotFound()
    return fund


def document_for(user, pk: int) -> ProjectDocument:
    """A project's document, for whoever may see the project's page."""
    fund = _fund_for_files(user)
    found = ProjectDocument.objects.filter(project__in=projects_visible_to(user, fund), pk=pk)
    document = found.only("file").first()
    if document is None:
        raise NotFound()
    return document


def payment_evidence_for(user, pk: int) -> Disbursement:
    """A paid disbursement's evidence (the bank slip), for whoever may see the disbursement."""
    fund = _fund_for_files(user)
    found = disbursements_visible_to(user, fund).filter(pk=pk).exclude(evidence="")
    disbursement = found.select_related(None).only("evidence").first()
    if disbursement is None:
        raise NotFound()
    return disbursement


def ledger_visible_to(user, fund: Fund):
    access.require_reader(user)
    entries = LedgerEntry.objects.filter(project__fund=fund).select_related(
        "project", "disbursement", "recorded_by"
    )
    if user is not None:
        entries = entries.filter(project__in=Project.objects.visible_to(user))
    return entries.order_by("recorded_at", "id")


def waiting_for(user, fund: Fund) -> list[Disbursement]:
    """What waits for this person's step: review for the office, approval and payment for the
    finance bureau."""
    states = []
    if user is not None and access.may_review(user):
        states.append(DisbursementState.PROPOSED)
    if user is not None and access.may_approve(user):
        states += [DisbursementState.REVIEWED, DisbursementState.APPROVED]
    if not states:
        return []
    return list(
        disbursements_visible_to(user, fund).filter(state__in=states).order_by("proposed_at")
    )


# --- program vouchers paid from the fund's lines --------------------------------------------------


@dataclass(frozen=True)
class VoucherSpending:
    """What program voucher batches (promotions) take of one budget line: a batch's budget is
    committed while its vouchers are valid, and once they end only what they paid stays
    committed (the rest is given back to the line); what they paid out is `paid`."""

    committed: Decimal = ZERO
    paid: Decimal = ZERO


NO_VOUCHERS = VoucherSpending()


def program_vouchers(fund: Fund):
    """The program voucher batches paid from this fund: those naming a budget line whose
    vouchers start in the plan's time (a project code belongs to one fund; the plan whose time
    holds the first day is the one that pays, as `hold_line_for_vouchers` checked at issue)."""
    plan = fund.plan
    batches = VoucherBatch.objects.filter(
        funder=Funder.PROGRAM, starts_at__date__gte=plan.starts_on
    )
    newer = next_plan_starts(plan)
    return batches.filter(starts_at__date__lt=newer) if newer else batches


def voucher_spending(fund: Fund, codes=None) -> dict[str, VoucherSpending]:
    """Per budget line (project code), what the fund's program vouchers commit and paid: one
    query. `codes`: only these lines."""
    batches = program_vouchers(fund)
    if codes is not None:
        batches = batches.filter(budget_line__in=list(codes))
    rows = (
        batches.order_by()
        .values("budget_line")
        .annotate(
            committed=Sum(
                Case(
                    When(ends_at__gt=timezone.now(), then=F("budget")),
                    default=F("spent"),
                    output_field=MoneyField(),
                )
            ),
            paid=Sum("spent"),
        )
    )
    return {
        row["budget_line"]: VoucherSpending(to_money(row["committed"]), to_money(row["paid"]))
        for row in rows
    }


def vouchers_of_lines(user, fund: Fund, code: str | None = None):
    """The program voucher batches paid from the lines this person may read (or from one of
    them), newest first."""
    lines = projects_visible_to(user, fund)
    if code is not None:
        lines = lines.filter(code=code)
    batches = program_vouchers(fund).filter(budget_line__in=lines.values_list("code", flat=True))
    return batches.order_by("-starts_at", "-id")


@dataclass(frozen=True)
class LinePosition:
    """One budget line against its ledger and its program vouchers: what is budgeted, promised
    and paid."""

    project: Project
    ledger_committed: Decimal
    ledger_paid: Decimal
    committed_by_disbursements: Decimal
    paid_by_disbursements: Decimal
    vouchers: VoucherSpending = NO_VOUCHERS

    @property
    def committed(self) -> Decimal:
        return self.ledger_committed + self.vouchers.committed

    @property
    def paid(self) -> Decimal:
        return self.ledger_paid + self.vouchers.paid

    @property
    def left(self) -> Decimal:
        return self.project.support - self.committed

    @property
    def reconciles(self) -> bool:
        """The ledger holds what the disbursements say, and the line never promises or pays
        more than its support."""
        return (
            self.ledger_committed == self.committed_by_disbursements
            and self.ledger_paid == self.paid_by_disbursements
            and ZERO <= self.paid <= self.committed <= self.project.support
        )


def line_positions(projects) -> list[LinePosition]:
    """Each project's ledger, disbursements and program vouchers, in a few annotated queries'
    worth of reads."""
    projects = projects.annotate(
        committed=Sum(
            "ledger__amount",
            filter=Q(ledger__kind__in=[LedgerEntryKind.COMMITTED, LedgerEntryKind.RELEASED]),
            default=ZERO,
        ),
        paid=Sum("ledger__amount", filter=Q(ledger__kind=LedgerEntryKind.PAID), default=ZERO),
    )
    by_project = {
        row["project"]: row
        # order_by(): the model's ordering would otherwise join the GROUP BY and give one row
        # per disbursement, of which the dict would keep the last.
        for row in Disbursement.objects.filter(project__in=[p.pk for p in projects])
        .order_by()
        .values("project")
        .annotate(
            committed=Sum("amount", filter=Q(state__in=DisbursementState.COMMITTED), default=ZERO),
            paid=Sum("amount", filter=Q(state=DisbursementState.PAID), default=ZERO),
        )
    }
    vouchers = {
        fund.pk: voucher_spending(fund)
        for fund in Fund.objects.filter(pk__in={p.fund_id for p in projects}).select_related("plan")
    }
    return [
        # to_money: SQLite sums decimals as floats (11.84 + 23570.5 - 23570.5 = 11.8400000000001)
        LinePosition(
            project=p,
            ledger_committed=to_money(p.committed),
            ledger_paid=to_money(p.paid),
            committed_by_disbursements=to_money(by_project.get(p.pk, {}).get("committed", ZERO)),
            paid_by_disbursements=to_money(by_project.get(p.pk, {}).get("paid", ZERO)),
            vouchers=vouchers[p.fund_id].get(p.code, NO_VOUCHERS),
        )
        for p in projects
    ]


def committed_to(project: Project) -> Decimal:
    """What is promised of a line: its approved disbursements and its program vouchers."""
    entries = LedgerEntry.objects.filter(
        project=project, kind__in=[LedgerEntryKind.COMMITTED, LedgerEntryKind.RELEASED]
    )
    approved = to_money(entries.aggregate(total=Sum("amount", default=ZERO))["total"])
    vouchers = voucher_spending(project.fund, codes=[project.code])
    return approved + vouchers.get(project.code, NO_VOUCHERS).committed


@dataclass(frozen=True)
class CategoryPosition:
    key: str
    name: str
    budgeted: Decimal
    committed: Decimal
    paid: Decimal
    projects: int
    rules: list
    sessions: Decimal = ZERO  # the training sessions paid from the fund, within `budgeted`


def fund_position(user, fund: Fund) -> dict:
    """The fund at a glance: its size, each category's budget, commitments and payments against
    the category's rules (program vouchers included, and on their own in `vouchers`), and the
    violations of the budget as a whole."""
    rules = fund_rules(fund.plan)
    size = next((r.amount for r in rules if r.kind == FundRuleKind.FUND_SIZE), None)
    positions = line_positions(projects_visible_to(user, fund).filter(status=ProjectStatus.ACTIVE))
    sessions = training_sessions_line(fund.plan)
    categories = []
    for key in plan_categories(rules):
        mine = [p for p in positions if in_category(line_of(p.project), key)]
        spent = sessions.support if sessions and in_category(sessions, key) else ZERO
        categories.append(
            CategoryPosition(
                key=key,
                name=category_name(key),
                budgeted=sum((p.project.support for p in mine), spent),
                sessions=spent,
                committed=sum((p.committed for p in mine), ZERO),
                paid=sum((p.paid for p in mine), ZERO),
                projects=len(mine),
                rules=[r for r in rules if r.category == key],
            )
        )
    violations = budget_violations(fund)
    return {
        "vouchers": VoucherSpending(
            committed=sum((p.vouchers.committed for p in positions), ZERO),
            paid=sum((p.vouchers.paid for p in positions), ZERO),
        ),
        "size": size,
        "budgeted": sum((p.project.support for p in positions), ZERO)
        + (sessions.support if sessions else ZERO),
        "training_sessions": sessions.support if sessions else ZERO,
        "committed": sum((p.committed for p in positions), ZERO),
        "paid": sum((p.paid for p in positions), ZERO),
        "categories": categories,
        "warnings": [v for v in violations if v.standing],
        "violations": [v for v in violations if not v.standing],
        "lines": positions,
    }


# --- online-sales subsidy and reward ------------------------------------------------------------


@dataclass(frozen=True)
class AwardRow:
    """A business's standing for the year's online-sales awards, from its accepted reports."""

    merchant: Merchant
    year_sales: Decimal
    crossings: list  # awards.Crossing: the application thresholds reached, earliest first
    subsidy: Decimal | None  # what the yearly rate earns, if the year reached the threshold
    reward: Decimal | None  # its share of the year's reward pool
    applied: frozenset  # AwardKind values already applied for this year (not cancelled)


def reward_pool(plan):
    """The plan's yearly sum for rewarding online sales (an `annual_budget` rule), or None."""
    return next((r for r in fund_rules(plan) if r.kind == FundRuleKind.ANNUAL_BUDGET), None)


def sales_awards(user, fund: Fund, year: int) -> list[AwardRow]:
    """Every business whose accepted monthly reports reached an application threshold or the
    yearly subsidy, with what each award comes to and what it has applied for. For those who
    take a step of the fund's workflow."""
    access.require_workflow_role(user)
    rules = subsidy_rules(fund.plan)
    sales = monthly_online_sales(year=year)
    crossings = threshold_crossings(rules, sales)
    subsidies = eligible_subsidies(rules, sales)
    pool = reward_pool(fund.plan)
    rewards = allocate_reward(pool.amount, rules, sales) if pool else {}
    merchant_ids = {c.merchant_id for c in crossings} | set(subsidies)
    applied = {}
    for merchant_id, kind in (
        Disbursement.objects.filter(
            project__fund=fund, award_year=year, payee_merchant_id__in=merchant_ids
        )
        .exclude(state=DisbursementState.CANCELLED)
        .values_list("payee_merchant_id", "award_kind")
    ):
        applied.setdefault(merchant_id, set()).add(kind)
    merchants = Merchant.objects.in_bulk(merchant_ids)
    rows = [
        AwardRow(
            merchant=merchants[m],
            year_sales=sales_through(sales[m], 12),
            crossings=[c for c in crossings if c.merchant_id == m],
            subsidy=subsidies[m].amount if m in subsidies else None,
            reward=rewards.get(m),
            applied=frozenset(applied.get(m, ())),
        )
        for m in merchant_ids
    ]
    return sorted(rows, key=lambda r: (-r.year_sales, r.merchant.name))


def allocation_disbursements(user, fund: Fund, year: int):
    """The disbursements (not cancelled) of the year's competitive allocation, by township."""
    return (
        disbursements_visible_to(user, fund)
        .filter(allocation_year=year)
        .exclude(state=DisbursementState.CANCELLED)
        .select_related("payee_township")
        .order_by("payee_township__code", "id")
    )


def support_requests_waiting(user):
    """The center's and the parks' requests for support not answered yet, for the proposers."""
    if not access.may_propose(user):
        return SupportRequest.objects.none()
    return SupportRequest.objects.filter(status=SupportRequestStatus.SUBMITTED).select_related(
        "site"
    )
