from django.db import migrations

from cuncun.logistics.carriers import install_standard_carriers


def install(apps, schema_editor):
    install_standard_carriers(apps.get_model("network", "Carrier"))


class Migration(migrations.Migration):
    """The standard express carriers, on every install (reference data, by code)."""

    dependencies = [
        ("logistics", "0001_initial"),
        ("network", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
