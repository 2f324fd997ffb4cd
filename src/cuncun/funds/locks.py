"""Row locks of the special fund. Every change of a fund's budget or ledger locks the fund's row
first and nothing else, so two changes (two approvals, two new lines) run one after the other
and cannot pass a rule together; with one lock there is no order to get wrong."""

from cuncun.funds.models import Fund


def lock_fund(fund: Fund) -> Fund:
    return Fund.objects.select_for_update().get(pk=fund.pk)
