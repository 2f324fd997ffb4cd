"""The register import runs in the background: the page follows its progress, the worker runs it
once, and the file (with the operators' phones) is not kept once it ends."""

import io

from django.test import Client

from cuncun.accounts.models import Role
from cuncun.core.models import AuditEntry, ImportStatus
from cuncun.network.models import Site, SiteImport
from cuncun.network.services import process_site_import
from tests.conftest import PASSWORD
from tests.network.builders import GOOD_ROW, register_file


def _client(username) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _upload(client, rows, **options):
    file = io.BytesIO(register_file(rows))
    file.name = "站点台账.xlsx"
    return client.post("/network/manage/import/", {"file": file, **options})


def test_the_page_polls_while_the_register_waits_and_stops_when_it_is_imported(gasa_staff):
    client = _client("gasa")
    response = _upload(client, [GOOD_ROW])
    job = SiteImport.objects.get()
    assert response.url == f"/network/manage/import/{job.pk}/"
    progress = f"/network/manage/import/{job.pk}/progress/"

    waiting = client.get(progress).content.decode()
    assert 'hx-trigger="every 1s"' in waiting and 'data-status="queued"' in waiting
    assert not Site.objects.exists()  # nothing written in the request

    process_site_import(import_id=job.pk)  # what the worker does

    done = client.get(progress).content.decode()
    assert "hx-get" not in done and 'data-status="done"' in done
    assert "1 个站点已登记" in done and Site.objects.count() == 1


def test_the_worker_runs_an_import_once_and_forgets_the_file(gasa_staff):
    _upload(_client("gasa"), [GOOD_ROW])
    job = SiteImport.objects.get()

    first = process_site_import(import_id=job.pk)
    again = process_site_import(import_id=job.pk)

    job.refresh_from_db()
    assert first == again and first["imported"] == 1 and Site.objects.count() == 1
    assert job.status == ImportStatus.DONE and job.content is None
    assert (job.total_rows, job.processed_rows, job.percent) == (1, 1, 100)
    ended = AuditEntry.objects.get(action="network.end_site_import")
    assert ended.after["status"] == "done" and ended.after["imported"] == 1


def test_a_register_with_bad_rows_ends_failed_with_each_row_and_nothing_written(gasa_staff):
    bad = [*GOOD_ROW[:2], "不存在村", *GOOD_ROW[3:]]
    _upload(_client("gasa"), [GOOD_ROW, bad])
    job = SiteImport.objects.get()

    outcome = process_site_import(import_id=job.pk)

    job.refresh_from_db()
    assert outcome["status"] == ImportStatus.FAILED and not Site.objects.exists()
    assert [p["row"] for p in job.problems] == [3] and job.bad_rows == 1
    assert "nothing imported" in job.error or "未导入" in job.error


def test_someone_elses_import_cannot_be_followed_but_the_office_follows_all(
    gasa_staff, menglong_staff, office_user
):
    _upload(_client("gasa"), [GOOD_ROW])
    job = SiteImport.objects.get()
    url = f"/network/manage/import/{job.pk}/"

    assert _client("menglong").get(url).status_code == 404
    assert _client("office").get(url).status_code == 200
    assert job.file_name in _client("gasa").get("/network/manage/import/").content.decode()


def test_a_merchant_cannot_hand_in_a_register(make_user, county):
    make_user("shop", Role.MERCHANT, county)
    response = _upload(_client("shop"), [GOOD_ROW])

    assert response.status_code == 403 and not SiteImport.objects.exists()
