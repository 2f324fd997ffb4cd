from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.roles import Role

# Who reports sales (owners of businesses; staff for businesses without an account) and who
# reads the program's figures (the county-wide roles and township staff).
REPORTERS = frozenset({Role.MERCHANT, Role.TOWNSHIP_STAFF, Role.COUNTY_OFFICE})
FIGURE_READERS = Role.COUNTY_WIDE | {Role.TOWNSHIP_STAFF}


class MonitoringConfig(AppConfig):
    name = "cuncun.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")
    nav_items = [
        (_("Sales reports"), "monitoring:reports", REPORTERS),
        (_("Dashboard"), "monitoring:dashboard", FIGURE_READERS),
    ]

    def ready(self):
        from cuncun.core.sales import follow_deliveries, follow_sales, register_reported_sales
        from cuncun.monitoring import indicators
        from cuncun.monitoring.queries import accepted_monthly_reports
        from cuncun.monitoring.tasks import parcel_delivered, sales_changed

        indicators.register()
        follow_sales(sales_changed)
        follow_deliveries(parcel_delivered)
        register_reported_sales(accepted_monthly_reports)
