"""Trainees' ID numbers sealed at rest, step 1 of 3: the columns for the ciphertext and the keyed
hash beside the clear one (made nullable so that the way back can put it again on filled rows)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0002_roster_import_progressed_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="trainee",
            name="id_number_encrypted",
            field=models.CharField(
                blank=True, editable=False, max_length=120, verbose_name="ID number (encrypted)"
            ),
        ),
        migrations.AddField(
            model_name="trainee",
            name="id_number_digest",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="ID number (keyed hash)"
            ),
        ),
        migrations.AlterField(
            model_name="trainee",
            name="id_number",
            field=models.CharField(max_length=18, null=True, unique=True, verbose_name="ID number"),
        ),
    ]
