"""The training plan (农村电商人才培训“万人计划”): courses, sessions, trainees, attendance per
session day, certificates, and the roster imports that fill them.

A trainee's ID number is stored once (here), checksum-validated, and shown masked to everyone but
the training office. Counting follows the plan: a person-time is one person at one session, however
many days it lasts; a person is counted once however many sessions they attend.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.core.models import (
    FileImport,
    ImportStatus,
    MoneyField,
    SealedIdNumber,
    SealedIdNumberQuerySet,
    Timestamped,
)
from cuncun.core.personal import mask_phone
from cuncun.core.scoping import ScopedQuerySet


class CourseKind:
    AWARENESS = "awareness"  # 普及培训: what e-commerce is and how to buy and sell online
    ADVANCED = "advanced"  # 提升培训: better shops, marketing, photos for those already selling
    ENTREPRENEURSHIP = "entrepreneurship"  # 创业培训: starting an online business
    CADRE = "cadre"  # 干部培训: township and village cadres (组织部's cadre training)
    OPERATOR = "operator"  # 站点运营培训: running a village service point
    POVERTY_ALLEVIATION = "poverty_alleviation"  # 电商扶贫培训: for poverty-registered households
    OTHER = "other"  # 其他

    choices = [
        (AWARENESS, _("awareness")),
        (ADVANCED, _("advanced")),
        (ENTREPRENEURSHIP, _("entrepreneurship")),
        (CADRE, _("cadre")),
        (OPERATOR, _("service point operator")),
        (POVERTY_ALLEVIATION, _("poverty alleviation")),
        (OTHER, _("other")),
    ]
    # Kinds whose graduates count as a village's e-commerce talent (电商人才) unless the course
    # says otherwise: awareness reaches many, these form the people who will sell.
    FORMS_TALENTS = {ADVANCED, ENTREPRENEURSHIP, OPERATOR, POVERTY_ALLEVIATION}


class FundingSource:
    SPECIAL_FUND = "special_fund"  # 电子商务进农村综合示范专项资金: counts against the plan's cap
    EMPLOYMENT_FUND = "employment_fund"  # 就业创业培训资金 (人社)
    DEPARTMENT_BUDGET = "department_budget"  # a department's own budget
    ENTERPRISE = "enterprise"  # paid by an enterprise (农村淘宝, 邮政 …)
    OTHER = "other"

    choices = [
        (SPECIAL_FUND, _("e-commerce special fund")),
        (EMPLOYMENT_FUND, _("employment training fund")),
        (DEPARTMENT_BUDGET, _("department budget")),
        (ENTERPRISE, pgettext_lazy("funding source", "enterprise")),
        (OTHER, _("other")),
    ]
    # The plan's fund category (plans.FundRule.category) each source is spent from, if any.
    FUND_CATEGORY = {SPECIAL_FUND: "training"}


class TraineeCategory:
    CADRE = "cadre"  # 干部: township or village cadre
    VILLAGE_OFFICIAL = "village_official"  # 大学生村官
    RETURNING_GRADUATE = "returning_graduate"  # 返乡大学生
    RURAL_YOUTH = "rural_youth"  # 农村青年
    LEADING_FARMER = "leading_farmer"  # 农村致富带头人
    COOP_MEMBER = "coop_member"  # 合作社成员
    BUSINESS_OWNER = "business_owner"  # 个体经营户
    SITE_STAFF = "site_staff"  # 服务站点人员
    POVERTY_REGISTERED = "poverty_registered"  # 建档立卡贫困户
    DISABLED = "disabled"  # 残疾人
    WOMEN = "women"  # 妇女: derived from gender, never stored

    choices = [
        (CADRE, _("cadre")),
        (VILLAGE_OFFICIAL, _("college-graduate village official")),
        (RETURNING_GRADUATE, _("returning graduate")),
        (RURAL_YOUTH, _("rural youth")),
        (LEADING_FARMER, _("leading farmer")),
        (COOP_MEMBER, _("co-op member")),
        (BUSINESS_OWNER, _("self-employed business owner")),
        (SITE_STAFF, _("service point staff")),
        (POVERTY_REGISTERED, _("poverty-registered household")),
        (DISABLED, _("disabled")),
        (WOMEN, _("women")),
    ]
    # What a trainer writes in a roster, besides the Chinese label of each choice.
    ALIASES = {
        "村干部": CADRE,
        "乡镇干部": CADRE,
        "干部": CADRE,
        "村官": VILLAGE_OFFICIAL,
        "大学生村官": VILLAGE_OFFICIAL,
        "返乡大学生": RETURNING_GRADUATE,
        "返乡大学毕业生": RETURNING_GRADUATE,
        "返乡青年": RURAL_YOUTH,
        "农村青年": RURAL_YOUTH,
        "青年": RURAL_YOUTH,
        "致富带头人": LEADING_FARMER,
        "农村致富带头人": LEADING_FARMER,
        "合作社": COOP_MEMBER,
        "合作社成员": COOP_MEMBER,
        "个体户": BUSINESS_OWNER,
        "个体经营户": BUSINESS_OWNER,
        "站点人员": SITE_STAFF,
        "服务站点人员": SITE_STAFF,
        "建档立卡": POVERTY_REGISTERED,
        "建档立卡户": POVERTY_REGISTERED,
        "建档立卡贫困户": POVERTY_REGISTERED,
        "贫困户": POVERTY_REGISTERED,
        "残疾人": DISABLED,
        "妇女": WOMEN,
        "女性": WOMEN,
    }
    STORED = [
        CADRE,
        VILLAGE_OFFICIAL,
        RETURNING_GRADUATE,
        RURAL_YOUTH,
        LEADING_FARMER,
        COOP_MEMBER,
        BUSINESS_OWNER,
        SITE_STAFF,
        POVERTY_REGISTERED,
        DISABLED,
    ]


class Gender:
    MALE = "M"  # 男: odd 17th digit of the ID number
    FEMALE = "F"  # 女: even 17th digit
    choices = [(MALE, _("male")), (FEMALE, _("female"))]


class AttendanceSource:
    ROSTER = "roster"  # from a trainer's roster (花名册) imported by the office
    CHECK_IN = "check_in"  # the trainee scanned the session's QR code
    MANUAL = "manual"  # entered by the training office
    choices = [
        (ROSTER, _("roster")),
        (CHECK_IN, _("QR check-in")),
        (MANUAL, _("entered by hand")),
    ]


class Course(Timestamped):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=24, choices=CourseKind.choices)
    forms_talents = models.BooleanField(
        _("forms e-commerce talents"),
        default=False,
        help_text=_("Certified graduates count as their village's e-commerce talents."),
    )
    description = models.TextField(_("description"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["code"]

    def __str__(self):
        return self.name


class TrainingSessionQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        # A session is an announcement (when, where, which course): anyone may see every one.
        return self.all()

    def public(self):
        return self.all()

    def held_by(self, day):
        return self.filter(starts_on__lte=day)

    def of_kind(self, kind: str):
        return self.filter(course__kind=kind)

    def in_region(self, region):
        return self.filter(region__path__startswith=region.path)


class TrainingSession(Timestamped):
    """One run of a course (一期培训班): its days, place, trainer, funding and cost."""

    code = models.CharField(
        _("session code"),
        max_length=32,
        unique=True,
        help_text=_("Named on rosters and on the command line, e.g. 2017-004."),
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions"
    )
    title = models.CharField(pgettext_lazy("training", "title"), max_length=150, blank=True)  # 班名
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    place = models.CharField(_("place"), max_length=150)
    region = models.ForeignKey(
        "regions.RegionUnit",
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="training_sessions",
        help_text=_("The township it is held in, or the county for a county-wide session."),
    )
    trainer = models.CharField(_("trainer"), max_length=100, blank=True)
    institution = models.CharField(_("training institution"), max_length=150, blank=True)
    funding_source = models.CharField(
        _("funding source"), max_length=24, choices=FundingSource.choices
    )
    cost = MoneyField(_("cost (yuan)"), default=0)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    certificate_min_days = models.PositiveSmallIntegerField(
        _("days needed for a certificate"),
        null=True,
        blank=True,
        help_text=_("Empty: every day of the session."),
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_on", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="training_session_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(cost__gte=0), name="training_session_cost_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["starts_on"])]

    def __str__(self):
        return f"{self.code} {self.title or self.course.name}"

    @property
    def display_title(self) -> str:
        return self.title or self.course.name

    @property
    def day_count(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def days(self) -> list:
        return [self.starts_on + timedelta(days=n) for n in range(self.day_count)]

    def includes(self, day) -> bool:
        return self.starts_on <= day <= self.ends_on

    @property
    def days_for_certificate(self) -> int:
        return min(self.certificate_min_days or self.day_count, self.day_count)


class TraineeQuerySet(ScopedQuerySet, SealedIdNumberQuerySet):
    region_path_lookup = "region__path"

    def in_region(self, region):
        return self.filter(region__path__startswith=region.path)

    def in_category(self, category: str):
        if category == TraineeCategory.WOMEN:
            return self.filter(gender=Gender.FEMALE)
        return self.filter(categories__category=category)


class Trainee(Timestamped, SealedIdNumber):
    """A person trained, identified by their resident ID number across every roster (sealed at
    rest: `id_number` opens it, `Trainee.objects.with_id_number` finds it)."""

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)  # 姓名, not 名称
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("date of birth"))
    ethnicity = models.CharField(_("ethnicity"), max_length=16, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True, db_index=True)
    region = models.ForeignKey(
        "regions.RegionUnit",
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="trainees",
        help_text=_("Where they live: a village, or a township unit without villages (a farm)."),
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = TraineeQuerySet.as_manager()

    class Meta:
        verbose_name = _("trainee")
        verbose_name_plural = _("trainees")
        ordering = ["name", "id"]
        constraints = [
            # Under the current key's hash; during a key rotation the services also look under
            # the old keys' (core.crypto).
            models.UniqueConstraint(fields=["id_number_digest"], name="trainee_id_number_once"),
            models.CheckConstraint(
                condition=~Q(id_number_digest="") & ~Q(id_number_encrypted=""),
                name="trainee_has_id_number",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class TraineeCategoryMembership(models.Model):
    """A trainee belongs to a category (建档立卡, 大学生村官 …); a roster may add, never remove."""

    trainee = models.ForeignKey(Trainee, on_delete=models.CASCADE, related_name="categories")
    category = models.CharField(
        pgettext_lazy("trainee", "category"), max_length=24, choices=TraineeCategory.choices
    )

    class Meta:
        verbose_name = _("trainee category")
        verbose_name_plural = _("trainee categories")
        constraints = [
            models.UniqueConstraint(fields=["trainee", "category"], name="trainee_category_once"),
            models.CheckConstraint(
                condition=~Q(category=TraineeCategory.WOMEN),
                name="trainee_category_women_is_derived",
            ),
        ]

    def __str__(self):
        return f"{self.trainee} · {self.get_category_display()}"


# The roster import's states are those of every file import (core).
RosterImportStatus = ImportStatus


class RosterImport(FileImport):
    """One roster file handed in by a trainer, and the progress and outcome of its import.
    While the user decides about bad rows, only the good rows are kept."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.PROTECT, related_name="roster_imports"
    )

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return f"{self.session.code} · {self.file_name}"


class AttendanceQuerySet(ScopedQuerySet):
    region_path_lookup = "trainee__region__path"

    def person_times(self) -> int:
        """人次: one person at one session, whatever the number of days attended."""
        return self.values("session_id", "trainee_id").distinct().count()

    def persons(self) -> int:
        return self.values("trainee_id").distinct().count()


class Attendance(models.Model):
    """A trainee was there on one day of a session; the same day twice is one attendance."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.PROTECT, related_name="attendances"
    )
    trainee = models.ForeignKey(Trainee, on_delete=models.PROTECT, related_name="attendances")
    day = models.DateField(_("day"))
    source = models.CharField(_("recorded by"), max_length=12, choices=AttendanceSource.choices)
    roster_import = models.ForeignKey(
        RosterImport,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attendances",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["day", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "trainee", "day"], name="attendance_once_per_day"
            )
        ]
        indexes = [models.Index(fields=["day"]), models.Index(fields=["trainee", "day"])]

    def __str__(self):
        return f"{self.trainee} @ {self.session.code} {self.day}"


class CertificateQuerySet(ScopedQuerySet):
    region_path_lookup = "trainee__region__path"

    def valid_on(self, day):
        return self.filter(issued_on__lte=day).filter(
            Q(revoked_on__isnull=True) | Q(revoked_on__gt=day)
        )

    def forming_talents(self):
        return self.filter(session__course__forms_talents=True)


class Certificate(models.Model):
    """结业证书: printable, with a QR code anyone can scan to check it is genuine."""

    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    session = models.ForeignKey(
        TrainingSession, on_delete=models.PROTECT, related_name="certificates"
    )
    trainee = models.ForeignKey(Trainee, on_delete=models.PROTECT, related_name="certificates")
    issued_on = models.DateField(_("date of issue"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        # In context: trace's certificate is a produce's commitment certificate (合格证).
        verbose_name = pgettext_lazy("training certificate", "certificate")
        verbose_name_plural = _("certificates")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "trainee"], name="certificate_once_per_session"
            )
        ]

    def __str__(self):
        return self.number

    @property
    def is_valid(self) -> bool:
        return self.revoked_on is None
