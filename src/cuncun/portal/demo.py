"""The 景洪市 demo: real divisions and plan, invented people. Safe to run again.

Each app that has demo data gets a step here (portal is the lowest room and may use them all).
"""

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from cuncun.accounts.models import Role, User
from cuncun.accounts.services import create_user, register_buyer
from cuncun.core.rooms import modules_named
from cuncun.plans.models import MemberUnit, MemberUnitTask
from cuncun.plans.queries import member_units_carrying_out, target
from cuncun.plans.services import bundled_plan_file, load_plan, set_member_unit_staff
from cuncun.regions.models import GroupCode, Kind, Level, RegionUnit
from cuncun.regions.services import add_to_group, ensure_group, load_divisions

DEMO_PASSWORD = "cuncun-demo"
DIVISIONS_FILE = (
    Path(__file__).resolve().parent.parent / "regions" / "data" / "jinghong_divisions.csv"
)
PLAN_CODE = "jinghong-2016"
# The plan counts its poor administrative villages (8 for 景洪) but does not name them; the demo's
# are invented, taken from the rural townships so that the demo looks like the county.
DEMO_POOR_VILLAGE_TOWNSHIPS = [
    "勐旺乡",
    "景哈哈尼族乡",
    "基诺山基诺族乡",
    "大渡岗乡",
    "勐龙镇",
    "普文镇",
]
POOR_VILLAGES_TARGET = "poor_village_talents"  # "为8个贫困行政村培养电商扶贫人才"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    display_name: str
    phone: str
    region: str  # "county", or a township name, or "township/village"
    member_unit: str = ""  # the plan's member-unit key, for department users
    member_unit_task: str = ""  # or the unit the plan gives this task (MemberUnitTask)


DEMO_ACCOUNTS = [
    DemoAccount("office", Role.COUNTY_OFFICE, "岩温香（演示）", "13900000001", "county"),
    DemoAccount(
        "commerce",
        Role.MEMBER_DEPARTMENT,
        "李春燕（演示）",
        "13900000002",
        "county",
        "commerce_bureau",
    ),
    DemoAccount(
        "finance", Role.FINANCE_BUREAU, "王建华（演示）", "13900000003", "county", "finance_bureau"
    ),
    DemoAccount("township", Role.TOWNSHIP_STAFF, "玉应罕（演示）", "13900000004", "嘎洒镇"),
    DemoAccount(
        "operator", Role.VILLAGE_OPERATOR, "岩罕龙（演示）", "13900000005", "嘎洒镇/曼达村委会"
    ),
    DemoAccount("merchant", Role.MERCHANT, "刘家茶园（演示）", "13900000006", "勐龙镇"),
    DemoAccount("courier", Role.COURIER, "赵小兵（演示）", "13900000007", "嘎洒镇"),
    # A homestay's host (a merchant who runs a homestay in 曼达村委会).
    DemoAccount("host", Role.MERCHANT, "玉罕（演示）", "13900000010", "嘎洒镇"),
    # Financing support: the guarantee agency's and the bank's reviewers.
    DemoAccount("agency", Role.GUARANTEE_AGENCY, "周信达（演示）", "13900000011", "county"),
    DemoAccount("bank", Role.BANK, "孙立行（演示）", "13900000012", "county"),
    # A buyer: no role, no area; the mobile number is the user name, as on the sign-up page.
    DemoAccount("13900000009", "", "陈小雨（演示）", "13900000009", ""),
    # The training office: the plan's member unit that runs training (市人社局).
    DemoAccount(
        "training",
        Role.MEMBER_DEPARTMENT,
        "玉香（演示）",
        "13900000008",
        "county",
        member_unit_task=MemberUnitTask.TRAINING,
    ),
    # Oversight: the read-everything roles and two more member units that report.
    DemoAccount("leadership", Role.LEADERSHIP_GROUP, "刀国强（演示）", "13900000010", "county"),
    DemoAccount("supervision", Role.SUPERVISION_OFFICE, "张丽萍（演示）", "13900000011", "county"),
    DemoAccount(
        "servicecenter",
        Role.SERVICE_CENTER,
        "玉罕（演示）",
        "13900000012",
        "county",
        "public_service_center",
    ),
    DemoAccount(
        "agriculture",
        Role.MEMBER_DEPARTMENT,
        "杨志明（演示）",
        "13900000013",
        "county",
        "agriculture_bureau",
    ),
]


def load_demo() -> list[DemoAccount]:
    load_divisions(actor=None, data=DIVISIONS_FILE.read_bytes())
    load_plan(actor=None, path=bundled_plan_file(PLAN_CODE))
    with transaction.atomic():
        _mark_demo_groups()
        for account in DEMO_ACCOUNTS:
            _ensure_account(account)
    demos = [module for config, module in modules_named("demo") if config.label != "portal"]
    # In the apps' order, but a demo that records what other apps' demos make runs after them.
    for module in sorted(demos, key=lambda m: getattr(m, "RUNS_AFTER_OTHERS", False)):
        module.load_demo()
    return DEMO_ACCOUNTS


def _mark_demo_groups() -> None:
    poor = ensure_group(
        actor=None, code=GroupCode.POOR_VILLAGE, name=str(GroupCode.names[GroupCode.POOR_VILLAGE])
    )
    ensure_group(
        actor=None,
        code=GroupCode.DEMONSTRATION_VILLAGE,
        name=str(GroupCode.names[GroupCode.DEMONSTRATION_VILLAGE]),
    )
    if poor.memberships.exists():
        return
    villages = RegionUnit.objects.filter(
        kind=Kind.ADMINISTRATIVE_VILLAGE, parent__name__in=DEMO_POOR_VILLAGE_TOWNSHIPS
    ).order_by("parent__name", "name")
    count = int(target(POOR_VILLAGES_TARGET).value)
    for village in list(villages)[::3][:count]:
        add_to_group(actor=None, group=poor, unit=village, is_demo=True)


def _region(ref: str) -> RegionUnit:
    if ref == "county":
        return RegionUnit.objects.get(level=Level.COUNTY)
    township, _, village = ref.partition("/")
    unit = RegionUnit.objects.get(level=Level.TOWNSHIP, name=township)
    return unit.children.get(name=village) if village else unit


def _ensure_account(account: DemoAccount) -> None:
    user = User.objects.filter(username=account.username).first()
    if user is None and not account.role:
        register_buyer(
            phone=account.phone, password=DEMO_PASSWORD, display_name=account.display_name
        )
        return
    if user is None:
        user = create_user(
            actor=None,
            username=account.username,
            password=DEMO_PASSWORD,
            role=account.role,
            region=_region(account.region),
            display_name=account.display_name,
            phone=account.phone,
        )
    if account.role == Role.COUNTY_OFFICE and not user.is_staff:
        User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    units = list(MemberUnit.objects.filter(key=account.member_unit)) if account.member_unit else []
    if account.member_unit_task:
        units += member_units_carrying_out(account.member_unit_task)
    for unit in units:
        set_member_unit_staff(actor=None, unit=unit, users=[*unit.staff.all(), user])
