import io
import zipfile
from datetime import date

from django.core.management import call_command
from openpyxl import load_workbook

from cuncun.core.indicators import registry
from cuncun.oversight import services
from cuncun.oversight.models import PackStatus
from cuncun.oversight.pack import evaluation_pack
from cuncun.training.models import CourseKind
from cuncun.training.services import Person, create_course, record_attendance, register_trainee
from tests.conftest import township
from tests.conftest import village as village_of
from tests.factories import site_in
from tests.oversight.conftest import evidence
from tests.training.builders import id_number
from tests.training.conftest import make_session


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


def test_the_pack_holds_training_rosters_summarised_enterprise_reports_and_a_summary_pdf(
    plan, office_user
):
    # given a 2017 training session with two trainees (one a woman) and an accepted sales report
    session = make_session(
        create_course(actor=None, code="awareness", name="电商普及培训", kind=CourseKind.AWARENESS),
        code="2017-001",
        first=date(2017, 5, 12),
    )
    for n, female in ((1, True), (2, False)):
        manda = village_of("嘎洒镇", "曼达村委会")
        person = Person(id_number=id_number(n, female=female), name=f"学员{n}", region=manda)
        trainee = register_trainee(actor=None, person=person)
        record_attendance(actor=None, session=session, trainee=trainee, day=date(2017, 5, 12))

    pack = evaluation_pack(year=2017, plan=plan)

    # then the rosters are summarised (no names, no ID numbers), and a PDF sums the year up
    training = _sheet(pack, "training.xlsx")
    assert training[1][0] == session.code
    assert training[1][6:9] == (2, 1, 2)  # trainees, women, person-days
    assert "enterprises.xlsx" in zipfile.ZipFile(io.BytesIO(pack)).namelist()
    pdf = zipfile.ZipFile(io.BytesIO(pack)).read("summary.pdf")
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf


def test_the_pack_is_built_by_a_task_that_tells_its_progress(plan, office_user, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # given the office asks for the 2017 pack
    build = services.start_evaluation_pack(actor=office_user, year=2017)
    assert build.status == PackStatus.QUEUED

    # when the worker runs it
    services.process_evaluation_pack(build_id=build.pk)

    # then every part was written and the zip is the same as the command's
    build.refresh_from_db()
    assert build.status == PackStatus.DONE
    assert build.parts_done == build.parts_total == 8
    assert bytes(build.content) == evaluation_pack(year=2017, plan=plan)
