"""Merchants' ID numbers sealed at rest, step 2 of 3: every individual's ID number encrypted and
hashed with the key in force (CUNCUN_PII_KEY), by the same functions the application uses."""

from django.db import migrations

from cuncun.core.models import seal_clear_id_numbers, unseal_id_numbers


def seal(apps, schema_editor):
    seal_clear_id_numbers(apps.get_model("merchants", "Merchant"))


def unseal(apps, schema_editor):
    unseal_id_numbers(apps.get_model("merchants", "Merchant"))


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0004_merchant_sealed_id_number"),
    ]

    operations = [migrations.RunPython(seal, unseal)]
