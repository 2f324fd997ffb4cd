"""Row locks of the special fund. Every change of a fund's budget or ledger locks the fund's row
first, so two changes (two approvals, two new lines) run one after the other and cannot pass a
rule together. Then it locks the plan's training cap, which the training office takes alone when
it schedules a session paid from the fund: a session and a training project cannot together pass
the cap either. Always fund, then cap (training takes only the cap), so no two wait on each
other."""

from cuncun.funds.models import Fund
from cuncun.training.locks import lock_training_fund
from cuncun.training.queries import training_fund_cap


def lock_fund(fund: Fund) -> Fund:
    locked = Fund.objects.select_for_update().select_related("plan").get(pk=fund.pk)
    cap = training_fund_cap(locked.plan)
    if cap is not None:
        lock_training_fund(cap)
    return locked
