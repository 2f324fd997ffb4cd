"""Browser: a producer records a batch from their base and prints its 承诺达标合格证 with its QR;
a buyer scans the QR (its GS1 Digital Link) and lands on the batch's public trace page."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from cuncun.trace import gs1, services
from cuncun.trace.models import Batch
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.trace.conftest import (  # noqa: F401  (the fixtures)
    HARVEST,
    farm,
    forget_cached_hints,
    market,
)


def test_a_producer_records_a_batch_and_prints_its_certificate(
    live_server,
    phone,
    farm,  # noqa: F811
):
    log_in(phone, live_server, "merchant", PASSWORD)
    phone.goto(f"{live_server.url}/trace/console/")
    form = phone.locator("#batch-form")
    form.get_by_role("combobox", name="商品").select_option(label=farm.market.tea.product.name)
    form.get_by_label("生产基地").select_option(label=farm.base.name)
    form.get_by_label("采收日期").fill(str(HARVEST + timedelta(days=1)))
    form.get_by_role("spinbutton", name="数量").fill("80")
    form.get_by_role("button", name="登记批次").click()
    expect(phone.locator(".messages")).to_contain_text("批次已登记")
    batch = Batch.objects.latest("pk")
    expect(phone.locator("#lot")).to_have_text(batch.lot)

    certificate = phone.locator("#certificate-form")
    certificate.get_by_label("自我检测").check()
    certificate.get_by_label("开具人").fill("刘明")
    certificate.get_by_label("联系电话").fill("13900000006")
    certificate.get_by_role("button", name="开具合格证").click()
    expect(phone.locator(".messages")).to_contain_text("合格证已开具")

    phone.get_by_role("link", name="打印合格证").click()
    label = phone.locator("#label")
    for shown in ["承诺达标合格证", "常规农药兽药残留不超标", "刘家茶园"]:
        expect(label).to_contain_text(shown)
    expect(label).to_contain_text(gs1.build(batch.gtin, batch.lot).path)
    phone.wait_for_load_state()  # the QR's picture and the styles, before they are measured
    qr = phone.locator(".qr img")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_buyer_scans_the_qr_and_sees_where_the_batch_comes_from(
    live_server,
    phone,
    farm,  # noqa: F811
):
    garden = farm.market.tea_garden
    garden.contact_phone = "13912345678"
    garden.save(update_fields=["contact_phone"])
    services.issue_certificate(
        actor=None,
        batch=farm.batch,
        basis=["self_test"],
        issuer="刘明",
        contact_phone="13912345678",
    )
    scanned = gs1.build(farm.batch.gtin, farm.batch.lot).uri(live_server.url)

    phone.goto(scanned)

    expect(phone).to_have_url(re.compile(re.escape(f"/trace/b/{farm.batch.lot}/") + "$"))
    page = phone.locator("main")
    for shown in [
        "普洱茶",
        "曼栋茶园",
        "勐龙镇",
        "139****5678",
        "承诺达标合格证",
        "流通过程",
        "采收",
    ]:
        expect(page).to_contain_text(shown, use_inner_text=True)
    expect(page).not_to_contain_text("13912345678", use_inner_text=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
