"""The site import never duplicates: a row without a code that names a registered site, or
repeats a row above it, is refused (or updates the site when asked); the same file twice changes
nothing; a register past the row cap is refused whole."""

import io
from unittest import mock

import pytest

from cuncun.core.errors import InvalidInput
from cuncun.network import spreadsheet
from cuncun.network.models import Site
from cuncun.network.services import import_sites
from tests.network.builders import GOOD_ROW, import_register, register_file


def _import(actor, rows, **options):
    read, problems = spreadsheet.read_sites(register_file(rows))
    return import_sites(actor=actor, rows=read, problems=problems, **options)


def _codes(refused) -> list[tuple[int, str]]:
    return [(p["row"], p["code"]) for p in refused.value.details["rows"]]


def test_two_identical_rows_without_a_code_are_refused_as_duplicates(gasa_staff):
    with pytest.raises(InvalidInput) as refused:
        _import(gasa_staff, [GOOD_ROW, GOOD_ROW])

    assert _codes(refused) == [(3, "duplicate_row")]
    assert not Site.objects.exists()


def test_the_same_file_twice_changes_nothing_the_second_time(gasa_staff):
    _import(gasa_staff, [GOOD_ROW])

    with pytest.raises(InvalidInput) as refused:
        _import(gasa_staff, [GOOD_ROW])
    report = _import(gasa_staff, [GOOD_ROW], good_rows_only=True)

    assert _codes(refused) == [(2, "duplicate_site")]
    assert report.imported == report.updated == 0
    assert Site.objects.count() == 1


def test_a_row_naming_a_registered_site_updates_it_when_the_person_asks(gasa_staff):
    _import(gasa_staff, [GOOD_ROW])
    changed = list(GOOD_ROW)
    changed[5] = "7:30-20:00"  # opening hours

    report = _import(gasa_staff, [changed], update_existing=True)

    assert (report.imported, report.updated) == (0, 1)
    assert Site.objects.get().opening_hours == "7:30-20:00"


def test_a_register_past_the_row_cap_is_refused_whole(gasa_staff):
    with mock.patch.object(spreadsheet, "MAX_REGISTER_ROWS", 2):
        rows, problems = spreadsheet.read_sites(register_file([GOOD_ROW] * 3))

    assert rows == [] and [p["code"] for p in problems] == ["too_many_rows"]


def test_the_import_page_offers_the_update_and_states_the_cap(client, gasa_staff):
    client.force_login(gasa_staff)
    page = client.get("/network/manage/import/").content.decode()

    assert str(spreadsheet.MAX_REGISTER_ROWS) in page and "update_existing" in page
    again = io.BytesIO(register_file([GOOD_ROW, GOOD_ROW]))
    again.name = "sites.xlsx"
    page = import_register(client, again)
    assert 'data-status="failed"' in page and "第 3 行" in page
