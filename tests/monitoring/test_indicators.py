from datetime import date, datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from cuncun.merchants.models import Platform
from cuncun.monitoring.rollups import rebuild_all
from cuncun.monitoring.services import enter_reported_value, review_reported_value
from cuncun.plans.progress import evaluate
from cuncun.plans.queries import targets_for
from tests.conftest import township
from tests.monitoring.conftest import accepted, taobao

MAY_2018 = date(2018, 5, 20)  # year to date: January to April


def test_growth_is_this_years_months_over_the_same_months_a_year_before(
    reporters, market_sale, county
):
    r = reporters
    # 2017, January to April: 1000 reported (of which 200 B2B) + 0 market = 1000 transactions,
    # 800 retail.
    accepted(r, r.tea_garden, date(2017, 2, 1), taobao("500", other="300", b2b="200"))
    # 2018, January to April: 1100 reported (100 B2B) + 200 on the market = 1300 transactions,
    # 1200 retail. May is outside the period.
    accepted(r, r.tea_garden, date(2018, 3, 1), taobao("600", other="400", b2b="100"))
    market_sale(r.tea_garden, datetime(2018, 4, 10, 9), "200.00")
    accepted(r, r.tea_garden, date(2018, 5, 1), taobao("9999"))
    rebuild_all(date(2017, 1, 1), date(2018, 5, 1))

    transactions = evaluate("ecommerce_transaction_growth", county, MAY_2018)
    retail = evaluate("online_retail_growth", county, MAY_2018)

    assert (transactions.numerator, transactions.denominator) == (Decimal(300), Decimal(1000))
    assert transactions.value == Decimal("0.30") and transactions.met is True
    assert (retail.numerator, retail.denominator) == (Decimal(400), Decimal(800))
    assert retail.value == Decimal("0.50") and retail.met is True
    assert evaluate("agri_online_sales", county, MAY_2018).value == Decimal("800.00")
    assert evaluate("agri_online_sales", township("嘎洒镇"), MAY_2018).value == Decimal(0)


def test_growth_without_last_years_figures_has_no_value(reporters, county):
    accepted(reporters, reporters.tea_garden, date(2018, 3, 1), taobao("100"))
    rebuild_all(date(2018, 3, 1), date(2018, 3, 1))

    assert evaluate("ecommerce_transaction_growth", county, MAY_2018).value is None


def test_every_target_of_the_plan_has_an_indicator(plan):
    from cuncun.core.indicators import registry

    codes = set(plan.targets.values_list("indicator", flat=True))

    assert {code for code in codes if registry.get(code) is None} == set()


def test_a_reported_indicator_counts_only_accepted_values(reporters, county, plan):
    telecom = plan.member_units.get(key="telecom_companies")
    evidence = SimpleUploadedFile("光网验收.pdf", b"%PDF-1.4 test")

    assert evaluate("broadband_mbps", county, MAY_2018).value is None
    entry = enter_reported_value(
        actor=reporters.office,
        indicator="broadband_mbps",
        period_start=date(2017, 1, 1),
        value="100",
        evidence=evidence,
    )
    assert evaluate("broadband_mbps", county, MAY_2018).value is None
    review_reported_value(actor=reporters.office, entry=entry, accept=True)

    result = evaluate("broadband_mbps", county, MAY_2018)
    assert result.value == Decimal(100) and result.met is True
    assert targets_for("broadband_mbps", plan)[0].key == "broadband_mbps"
    assert telecom.reporting_rules.get().indicator == "broadband_mbps"


def test_the_county_platform_is_counted_from_the_operating_county_center(county, plan):
    from cuncun.network.models import SiteKind
    from tests.factories import site_in

    assert evaluate("county_platform_count", county, MAY_2018).met is False
    site_in(county, SiteKind.COUNTY_CENTER, name="市电子商务公共服务中心")

    result = evaluate("county_platform_count", county, MAY_2018)
    assert result.value == Decimal(1) and result.met is True


def test_reports_of_other_platforms_land_in_their_channel(reporters, county):
    from cuncun.monitoring.queries import sales_by

    accepted(
        reporters,
        reporters.tea_garden,
        date(2018, 3, 1),
        taobao("10"),
        taobao("5", platform=Platform.JD),
    )
    rebuild_all(date(2018, 3, 1), date(2018, 3, 1))

    items = sales_by(
        reporters.office,
        region=county,
        first=date(2018, 1, 1),
        last=date(2018, 12, 1),
        by="platform",
    )
    assert {i["key"]: i["transactions"] for i in items} == {
        Platform.JD: Decimal("5.00"),
        Platform.TAOBAO: Decimal("10.00"),
    }
