"""Trainees' ID numbers sealed at rest, step 3 of 3: the clear column goes; one person once is
now held by the keyed hash."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0004_seal_trainee_id_numbers"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="trainee",
            name="id_number",
        ),
        migrations.AddConstraint(
            model_name="trainee",
            constraint=models.UniqueConstraint(
                fields=("id_number_digest",), name="trainee_id_number_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="trainee",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("id_number_digest", ""), _negated=True),
                    models.Q(("id_number_encrypted", ""), _negated=True),
                ),
                name="trainee_has_id_number",
            ),
        ),
    ]
