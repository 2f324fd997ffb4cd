"""Browser: a producer records a batch from their base and prints its 承诺达标合格证 with its QR;
a buyer scans the QR (its GS1 Digital Link) and lands on the batch's public trace page."""

from datetime import timedelta

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
    phone.wait_for_load_state()
    assert "批次已登记" in phone.locator(".messages").inner_text()
    batch = Batch.objects.latest("pk")
    assert phone.locator("#lot").inner_text() == batch.lot

    certificate = phone.locator("#certificate-form")
    certificate.get_by_label("自我检测").check()
    certificate.get_by_label("开具人").fill("刘明")
    certificate.get_by_label("联系电话").fill("13900000006")
    certificate.get_by_role("button", name="开具合格证").click()
    phone.wait_for_load_state()
    assert "合格证已开具" in phone.locator(".messages").inner_text()

    phone.get_by_role("link", name="打印合格证").click()
    phone.wait_for_load_state()
    label = phone.locator("#label").inner_text()
    assert "承诺达标合格证" in label and "常规农药兽药残留不超标" in label and "刘家茶园" in label
    assert gs1.build(batch.gtin, batch.lot).path in label
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

    assert phone.url.endswith(f"/trace/b/{farm.batch.lot}/")
    page = phone.locator("main").inner_text()
    assert "普洱茶" in page and "曼栋茶园" in page and "勐龙镇" in page
    assert "139****5678" in page and "13912345678" not in page
    assert "承诺达标合格证" in page and "流通过程" in page and "采收" in page
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
