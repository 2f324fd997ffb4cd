"""The special fund's demo: a budget that keeps every rule of the plan but the logistics minimum
(so its standing warning shows), and disbursements at each step — one paid with evidence, one
approved, one waiting for the finance bureau, one just proposed; and a line of the county's own
money that pays the running festival's program vouchers (¥5 off, and a free pickup at the village
points), issued here once the line is in the budget.

The amounts, project names and vouchers are invented; the categories and rules are the plan's.
Safe to run twice: a fund that already has demo projects is left as it is."""

from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction

from cuncun.accounts.models import User
from cuncun.funds.models import FundSource, Project
from cuncun.funds.services import (
    PaymentEvidence,
    ProjectDraft,
    add_project,
    approve_disbursement,
    ensure_fund,
    pay_disbursement,
    propose_disbursement,
    review_disbursement,
)
from cuncun.network.models import Site, SiteKind
from cuncun.plans.models import MemberUnitTask
from cuncun.plans.queries import member_units_carrying_out, plan_in_force
from cuncun.promotions.demo import FESTIVAL
from cuncun.promotions.models import Campaign, VoucherKind
from cuncun.promotions.services import VoucherTermsInput, issue_vouchers

# (name, category, site kind or None, total investment, support, use)
DEMO_PROJECTS = [
    ("市级农村电子商务公共服务中心（演示）", "public_service_center", SiteKind.COUNTY_CENTER,
     "6000000", "3000000", "设备购置、系统建设与运营（不含土建）"),
    ("市级物流仓储配送中心（演示）", "logistics_warehouse", SiteKind.COUNTY_WAREHOUSE,
     "3600000", "1800000", "仓储设备、分拣线与配送车辆"),
    ("县乡村三级物流体系（演示）", "logistics", None,
     "3000000", "1500000", "乡镇中转与村级配送网络"),
    ("电子商务培训（演示）", "training", None, "1200000", "1200000", "普及培训与技能培训"),
    ("农产品追溯体系（演示）", "brand_trace_quality", None,
     "1600000", "800000", "追溯平台与检测设备"),
]  # fmt: skip
# The festival's promotion: the county's own money (地方配套), not the central fund's.
PROMOTION = ("网络购物节促销（演示）", "brand_trace_quality", "400000", "200000",
             "购物节平台券：直降与免取件费")  # fmt: skip
STATIONS = 4  # township stations given support in the demo
STATION_SUPPORT = Decimal("80000")
# (project index, amount, how far it goes: proposed / reviewed / approved / paid)
DEMO_DISBURSEMENTS = [
    (0, "1000000", "paid"),
    (1, "900000", "approved"),
    (3, "300000", "reviewed"),
    (2, "500000", "proposed"),
]


def load_demo() -> None:
    plan = plan_in_force()
    if plan is None or Project.objects.filter(fund__plan=plan, is_demo=True).exists():
        return
    users = {u.username: u for u in User.objects.filter(username__in=["office", "finance"])}
    units = member_units_carrying_out(MemberUnitTask.FUND_PROJECTS, plan)
    if not units or set(users) != {"office", "finance"}:
        return  # the demo accounts and the plan's proposing unit come first
    with transaction.atomic():
        fund = ensure_fund(actor=None, plan=plan)
        projects = [_project(fund, units[0], *entry) for entry in DEMO_PROJECTS]
        for station in Site.objects.filter(kind=SiteKind.TOWNSHIP_STATION).order_by("code")[
            :STATIONS
        ]:
            _project(
                fund,
                units[0],
                f"{station.name}建设（演示）",
                "township_station",
                None,
                str(STATION_SUPPORT * 2),
                str(STATION_SUPPORT),
                "站点装修与设备",
                site=station,
            )
        for index, amount, reaches in DEMO_DISBURSEMENTS:
            _disburse(projects[index], amount, reaches, users)
        name, category, total, support, use = PROMOTION
        promotion = _project(
            fund, units[0], name, category, None, total, support, use, source=FundSource.LOCAL
        )
        _festival_vouchers(promotion)


def _project(
    fund, unit, name, category, site_kind, total, support, use, site=None, source=FundSource.CENTRAL
):
    if site is None and site_kind:
        site = Site.objects.filter(kind=site_kind).order_by("code").first()
    return add_project(
        actor=None,
        fund=fund,
        draft=ProjectDraft(
            name=name,
            category=category,
            total_investment=total,
            support=support,
            source=source,
            use=use,
            owner_unit=unit,
            site=site,
        ),
        is_demo=True,
    )


def _festival_vouchers(line: Project) -> None:
    """The running festival's program vouchers (promotions' demo), paid from this line."""
    festival = Campaign.objects.filter(name=FESTIVAL).first()
    if festival is None:
        return
    window = {"starts_at": festival.starts_at, "ends_at": festival.ends_at, "campaign": festival}
    for terms in (
        VoucherTermsInput(
            name="购物节平台券直降5元",
            kind=VoucherKind.DIRECT,
            amount="5",
            budget="2000",
            per_buyer_limit=2,
            **window,
        ),
        VoucherTermsInput(
            name="购物节免取件费券",
            kind=VoucherKind.FREE_PICKUP,
            amount="1",
            budget="1000",
            per_buyer_limit=3,
            **window,
        ),
    ):
        issue_vouchers(actor=None, terms=terms, budget_line=line.code)


def _disburse(project, amount, reaches, users) -> None:
    steps = ["proposed", "reviewed", "approved", "paid"]
    d = propose_disbursement(
        actor=None, project=project, amount=amount, purpose="第一期拨付（演示）", is_demo=True
    )
    if steps.index(reaches) >= 1:
        d = review_disbursement(actor=users["office"], disbursement=d)
    if steps.index(reaches) >= 2:
        d = approve_disbursement(actor=users["finance"], disbursement=d)
    if reaches == "paid":
        pay_disbursement(
            actor=users["finance"],
            disbursement=d,
            evidence=PaymentEvidence(
                voucher_number="演示-记-2017-001",
                paid_on=date(2017, 3, 15),
                attachment=ContentFile(b"%PDF-1.4 demo bank slip", name="demo-slip.pdf"),
            ),
        )
