import json
from datetime import date

from cuncun.monitoring.rollups import rebuild_all
from tests.monitoring.conftest import accepted, taobao


def test_sales_by_month_township_and_category_come_from_the_rollup(client, reporters):
    r = reporters
    accepted(r, r.tea_garden, date(2018, 3, 1), taobao("100", other="20", b2b="30"))
    accepted(r, r.farmer, date(2018, 4, 1), taobao("5"))
    rebuild_all(date(2018, 3, 1), date(2018, 4, 1))
    client.force_login(r.office)

    by_month = client.get("/api/monitoring/sales/?from=2018-01&to=2018-12&by=month").json()
    by_township = client.get("/api/monitoring/sales/?from=2018-01&to=2018-12&by=township").json()
    by_category = client.get("/api/monitoring/sales/?from=2018-03&to=2018-03&by=category").json()

    assert [(i["key"], i["transactions"], i["online_retail"]) for i in by_month["items"]] == [
        ("2018-03", "150.00", "120.00"),
        ("2018-04", "5.00", "5.00"),
    ]
    assert {i["label"]: i["farm_products"] for i in by_township["items"]} == {
        "勐龙镇": "100.00",
        "嘎洒镇": "5.00",
    }
    assert {i["key"]: i["transactions"] for i in by_category["items"]} == {
        "b2b": "30.00",
        "farm": "100.00",
        "other": "20.00",
    }


def test_township_staff_get_their_townships_sales_only(client, reporters):
    r = reporters
    accepted(r, r.tea_garden, date(2018, 3, 1), taobao("100"))
    rebuild_all(date(2018, 3, 1), date(2018, 3, 1))
    client.force_login(r.gasa)

    items = client.get("/api/monitoring/sales/?from=2018-01&to=2018-12").json()["items"]

    assert items == []
    bad = client.get("/api/monitoring/sales/?from=2018-1x&by=month")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"


def test_a_report_is_submitted_and_listed_through_the_api(client, reporters):
    client.force_login(reporters.owner)
    body = {
        "merchant": reporters.tea_garden.pk,
        "month": "2018-03",
        "lines": [{"platform": "jd", "farm_sales": "88.80", "other_sales": "0", "orders": 3}],
    }

    created = client.post("/api/monitoring/reports/", json.dumps(body), "application/json")
    listed = client.get("/api/monitoring/reports/").json()

    assert created.status_code == 201 and created.json()["due_on"] == "2018-04-05"
    assert [(x["month"], x["status"], x["lines"][0]["farm_sales"]) for x in listed] == [
        ("2018-03", "submitted", "88.80")
    ]
    client.force_login(reporters.gasa)
    refused = client.post("/api/monitoring/reports/", json.dumps(body), "application/json")
    assert refused.status_code == 403


def test_every_target_answers_the_indicator_api_with_a_value_or_a_note(client, plan):
    codes = set(plan.targets.values_list("indicator", flat=True))

    answers = {code: client.get(f"/api/indicators/{code}/?on=2018-05-01") for code in codes}

    assert {code for code, a in answers.items() if a.status_code != 200} == set()
    broadband = answers["broadband_mbps"].json()
    assert broadband["value"] is None and broadband["note"] == "本期未填报"
