"""The dashboard's coverage by township over time agrees with the coverage indicator."""

from datetime import date

import pytest

from cuncun.monitoring.dashboard import coverage_by_township, quarter_end
from cuncun.plans.progress import evaluate
from tests.conftest import township
from tests.factories import site_in


def test_quarter_end_counts_quarters_back_from_the_day():
    assert quarter_end(date(2017, 5, 20), 0) == date(2017, 6, 30)
    assert quarter_end(date(2017, 5, 20), -1) == date(2017, 3, 31)
    assert quarter_end(date(2017, 1, 1), -1) == date(2016, 12, 31)


def test_coverage_by_township_over_time_equals_the_indicator_on_each_quarter_end(county):
    # given two village points of 嘎洒镇, one opened in February 2017 and one in August 2017
    gasa = township("嘎洒镇")
    first, second = gasa.children.filter(level="village").order_by("code")[:2]
    site_in(first, opened_on=date(2017, 2, 10))
    site_in(second, opened_on=date(2017, 8, 1))

    # when the dashboard charts coverage on 2017-10-15
    chart = coverage_by_township(county, date(2017, 10, 15))

    # then each quarter end of 嘎洒镇 is the indicator's value that day, rising as points opened
    assert chart["quarters"][-4:] == ["2017-03", "2017-06", "2017-09", "2017-10"]
    series = next(s for s in chart["series"] if s["name"] == "嘎洒镇")
    ends = [date(2017, 3, 31), date(2017, 6, 30), date(2017, 9, 30), date(2017, 10, 15)]
    # (the indicator says a percentage, the chart a share)
    expected = [float(evaluate("village_point_coverage", gasa, end).value) / 100 for end in ends]
    assert series["values"][-4:] == pytest.approx(expected, abs=1e-4)  # the indicator rounds
    assert expected[0] < expected[2]
