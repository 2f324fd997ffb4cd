from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "cuncun.promotions"
    label = "promotions"
    verbose_name = _("Campaigns and vouchers")
