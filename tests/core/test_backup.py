"""A backup of the demo restores into an empty database with every table's row count and
checksum equal (on SQLite in the normal suite, on PostgreSQL in its run), uploaded files too."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from cuncun.core.backup import table_fingerprints
from cuncun.portal.demo import load_demo


def _server_url() -> str:
    return os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)


def _url_of(name: str) -> str:
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    return _server_url().rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def empty_database(tmp_path):
    """The URL of a new, empty database of the same kind as the suite's."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_server_url(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield _url_of(name)
    with psycopg.connect(_server_url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _restore(folder: Path, database_url: str, var_dir: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATABASE_URL": database_url, "CUNCUN_VAR_DIR": str(var_dir)}
    environment.pop("CUNCUN_TEST_DB_NAME", None)
    return subprocess.run(
        [sys.executable, "-m", "cuncun.manage", "restore", str(folder)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=240,
    )


# The whole demo is loaded, backed up and restored: minutes on a busy machine, not a hang.
@pytest.mark.timeout(900)
def test_a_backup_of_the_demo_restores_every_table_and_file_unchanged(
    transactional_db, tmp_path, settings, empty_database
):
    settings.MEDIA_ROOT = tmp_path / "media"
    load_demo()
    default_storage.save("funds/evidence/2017/slip.pdf", ContentFile(b"%PDF-1.4 voucher"))
    live = table_fingerprints()

    call_command("backup", out=str(tmp_path / "backup"))
    result = _restore(tmp_path / "backup", empty_database, tmp_path / "restored-var")

    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert result.returncode == 0, result.stderr
    assert manifest["tables"] == live  # what was saved is what was live …
    assert report["ok"] and report["mismatched"] == []  # … and the restore has the same
    assert report["tables"] == len(live) and report["rows"] == sum(t["rows"] for t in live.values())
    assert live["orders_order"]["rows"] > 0 and live["accounts_user"]["rows"] > 10
    restored_file = tmp_path / "restored-var" / "media" / "funds/evidence/2017/slip.pdf"
    assert restored_file.read_bytes() == b"%PDF-1.4 voucher"


def test_a_restore_into_a_database_in_use_is_refused_and_changes_nothing(
    transactional_db, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("backup", out=str(tmp_path / "backup"))
    before = table_fingerprints()

    result = _restore(
        tmp_path / "backup", _url_of(connection.settings_dict["NAME"]), tmp_path / "var"
    )

    assert result.returncode == 1
    assert "restore into a new, empty database" in result.stderr
    assert table_fingerprints() == before


def test_a_backup_refuses_a_folder_that_is_not_empty(db, tmp_path):
    (tmp_path / "old.txt").write_text("an earlier backup")

    with pytest.raises(Exception, match="not empty"):
        call_command("backup", out=str(tmp_path))
