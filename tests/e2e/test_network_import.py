"""Browser: the county office imports a register with a bad row, reads its row number, then
imports the good rows; the import runs in the background and the page follows it."""

from playwright.sync_api import expect

from cuncun.network.models import Site
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.network.builders import GOOD_ROW, register_file

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_the_office_imports_a_register_with_a_bad_row_and_sees_its_number(
    live_server, phone, office_user, tmp_path, settings
):
    settings.TASKS = IMMEDIATE  # the worker runs the import as soon as it is handed in
    bad = [*GOOD_ROW[:2], "不存在村", *GOOD_ROW[3:]]
    path = tmp_path / "站点台账.xlsx"
    path.write_bytes(register_file([GOOD_ROW, bad]))
    log_in(phone, live_server, "office", PASSWORD)

    phone.goto(f"{live_server.url}/network/manage/import/")
    phone.get_by_label("Excel 文件（.xlsx）").set_input_files(str(path))
    phone.get_by_role("button", name="导入").click()
    expect(phone.locator("#import-state")).to_have_text("失败")
    alert = phone.locator("#import-status")
    expect(alert).to_contain_text("第 3 行")
    expect(alert).to_contain_text("不存在村")
    assert not Site.objects.exists()

    phone.get_by_label("Excel 文件（.xlsx）").set_input_files(str(path))
    phone.get_by_label("只导入正确的行，跳过错误行").check()
    phone.get_by_role("button", name="导入").click()
    expect(phone.locator("#import-report")).to_contain_text("1 个站点已登记")
    expect(phone.locator("#import-state")).to_have_text("已导入")
    assert list(Site.objects.values_list("name", flat=True)) == ["曼达村电商服务点"]
