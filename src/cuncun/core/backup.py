"""Backups that restore: the database (pg_dump's custom format for PostgreSQL, SQLite's online
backup for the embedded database) and the uploaded files, with a manifest of every table's row
count and checksum so that a restore proves it brought back what was saved.

A backup folder holds `manifest.json`, `database.pgdump` or `database.sqlite3`, and `media.tar`.
A restore goes into an empty database only: it never mixes a backup with live rows.
"""

import hashlib
import json
import os
import sqlite3
import subprocess
import tarfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from cuncun.core.errors import DomainError

FORMAT = 1


class BackupError(DomainError):
    code = "backup_failed"


def table_fingerprints() -> dict[str, dict]:
    """Every table's row count and a SHA-256 of its rows in primary-key order: equal before the
    backup and after the restore, or something was lost or changed."""
    fingerprints = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            digest, count = hashlib.sha256(), 0
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} {_order(table)}")
            while rows := cursor.fetchmany(2000):
                for row in rows:
                    digest.update(repr(row).encode())
                count += len(rows)
            fingerprints[table] = {"rows": count, "sha256": digest.hexdigest()}
    return fingerprints


def _order(table: str) -> str:
    with connection.cursor() as cursor:
        key = connection.introspection.get_primary_key_column(cursor, table)
        if key:
            return f"ORDER BY {connection.ops.quote_name(key)}"
        width = len(connection.introspection.get_table_description(cursor, table))
    return "ORDER BY " + ", ".join(str(i) for i in range(1, width + 1))


def media_fingerprints(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@dataclass
class BackupSummary:
    folder: Path
    tables: int
    rows: int
    files: int


def back_up(out: Path) -> BackupSummary:
    """Write a backup of the live database and the uploaded files into `out` (new or empty)."""
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty: give a new folder for the backup.")
    out.mkdir(parents=True, exist_ok=True)
    vendor = connection.vendor
    # Fingerprints first, then the copy: a write between the two would show as a mismatch at
    # restore. Run backups when writes are quiet, or accept that restore says which table moved.
    tables = table_fingerprints()
    if vendor == "postgresql":
        _pg_dump(out / "database.pgdump")
    elif vendor == "sqlite":
        _sqlite_backup(Path(connection.settings_dict["NAME"]), out / "database.sqlite3")
    else:
        raise BackupError(f"Backups of a {vendor} database are not supported.")
    media_root = Path(settings.MEDIA_ROOT)
    with tarfile.open(out / "media.tar", "w") as archive:
        if media_root.exists():
            archive.add(media_root, arcname=".")
    manifest = {
        "format": FORMAT,
        "vendor": vendor,
        "made_at": timezone.now().isoformat(),
        "tables": tables,
        "media": media_fingerprints(media_root),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return BackupSummary(
        out, len(tables), sum(t["rows"] for t in tables.values()), len(manifest["media"])
    )


def _pg_dump(target: Path) -> None:
    _run_pg(["pg_dump", "--format=custom", "--no-owner", "--no-acl", "--file", str(target)])


def _sqlite_backup(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy while the servers keep writing (WAL included)."""
    with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(target)) as copy:
        live.backup(copy)


def _pg_arguments() -> tuple[list[str], dict]:
    db = connection.settings_dict
    arguments = ["--dbname", db["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            arguments += [flag, str(db[key])]
    environment = {**os.environ}
    if db.get("PASSWORD"):
        environment["PGPASSWORD"] = db["PASSWORD"]
    return arguments, environment


def _run_pg(command: list[str]) -> None:
    arguments, environment = _pg_arguments()
    result = subprocess.run(
        [*command, *arguments], capture_output=True, text=True, env=environment, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


@dataclass
class RestoreReport:
    tables: int
    rows: int
    files: int
    mismatched: list[str]


def restore(folder: Path) -> RestoreReport:
    """Bring a backup back into the configured, empty database and the media folder, then compare
    every table's count and checksum with the manifest."""
    manifest = _manifest(folder)
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"This backup is of a {manifest['vendor']} database; the configured database is "
            f"{connection.vendor}."
        )
    _refuse_a_database_in_use()
    media_root = Path(settings.MEDIA_ROOT)
    _refuse_media_in_the_way(folder / "media.tar", media_root)
    if connection.vendor == "postgresql":
        _run_pg(
            [
                "pg_restore",
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                str(folder / "database.pgdump"),
            ]
        )
    else:
        connection.close()
        _sqlite_backup(folder / "database.sqlite3", Path(connection.settings_dict["NAME"]))
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / "media.tar") as archive:
        archive.extractall(media_root, filter="data")
    connection.close()  # see the restored schema, not a cached one
    tables = table_fingerprints()
    mismatched = sorted(
        name
        for name in manifest["tables"].keys() | tables.keys()
        if manifest["tables"].get(name) != tables.get(name)
    )
    media = media_fingerprints(media_root)
    mismatched += sorted(
        f"media/{name}" for name, digest in manifest["media"].items() if media.get(name) != digest
    )
    return RestoreReport(
        len(tables), sum(t["rows"] for t in tables.values()), len(manifest["media"]), mismatched
    )


def _manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    if not path.exists():
        raise BackupError(f"{folder} holds no manifest.json: it is not a cuncun backup.")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder} is a backup of another format ({manifest.get('format')}).")
    return manifest


def _refuse_a_database_in_use() -> None:
    with connection.cursor() as cursor:
        existing = connection.introspection.table_names(cursor)
    if existing:
        raise BackupError(
            f"The database {connection.settings_dict['NAME']} already has {len(existing)} "
            "tables: restore into a new, empty database (createdb, or a new SQLite file)."
        )


def _refuse_media_in_the_way(archive_path: Path, media_root: Path) -> None:
    with tarfile.open(archive_path) as archive:
        names = [m.name for m in archive.getmembers() if m.isfile()]
    clashes = [name for name in names if (media_root / name).exists()]
    if clashes:
        raise BackupError(
            f"{len(clashes)} uploaded files of the backup already exist under {media_root} "
            f"(e.g. {clashes[0]}): restore into an empty media folder."
        )
