"""Users, their role, and the part of the county each one acts in."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cuncun.core.personal import mask_phone
from cuncun.core.scoping import Scope


class Role:
    COUNTY_OFFICE = (
        "county_office"  # 市电商办: runs the program county-wide, manages reference data
    )
    MEMBER_DEPARTMENT = "member_department"  # a member unit of the leadership group: reads, reports
    FINANCE_BUREAU = "finance_bureau"  # 市财政局: the special fund, disbursements
    TOWNSHIP_STAFF = "township_staff"  # 乡镇/街道 station staff: their township only
    VILLAGE_OPERATOR = "village_operator"  # runs one village service point: their village only
    MERCHANT = "merchant"  # an enterprise, co-op, family farm or farmer: their own shop
    COURIER = "courier"  # a carrier's courier: scans parcels in their delivery area

    choices = [
        (COUNTY_OFFICE, _("county e-commerce office")),
        (MEMBER_DEPARTMENT, _("member department")),
        (FINANCE_BUREAU, _("finance bureau")),
        (TOWNSHIP_STAFF, _("township staff")),
        (VILLAGE_OPERATOR, _("village operator")),
        (MERCHANT, _("merchant")),
        (COURIER, _("courier")),
    ]
    # Roles that act for the whole county, so their region must be the county itself.
    COUNTY_WIDE = {COUNTY_OFFICE, MEMBER_DEPARTMENT, FINANCE_BUREAU}
    # The level of region each role is scoped to.
    REGION_LEVEL = {
        COUNTY_OFFICE: "county",
        MEMBER_DEPARTMENT: "county",
        FINANCE_BUREAU: "county",
        TOWNSHIP_STAFF: "township",
        VILLAGE_OPERATOR: "village",
    }


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
    failed_logins = models.PositiveSmallIntegerField(_("failed logins in a row"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

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

    def is_locked(self, now=None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())
