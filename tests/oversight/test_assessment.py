from datetime import date
from decimal import Decimal

import pytest

from cuncun.core.errors import Conflict, InvalidInput
from cuncun.network.indicators import villages_counted_in
from cuncun.network.models import SiteKind
from cuncun.oversight import services
from cuncun.oversight.models import AssessmentItem, ReportForm
from cuncun.oversight.queries import assessment_scores
from cuncun.oversight.scoring import score_sheets
from tests.conftest import township
from tests.factories import site_in

YEAR = 2019  # a year the plan file has no scheme for: the test writes its own
WORK = {"work_done": "宣传", "events": "1", "people_reached": "10", "funds_used": "0"}


def _item(plan, key, points, method, indicator="", target=None):
    return AssessmentItem.objects.create(
        plan=plan,
        key=key,
        year=YEAR,
        assessed="township",
        label=key,
        points=Decimal(points),
        method=method,
        indicator=indicator,
        target=target,
        sentence="以上六项工作开展情况作为市对乡镇、村实行竞争性分配资金的依据",
    )


@pytest.fixture
def scheme(plan):
    return {
        "station": _item(plan, "station", 20, "yes_no", "township_station_coverage"),
        "points": _item(plan, "points", 30, "linear", "village_point_coverage", Decimal(50)),
        "missing": _item(plan, "missing", 10, "linear", "no_such_indicator", Decimal(1)),
        "manual": _item(plan, "manual", 20, "manual"),
        "reporting": _item(plan, "reporting", 20, "reporting"),
    }


def _report_all_year(plan, office, township_unit):
    form = ReportForm.objects.get(plan=plan, key="work_information")
    for month in range(1, 12):  # January to November are due within the year
        services.submit_report(
            actor=office,
            form=form,
            period=f"{YEAR}-{month:02d}",
            unit=plan.member_units.get(key="townships"),
            township=township_unit,
            values=WORK,
            received_on=date(YEAR, month + 1, 5),
        )


def test_a_scheme_scored_by_hand_for_two_townships(plan, scheme, office_user):
    gasa, menglong = township("嘎洒镇"), township("勐龙镇")
    site_in(gasa, SiteKind.TOWNSHIP_STATION, opened_on=date(2018, 5, 1), name="嘎洒镇电商服务站")
    gasa_village = villages_counted_in(gasa).order_by("code").first()
    site_in(gasa_village, opened_on=date(2018, 6, 1))
    site_in(villages_counted_in(menglong).order_by("code").first(), opened_on=date(2018, 6, 1))
    services.score_manually(
        actor=office_user,
        item=scheme["manual"],
        subject=gasa,
        points="12.5",
        reason="对接两家担保机构",
    )
    _report_all_year(plan, office_user, gasa)

    sheets = {s.name: s for s in score_sheets(plan, YEAR)["township"]}

    def share_points(unit):  # 30 points × (villages with a point ÷ villages) ÷ 50%, at most 30
        share = (Decimal(100) / villages_counted_in(unit).count()).quantize(Decimal("0.01"))
        return min(Decimal(30), (Decimal(30) * share / 50).quantize(Decimal("0.01")))

    gasa_sheet, menglong_sheet = sheets["嘎洒镇"], sheets["勐龙镇"]
    by_item = {line.item.key: line for line in gasa_sheet.lines}
    assert by_item["station"].points == 20
    assert by_item["points"].points == share_points(gasa)
    assert (
        by_item["missing"].points is None and "no_such_indicator" in by_item["missing"].explanation
    )
    assert by_item["manual"].points == Decimal("12.5")
    assert by_item["reporting"].points == 20  # 11 of 11 due reports on time
    assert gasa_sheet.score == 20 + share_points(gasa) + Decimal("12.5") + 20
    assert menglong_sheet.score == share_points(menglong)  # no station, no score, no reports
    assert (gasa_sheet.rank, menglong_sheet.rank) == (1, 2)


def test_manual_points_above_the_item_or_for_a_computed_item_are_refused(plan, scheme, office_user):
    with pytest.raises(InvalidInput):
        services.score_manually(
            actor=office_user,
            item=scheme["manual"],
            subject=township("嘎洒镇"),
            points="21",
            reason="x",
        )
    with pytest.raises(InvalidInput):
        services.score_manually(
            actor=office_user,
            item=scheme["station"],
            subject=township("嘎洒镇"),
            points="1",
            reason="x",
        )


def test_published_results_are_frozen_and_read_by_the_funds(plan, scheme, office_user):
    gasa = township("嘎洒镇")
    services.score_manually(
        actor=office_user, item=scheme["manual"], subject=gasa, points="10", reason="好"
    )
    services.publish_assessment(actor=office_user, plan=plan, year=YEAR)

    with pytest.raises(Conflict):
        services.score_manually(
            actor=office_user, item=scheme["manual"], subject=gasa, points="20", reason="更好"
        )
    scores = {unit.name: (score, rank) for unit, score, rank in assessment_scores(year=YEAR)}
    assert scores["嘎洒镇"] == (Decimal("10"), 1)
    assert all(rank == 2 for name, (_s, rank) in scores.items() if name != "嘎洒镇")
