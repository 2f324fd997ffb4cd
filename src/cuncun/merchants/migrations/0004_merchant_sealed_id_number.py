"""Merchants' ID numbers sealed at rest, step 1 of 3: the columns for the ciphertext and the keyed
hash beside the clear one."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0003_park_support_requests"),
    ]

    operations = [
        migrations.AddField(
            model_name="merchant",
            name="id_number_encrypted",
            field=models.CharField(
                blank=True, editable=False, max_length=120, verbose_name="ID number (encrypted)"
            ),
        ),
        migrations.AddField(
            model_name="merchant",
            name="id_number_digest",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="ID number (keyed hash)"
            ),
        ),
    ]
