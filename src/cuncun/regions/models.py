"""The division tree: county → township-level units (乡镇/街道/农场) → villages (村委会/社区).

Shaped like DHIS2's organisation units: a materialised path for subtree queries, a level, and
opening/closing dates so that what existed on any past day can be computed.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cuncun.core.scoping import ScopedQuerySet


class Level:
    COUNTY = "county"  # 县级: the county or county-level city the program runs in
    TOWNSHIP = "township"  # 乡级: towns, townships, subdistricts, state farms, resort zones
    VILLAGE = "village"  # 村级: administrative villages and urban communities

    choices = [(COUNTY, _("county")), (TOWNSHIP, _("township")), (VILLAGE, _("village"))]
    order = [COUNTY, TOWNSHIP, VILLAGE]

    @classmethod
    def above(cls, level: str) -> str | None:
        index = cls.order.index(level)
        return cls.order[index - 1] if index else None


class Kind:
    COUNTY = "county"  # 县
    COUNTY_CITY = "county_city"  # 县级市 (景洪市)
    DISTRICT = "district"  # 市辖区
    SUBDISTRICT = "subdistrict"  # 街道办事处
    TOWN = "town"  # 镇
    TOWNSHIP = "township"  # 乡
    STATE_FARM = "state_farm"  # 农场 (addressed by the plan; no villages in the tables)
    RESORT_ZONE = "resort_zone"  # 度假区管委会
    ADMINISTRATIVE_VILLAGE = "administrative_village"  # 村委会: counted by village coverage
    COMMUNITY = "community"  # 社区/居委会: urban, not in the village-coverage denominator

    choices = [
        (COUNTY, _("county")),
        (COUNTY_CITY, _("county-level city")),
        (DISTRICT, _("district")),
        (SUBDISTRICT, _("subdistrict")),
        (TOWN, _("town")),
        (TOWNSHIP, _("township")),
        (STATE_FARM, _("state farm")),
        (RESORT_ZONE, _("resort zone")),
        (ADMINISTRATIVE_VILLAGE, _("administrative village")),
        (COMMUNITY, _("community")),
    ]
    by_level = {
        Level.COUNTY: {COUNTY, COUNTY_CITY, DISTRICT},
        Level.TOWNSHIP: {SUBDISTRICT, TOWN, TOWNSHIP, STATE_FARM, RESORT_ZONE},
        Level.VILLAGE: {ADMINISTRATIVE_VILLAGE, COMMUNITY},
    }
    # Township-level units that govern villages and so are expected to host a station.
    WITH_VILLAGES = {SUBDISTRICT, TOWN, TOWNSHIP}


class RegionUnitQuerySet(ScopedQuerySet):
    region_path_lookup = "path"

    def public(self):
        # The divisions are public facts: anyone may browse them.
        return self.all()

    def at_level(self, level: str):
        return self.filter(level=level)

    def townships(self):
        return self.filter(level=Level.TOWNSHIP)

    def villages(self):
        return self.filter(level=Level.VILLAGE)

    def administrative_villages(self):
        return self.filter(kind=Kind.ADMINISTRATIVE_VILLAGE)

    def within(self, unit: "RegionUnit"):
        """The unit and everything below it."""
        return self.filter(path__startswith=unit.path)

    def open_on(self, day):
        return self.filter(Q(opening_date__isnull=True) | Q(opening_date__lte=day)).filter(
            Q(closing_date__isnull=True) | Q(closing_date__gt=day)
        )


class RegionUnit(models.Model):
    code = models.CharField(
        _("division code"),
        max_length=12,
        null=True,
        blank=True,
        unique=True,
        help_text=_("统计用区划代码 where known; left empty rather than invented."),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # "/<county id>/<township id>/<village id>/", ids zero-padded: a subtree is one prefix match.
    path = models.CharField(_("path"), max_length=255, unique=True)
    opening_date = models.DateField(_("opening date"), null=True, blank=True)
    closing_date = models.DateField(_("closing date"), null=True, blank=True)

    objects = RegionUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        ordering = ["path"]
        constraints = [
            # A village is identified by (township, name): 城子村委会 exists under two townships.
            models.UniqueConstraint(fields=["parent", "name"], name="region_unit_name_in_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="region_root_name"
            ),
            models.CheckConstraint(
                condition=Q(closing_date__isnull=True)
                | Q(opening_date__isnull=True)
                | Q(closing_date__gte=models.F("opening_date")),
                name="region_unit_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(level=Level.COUNTY, parent__isnull=True)
                | (~Q(level=Level.COUNTY) & Q(parent__isnull=False)),
                name="region_unit_only_county_is_root",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def depth(self) -> int:
        return Level.order.index(self.level)

    def county(self) -> "RegionUnit":
        if self.parent_id is None:
            return self
        return RegionUnit.objects.get(path=f"/{self.path.split('/')[1]}/")

    @property
    def path_ids(self) -> list[int]:
        """The ids from the county down to this unit, read from the materialised path."""
        return [int(part) for part in self.path.strip("/").split("/")]

    @property
    def township_id(self) -> int | None:
        """The id of the township the unit lies in (itself for a township; None for the county)."""
        ids = self.path_ids
        return ids[1] if len(ids) > 1 else None

    def ancestors(self):
        return RegionUnit.objects.filter(pk__in=self.path_ids[:-1]).order_by("path")

    def is_open_on(self, day) -> bool:
        return self.is_open_during(day, day)

    def is_open_during(self, first, last) -> bool:
        """Open on at least one day from `first` to `last`."""
        opened = self.opening_date is None or self.opening_date <= last
        return opened and (self.closing_date is None or self.closing_date > first)


class GroupCode:
    POOR_VILLAGE = "poor_village"  # 贫困村: the plan's 8 poor administrative villages
    DEMONSTRATION_VILLAGE = "ecommerce_demonstration_village"  # 电子商务示范村

    names = {
        POOR_VILLAGE: _("poor village"),
        DEMONSTRATION_VILLAGE: _("e-commerce demonstration village"),
    }


class UnitGroup(models.Model):
    """A classification of units on another axis (DHIS2 group sets): 贫困村, 电子商务示范村 …"""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    units = models.ManyToManyField(
        RegionUnit, through="UnitGroupMembership", related_name="groups", verbose_name=_("units")
    )

    class Meta:
        verbose_name = _("unit group")
        verbose_name_plural = _("unit groups")
        ordering = ["code"]

    def __str__(self):
        return self.name


class UnitGroupMembership(models.Model):
    group = models.ForeignKey(UnitGroup, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(RegionUnit, on_delete=models.CASCADE, related_name="memberships")
    since = models.DateField(_("since"), null=True, blank=True)
    # Demo memberships are invented (the real list of 景洪's 8 poor villages is not in the plan).
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [
            models.UniqueConstraint(fields=["group", "unit"], name="unit_group_membership_once")
        ]

    def __str__(self):
        return f"{self.unit} ∈ {self.group}"
