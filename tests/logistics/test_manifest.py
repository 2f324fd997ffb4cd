"""Bulk manifests: every bad row reported by number; nothing imported unless the user asks for
the good rows; importing the same file again adds nothing."""

from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import Workbook

from cuncun.core.errors import InvalidInput
from cuncun.logistics.manifest import read_manifest
from cuncun.logistics.models import EventKind, Parcel, TrackingEvent
from cuncun.logistics.services import import_manifest
from tests.logistics.conftest import at

HEADER = "快递公司,运单号,服务点编号,收件人,手机,重量kg,订单号,方向,事件,时间"


def manifest(point_code: str) -> bytes:
    return "\n".join(
        [
            HEADER,
            f"ZTO,ZT7300000001,{point_code},玉香南,13812345678,1.2,,进村,到达,2026-01-05 09:30",
            f"NOPE,ZT7300000002,{point_code},岩温,13812345679,1,,进村,到达,2026-01-05 09:31",
            f"圆通速递,YT8800000003,{point_code},岩罕,13812345670,0.5,,,,2026-01-05 09:32",
            "SF,SF1400000004,V-UNKNOWN,李四,1381234,abc,,进村,到达,yesterday",
            f"STO,ST5500000005,{point_code},玉罕,,2,M-20260105-7,进村,派件,2026-01-05 10:00",
        ]
    ).encode("utf-8")


def test_a_manifest_with_bad_rows_imports_nothing_and_lists_every_bad_row(
    carriers, warehouse, manda_point
):
    rows, problems = read_manifest(manifest(manda_point.code), "arrivals.csv", hub=warehouse)

    assert len(rows) == 3
    assert sorted({p["row"] for p in problems}) == [3, 5]
    codes = {p["code"] for p in problems if p["row"] == 5}
    assert {"unknown_carrier"} <= {p["code"] for p in problems if p["row"] == 3}
    assert {"unknown_point", "bad_phone", "bad_weight", "bad_time"} <= codes
    with pytest.raises(InvalidInput) as refused:
        import_manifest(actor=None, rows=rows, problems=problems)
    assert [p["row"] for p in refused.value.details["rows"]].count(5) == len(codes)
    assert not Parcel.objects.exists()


def test_the_user_may_import_the_good_rows_only(carriers, warehouse, manda_point, office_user):
    rows, problems = read_manifest(manifest(manda_point.code), "arrivals.csv", hub=warehouse)

    report = import_manifest(actor=office_user, rows=rows, problems=problems, good_rows_only=True)

    assert report.imported == 3 and len(report.problems) > 0
    parcel = Parcel.objects.get(waybill="ZT7300000001")
    assert parcel.status == EventKind.ARRIVED_HUB and parcel.status_site == warehouse
    assert Parcel.objects.get(waybill="ST5500000005").order_ref == "M-20260105-7"
    assert Parcel.objects.get(waybill="YT8800000003").carrier.code == "YTO"


def test_importing_the_same_manifest_again_adds_nothing(carriers, warehouse, manda_point):
    rows, problems = read_manifest(manifest(manda_point.code), "arrivals.csv", hub=warehouse)
    import_manifest(actor=None, rows=rows, problems=problems, good_rows_only=True)
    rows, problems = read_manifest(manifest(manda_point.code), "arrivals.csv", hub=warehouse)

    report = import_manifest(actor=None, rows=rows, problems=problems, good_rows_only=True)

    assert report.duplicates == 3 and report.imported == 0
    assert TrackingEvent.objects.count() == 3


def test_an_excel_manifest_reads_like_a_csv_one(carriers, warehouse, manda_point):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(
        [
            "ZTO",
            "ZT7300000009",
            manda_point.code,
            "玉香南",
            "13812345678",
            1.5,
            "",
            "进村",
            "到达",
            "2026-01-05 09:30",
        ]
    )
    data = BytesIO()
    book.save(data)

    rows, problems = read_manifest(data.getvalue(), "arrivals.xlsx", hub=warehouse)

    assert problems == [] and rows[0].waybill == "ZT7300000009"


def test_what_a_parcel_or_a_hub_cannot_hold_is_a_numbered_bad_row(carriers, warehouse, manda_point):
    code = manda_point.code
    data = "\n".join(
        [
            HEADER + ",地点编号",
            f"ZTO,ZT1,{code},{'玉' * 51},,1,,进村,到达,2026-01-05 09:30,",
            f"ZTO,ZT2,{code},岩温,,1,{'M' * 41},进村,到达,2026-01-05 09:30,",
            f"ZTO,ZT3,{code},岩罕,,100000,,进村,到达,2026-01-05 09:30,",
            f"ZTO,ZT4,{code},玉罕,,-1,,进村,到达,2026-01-05 09:30,",
            f"ZTO,ZT5,{code},岩叫,,1,,进村,到达,2026-01-05 09:30,{code}",
            f"ZTO,ZT6,{code},岩应,,1,,进村,到达,2026-01-05 09:30,",
        ]
    ).encode()

    rows, problems = read_manifest(data, "arrivals.csv", hub=warehouse)

    assert [(p["row"], p["code"]) for p in problems] == [
        (2, "name_too_long"),
        (3, "order_ref_too_long"),
        (4, "bad_weight"),
        (5, "bad_weight"),
        (6, "wrong_site_kind"),
    ]
    assert [r.waybill for r in rows] == ["ZT6"]
    with pytest.raises(InvalidInput):
        import_manifest(actor=None, rows=rows, problems=problems)
    assert not Parcel.objects.exists()


def test_a_manifest_without_times_uploaded_twice_adds_nothing(carriers, warehouse, manda_point):
    data = f"快递公司,运单号,服务点编号\nZTO,ZT1,{manda_point.code}\n".encode()
    for minute in [0, 5]:
        rows, problems = read_manifest(
            data, "arrivals.csv", hub=warehouse, default_time=at(0, 0) + timedelta(minutes=minute)
        )
        report = import_manifest(actor=None, rows=rows, problems=problems)

    assert report.duplicates == 1 and report.imported == 0
    assert TrackingEvent.objects.count() == 1


def test_a_file_without_the_needed_columns_is_said(carriers, warehouse):
    rows, problems = read_manifest(
        "运单号,手机\nZT1,13812345678\n".encode(), "x.csv", hub=warehouse
    )
    assert rows == [] and problems[0]["code"] == "missing_columns"


def test_a_township_user_may_not_import_parcels_for_another_township(
    carriers, warehouse, manda_point, menglong_staff
):
    rows, problems = read_manifest(manifest(manda_point.code), "arrivals.csv", hub=None)
    report = import_manifest(
        actor=menglong_staff, rows=rows, problems=problems, good_rows_only=True
    )
    assert report.imported == 0 and {p["code"] for p in report.problems} >= {"out_of_scope"}


def test_a_png_renamed_xlsx_or_csv_is_refused_with_a_sentence(carriers, warehouse):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    for name in ("arrivals.xlsx", "arrivals.csv"):
        with pytest.raises(InvalidInput):
            read_manifest(png, name, hub=warehouse)


def test_a_gbk_manifest_with_an_escaped_name_reads_the_name_as_it_was(
    carriers, warehouse, manda_point
):
    line = (
        f"ZTO,ZT7300000001,{manda_point.code},'=玉香南,13812345678,1.2,,进村,到达,2026-01-05 09:30"
    )
    data = f"{HEADER}\n{line}".encode("gbk")

    rows, problems = read_manifest(data, "arrivals.csv", hub=warehouse)

    assert problems == [] and rows[0].details.person_name == "=玉香南"
