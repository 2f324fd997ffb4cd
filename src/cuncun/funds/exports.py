"""The auditors' workbooks (xlsx through `cuncun.core.exports`: every cell data, never a formula):
the budget against the plan's rules, the ledger per line, the disbursements with their evidence."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cuncun.core.exports import xlsx_response
from cuncun.funds import queries
from cuncun.funds.rules import category_name


def budget_against_rules(user, fund):
    position = queries.fund_position(user, fund)
    categories = [
        [
            c.name,
            c.key,
            c.projects,
            c.budgeted,
            c.committed,
            c.paid,
            " / ".join(r.sentence for r in c.rules),
        ]
        for c in position["categories"]
    ]
    violations = [
        [v.rule, v.total, v.limit, v.over, _("standing") if v.standing else _("broken"), v.message]
        for v in position["warnings"] + position["violations"]
    ]
    return xlsx_response(
        "fund-budget.xlsx",
        {
            _("Budget by category"): (
                [
                    _("Category"),
                    _("Key"),
                    _("Projects"),
                    _("Budgeted"),
                    _("Committed"),
                    pgettext("fund payment", "Paid"),
                    _("Rules"),
                ],
                categories,
            ),
            _("Rules not met"): (
                [_("Rule"), _("Total"), _("Limit"), _("Past the limit"), _("Kind"), _("Message")],
                violations,
            ),
        },
    )


def ledger_per_line(user, fund):
    projects = queries.projects_visible_to(user, fund)
    lines = [
        [
            p.project.code,
            p.project.name,
            category_name(p.project.category),
            p.project.support,
            p.committed,
            p.paid,
            p.left,
            _("yes") if p.reconciles else _("NO"),
        ]
        for p in queries.line_positions(projects)
    ]
    entries = [
        [
            e.project.code,
            e.disbursement.number,
            e.disbursement.version,
            e.get_kind_display(),
            e.amount,
            e.recorded_at.replace(tzinfo=None),
            str(e.recorded_by or ""),
        ]
        for e in queries.ledger_visible_to(user, fund)
    ]
    return xlsx_response(
        "fund-ledger.xlsx",
        {
            _("Lines"): (
                [
                    _("Project code"),
                    _("Project"),
                    _("Category"),
                    _("Support"),
                    _("Committed"),
                    pgettext("fund payment", "Paid"),
                    _("Left"),
                    _("Reconciles"),
                ],
                lines,
            ),
            _("Ledger"): (
                [
                    _("Project code"),
                    _("Disbursement"),
                    _("Version"),
                    _("Kind"),
                    _("Amount"),
                    _("Recorded at"),
                    _("Recorded by"),
                ],
                entries,
            ),
        },
    )


def disbursements_with_evidence(user, fund):
    rows = [
        [
            d.number,
            d.version,
            d.project.code,
            d.project.name,
            d.payee_merchant.name if d.payee_merchant_id else "",
            d.amount,
            d.get_state_display(),
            d.purpose,
            str(d.proposed_by or ""),
            str(d.approved_by or ""),
            d.voucher_number,
            d.paid_on,
            d.evidence.name if d.evidence else "",
            d.cancel_reason,
        ]
        for d in queries.disbursements_visible_to(user, fund).order_by("number", "version")
    ]
    header = [
        _("Number"), _("Version"), _("Project code"), _("Project"), _("Payee"), _("Amount"),
        _("State"), _("Purpose"), _("Proposed by"), _("Approved by"), _("Voucher number"),
        pgettext("fund payment", "Paid on"), pgettext("fund payment", "Evidence"),
        _("Reason for cancelling"),
    ]  # fmt: skip
    return xlsx_response("fund-disbursements.xlsx", {_("Disbursements"): (header, rows)})


def competitive_allocation(allocation):
    """The year's competitive allocation: each township's score, share, amount and why."""
    rows = [
        [s.township.name, s.township.code, s.score, s.percent, s.amount, s.explanation]
        for s in allocation.shares
    ]
    return xlsx_response(
        f"competitive-allocation-{allocation.year}.xlsx",
        {
            _("Competitive allocation"): (
                [
                    _("Township"),
                    _("Code"),
                    _("Score"),
                    _("Share (%)"),
                    _("Amount (yuan)"),
                    _("How the score was reached"),
                ],
                rows,
            ),
            _("Rule"): (
                [_("Year"), _("Basis"), _("Sum shared"), _("Rule of the plan")],
                [
                    [
                        allocation.year,
                        allocation.basis_label,
                        allocation.pool,
                        allocation.rule.sentence,
                    ]
                ],
            ),
        },
    )
