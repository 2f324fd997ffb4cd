"""Every change of the special fund: budget lines (projects), their documents, and disbursements
from proposal to payment. Each runs in one transaction with its audit row, locks the fund first
(`locks.lock_fund`) and checks the plan's rules on the budget as it would be after the change."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cuncun.core import audit
from cuncun.core.errors import Conflict, InvalidInput
from cuncun.core.money import format_yuan, to_money
from cuncun.funds import access, queries
from cuncun.funds.allocation import competitive_allocation
from cuncun.funds.awards import (
    allocate_reward,
    eligible_subsidies,
    sales_through,
    yearly_rule,
)
from cuncun.funds.locks import lock_fund
from cuncun.funds.models import (
    AwardKind,
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
    check_budget,
    plan_categories,
    plan_years,
    worsened,
)
from cuncun.merchants.services import settle_support_request
from cuncun.monitoring.queries import monthly_online_sales
from cuncun.plans.models import Plan
from cuncun.plans.queries import fund_rules, subsidy_rules

PROJECT_AUDIT_FIELDS = [
    "code", "name", "category", "site_id", "owner_merchant_id", "owner_site_id", "owner_unit_id",
    "total_investment", "support", "source", "use", "status", "cancel_reason",
]  # fmt: skip


class FundRuleBroken(InvalidInput):
    """A change would break a rule of the plan's special fund. `details["violations"]` lists
    each broken rule with its figures."""

    code = "fund_rule_broken"


class OverCommitted(Conflict):
    """An approval would promise a line more than its support."""

    code = "fund_line_overcommitted"


def ensure_fund(*, actor, plan: Plan) -> Fund:
    """The special fund of a plan (its size and rules are the plan's)."""
    access.require_proposer(actor)
    with transaction.atomic():
        fund, created = Fund.objects.get_or_create(plan=plan)
        if created:
            audit.record(actor=actor, action="funds.open_fund", obj=fund)
    return fund


# --- budget lines ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectDraft:
    """What a person fills in for a project; amounts as typed (str) or Decimal."""

    name: str
    category: str
    total_investment: Decimal | str | int
    support: Decimal | str | int
    source: str
    use: str
    owner_merchant: object = None
    owner_site: object = None
    owner_unit: object = None
    site: object = None


def _money_problem(value, label: str) -> tuple[Decimal | None, str | None]:
    try:
        amount = to_money(str(value).strip() if value is not None else "")
    except (ValueError, TypeError):
        return None, _("%(what)s is not an amount of money.") % {"what": label}
    if amount < 0:
        return None, _("%(what)s may not be negative.") % {"what": label}
    return amount, None


def _check_draft(fund: Fund, draft: ProjectDraft) -> tuple[dict, list[str]]:
    problems = []
    values = {
        "name": (draft.name or "").strip(),
        "use": (draft.use or "").strip(),
        "category": draft.category,
        "source": draft.source,
        "site": draft.site,
        "owner_merchant": draft.owner_merchant,
        "owner_site": draft.owner_site,
        "owner_unit": draft.owner_unit,
    }
    if not values["name"]:
        problems.append(_("The project needs a name."))
    if len(values["name"]) > Project._meta.get_field("name").max_length:
        problems.append(_("The project's name is too long."))
    if not values["use"]:
        problems.append(_("Say what the support is used for."))
    if draft.category not in plan_categories(fund_rules(fund.plan)):
        problems.append(_("Unknown fund category %s.") % draft.category)
    if draft.source not in dict(FundSource.choices):
        problems.append(_("The source must be central or local."))
    owners = [o for o in (draft.owner_merchant, draft.owner_site, draft.owner_unit) if o]
    if len(owners) != 1:
        problems.append(_("A project has one owner: a business, a site or a unit."))
    for name, label in (
        ("total_investment", _("The total investment")),
        ("support", _("The support")),
    ):
        values[name], problem = _money_problem(getattr(draft, name), label)
        if problem:
            problems.append(problem)
    return values, problems


def _refuse(problems: list[str]) -> None:
    if problems:
        raise InvalidInput(" ".join(problems), details={"problems": problems})


def _region_of(fund: Fund, values: dict):
    place = values["site"] or values["owner_site"] or values["owner_merchant"]
    return place.region if place else fund.plan.county


def _refuse_broken_rules(fund: Fund, before: list[Line], after: list[Line], key: str) -> None:
    """Refuse a change that makes the budget break a rule, or break one further, quoting the
    rule and how much of it is left for the changed line."""
    rules = fund_rules(fund.plan)
    years = plan_years(fund.plan)
    broken = worsened(
        check_budget(rules, before, years=years), check_budget(rules, after, years=years)
    )
    if broken:
        raise FundRuleBroken(
            " ".join(_refusal(v, key) for v in broken),
            details={"violations": [violation_as_dict(v) for v in broken]},
        )


def _refusal(violation: Violation, key: str) -> str:
    if violation.is_count:
        return violation.message
    left = format_yuan(violation.left_for(key))
    return violation.message + " " + _("%(left)s of it is left for this project.") % {"left": left}


def violation_as_dict(violation: Violation) -> dict:
    return {
        "row": violation.row,
        "rule": violation.rule,
        "message": violation.message,
        "total": str(violation.total),
        "limit": str(violation.limit),
        "standing": violation.standing,
    }


def _next_code(prefix: str, model, **filters) -> str:
    return f"{prefix}-{model.objects.filter(**filters).count() + 1:03d}"


def add_project(*, actor, fund: Fund, draft: ProjectDraft, is_demo: bool = False) -> Project:
    access.require_proposer(actor)
    values, problems = _check_draft(fund, draft)
    _refuse(problems)
    with transaction.atomic():
        fund = lock_fund(fund)
        code = _next_code("P", Project, fund=fund)
        project = Project(
            fund=fund, code=code, region=_region_of(fund, values), is_demo=is_demo, **values
        )
        before = queries.budget_lines(fund)
        _refuse_broken_rules(fund, before, [*before, queries.line_of(project)], code)
        project.save()
        audit.record(
            actor=actor,
            action="funds.add_project",
            obj=project,
            after=audit.snapshot(project, PROJECT_AUDIT_FIELDS),
        )
    return project


def change_project(*, actor, project: Project, draft: ProjectDraft) -> Project:
    """Change a line: its amounts, its owner or site, or move it to another category."""
    access.require_proposer(actor)
    fund = project.fund
    values, problems = _check_draft(fund, draft)
    _refuse(problems)
    with transaction.atomic():
        fund = lock_fund(fund)
        project = Project.objects.select_related("site").get(pk=project.pk)
        if project.status != ProjectStatus.ACTIVE:
            raise Conflict(_("A cancelled project cannot be changed."))
        committed = queries.committed_to(project)
        if values["support"] < committed:
            raise OverCommitted(
                _(
                    "%(committed)s of this project's support is already committed; the support "
                    "cannot be lower."
                )
                % {"committed": format_yuan(committed)},
                details={"committed": str(committed)},
            )
        before_row = audit.snapshot(project, PROJECT_AUDIT_FIELDS)
        before = queries.budget_lines(fund)
        for name, value in values.items():
            setattr(project, name, value)
        project.region = _region_of(fund, values)
        changed = queries.line_of(project)
        after = [changed if line.key == project.code else line for line in before]
        _refuse_broken_rules(fund, before, after, project.code)
        project.save()
        audit.record(
            actor=actor,
            action="funds.change_project",
            obj=project,
            before=before_row,
            after=audit.snapshot(project, PROJECT_AUDIT_FIELDS),
        )
    return project


def move_support(*, actor, source: Project, target: Project, amount) -> tuple[Project, Project]:
    """Move part of one line's support to another (调剂), checked as one change of the budget."""
    access.require_proposer(actor)
    amount, problem = _money_problem(amount, _("The amount"))
    _refuse([problem] if problem else [])
    if source.pk == target.pk or source.fund_id != target.fund_id:
        raise InvalidInput(_("Support moves between two projects of the same fund."))
    with transaction.atomic():
        fund = lock_fund(source.fund)
        source = Project.objects.select_related("site").get(pk=source.pk)
        target = Project.objects.select_related("site").get(pk=target.pk)
        if ProjectStatus.ACTIVE not in {source.status} or target.status != ProjectStatus.ACTIVE:
            raise Conflict(_("A cancelled project cannot be changed."))
        if source.support - amount < queries.committed_to(source):
            raise OverCommitted(
                _("This would take the project below what is already committed of it.")
            )
        snapshots = [audit.snapshot(p, PROJECT_AUDIT_FIELDS) for p in (source, target)]
        before = queries.budget_lines(fund)
        source.support -= amount
        target.support += amount
        moved = {p.code: queries.line_of(p) for p in (source, target)}
        after = [moved.get(line.key, line) for line in before]
        _refuse_broken_rules(fund, before, after, target.code)
        for project, snapshot in zip((source, target), snapshots, strict=True):
            project.save(update_fields=["support", "updated_at"])
            audit.record(
                actor=actor,
                action="funds.move_support",
                obj=project,
                before=snapshot,
                after=audit.snapshot(project, PROJECT_AUDIT_FIELDS),
            )
    return source, target


def cancel_project(*, actor, project: Project, reason: str) -> Project:
    access.require_proposer(actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the project is cancelled."))
    with transaction.atomic():
        lock_fund(project.fund)
        project = Project.objects.get(pk=project.pk)
        if project.status == ProjectStatus.CANCELLED:
            raise Conflict(_("The project is already cancelled."))
        vouchers = queries.voucher_spending(project.fund, codes=[project.code])
        if project.code in vouchers and vouchers[project.code].committed:
            raise Conflict(
                _("Program vouchers are paid from this project: it stays in the budget.")
            )
        if (
            queries.committed_to(project) > 0
            or project.disbursements.filter(state__in=DisbursementState.OPEN).exists()
        ):
            raise Conflict(
                _("The project has disbursements under way or approved; cancel those first.")
            )
        before = audit.snapshot(project, PROJECT_AUDIT_FIELDS)
        project.status = ProjectStatus.CANCELLED
        project.cancel_reason = reason
        project.save(update_fields=["status", "cancel_reason", "updated_at"])
        audit.record(
            actor=actor,
            action="funds.cancel_project",
            obj=project,
            before=before,
            after=audit.snapshot(project, PROJECT_AUDIT_FIELDS),
            reason=reason,
        )
    return project


def add_project_document(*, actor, project: Project, title: str, file) -> ProjectDocument:
    access.require_proposer(actor)
    title = (title or "").strip()
    if not title or file is None:
        raise InvalidInput(_("A document needs a title and a file."))
    with transaction.atomic():
        document = ProjectDocument.objects.create(
            project=project, title=title[:200], file=file, uploaded_by=_person(actor)
        )
        audit.record(
            actor=actor,
            action="funds.add_document",
            obj=document,
            after={"project": project.code, "title": document.title, "file": document.file.name},
        )
    return document


# --- disbursements -----------------------------------------------------------------------------


def _person(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _state_snapshot(disbursement: Disbursement) -> dict:
    return audit.snapshot(
        disbursement, ["number", "version", "amount", "state", "voucher_number", "paid_on"]
    )


def propose_disbursement(
    *, actor, project: Project, amount, purpose: str, payee_merchant=None, is_demo: bool = False
) -> Disbursement:
    """Submit a request to pay part of a project's support. Submitted, it is immutable."""
    access.require_proposer(actor)
    return _submit(
        actor=actor,
        project=project,
        amount=amount,
        purpose=purpose,
        payee_merchant=payee_merchant,
        is_demo=is_demo,
    )


def _submit(
    *,
    actor,
    project,
    amount,
    purpose,
    payee_merchant,
    is_demo,
    amends=None,
    award=("", None),
    allocation=(None, None),
):
    amount, problem = _money_problem(amount, _("The amount"))
    problems = [problem] if problem else []
    if amount is not None and amount <= 0:
        problems.append(_("The amount must be more than zero."))
    if not (purpose or "").strip():
        problems.append(_("Say what the payment is for."))
    _refuse(problems)
    with transaction.atomic():
        lock_fund(project.fund)
        project = Project.objects.get(pk=project.pk)
        if project.status != ProjectStatus.ACTIVE:
            raise Conflict(_("A cancelled project cannot be paid."))
        _refuse_more_than_left(project, amount)
        _refuse_second_award_or_past_the_pool(project, award, payee_merchant, amount)
        number = amends.number if amends else _next_code("BF", Disbursement, version=1)
        disbursement = Disbursement.objects.create(
            project=project,
            number=number,
            version=amends.version + 1 if amends else 1,
            amends=amends,
            payee_merchant=payee_merchant,
            award_kind=award[0],
            award_year=award[1],
            payee_township=allocation[0],
            allocation_year=allocation[1],
            amount=amount,
            purpose=purpose.strip(),
            proposed_by=_person(actor),
            is_demo=is_demo,
        )
        audit.record(
            actor=actor,
            action="funds.propose_disbursement",
            obj=disbursement,
            after=_state_snapshot(disbursement) | {"project": project.code},
        )
    return disbursement


def hold_line_for_vouchers(code: str, amount: Decimal, starts_on: date) -> None:
    """A program voucher batch of `amount` paid from budget line `code` from `starts_on`
    (registered in core.commitments: promotions calls it inside the transaction that issues the
    batch). The fund of the plan whose time holds that day must have the line in its budget with
    the amount left of its support, after what is approved and what other vouchers commit; the
    fund stays locked until the batch is written, so two commitments cannot pass the line
    together."""
    fund = queries.fund_governing(starts_on)
    if fund is None:
        raise InvalidInput(
            _("No special fund covers %(day)s: no budget line can pay vouchers from that day.")
            % {"day": starts_on.isoformat()},
            details={"starts_on": starts_on.isoformat()},
        )
    fund = lock_fund(fund)
    project = Project.objects.active().filter(fund=fund, code=code).first()
    if project is None:
        raise InvalidInput(
            _("The special fund has no budget line %(code)s: name a project of its budget.")
            % {"code": code},
            details={"budget_line": code},
        )
    committed = queries.committed_to(project)
    left = project.support - committed
    if amount > left:
        raise OverCommitted(
            _(
                "The vouchers' budget of %(amount)s does not fit in budget line %(code)s: "
                "%(left)s is left of its support of %(support)s (%(committed)s already "
                "committed)."
            )
            % {
                "amount": format_yuan(amount),
                "code": code,
                "left": format_yuan(left),
                "support": format_yuan(project.support),
                "committed": format_yuan(committed),
            },
            details={"budget_line": code, "amount": str(amount), "left": str(left)},
        )


def _refuse_more_than_left(project: Project, amount: Decimal) -> None:
    committed = queries.committed_to(project)
    left = project.support - committed
    if amount > left:
        raise OverCommitted(
            _(
                "%(amount)s is more than is left of the project's support: %(left)s of %(support)s "
                "(%(committed)s already committed)."
            )
            % {
                "amount": format_yuan(amount),
                "left": format_yuan(left),
                "support": format_yuan(project.support),
                "committed": format_yuan(committed),
            },
            details={"amount": str(amount), "left": str(left), "support": str(project.support)},
        )


def _step(*, actor, disbursement, expected: str, to: str, action: str, stamp: dict, reason=""):
    """Move a disbursement one step, only from the state it must be in."""
    with transaction.atomic():
        lock_fund(disbursement.project.fund)
        disbursement = Disbursement.objects.select_related("project").get(pk=disbursement.pk)
        if disbursement.state != expected:
            raise Conflict(
                _("Disbursement %(number)s is %(state)s; this step needs it %(expected)s.")
                % {
                    "number": disbursement,
                    "state": disbursement.get_state_display(),
                    "expected": dict(DisbursementState.choices)[expected],
                },
                details={"state": disbursement.state},
            )
        before = _state_snapshot(disbursement)
        if to == DisbursementState.APPROVED:
            _refuse_more_than_left(disbursement.project, disbursement.amount)
        disbursement.state = to
        for name, value in stamp.items():
            setattr(disbursement, name, value)
        disbursement.save()
        ledger_kind = {
            DisbursementState.APPROVED: LedgerEntryKind.COMMITTED,
            DisbursementState.PAID: LedgerEntryKind.PAID,
        }.get(to)
        if ledger_kind:
            _append_ledger(actor, disbursement, ledger_kind, disbursement.amount)
        audit.record(
            actor=actor,
            action=action,
            obj=disbursement,
            before=before,
            after=_state_snapshot(disbursement),
            reason=reason,
        )
    return disbursement


def _append_ledger(actor, disbursement: Disbursement, kind: str, amount: Decimal) -> None:
    LedgerEntry.objects.create(
        project=disbursement.project,
        disbursement=disbursement,
        kind=kind,
        amount=amount,
        recorded_by=_person(actor),
    )


def review_disbursement(*, actor, disbursement: Disbursement) -> Disbursement:
    access.require_reviewer(actor)
    return _step(
        actor=actor,
        disbursement=disbursement,
        expected=DisbursementState.PROPOSED,
        to=DisbursementState.REVIEWED,
        action="funds.review_disbursement",
        stamp={"reviewed_by": _person(actor), "reviewed_at": timezone.now()},
    )


def approve_disbursement(*, actor, disbursement: Disbursement) -> Disbursement:
    """The finance bureau approves: the amount is committed to the line in the ledger, and never
    beyond the line's support (the fund's row lock makes two approvals at once take turns)."""
    access.require_finance(actor)
    return _step(
        actor=actor,
        disbursement=disbursement,
        expected=DisbursementState.REVIEWED,
        to=DisbursementState.APPROVED,
        action="funds.approve_disbursement",
        stamp={"approved_by": _person(actor), "approved_at": timezone.now()},
    )


@dataclass(frozen=True)
class PaymentEvidence:
    voucher_number: str
    paid_on: date
    attachment: object = None  # an uploaded file: the bank slip or the voucher's scan


def pay_disbursement(
    *, actor, disbursement: Disbursement, evidence: PaymentEvidence
) -> Disbursement:
    access.require_finance(actor)
    voucher = (evidence.voucher_number or "").strip()
    problems = []
    if not voucher:
        problems.append(_("The voucher number is missing."))
    if evidence.paid_on is None:
        problems.append(_("The payment date is missing."))
    elif evidence.paid_on > timezone.localdate():
        problems.append(_("The payment date is in the future."))
    if evidence.attachment is None:
        problems.append(_("Attach the payment evidence."))
    _refuse(problems)
    return _step(
        actor=actor,
        disbursement=disbursement,
        expected=DisbursementState.APPROVED,
        to=DisbursementState.PAID,
        action="funds.pay_disbursement",
        stamp={
            "paid_by": _person(actor),
            "voucher_number": voucher[:50],
            "paid_on": evidence.paid_on,
            "evidence": evidence.attachment,
        },
    )


def cancel_disbursement(*, actor, disbursement: Disbursement, reason: str) -> Disbursement:
    """Withdraw a disbursement not yet paid, with a reason; an approved one gives its commitment
    back to the line with a release entry (the ledger is never edited)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the disbursement is cancelled."))
    if disbursement.state == DisbursementState.APPROVED:
        access.require_finance(actor)
    else:
        access.require_workflow_role(actor)
    with transaction.atomic():
        lock_fund(disbursement.project.fund)
        disbursement = Disbursement.objects.select_related("project").get(pk=disbursement.pk)
        if disbursement.state not in DisbursementState.OPEN:
            raise Conflict(
                _("A disbursement that is %(state)s cannot be cancelled.")
                % {"state": disbursement.get_state_display()}
            )
        before = _state_snapshot(disbursement)
        if disbursement.state == DisbursementState.APPROVED:
            _append_ledger(actor, disbursement, LedgerEntryKind.RELEASED, -disbursement.amount)
        disbursement.state = DisbursementState.CANCELLED
        disbursement.cancel_reason = reason
        disbursement.save(update_fields=["state", "cancel_reason"])
        audit.record(
            actor=actor,
            action="funds.cancel_disbursement",
            obj=disbursement,
            before=before,
            after=_state_snapshot(disbursement),
            reason=reason,
        )
    return disbursement


def amend_disbursement(
    *, actor, disbursement: Disbursement, amount, purpose: str, reason: str
) -> Disbursement:
    """A submitted disbursement is never edited: the amendment cancels it and submits the next
    version under the same number, both in one transaction."""
    access.require_proposer(actor)
    if not (reason or "").strip():
        raise InvalidInput(_("Say why the disbursement is amended."))
    if disbursement.state not in (DisbursementState.PROPOSED, DisbursementState.REVIEWED):
        raise Conflict(_("Only a disbursement not yet approved can be amended."))
    with transaction.atomic():
        cancelled = cancel_disbursement(
            actor=actor,
            disbursement=disbursement,
            reason=_("Amended: %(reason)s") % {"reason": reason.strip()},
        )
        return _submit(
            actor=actor,
            project=cancelled.project,
            amount=amount,
            purpose=purpose,
            payee_merchant=cancelled.payee_merchant,
            is_demo=cancelled.is_demo,
            amends=cancelled,
            award=(cancelled.award_kind, cancelled.award_year),
            allocation=(cancelled.payee_township, cancelled.allocation_year),
        )


# --- online-sales subsidy and reward -----------------------------------------------------------


class NotEligible(InvalidInput):
    """A business applies for an award its sales do not earn."""

    code = "award_not_eligible"


def apply_for_sales_award(
    *, actor, project: Project, merchant, year: int, kind: str
) -> Disbursement:
    """A business's application for the year's subsidy or its share of the reward, proposed as
    a disbursement of `project` (a reward only from the plan's `annual_budget` category) and
    then reviewed, approved and paid like any other. The amount comes from the year's monthly
    online sales as monitoring holds them (the latest accepted reports), never from the caller."""
    access.require_proposer(actor)
    sales = monthly_online_sales(year=year)
    rules = subsidy_rules(project.fund.plan)
    if kind == AwardKind.SUBSIDY:
        subsidy = eligible_subsidies(rules, sales).get(merchant.pk)
        amount = subsidy.amount if subsidy else None
    elif kind == AwardKind.REWARD:
        pool = queries.reward_pool(project.fund.plan)
        if pool is None or project.category != pool.category:
            raise InvalidInput(_("A reward is paid from the plan's yearly reward budget line."))
        amount = allocate_reward(pool.amount, rules, sales).get(merchant.pk)
    else:
        raise InvalidInput(_("Unknown award %s.") % kind)
    if not amount:
        rule = yearly_rule(rules)
        figures = {
            "sales": format_yuan(sales_through(sales.get(merchant.pk, {}), 12)),
            "sentence": rule.sentence if rule else "",
        }
        raise NotEligible(
            _(
                "“%(sentence)s”: this business sold %(sales)s online in the year, which earns "
                "nothing."
            )
            % figures,
            details={"merchant": merchant.pk, "year": year},
        )
    label = dict(AwardKind.choices)[kind]
    return _submit(
        actor=actor,
        project=project,
        amount=amount,
        purpose=f"{year} {label}：{merchant.name}",
        payee_merchant=merchant,
        is_demo=False,
        award=(kind, year),
    )


def _refuse_second_award_or_past_the_pool(
    project: Project, award: tuple, payee, amount: Decimal
) -> None:
    """A business gets each award once a year, and the rewards of a year, together, stay within
    the year's pool."""
    kind, year = award
    if not kind:
        return
    granted = Disbursement.objects.filter(
        project__fund=project.fund, award_kind=kind, award_year=year
    ).exclude(state=DisbursementState.CANCELLED)
    if granted.filter(payee_merchant=payee).exists():
        raise Conflict(
            _("%(merchant)s has already applied for this award for %(year)s.")
            % {"merchant": payee.name, "year": year}
        )
    pool = queries.reward_pool(project.fund.plan) if kind == AwardKind.REWARD else None
    if pool is None:
        return
    taken = granted.aggregate(total=Sum("amount", default=ZERO))["total"]
    if taken + amount > pool.amount:
        raise FundRuleBroken(
            _(
                "“%(sentence)s”: the rewards of %(year)s would come to %(total)s, more than the "
                "year's %(pool)s."
            )
            % {
                "sentence": pool.sentence,
                "year": year,
                "total": format_yuan(taken + amount),
                "pool": format_yuan(pool.amount),
            },
            details={"taken": str(taken), "pool": str(pool.amount)},
        )


# --- competitive allocation to townships -------------------------------------------------------


class AllocationAlreadyProposed(Conflict):
    code = "allocation_already_proposed"


def propose_competitive_allocation(*, actor, project: Project, year: int, pool) -> list:
    """The year's competitive allocation of `pool` from one budget line, proposed as one
    disbursement per township with a share (each then reviewed, approved and paid like any
    other); all of them or none. The shares come from the plan's rule (`allocation`), never
    from the caller."""
    access.require_proposer(actor)
    pool, problem = _money_problem(pool, _("The sum to allocate"))
    _refuse([problem] if problem else [])
    if pool <= 0:
        raise InvalidInput(_("The sum to allocate must be more than zero."))
    plan = project.fund.plan
    result = competitive_allocation(plan, year, pool)
    if result is None:
        raise InvalidInput(_("The plan has no competitive allocation to townships."))
    shares = [s for s in result.shares if s.amount]
    if not shares:
        raise InvalidInput(_("No township has a score for %(year)s yet.") % {"year": year})
    with transaction.atomic():
        lock_fund(project.fund)
        taken = Disbursement.objects.filter(
            allocation_year=year, project__fund=project.fund
        ).exclude(state=DisbursementState.CANCELLED)
        if taken.exists():
            names = sorted({d.payee_township.name for d in taken.select_related("payee_township")})
            raise AllocationAlreadyProposed(
                _(
                    "The competitive allocation of %(year)s is already proposed (%(names)s); "
                    "cancel those disbursements first to propose it again."
                )
                % {"year": year, "names": "、".join(names)}
            )
        project = Project.objects.get(pk=project.pk)
        _refuse_more_than_left(project, pool)
        proposed = [
            _submit(
                actor=actor,
                project=project,
                amount=share.amount,
                purpose=_(
                    "%(year)s competitive allocation: %(township)s, %(score)s points (%(why)s)"
                )
                % {
                    "year": year,
                    "township": share.township.name,
                    "score": share.score,
                    "why": share.explanation,
                },
                payee_merchant=None,
                is_demo=False,
                allocation=(share.township, year),
            )
            for share in shares
        ]
        audit.record(
            actor=actor,
            action="funds.propose_competitive_allocation",
            obj=project,
            after={
                "year": year,
                "pool": str(pool),
                "basis": result.basis,
                "shares": {s.township.name: str(s.amount) for s in shares},
            },
        )
    return proposed


# --- the incubation center's and the parks' requests for support --------------------------------


def take_support_request(
    *, actor, fund: Fund, request, category: str, source: str = FundSource.LOCAL
) -> Project:
    """A park's request for support taken into the budget: a project owned by the park, at the
    park, for the support it asked, checked against every rule like any other line; the request
    records the project's code. Both in one transaction."""
    access.require_proposer(actor)
    with transaction.atomic():
        project = add_project(
            actor=actor,
            fund=fund,
            draft=ProjectDraft(
                name=_("Support for %(site)s") % {"site": request.site.name},
                category=category,
                total_investment=request.total_investment,
                support=request.amount,
                source=source,
                use=request.purpose,
                owner_site=request.site,
                site=request.site,
            ),
        )
        settle_support_request(actor=actor, request=request, taken_as=project.code)
    return project


def decline_support_request(*, actor, request, reason: str):
    access.require_proposer(actor)
    return settle_support_request(actor=actor, request=request, reason=reason or "")
