"""Pages without a chart load no chart script, and none loads htmx unless it uses it."""

from playwright.sync_api import expect


def test_a_page_without_a_chart_loads_no_chart_script(live_server, phone, plan):
    phone.goto(f"{live_server.url}/plan/")
    expect(phone.locator("script[src*='echarts']")).to_have_count(0)
    expect(phone.locator("script[src*='htmx']")).to_have_count(0)
