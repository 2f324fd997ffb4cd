from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.roles import Role


class TrainingConfig(AppConfig):
    name = "cuncun.training"
    label = "training"
    verbose_name = _("Training")
    nav_items = [
        (
            _("Training"),
            "training:home",
            {Role.COUNTY_OFFICE, Role.MEMBER_DEPARTMENT, Role.TOWNSHIP_STAFF},
        )
    ]

    def ready(self):
        from cuncun.core.reveal import allow_reveal
        from cuncun.training import indicators
        from cuncun.training.access import sees_personal_data
        from cuncun.training.models import Trainee

        indicators.register()
        allow_reveal(
            Trainee,
            ["id_number", "phone"],
            may_see=lambda actor, trainee: sees_personal_data(actor),
            refusal=_("Only the training office sees ID numbers in full."),
        )
