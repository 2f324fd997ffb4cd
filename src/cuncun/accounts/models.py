"""Users, their role (accounts.roles), and the part of the county each one acts in."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cuncun.accounts.roles import Role
from cuncun.core.personal import mask_phone
from cuncun.core.scoping import Scope


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    region = models.ForeignKey(
        "regions.RegionUnit",
        verbose_name=_("area of responsibility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("The region this user acts in; they see and change only what lies within it."),
    )
    display_name = models.CharField(_("name"), max_length=50, blank=True)
    # Stored once, here; shown masked everywhere but to the person and the county office.
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(role="") | Q(region__isnull=False) | Q(is_superuser=True),
                name="user_with_role_has_region",
            )
        ]

    def __str__(self):
        return self.display_name or self.username

    @property
    def scope(self) -> Scope:
        if self.region_id is None:
            # A user without an area (a half-made account) sees only public things.
            return Scope(region_path=None, role=self.role or "public")
        return Scope(region_path=self.region.path, role=self.role)

    @property
    def manages_reference_data(self) -> bool:
        return self.is_superuser or self.role == Role.COUNTY_OFFICE

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)
