import pytest
from django.core.management import CommandError, call_command

from cuncun.accounts.models import Role
from cuncun.core.errors import InvalidInput, NotAllowed
from cuncun.core.models import AuditEntry
from cuncun.portal.demo import DIVISIONS_FILE
from cuncun.regions.division_file import DivisionFileError
from cuncun.regions.models import GroupCode, Kind, Level, RegionUnit
from cuncun.regions.services import add_to_group, ensure_group, load_divisions
from tests.conftest import township

HEADER = "level,code,name,kind,parent_code,parent_name\n"
GOOD = (
    HEADER
    + "county,900001,测试县,county,9000,测试州\n"
    + "township,900001001,甲镇,town,900001,测试县\n"
    + "village,,一村委会,administrative_village,900001001,甲镇\n"
)


def test_load_divisions_builds_the_jinghong_tree(county):
    units = RegionUnit.objects.all()
    assert county.name == "景洪市" and county.code == "532801"
    assert units.filter(level=Level.COUNTY).count() == 1
    assert units.filter(level=Level.TOWNSHIP).count() == 17
    assert units.filter(level=Level.VILLAGE).count() == 98
    assert units.filter(kind=Kind.ADMINISTRATIVE_VILLAGE).count() == 83
    assert units.filter(kind=Kind.COMMUNITY).count() == 15


def test_paths_put_every_village_under_its_township(county):
    gasa = township("嘎洒镇")
    village = gasa.children.get(name="曼达村委会")
    assert gasa.path.startswith(county.path) and int(gasa.path.split("/")[-2]) == gasa.pk
    assert village.path.startswith(gasa.path) and int(village.path.split("/")[-2]) == village.pk
    assert list(village.ancestors()) == [county, gasa]
    assert RegionUnit.objects.within(gasa).villages().count() == gasa.children.count()


def test_ordering_by_path_keeps_the_files_order_of_siblings(county):
    townships = list(RegionUnit.objects.townships().order_by("path").values_list("name", flat=True))
    assert townships[:3] == ["允景洪街道", "嘎洒镇", "勐龙镇"]
    assert townships[-1] == "西双版纳州度假区管理委员会"


def test_a_village_is_identified_by_township_and_name(county):
    chengzi = RegionUnit.objects.filter(name="城子村委会").order_by("parent__name")
    assert sorted(c.parent.name for c in chengzi) == ["勐养镇", "普文镇"]


def test_loading_the_same_file_twice_changes_nothing(county):
    audit_rows = AuditEntry.objects.count()
    units = list(RegionUnit.objects.values_list("pk", "path", "name"))
    report = load_divisions(actor=None, data=DIVISIONS_FILE.read_bytes())
    assert (report.created, report.updated, report.unchanged) == (0, 0, 116)
    assert list(RegionUnit.objects.values_list("pk", "path", "name")) == units
    assert AuditEntry.objects.count() == audit_rows


def test_every_created_unit_is_audited(county):
    assert AuditEntry.objects.filter(action="region.create").count() == 116


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("village,,二村委会,administrative_village,999999,乙镇\n", "unknown_parent"),
        ("village,,二村委会,hamlet,900001001,甲镇\n", "unknown_kind"),
        ("village,,,administrative_village,900001001,甲镇\n", "empty_name"),
        (
            "township,900001002,乙镇,town,900001003,丙镇\n"
            "township,900001003,丙镇,town,900001002,乙镇\n",
            "cycle",
        ),
        ("village,,一村委会,administrative_village,900001001,甲镇\n", "duplicate_name"),
        ("village,,二村委会,administrative_village,900001,测试县\n", "parent_of_wrong_level"),
    ],
)
def test_a_file_with_a_bad_row_is_rejected_whole_with_its_row_number(db, line, code):
    with pytest.raises(DivisionFileError) as caught:
        load_divisions(actor=None, data=GOOD + line)
    rows = caught.value.details["rows"]
    assert rows and rows[0]["row"] == 5  # header is line 1, the bad row comes after three good
    assert any(r["code"] == code and r["reason"] for r in rows), rows
    assert not RegionUnit.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_file_without_the_required_columns_is_refused(db):
    with pytest.raises(DivisionFileError) as caught:
        load_divisions(actor=None, data="level,name\ncounty,测试县\n")
    assert caught.value.details["rows"][0]["row"] == 1
    assert caught.value.details["rows"][0]["code"] == "missing_columns"


def test_renaming_a_unit_in_the_file_updates_it_and_audits_the_change(db):
    load_divisions(actor=None, data=GOOD)
    report = load_divisions(actor=None, data=GOOD.replace("甲镇,town", "甲新镇,town"))
    assert report.updated == 1
    assert RegionUnit.objects.filter(name="甲新镇", code="900001001").exists()
    entry = AuditEntry.objects.get(action="region.update")
    assert entry.before == {"name": "甲镇"} and entry.after == {"name": "甲新镇"}


def test_a_parent_named_twice_is_said_to_be_ambiguous_not_unknown(db):
    twins = (
        GOOD
        + "township,900001002,乙镇,town,900001,测试县\n"
        + "township,900001003,乙镇,town,900001,测试县\n"
        + "village,,二村委会,administrative_village,,乙镇\n"
    )
    with pytest.raises(DivisionFileError) as caught:
        load_divisions(actor=None, data=twins)
    codes = {(r["row"], r["code"]) for r in caught.value.details["rows"]}
    assert (7, "ambiguous_parent") in codes and (6, "duplicate_name") in codes


def test_a_second_county_is_said_even_beside_other_bad_rows(db):
    data = GOOD + "county,900002,二县,county,9000,测试州\n" + "village,,x,hamlet,900001001,甲镇\n"
    with pytest.raises(DivisionFileError) as caught:
        load_divisions(actor=None, data=data)
    codes = {r["code"] for r in caught.value.details["rows"]}
    assert {"not_one_county", "unknown_kind"} <= codes


def test_a_changed_code_is_refused_and_changes_nothing(db):
    load_divisions(actor=None, data=GOOD)
    before = AuditEntry.objects.count()
    with pytest.raises(DivisionFileError) as caught:
        load_divisions(actor=None, data=GOOD.replace("900001001", "900001009"))
    assert caught.value.details["rows"][0]["code"] == "code_changed"
    assert RegionUnit.objects.get(name="甲镇").code == "900001001"
    assert AuditEntry.objects.count() == before


def test_load_divisions_command_reports_bad_rows_and_exits_non_zero(db, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "village,,二村委会,hamlet,900001001,甲镇\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("load_divisions", str(bad))
    assert "row 5:" in capsys.readouterr().err
    assert not RegionUnit.objects.exists()


def test_load_divisions_command_loads_any_county(db, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    call_command("load_divisions", str(good))
    assert "3 created" in capsys.readouterr().out
    assert RegionUnit.objects.get(name="一村委会").parent.name == "甲镇"


def test_only_the_county_office_loads_divisions(make_user):
    staff = make_user("t", Role.TOWNSHIP_STAFF, township("嘎洒镇"))
    with pytest.raises(NotAllowed):
        load_divisions(actor=staff, data=GOOD)


def test_a_poor_village_must_be_an_administrative_village(county):
    poor = ensure_group(actor=None, code=GroupCode.POOR_VILLAGE, name="贫困村")
    community = RegionUnit.objects.filter(kind=Kind.COMMUNITY).first()
    with pytest.raises(InvalidInput):
        add_to_group(actor=None, group=poor, unit=community)
    village = RegionUnit.objects.administrative_villages().first()
    add_to_group(actor=None, group=poor, unit=village)
    add_to_group(actor=None, group=poor, unit=village)
    assert poor.memberships.count() == 1
