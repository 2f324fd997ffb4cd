"""Merchants' ID numbers sealed at rest, step 3 of 3: the clear column goes; its rules (once per
person, individuals only) now hold on the keyed hash, which is never without its ciphertext."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0005_seal_merchant_id_numbers"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="merchant",
            name="merchant_id_number_once",
        ),
        migrations.RemoveConstraint(
            model_name="merchant",
            name="merchant_id_number_only_for_individuals",
        ),
        migrations.RemoveField(
            model_name="merchant",
            name="id_number",
        ),
        migrations.AddConstraint(
            model_name="merchant",
            constraint=models.UniqueConstraint(
                condition=models.Q(("id_number_digest", ""), _negated=True),
                fields=("id_number_digest",),
                name="merchant_id_number_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="merchant",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("id_number_digest", ""),
                    ("kind__in", ["family_farm", "farmer", "online_shop"]),
                    _connector="OR",
                ),
                name="merchant_id_number_only_for_individuals",
            ),
        ),
        migrations.AddConstraint(
            model_name="merchant",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("id_number_digest", ""), ("id_number_encrypted", "")),
                    models.Q(
                        models.Q(("id_number_digest", ""), _negated=True),
                        models.Q(("id_number_encrypted", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="merchant_id_number_sealed_with_its_hash",
            ),
        ),
    ]
