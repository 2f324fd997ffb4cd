"""The county's e-commerce businesses (电商主体): enterprises, co-operatives, family farms, single
farmers and individual online shops; the flags the program reports on, and their shops on outside
platforms (Taobao, JD, Pinduoduo, WeChat)."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.core.models import MoneyField, SealedIdNumber, SealedIdNumberQuerySet, Timestamped
from cuncun.core.personal import mask_phone
from cuncun.core.scoping import ScopedQuerySet
from cuncun.regions.models import GroupCode, UnitGroupMembership


class MerchantKind:
    ENTERPRISE = "enterprise"  # 电商企业: a registered company
    COOPERATIVE = "cooperative"  # 农民专业合作社
    FAMILY_FARM = "family_farm"  # 家庭农场
    FARMER = "farmer"  # 个体农户: one farmer (may have no phone or account)
    ONLINE_SHOP = "online_shop"  # 个人网店: an individual's shop

    choices = [
        (ENTERPRISE, _("enterprise")),
        (COOPERATIVE, _("co-operative")),
        (FAMILY_FARM, _("family farm")),
        (FARMER, _("individual farmer")),
        (ONLINE_SHOP, _("individual online shop")),
    ]
    # Kinds run by one person, who may be identified by a resident ID number.
    INDIVIDUAL = {FAMILY_FARM, FARMER, ONLINE_SHOP}


class Platform:
    """Outside platforms a merchant also sells on, for the county's reporting."""

    TAOBAO = "taobao"  # 淘宝
    TMALL = "tmall"  # 天猫
    JD = "jd"  # 京东
    PINDUODUO = "pinduoduo"  # 拼多多
    WECHAT = "wechat"  # 微信小店 / 微店
    OTHER = "other"

    choices = [
        (TAOBAO, _("Taobao")),
        (TMALL, _("Tmall")),
        (JD, _("JD")),
        (PINDUODUO, _("Pinduoduo")),
        (WECHAT, _("WeChat store")),
        (OTHER, _("other platform")),
    ]


def poor_village_membership():
    """Exists(): the merchant's division is in the poor-village group."""
    return Exists(
        UnitGroupMembership.objects.filter(
            unit=OuterRef("region_id"), group__code=GroupCode.POOR_VILLAGE
        )
    )


class MerchantQuerySet(ScopedQuerySet, SealedIdNumberQuerySet):
    region_path_lookup = "region__path"

    def public(self):
        # The public sees the merchants selling now; contacts stay masked on every page.
        return self.filter(is_active=True)

    def with_flags(self):
        """Annotate `in_poor_village` in the same query (no query per row)."""
        return self.annotate(poor_village_flag=poor_village_membership())

    def in_poor_villages(self):
        return self.with_flags().filter(poor_village_flag=True)

    def acted_for_by(self, user):
        """The merchants a user sells for: as owner, or as the operator representing them."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(Q(owner=user) | Q(represented_by=user))


class Merchant(Timestamped, SealedIdNumber):
    """A business of the county. An individual's resident ID number is sealed at rest
    (`id_number` opens it; `Merchant.objects.with_id_number` finds it); others have none."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=MerchantKind.choices)
    region = models.ForeignKey(
        "regions.RegionUnit",
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="merchants",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    # Stored once, here; shown masked (139****5678) on every page but to those who need it.
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner's account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merchants",
        help_text=_("Empty for a farmer without an account."),
    )
    represented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("represented by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="represented_merchants",
        help_text=_("The village operator who lists and sells for them (代售)."),
    )
    is_poverty_registered = models.BooleanField(_("poverty-registered household"), default=False)
    is_incubated = models.BooleanField(_("incubated"), default=False)
    incubated_since = models.DateField(_("incubated since"), null=True, blank=True)
    is_park_tenant = models.BooleanField(_("e-commerce park tenant"), default=False)
    # In context: Django's own "active" is an account's (有效); a business is open (营业中).
    is_active = models.BooleanField(pgettext_lazy("business", "active"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = MerchantQuerySet.as_manager()

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["name", "id"]
        constraints = [
            # Under the current key's hash; during a key rotation the services also look under
            # the old keys' (core.crypto).
            models.UniqueConstraint(
                fields=["id_number_digest"],
                condition=~Q(id_number_digest=""),
                name="merchant_id_number_once",
            ),
            models.CheckConstraint(
                condition=Q(id_number_digest="") | Q(kind__in=sorted(MerchantKind.INDIVIDUAL)),
                name="merchant_id_number_only_for_individuals",
            ),
            models.CheckConstraint(
                condition=(Q(id_number_digest="") & Q(id_number_encrypted=""))
                | (~Q(id_number_digest="") & ~Q(id_number_encrypted="")),
                name="merchant_id_number_sealed_with_its_hash",
            ),
            models.CheckConstraint(
                condition=Q(is_incubated=True) | Q(incubated_since__isnull=True),
                name="merchant_incubated_since_only_when_incubated",
            ),
        ]
        indexes = [models.Index(fields=["contact_phone"])]

    def __str__(self):
        return self.name

    @property
    def in_poor_village(self) -> bool:
        """In a poor village (贫困村): computed from the region's group, never typed in."""
        flag = self.__dict__.get("poor_village_flag")
        if flag is None:
            flag = UnitGroupMembership.objects.filter(
                unit_id=self.region_id, group__code=GroupCode.POOR_VILLAGE
            ).exists()
            self.__dict__["poor_village_flag"] = flag
        return bool(flag)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.contact_phone)

    @property
    def sells_through_operator(self) -> bool:
        return self.owner_id is None and self.represented_by_id is not None


class MerchantPlatformShop(models.Model):
    """A merchant's shop on an outside platform: where it is, for the county's reporting."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="platform_shops")
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    shop_id = models.CharField(_("shop id"), max_length=64)
    url = models.URLField(_("shop URL"), max_length=300, blank=True)
    shop_name = models.CharField(_("shop name"), max_length=100, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)

    class Meta:
        verbose_name = _("outside platform shop")
        verbose_name_plural = _("outside platform shops")
        ordering = ["platform", "shop_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "shop_id"], name="platform_shop_once_per_platform"
            )
        ]

    def __str__(self):
        return f"{self.get_platform_display()} {self.shop_name or self.shop_id}"


# --- tenancy at the incubation center and the e-commerce parks (network sites of kind incubator)


class TenancyProgramme:
    INCUBATION = "incubation"  # 创业孵化: the incubation center settles and grows an enterprise
    PARK = "park"  # 电商创业园: a park in an idle factory rents space and shares services

    choices = [(INCUBATION, _("incubation")), (PARK, _("e-commerce park"))]


class TenancyStage:
    INCUBATING = "incubating"  # moved in, being incubated (孵化中)
    GRADUATED = "graduated"  # left grown up (毕业): still counts as incubated
    LEFT = "left"  # left before graduating (退出)

    choices = [
        (INCUBATING, _("incubating")),
        (GRADUATED, _("graduated")),
        (LEFT, _("left")),
    ]


class Tenancy(Timestamped):
    """A merchant settled at the incubation center or a park: the space it uses, the lease and
    where it stands. Kept in merchants (not network) because it joins a site to a merchant, and
    merchants is the app that may see both."""

    site = models.ForeignKey(
        "network.Site", verbose_name=_("center or park"), on_delete=models.PROTECT, related_name="+"
    )
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("tenant"), on_delete=models.PROTECT, related_name="tenancies"
    )
    programme = models.CharField(_("programme"), max_length=12, choices=TenancyProgramme.choices)
    space = models.CharField(_("space"), max_length=60, help_text=_("e.g. office 203, 40 m²"))
    lease_from = models.DateField(_("lease from"))
    lease_to = models.DateField(_("lease to"))
    stage = models.CharField(
        _("stage"), max_length=12, choices=TenancyStage.choices, default=TenancyStage.INCUBATING
    )
    stage_since = models.DateField(_("stage since"))
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("tenancy")
        verbose_name_plural = _("tenancies")
        ordering = ["site", "lease_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lease_to__gt=models.F("lease_from")), name="tenancy_lease_ends_later"
            ),
            models.UniqueConstraint(
                fields=["site", "merchant"],
                condition=Q(stage="incubating"),
                name="tenancy_one_current_per_site",
            ),
        ]

    def __str__(self):
        return f"{self.merchant} @ {self.site}"


class TenantServiceKind:
    TRAINING = "training"  # 培训
    SHOP_SETUP = "shop_setup"  # 开店 (网店装修、上架)
    PHOTOGRAPHY = "photography"  # 产品摄影
    WAREHOUSING = "warehousing"  # 仓储
    CONSULTATION = "consultation"  # 咨询

    choices = [
        (TRAINING, _("training")),
        (SHOP_SETUP, _("shop set-up")),
        (PHOTOGRAPHY, _("photography")),
        (WAREHOUSING, _("warehousing")),
        (CONSULTATION, _("consultation")),
    ]


class TenantService(models.Model):
    """A service the center or park delivered to a tenant: the center's work. Append-only."""

    tenancy = models.ForeignKey(Tenancy, on_delete=models.PROTECT, related_name="services")
    kind = models.CharField(_("service"), max_length=16, choices=TenantServiceKind.choices)
    delivered_on = models.DateField(_("delivered on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service to a tenant")
        verbose_name_plural = _("services to tenants")
        ordering = ["-delivered_on", "-id"]

    def __str__(self):
        return f"{self.tenancy} {self.kind} {self.delivered_on}"


class SupportRequestStatus:
    SUBMITTED = "submitted"  # waiting for the fund's proposers
    TAKEN = "taken"  # a budget line of the special fund now carries it (its project code)
    DECLINED = "declined"  # not taken, with the reason
    choices = [
        (SUBMITTED, _("submitted")),
        (TAKEN, _("taken into the fund's budget")),
        (DECLINED, _("declined")),
    ]


class SupportRequest(models.Model):
    """The incubation center's or a park's request for support (对…利用闲置厂房建设电商创业园…
    给予适当扶持): what it will build or run, what it costs and what it asks for. The special
    fund takes it into its budget as a project, or declines it with a reason."""

    site = models.ForeignKey(
        "network.Site", verbose_name=_("center or park"), on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.TextField(_("what the support is for"))
    total_investment = MoneyField(_("total investment (yuan)"))
    amount = MoneyField(_("support asked for (yuan)"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=SupportRequestStatus.choices,
        default=SupportRequestStatus.SUBMITTED,
    )
    fund_project = models.CharField(_("fund project"), max_length=20, blank=True)
    decision_note = models.TextField(_("why declined"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_on = models.DateField(_("requested on"))

    class Meta:
        verbose_name = _("support request")
        verbose_name_plural = _("support requests")
        ordering = ["-requested_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(total_investment__gte=models.F("amount")),
                name="support_request_amounts",
            ),
        ]

    def __str__(self):
        return f"{self.site} {self.amount}"
