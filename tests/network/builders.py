"""Spreadsheets of sites for tests, in the register's columns."""

import io

from openpyxl import Workbook

HEADER = [
    "类型",
    "乡镇",
    "村/社区",
    "名称",
    "地址",
    "营业时间",
    "服务",
    "面积",
    "站长",
    "站长手机",
    "申请日期",
    "开业日期",
]
GOOD_ROW = [
    "村级电商服务点",
    "嘎洒镇",
    "曼达村委会",
    "曼达村电商服务点",
    "曼达村委会旁",
    "8:00-18:00",
    "代购,快递代收",
    30,
    "岩罕",
    "13900001111",
    "2017-03-01",
    None,
]


def register_file(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_register(client, file, **options) -> str:
    """Upload a register as the import page does, run its import as the worker would, and
    return the page the person follows it on."""
    from cuncun.network.services import process_site_import

    response = client.post("/network/manage/import/", {"file": file, **options})
    assert response.status_code == 302, response.content.decode()
    job = int(response.url.rstrip("/").rsplit("/", 1)[1])
    process_site_import(import_id=job)
    return client.get(response.url).content.decode()
