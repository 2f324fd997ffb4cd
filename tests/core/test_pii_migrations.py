"""The migrations that seal the ID numbers already stored (training 0003-0005, merchants
0004-0006): every row sealed with the key in force, the clear column gone, and the way back."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cuncun.core import crypto
from tests.training.builders import id_number

BEFORE = [
    ("training", "0002_roster_import_progressed_at"),
    ("merchants", "0003_park_support_requests"),
]
SEALED = [
    ("training", "0005_drop_clear_trainee_id_number"),
    ("merchants", "0006_drop_clear_merchant_id_number"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _rows(table: str, columns: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} ORDER BY id")
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_the_migrations_seal_the_stored_id_numbers_and_the_way_back_unseals_them():
    apps = _migrate(BEFORE)
    try:
        unit = apps.get_model("regions", "RegionUnit").objects.create(
            code="532801", name="景洪市", kind="county", level="county", path="532801"
        )
        trainees = apps.get_model("training", "Trainee")
        for n in (1, 2):
            trainees.objects.create(
                id_number=id_number(n),
                name=f"学员{n}",
                gender="M",
                birth_date=date(1990, 1, 1),
                region=unit,
            )
        merchants = apps.get_model("merchants", "Merchant")
        merchants.objects.create(name="农户", kind="farmer", region=unit, id_number=id_number(3))
        merchants.objects.create(name="公司", kind="enterprise", region=unit, id_number="")

        _migrate(SEALED)

        keys = crypto.keyring()
        sealed = _rows("training_trainee", "id_number_encrypted, id_number_digest")
        assert [keys.open(e, crypto.ID_NUMBER) for e, _ in sealed] == [id_number(1), id_number(2)]
        assert [d for _, d in sealed] == [
            keys.digest(id_number(n), crypto.ID_NUMBER) for n in (1, 2)
        ]
        farmer, company = _rows("merchants_merchant", "id_number_encrypted, id_number_digest")
        assert keys.open(farmer[0], crypto.ID_NUMBER) == id_number(3)
        assert company == ("", "")

        _migrate(BEFORE)

        assert _rows("training_trainee", "id_number") == [(id_number(1),), (id_number(2),)]
        assert _rows("merchants_merchant", "id_number") == [(id_number(3),), ("",)]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
