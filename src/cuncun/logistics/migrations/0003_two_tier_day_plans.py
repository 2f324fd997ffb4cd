import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_in_existing_plans(apps, schema_editor):
    """Plans made before the township runs: each route was a trunk from the plan's depot, each
    stop served on arrival, and of several plans of one day the latest is the one in force."""
    RoutePlan = apps.get_model("logistics", "RoutePlan")
    Route = apps.get_model("logistics", "Route")
    RouteStop = apps.get_model("logistics", "RouteStop")
    for route in Route.objects.select_related("plan"):
        route.start_site_id = route.plan.depot_id
        route.save(update_fields=["start_site"])
    for stop in RouteStop.objects.all():
        stop.serve_at = stop.arrive_at
        stop.save(update_fields=["serve_at"])
    newer = {}
    for plan in RoutePlan.objects.order_by("-created_at", "-id"):
        key = (plan.day, plan.depot_id)
        if key in newer:
            plan.replaced_at = newer[key]
            plan.save(update_fields=["replaced_at"])
        newer[key] = plan.created_at


class Migration(migrations.Migration):
    dependencies = [
        ("logistics", "0002_standard_carriers"),
        ("network", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="route",
            name="leg",
            field=models.CharField(
                choices=[
                    ("trunk", "county warehouse to township stations"),
                    ("township", "township station to village points"),
                ],
                default="trunk",
                max_length=10,
                verbose_name="leg",
            ),
        ),
        migrations.AddField(
            model_name="route",
            name="start_site",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="network.site",
                verbose_name="leaves from",
            ),
        ),
        migrations.AddField(
            model_name="routeplan",
            name="replaced_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="replaced at"),
        ),
        migrations.AddField(
            model_name="routestop",
            name="serve_at",
            field=models.TimeField(
                help_text="The arrival, or the opening after waiting.",
                null=True,
                verbose_name="serves from",
            ),
        ),
        migrations.AlterField(
            model_name="routeplan",
            name="solver",
            field=models.CharField(
                choices=[("vroom", "VROOM"), ("simple", "simple plan (nearest neighbour)")],
                max_length=10,
                verbose_name="solver",
            ),
        ),
        migrations.RunPython(fill_in_existing_plans, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="route",
            name="start_site",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="network.site",
                verbose_name="leaves from",
            ),
        ),
        migrations.AlterField(
            model_name="routestop",
            name="serve_at",
            field=models.TimeField(
                help_text="The arrival, or the opening after waiting.",
                verbose_name="serves from",
            ),
        ),
        migrations.AddConstraint(
            model_name="routeplan",
            constraint=models.UniqueConstraint(
                condition=models.Q(("replaced_at__isnull", True)),
                fields=("day", "depot"),
                name="route_plan_one_current_per_day",
            ),
        ),
    ]
