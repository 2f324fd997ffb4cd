"""Two approvals at the same moment cannot together promise a line more than its support."""

from decimal import Decimal

import pytest
from django.db import transaction

from cuncun.core.errors import DomainError
from cuncun.funds.models import Disbursement, DisbursementState, LedgerEntry
from cuncun.funds.services import (
    approve_disbursement,
    propose_disbursement,
    review_disbursement,
)
from tests.races import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_approvals_at_once_cannot_pass_a_line_together(
    new_project, commerce, office_user, finance
):
    project = new_project("training", support="100000")
    pending = [
        review_disbursement(
            actor=office_user,
            disbursement=propose_disbursement(
                actor=commerce, project=project, amount="60000", purpose=f"第{i}期"
            ),
        )
        for i in (1, 2)
    ]

    def approve(i):
        try:
            approve_disbursement(actor=finance, disbursement=pending[i])
            return "approved"
        except DomainError as error:
            return error.code

    results = at_once(approve, 2)
    assert sorted(results) == ["approved", "fund_line_overcommitted"]
    assert Disbursement.objects.filter(state=DisbursementState.APPROVED).count() == 1
    with transaction.atomic():
        assert sum(e.amount for e in LedgerEntry.objects.all()) == Decimal("60000.00")


def test_two_proposals_of_the_same_allocation_at_once_make_one(new_project, commerce):
    from datetime import date

    from cuncun.funds.services import propose_competitive_allocation
    from cuncun.network.models import SiteKind
    from tests.conftest import township
    from tests.factories import site_in

    station = site_in(township("嘎洒镇"), SiteKind.TOWNSHIP_STATION, opened_on=date(2017, 3, 1))
    project = new_project("township_station", support="100000", total="100000", site=station)

    def propose(_i):
        try:
            propose_competitive_allocation(actor=commerce, project=project, year=2018, pool="50000")
            return "proposed"
        except DomainError as error:
            return error.code

    results = at_once(propose, 2)
    assert sorted(results) == ["allocation_already_proposed", "proposed"]
    assert Disbursement.objects.filter(allocation_year=2018).count() == 1
