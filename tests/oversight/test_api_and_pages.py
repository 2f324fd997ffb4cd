from datetime import date

from django.urls import reverse

from cuncun.oversight import services
from cuncun.oversight.models import ReportForm


def test_the_milestones_api_lists_every_milestone_with_its_state(client, plan, leader):
    client.force_login(leader)

    body = client.get("/api/oversight/milestones/").json()

    assert len(body["items"]) == plan.milestones.count()
    first = body["items"][0]
    assert {"key", "due_on", "status", "late", "responsible", "sentence"} <= set(first)


def test_the_reporting_api_gives_completeness_and_timeliness_per_unit(client, plan, office_user):
    services.submit_report(
        actor=office_user,
        form=ReportForm.objects.get(plan=plan, key="work_information"),
        period="2017-03",
        unit=plan.member_units.get(key="hrss_bureau"),
        values={"work_done": "培训", "events": "1", "people_reached": "50", "funds_used": "0"},
        received_on=date(2017, 4, 2),
    )
    client.force_login(office_user)

    body = client.get("/api/oversight/reporting/?period=2017-03").json()

    (form,) = body["forms"]
    assert form["received"] == 1 and form["on_time"] == 1
    hrss = next(u for u in form["units"] if u["unit"] == "hrss_bureau")
    assert hrss["status"] == "submitted" and hrss["on_time"] is True
    assert client.get("/api/oversight/reporting/?period=March").status_code == 400


def test_the_assessment_api_ranks_townships_and_departments(client, plan, office_user):
    client.force_login(office_user)

    body = client.get("/api/oversight/assessment/?year=2017").json()

    assert body["published"] is False
    kinds = {item["kind"] for item in body["items"]}
    assert kinds == {"township", "department"}
    assert all({"unit", "score", "rank"} <= set(item) for item in body["items"])
    online = next(
        line
        for item in body["items"]
        for line in item["lines"]
        if line["item"] == "t2017_online_sales"
    )
    # Whether or not its indicator is registered here, an item never scores a made-up value.
    assert online["computable"] is (online["points"] is not None)


def test_an_unpublished_assessment_is_hidden_from_member_units(client, plan, staff_of):
    client.force_login(staff_of("hrss_bureau"))

    assert client.get("/api/oversight/assessment/?year=2017").status_code == 404
    assert client.get(reverse("oversight:assessment", args=[2017])).status_code == 404


def test_the_pages_open_in_chinese_for_the_office(client, plan, office_user):
    client.force_login(office_user)
    for name, args in [
        ("oversight:home", []),
        ("oversight:milestones", []),
        ("oversight:reports", []),
        ("oversight:assessment", [2017]),
    ]:
        page = client.get(reverse(name, args=args))
        assert page.status_code == 200, name
    notice = client.get(reverse("oversight:notice") + "?period=2017-03")
    assert "督查通报" in notice.content.decode()
    sheet = client.get(reverse("oversight:assessment_xlsx", args=[2017]))
    assert sheet["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_public_cannot_open_oversight(client, plan):
    assert client.get("/api/oversight/milestones/").status_code in (401, 403)
