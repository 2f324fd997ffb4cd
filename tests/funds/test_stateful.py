"""No sequence of accepted operations — add, change, move and cancel lines, move support,
approve, pay — ends in a budget that breaks a rule of the plan or a ledger that does not
reconcile. Refused operations must change nothing, so they are simply skipped."""

import contextlib
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from cuncun.core.errors import DomainError
from cuncun.funds import queries
from cuncun.funds.models import DisbursementState, Project
from cuncun.funds.rules import plan_categories
from cuncun.funds.services import (
    PaymentEvidence,
    ProjectDraft,
    add_project,
    approve_disbursement,
    cancel_disbursement,
    cancel_project,
    change_project,
    move_support,
    pay_disbursement,
    propose_disbursement,
    review_disbursement,
)
from cuncun.plans.queries import fund_rules
from tests.conftest import township
from tests.factories import site_in

EDGES = [0, "0.01", 30000, "30000.01", 100000, 500000, 1000000, 2000000, 3500000, 4500000]
amounts = st.one_of(
    st.sampled_from([Decimal(str(v)) for v in EDGES]),
    st.integers(min_value=0, max_value=400_000_000).map(lambda fen: Decimal(fen) / 100),
)
factors = st.sampled_from([Decimal(1), Decimal(2), Decimal("1.5"), Decimal("0.5")])


def test_no_sequence_of_accepted_operations_breaks_a_rule(
    fund, commerce, office_user, finance, unit, county
):
    categories = plan_categories(fund_rules(fund.plan))
    sites = [None, *(site_in(v) for v in township("嘎洒镇").children.all()[:2])]

    class Budget(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def _projects(self):
            return list(Project.objects.filter(fund=fund).order_by("pk"))

        def _pick(self, index):
            projects = self._projects()
            return projects[index % len(projects)] if projects else None

        def _try(self, action):
            # A refusal is fine: the invariants check that it left nothing broken behind.
            with contextlib.suppress(DomainError):
                action()

        def _draft(self, category, support, factor, source, site):
            return ProjectDraft(
                name="项目",
                category=category,
                support=support,
                total_investment=(support * factor).quantize(Decimal("0.01")),
                source=source,
                use="用途",
                owner_unit=unit,
                site=site,
            )

        @rule(
            category=st.sampled_from(categories),
            support=amounts,
            factor=factors,
            source=st.sampled_from(["central", "central", "local"]),
            site=st.sampled_from(sites),
        )
        def add_line(self, category, support, factor, source, site):
            draft = self._draft(category, support, factor, source, site)
            self._try(lambda: add_project(actor=commerce, fund=fund, draft=draft))

        @rule(
            index=st.integers(0, 20),
            category=st.sampled_from(categories),
            support=amounts,
            factor=factors,
        )
        def change_or_move_line(self, index, category, support, factor):
            project = self._pick(index)
            if project:
                draft = self._draft(category, support, factor, project.source, project.site)
                self._try(lambda: change_project(actor=commerce, project=project, draft=draft))

        @rule(source=st.integers(0, 20), to=st.integers(0, 20), amount=amounts)
        def move_between_lines(self, source, to, amount):
            a, b = self._pick(source), self._pick(to)
            if a and b:
                self._try(lambda: move_support(actor=commerce, source=a, target=b, amount=amount))

        @rule(index=st.integers(0, 20))
        def cancel_line(self, index):
            project = self._pick(index)
            if project:
                self._try(lambda: cancel_project(actor=commerce, project=project, reason="调整"))

        @rule(index=st.integers(0, 20), amount=amounts, cancel=st.booleans())
        def approve(self, index, amount, cancel):
            project = self._pick(index)
            if not project:
                return

            def steps():
                proposed = propose_disbursement(
                    actor=commerce, project=project, amount=amount, purpose="拨付"
                )
                reviewed = review_disbursement(actor=office_user, disbursement=proposed)
                approved = approve_disbursement(actor=finance, disbursement=reviewed)
                if cancel:
                    cancel_disbursement(actor=finance, disbursement=approved, reason="撤回")

            self._try(steps)

        @rule(index=st.integers(0, 20))
        def pay(self, index):
            project = self._pick(index)
            waiting = (
                project and project.disbursements.filter(state=DisbursementState.APPROVED).first()
            )
            if waiting:
                evidence = PaymentEvidence(
                    voucher_number="记-1",
                    paid_on=date(2017, 5, 1),
                    attachment=SimpleUploadedFile("slip.pdf", b"%PDF"),
                )
                self._try(
                    lambda: pay_disbursement(actor=finance, disbursement=waiting, evidence=evidence)
                )

        @invariant()
        def no_rule_is_broken(self):
            broken = [v for v in queries.budget_violations(fund) if not v.standing]
            assert broken == []

        @invariant()
        def every_line_reconciles(self):
            lines = queries.line_positions(Project.objects.filter(fund=fund))
            assert all(line.reconciles for line in lines)

    run_state_machine_as_test(
        Budget,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
