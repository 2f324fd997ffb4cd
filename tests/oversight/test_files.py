"""Oversight's files open through its own addresses for those who see what they back: a report's
attachment for the office and the unit that reported, a milestone's evidence for the roles that
read everything and the unit that completed it, a manual score's evidence for those who read
everything and, once the year is published, for the readers of its sheet. Anyone else is told
there is no such file."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from cuncun.accounts.models import Role
from cuncun.oversight import services
from cuncun.oversight.models import AssessmentItem, ReportForm
from tests.conftest import township
from tests.oversight.conftest import evidence

YEAR = 2019  # a year the plan has no scheme for: the test writes its own manual item
WORK = {"work_done": "宣传", "events": "1", "people_reached": "10", "funds_used": "0"}


def _served_pdf(response):
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 evidence"
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


@pytest.fixture
def hrss(staff_of):
    return staff_of("hrss_bureau")


@pytest.fixture
def report(plan, hrss, office_user):
    """The human resources bureau's March report with its attachment, as the paper reached the
    office."""
    return services.submit_report(
        actor=office_user,
        form=ReportForm.objects.get(plan=plan, key="work_information"),
        period="2017-03",
        unit=plan.member_units.get(key="hrss_bureau"),
        values=WORK,
        attachment=evidence("三月工作.pdf"),
        received_on=date(2017, 4, 2),
    )


def test_a_reports_attachment_opens_from_its_page_for_the_office_and_the_unit(
    client, report, office_user, hrss
):
    address = reverse("oversight:attachment_file", args=[report.pk])
    client.force_login(office_user)

    page = client.get(reverse("oversight:submission", args=[report.pk])).content.decode()

    assert f'href="{address}"' in page
    _served_pdf(client.get(address))
    client.force_login(hrss)
    _served_pdf(client.get(address))


def test_another_unit_a_merchant_or_a_visitor_get_no_such_attachment(
    client, report, staff_of, make_user
):
    address = reverse("oversight:attachment_file", args=[report.pk])

    assert client.get(address).status_code == 404
    client.force_login(staff_of("finance_bureau"))
    assert client.get(address).status_code == 404
    client.force_login(make_user("tea", Role.MERCHANT, township("勐龙镇")))
    assert client.get(address).status_code == 404


def test_a_milestones_evidence_opens_for_the_office_and_its_unit_only(
    client, plan, staff_of, office_user, leader
):
    commerce = staff_of("commerce_bureau")
    completion = services.complete_milestone(
        actor=commerce,
        milestone=plan.milestones.get(key="plan_published_on_portal"),
        unit=plan.member_units.get(key="commerce_bureau"),
        completed_on=date(2016, 10, 18),
        note="已在市政府门户网站公示",
        evidence=evidence(),
    )
    address = reverse("oversight:completion_evidence_file", args=[completion.pk])

    client.force_login(office_user)
    assert f'href="{address}"' in client.get(reverse("oversight:milestones")).content.decode()
    _served_pdf(client.get(address))
    client.force_login(leader)
    _served_pdf(client.get(address))
    client.force_login(commerce)
    _served_pdf(client.get(address))
    client.force_login(staff_of("hrss_bureau"))
    assert client.get(address).status_code == 404
    client.logout()
    assert client.get(address).status_code == 404


@pytest.fixture
def scored(plan, office_user):
    """A manual item of the year's scheme, scored for 嘎洒镇 with evidence."""
    item = AssessmentItem.objects.create(
        plan=plan,
        key="manual",
        year=YEAR,
        assessed="township",
        label="宣传工作",
        points=Decimal(20),
        method="manual",
        sentence="以上六项工作开展情况作为市对乡镇、村实行竞争性分配资金的依据",
    )
    return services.score_manually(
        actor=office_user,
        item=item,
        subject=township("嘎洒镇"),
        points="15",
        reason="宣传到位",
        evidence=evidence("宣传照片.pdf"),
    )


def test_a_manual_scores_evidence_is_linked_from_the_sheet_and_the_api(client, scored, office_user):
    address = reverse("oversight:score_evidence_file", args=[scored.pk])
    sheet = reverse("oversight:sheet", args=[YEAR, "township", township("嘎洒镇").code])
    client.force_login(office_user)

    body = client.get(f"/api/oversight/assessment/?year={YEAR}").json()

    assert f'href="{address}"' in client.get(sheet).content.decode()
    lines = [line for item in body["items"] for line in item["lines"] if line["evidence"]]
    assert [line["evidence"] for line in lines] == [address]
    _served_pdf(client.get(address))


def test_a_scores_evidence_reaches_other_readers_only_once_the_year_is_published(
    client, plan, scored, office_user, gasa_staff
):
    address = reverse("oversight:score_evidence_file", args=[scored.pk])
    client.force_login(gasa_staff)
    assert client.get(address).status_code == 404

    services.publish_assessment(actor=office_user, plan=plan, year=YEAR)

    _served_pdf(client.get(address))
    client.logout()
    assert client.get(address).status_code == 404
