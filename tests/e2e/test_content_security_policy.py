"""Browser: under the site's Content-Security-Policy (no inline script or style, no eval) the
charts still draw, a confirmation still asks and a cancelled one changes nothing, print and
filters still work, and the admin and the API docs still run. Every page is watched: any
`securitypolicyviolation`, console error or uncaught error fails the test."""

from playwright.sync_api import expect

from cuncun.accounts.models import User
from cuncun.oversight.models import AssessmentPublication
from cuncun.portal.demo import DEMO_PASSWORD, load_demo
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.orders.conftest import market  # noqa: F401  (the fixture)
from tests.orders.test_festival_results import sold  # noqa: F401  (the fixture)
from tests.promotions.conftest import festival, office  # noqa: F401  (fixtures)

# Reports each violation to the test (the binding outlives navigations; a page's own state not).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.reportPolicyViolation(`${event.violatedDirective} refused ${event.blockedURI} (${where})`);
});
"""
# Who sees which chart in the demo: (user, page, chart element); None is a visitor.
DEMO_CHARTS = [
    (None, "/", "#township-chart"),
    (None, "/network/coverage/", "#coverage-chart"),
    ("training", "/training/", "#years-chart"),
    ("office", "/funds/", "#fund-chart"),
    ("office", "/dashboard/", "#chart-townships"),
    ("office", "/oversight/milestones/", "#timeline"),
    ("office", "/oversight/assessment/2017/", "#ranking-chart"),
]


def watch_the_policy(page) -> list[str]:
    """What went wrong on the page from now on, each with the page's address."""
    problems: list[str] = []
    page.expose_function(
        "reportPolicyViolation", lambda text: problems.append(f"{page.url} {text}")
    )
    page.add_init_script(REPORT_VIOLATIONS)

    def console(message):
        # The site has no icon: the browser's own request for one is not the page's doing.
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            problems.append(f"{page.url} {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"{page.url} {error}"))
    return problems


def settle(page) -> None:
    """Lets the page finish what a hover or a click started (a violation is reported in a task of
    its own), so that it is counted before the test looks."""
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 50)))")


def see_the_chart(page, chart: str) -> None:
    """The chart is drawn (ECharts' canvas inside its element) and its tooltip shows on a touch."""
    expect(page.locator(f"{chart} canvas").first).to_be_visible()
    page.locator(chart).hover()
    settle(page)


def test_the_demo_charts_draw_under_the_policy_for_the_roles_that_see_them(live_server, phone):
    load_demo()
    problems = watch_the_policy(phone)

    for username, path, chart in DEMO_CHARTS:
        phone.context.clear_cookies()
        if username:
            log_in(phone, live_server, username, DEMO_PASSWORD)
        phone.goto(f"{live_server.url}{path}")
        see_the_chart(phone, chart)

    assert problems == []


def test_a_festivals_chart_draws_under_the_policy(live_server, phone, sold):  # noqa: F811
    problems = watch_the_policy(phone)
    log_in(phone, live_server, "office", PASSWORD)

    phone.goto(f"{live_server.url}/market/festivals/{sold.campaign.pk}/")
    see_the_chart(phone, "#festival-chart")

    assert problems == []


def test_a_confirmation_asks_first_and_cancelling_it_publishes_nothing(
    live_server, phone, plan, office_user
):
    problems = watch_the_policy(phone)
    log_in(phone, live_server, "office", PASSWORD)
    phone.goto(f"{live_server.url}/oversight/assessment/2017/")
    asked = []

    def cancel(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    phone.once("dialog", cancel)
    phone.get_by_role("button", name="公布考核结果").click()
    settle(phone)

    assert asked == ["确定公布考核结果？公布后不可更改，各单位均可查看。"]
    expect(phone.locator("#draft")).to_be_visible()
    assert not AssessmentPublication.objects.exists()

    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="公布考核结果").click()

    expect(phone.locator("#published")).to_be_visible()
    assert AssessmentPublication.objects.filter(year=2017).exists()
    assert problems == []


def test_print_and_a_filter_that_sends_itself_work_under_the_policy(
    live_server, phone, plan, office_user
):
    problems = watch_the_policy(phone)
    log_in(phone, live_server, "office", PASSWORD)

    phone.goto(f"{live_server.url}/oversight/reporting/notice/")
    phone.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
    phone.get_by_role("button", name="打印").click()
    expect(phone.locator("body")).to_have_attribute("data-printed", "yes")

    phone.goto(f"{live_server.url}/network/coverage/")
    phone.get_by_label("日期").fill("2017-04-01")
    phone.wait_for_url("**/network/coverage/?on=2017-04-01")
    expect(phone.get_by_label("日期")).to_have_value("2017-04-01")

    assert problems == []


def test_the_admin_and_the_api_docs_run_under_the_policy(live_server, phone, office_user):
    User.objects.filter(pk=office_user.pk).update(is_staff=True, is_superuser=True)
    problems = watch_the_policy(phone)
    log_in(phone, live_server, "office", PASSWORD)

    phone.goto(f"{live_server.url}/admin/accounts/user/{office_user.pk}/change/")
    expect(phone.locator("#user_form")).to_be_visible()
    phone.goto(f"{live_server.url}/admin/accounts/user/")
    expect(phone.locator("#result_list")).to_be_visible()

    phone.goto(f"{live_server.url}/api/docs")
    expect(phone.locator(".swagger-ui .info .title")).to_contain_text("cuncun API")
    phone.locator(".opblock-summary").first.click()
    expect(phone.locator(".opblock-body").first).to_be_visible()
    settle(phone)

    assert problems == []
