"""Pages without a chart load no chart script, and none loads htmx unless it uses it."""


def test_a_page_without_a_chart_loads_no_chart_script(live_server, phone, plan):
    phone.goto(f"{live_server.url}/plan/")
    assert phone.locator("script[src*='echarts']").count() == 0
    assert phone.locator("script[src*='htmx']").count() == 0
