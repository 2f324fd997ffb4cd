"""Follow-up: which trainees later appear as merchants or as village operators, and sell.

Training that leads to nothing is the program's known weakness, so every trainee is looked for
among the county's merchants and service point operators:

- a merchant is linked by resident ID number first (merchants.Merchant.id_number), and only when
  no merchant has the trainee's ID number, by phone (the merchant's contact phone or its owner's
  account phone);
- an operator has no ID number on record, so is linked by phone: the operator's own phone
  (network.SiteOperator.phone), the phone of their account, or of a village-operator account;
- "later": the merchant was registered, or the operator took up the site, on or after the
  trainee's first training day; earlier ones are shown as "already";
- "sells": a merchant with a paid order since the first training day
  (orders.queries.merchants_with_sales); an operator whose site recorded an assisted sale
  (代卖) since then, or who sells for a merchant that has a paid order since then.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Max, Min
from django.utils import timezone

from cuncun.accounts.models import Role, User
from cuncun.core import crypto
from cuncun.merchants.models import Merchant
from cuncun.network.models import ServiceRecord, SiteOperator, SiteService
from cuncun.orders.queries import merchants_with_sales
from cuncun.regions.models import RegionUnit
from cuncun.training.access import require_reader
from cuncun.training.models import Attendance, CourseKind, Trainee


class MatchedBy:
    ID_NUMBER = "id_number"
    PHONE = "phone"


@dataclass
class MerchantLink:
    merchant_id: int
    name: str
    matched_by: str
    registered_on: date
    later: bool  # registered on or after the first training day
    sells: bool


@dataclass
class OperatorLink:
    site_id: int
    site_name: str
    since: date
    later: bool  # took up the site on or after the first training day
    sells: bool


@dataclass
class FollowUp:
    trainee: Trainee
    first_day: date
    kinds: set[str]
    merchants: list[MerchantLink] = field(default_factory=list)
    operators: list[OperatorLink] = field(default_factory=list)

    @property
    def became_merchant(self) -> bool:
        return any(m.later for m in self.merchants)

    @property
    def became_operator(self) -> bool:
        return any(o.later for o in self.operators)

    @property
    def sells(self) -> bool:
        return any(m.sells for m in self.merchants) or any(o.sells for o in self.operators)

    @property
    def appears(self) -> bool:
        return bool(self.merchants or self.operators)


@dataclass
class Outcome:
    """How many of a group of trainees came to something."""

    trainees: int = 0
    merchants: int = 0  # linked to a merchant
    became_merchants: int = 0  # registered after their training
    operators: int = 0
    became_operators: int = 0
    selling: int = 0
    nothing: int = 0  # neither merchant nor operator

    def add(self, f: FollowUp) -> None:
        self.trainees += 1
        self.merchants += bool(f.merchants)
        self.became_merchants += f.became_merchant
        self.operators += bool(f.operators)
        self.became_operators += f.became_operator
        self.selling += f.sells
        self.nothing += not f.appears

    @property
    def selling_share(self) -> int | None:
        return round(self.selling * 100 / self.trainees) if self.trainees else None


@dataclass
class Report:
    total: Outcome
    by_kind: list[tuple[str, str, Outcome]]
    linked: list[FollowUp]  # trainees who appear as a merchant or an operator


def _phone_key(phone: str) -> str:
    return (phone or "").strip()


def follow_up(user, region: RegionUnit, *, until: date) -> Report:
    """Every trainee the user may see in `region` trained up to `until`, followed up."""
    require_reader(user)
    visible = Trainee.objects.all() if user is None else Trainee.objects.visible_to(user)
    trainees = (
        visible.in_region(region)
        .filter(attendances__day__lte=until)
        .annotate(first_day=Min("attendances__day"))
        .select_related("region__parent")
        .order_by("region__path", "name", "id")
    )
    trainees = list(trainees)
    kinds = defaultdict(set)
    for trainee_id, kind in (
        Attendance.objects.filter(trainee__in=[t.pk for t in trainees], day__lte=until)
        .values_list("trainee_id", "session__course__kind")
        .distinct()
    ):
        kinds[trainee_id].add(kind)

    merchants = _merchants()
    operators = _operators()
    sales = _SalesSince()
    assisted = dict(
        ServiceRecord.objects.filter(kind=SiteService.ASSISTED_SALE)
        .values("site_id")
        .annotate(last=Max("day"))
        .values_list("site_id", "last")
    )
    represented = defaultdict(set)  # operator's user → merchants they sell for
    for merchant_id, user_id in Merchant.objects.filter(represented_by__isnull=False).values_list(
        "id", "represented_by_id"
    ):
        represented[user_id].add(merchant_id)

    total = Outcome()
    per_kind = {kind: Outcome() for kind, _label in CourseKind.choices}
    linked = []
    for trainee in trainees:
        f = FollowUp(trainee=trainee, first_day=trainee.first_day, kinds=kinds[trainee.pk])
        for m, how in merchants.find(trainee):
            registered = timezone.localdate(m["created_at"])
            f.merchants.append(
                MerchantLink(
                    merchant_id=m["id"],
                    name=m["name"],
                    matched_by=how,
                    registered_on=registered,
                    later=registered >= f.first_day,
                    sells=m["id"] in sales.since(f.first_day),
                )
            )
        for op in operators.get(_phone_key(trainee.phone), ()):
            start = max(f.first_day, op["since"])
            last_sale = assisted.get(op["site_id"])
            sells_for = represented.get(op["user_id"], set()) if op["user_id"] else set()
            f.operators.append(
                OperatorLink(
                    site_id=op["site_id"],
                    site_name=op["site__name"],
                    since=op["since"],
                    later=op["since"] >= f.first_day,
                    sells=(last_sale is not None and last_sale >= start)
                    or (bool(sells_for) and bool(sells_for & sales.since(f.first_day))),
                )
            )
        total.add(f)
        for kind in f.kinds:
            per_kind[kind].add(f)
        if f.appears:
            linked.append(f)
    by_kind = [
        (kind, label, per_kind[kind])
        for kind, label in CourseKind.choices
        if per_kind[kind].trainees
    ]
    return Report(total=total, by_kind=by_kind, linked=linked)


class _Merchants:
    def __init__(self, rows: list[dict]):
        self.by_id_number = {r["id_number"]: r for r in rows if r["id_number"]}
        self.by_phone = defaultdict(list)
        for r in rows:
            for phone in {_phone_key(r["contact_phone"]), _phone_key(r["owner__phone"] or "")}:
                if phone:
                    self.by_phone[phone].append(r)

    def find(self, trainee: Trainee) -> list[tuple[dict, str]]:
        """By ID number first; by phone only when no merchant has the trainee's ID number, and
        never a merchant that carries another person's ID number."""
        found = self.by_id_number.get(trainee.id_number)
        if found is not None:
            return [(found, MatchedBy.ID_NUMBER)]
        phone = _phone_key(trainee.phone)
        if not phone:
            return []
        return [
            (r, MatchedBy.PHONE)
            for r in self.by_phone.get(phone, ())
            if not r["id_number"] or r["id_number"] == trainee.id_number
        ]


def _merchants() -> _Merchants:
    rows = list(
        Merchant.objects.values(
            "id", "name", "id_number_encrypted", "contact_phone", "owner__phone", "created_at"
        )
    )
    for r in rows:
        r["id_number"] = crypto.open_id_number(r.pop("id_number_encrypted"))
    return _Merchants(rows)


def _operators() -> dict[str, list[dict]]:
    """Operators by phone: their own, their account's, and village-operator accounts' sites."""
    by_phone: dict[str, list[dict]] = defaultdict(list)
    rows = SiteOperator.objects.values(
        "id", "site_id", "site__name", "phone", "user_id", "user__phone", "since"
    )
    seen = set()
    for r in rows:
        for phone in {_phone_key(r["phone"]), _phone_key(r["user__phone"] or "")}:
            if phone and (phone, r["id"]) not in seen:
                seen.add((phone, r["id"]))
                by_phone[phone].append(r)
    # A village-operator account is an operator even before a site lists them by phone.
    with_site = {r["user_id"] for r in rows if r["user_id"]}
    for account in (
        User.objects.filter(role=Role.VILLAGE_OPERATOR)
        .exclude(phone="")
        .values("id", "phone", "date_joined")
    ):
        if account["id"] in with_site:
            continue
        by_phone[_phone_key(account["phone"])].append(
            {
                "id": None,
                "site_id": None,
                "site__name": "",
                "user_id": account["id"],
                "since": timezone.localdate(account["date_joined"]),
            }
        )
    return by_phone


class _SalesSince:
    """merchants_with_sales(since=day), asked once per day."""

    def __init__(self):
        self._cache: dict[date, set[int]] = {}

    def since(self, day: date) -> set[int]:
        if day not in self._cache:
            self._cache[day] = set(merchants_with_sales(since=day))
        return self._cache[day]
