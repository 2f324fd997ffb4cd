"""Trainees' ID numbers sealed at rest, step 2 of 3: every row's ID number encrypted and hashed
with the key in force (CUNCUN_PII_KEY), by the same functions the application uses."""

from django.db import migrations

from cuncun.core.models import seal_clear_id_numbers, unseal_id_numbers


def seal(apps, schema_editor):
    seal_clear_id_numbers(apps.get_model("training", "Trainee"))


def unseal(apps, schema_editor):
    unseal_id_numbers(apps.get_model("training", "Trainee"))


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0003_trainee_sealed_id_number"),
    ]

    operations = [migrations.RunPython(seal, unseal)]
