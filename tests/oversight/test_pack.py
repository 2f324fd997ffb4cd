import io
import zipfile
from datetime import date

from django.core.management import call_command
from openpyxl import load_workbook

from cuncun.core.indicators import registry
from cuncun.oversight import services
from cuncun.oversight.pack import evaluation_pack
from tests.conftest import township
from tests.factories import site_in
from tests.oversight.conftest import evidence


def _sheet(pack: bytes, name: str) -> list[tuple]:
    book = load_workbook(io.BytesIO(zipfile.ZipFile(io.BytesIO(pack)).read(name)))
    return list(book.active.iter_rows(values_only=True))


def test_the_pack_holds_indicators_sites_milestone_evidence_reports_and_a_visit_list(
    plan, office_user
):
    gasa = township("嘎洒镇")
    for village in gasa.children.order_by("code")[:3]:
        site_in(village, opened_on=date(2017, 3, 1))
    completion = services.complete_milestone(
        actor=office_user,
        milestone=plan.milestones.get(key="plan_adopted"),
        unit=plan.member_units.get(key="ecommerce_office"),
        completed_on=date(2016, 12, 20),
        note="常务会议通过",
        evidence=evidence("minutes.pdf"),
    )
    services.accept_milestone_completion(actor=office_user, completion=completion)

    pack = evaluation_pack(year=2017, plan=plan)

    names = set(zipfile.ZipFile(io.BytesIO(pack)).namelist())
    assert {
        "indicators.xlsx",
        "sites.xlsx",
        "milestones.xlsx",
        "reports.xlsx",
        "onsite-checklist.xlsx",
    } <= names
    assert any(n.startswith("milestone-evidence/plan_adopted-") for n in names)
    indicators = _sheet(pack, "indicators.xlsx")
    assert len(indicators) == 1 + len(registry.all())
    coverage = next(r for r in indicators if r[0] == "village_point_coverage")
    assert coverage[5] is not None  # its deadline from the plan
    visits = _sheet(pack, "onsite-checklist.xlsx")
    assert len(visits) == 1 + 3
    assert all(row[7].startswith("/network/s/") for row in visits[1:])
    reports = _sheet(pack, "reports.xlsx")
    assert len(reports) == 1 + 12 + 4 + 1  # monthly, quarterly and yearly forms of 2017


def test_the_same_data_gives_the_same_pack_bytes(plan, tmp_path):
    site_in(township("嘎洒镇").children.order_by("code").first(), opened_on=date(2017, 3, 1))

    call_command("evaluation_pack", year=2017, out=tmp_path / "a.zip")
    call_command("evaluation_pack", year=2017, out=tmp_path / "b.zip")

    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
