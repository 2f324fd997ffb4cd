"""Demo training data for 景洪市: courses, about thirty sessions from 2016 to 2018 across the
townships, and a few thousand attendances of invented people (names, phone and ID numbers made
up; ID numbers have valid checksums). Everything is marked demo; running it again adds nothing.

Attendance goes in through the same roster import the training office uses.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from cuncun.core.personal import id_check_char
from cuncun.network.models import SiteOperator
from cuncun.regions.models import Kind, Level, RegionUnit
from cuncun.training import services
from cuncun.training.models import Course, CourseKind, FundingSource, Trainee, TrainingSession
from cuncun.training.roster import RawRow, RosterSheet

SEED = 2016
# Certificates of later sessions are left for the training office to issue (and, meanwhile,
# some villages still lack a certified talent).
CERTIFIED_UNTIL = date(2018, 6, 30)
POOL_SIZE = 2400

COURSES = [
    ("awareness", "农村电子商务普及培训", CourseKind.AWARENESS),
    ("advanced", "网店运营提升培训", CourseKind.ADVANCED),
    ("startup", "农村电商创业培训", CourseKind.ENTREPRENEURSHIP),
    ("cadre", "村干部电子商务知识培训", CourseKind.CADRE),
    ("operator", "村级电商服务站点运营培训", CourseKind.OPERATOR),
    ("poverty", "建档立卡贫困户电商扶贫培训", CourseKind.POVERTY_ALLEVIATION),
]
INSTITUTIONS = [
    "景洪市职业技术培训学校（演示）",
    "西双版纳电商协会（演示）",
    "农村淘宝景洪服务中心（演示）",
    "邮乐购西双版纳分公司（演示）",
]
TRAINERS = [
    "陈老师（演示）",
    "李老师（演示）",
    "刀老师（演示）",
    "张老师（演示）",
    "杨老师（演示）",
]


@dataclass(frozen=True)
class DemoSession:
    code: str
    course: str
    first: date
    days: int
    township: str | None  # None: county-wide, at the county centre
    people: int
    funding: str = FundingSource.SPECIAL_FUND


def _schedule() -> list[DemoSession]:
    s = DemoSession
    return [
        # 启动阶段: three awareness sessions, more than 500 people, by 2016-12-31
        s("D2016-01", "awareness", date(2016, 11, 8), 1, None, 220),
        s("D2016-02", "awareness", date(2016, 11, 22), 1, "勐龙镇", 180),
        s("D2016-03", "awareness", date(2016, 12, 13), 1, "勐罕镇", 160),
        s("D2016-04", "cadre", date(2016, 12, 20), 2, None, 60, FundingSource.DEPARTMENT_BUDGET),
        # 2017
        s("D2017-01", "awareness", date(2017, 3, 7), 1, "嘎洒镇", 130),
        s("D2017-02", "awareness", date(2017, 3, 21), 1, "勐养镇", 110),
        s("D2017-03", "operator", date(2017, 4, 11), 2, None, 60),
        s("D2017-04", "awareness", date(2017, 4, 25), 1, "普文镇", 90),
        s("D2017-05", "advanced", date(2017, 5, 16), 3, None, 45),
        s("D2017-06", "awareness", date(2017, 6, 6), 1, "景哈哈尼族乡", 80),
        s("D2017-07", "poverty", date(2017, 6, 20), 2, "勐旺乡", 50),
        s("D2017-08", "startup", date(2017, 7, 10), 5, None, 30, FundingSource.EMPLOYMENT_FUND),
        s("D2017-09", "awareness", date(2017, 8, 15), 1, "景讷乡", 85),
        s("D2017-10", "awareness", date(2017, 9, 12), 1, "大渡岗乡", 70),
        s("D2017-11", "advanced", date(2017, 10, 17), 3, "勐龙镇", 40),
        s("D2017-12", "awareness", date(2017, 11, 7), 1, "基诺山基诺族乡", 75),
        s("D2017-13", "operator", date(2017, 11, 28), 2, None, 45, FundingSource.ENTERPRISE),
        s("D2017-14", "awareness", date(2017, 12, 12), 1, "勐旺乡", 60),
        # 2018
        s("D2018-01", "awareness", date(2018, 3, 6), 1, "嘎洒镇", 100),
        s("D2018-02", "poverty", date(2018, 3, 27), 2, "景哈哈尼族乡", 45),
        s("D2018-03", "advanced", date(2018, 4, 17), 3, None, 50),
        s("D2018-04", "awareness", date(2018, 5, 8), 1, "勐罕镇", 90),
        s("D2018-05", "cadre", date(2018, 5, 22), 1, None, 70, FundingSource.DEPARTMENT_BUDGET),
        s("D2018-06", "startup", date(2018, 6, 11), 5, None, 30, FundingSource.EMPLOYMENT_FUND),
        s("D2018-07", "awareness", date(2018, 7, 10), 1, "勐养镇", 80),
        s("D2018-08", "operator", date(2018, 8, 14), 2, None, 40),
        s("D2018-09", "poverty", date(2018, 9, 11), 2, "大渡岗乡", 40),
        s("D2018-10", "awareness", date(2018, 10, 16), 1, "普文镇", 70),
        s("D2018-11", "advanced", date(2018, 11, 6), 3, "嘎洒镇", 40),
        s("D2018-12", "awareness", date(2018, 11, 27), 1, "景讷乡", 60),
    ]


COST_PER_PERSON_DAY = {
    CourseKind.AWARENESS: 60,
    CourseKind.ADVANCED: 220,
    CourseKind.ENTREPRENEURSHIP: 300,
    CourseKind.CADRE: 120,
    CourseKind.OPERATOR: 200,
    CourseKind.POVERTY_ALLEVIATION: 150,
}

# --- invented people -------------------------------------------------------------------------

DAI_GIVEN = [
    "温",
    "香",
    "罕",
    "应",
    "叫",
    "光",
    "庄",
    "坎",
    "拉",
    "旺",
    "儿",
    "腊",
    "嫩",
    "丙",
    "康",
    "燕",
    "囡",
    "波",
    "扁",
    "胆",
    "章",
    "甩",
    "约",
    "喃",
    "恩",
    "南",
    "捧",
    "相",
]
HAN_SURNAMES = [
    "李",
    "王",
    "张",
    "刘",
    "陈",
    "杨",
    "赵",
    "黄",
    "周",
    "吴",
    "罗",
    "何",
    "刀",
    "白",
    "段",
    "普",
    "车",
    "资",
    "沙",
    "鲁",
]
HAN_GIVEN = [
    "建华",
    "春燕",
    "志强",
    "秀英",
    "海波",
    "丽萍",
    "云华",
    "国庆",
    "文军",
    "晓梅",
    "永明",
    "红梅",
    "德明",
    "金凤",
    "正华",
    "玉梅",
    "光荣",
    "丽华",
    "世明",
    "小红",
    "家兴",
    "海燕",
    "学文",
    "桂芳",
    "有才",
    "艳",
    "勇",
    "静",
    "敏",
    "磊",
    "涛",
    "娟",
    "龙",
    "芳",
]
ETHNICITIES = [
    ("傣族", 40),
    ("汉族", 24),
    ("哈尼族", 14),
    ("彝族", 6),
    ("拉祜族", 5),
    ("基诺族", 5),
    ("布朗族", 4),
    ("瑶族", 2),
]


@dataclass
class DemoPerson:
    n: int
    name: str
    id_number: str
    female: bool
    ethnicity: str
    phone: str
    township: str
    village: str
    categories: list[str]


def _person(
    rng: random.Random, n: int, village: RegionUnit, township: RegionUnit, used: set[str]
) -> DemoPerson:
    female = rng.random() < 0.48
    ethnicity = rng.choices([e for e, _w in ETHNICITIES], weights=[w for _e, w in ETHNICITIES])[0]
    if ethnicity == "傣族":
        name = ("玉" if female else "岩") + "".join(rng.sample(DAI_GIVEN, rng.choice([1, 2])))
    else:
        name = rng.choice(HAN_SURNAMES) + rng.choice(HAN_GIVEN)
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 40 * 365))
    sequence = (n % 499) * 2 + (0 if female else 1)  # odd: male, even: female
    first17 = f"532801{born:%Y%m%d}{sequence:03d}"
    while first17 in used:  # two invented people may not share an ID number
        born += timedelta(days=1)
        first17 = f"532801{born:%Y%m%d}{sequence:03d}"
    used.add(first17)
    age = 2017 - born.year
    categories = []
    if age < 35 and rng.random() < 0.45:
        categories.append("农村青年")
    if age < 30 and rng.random() < 0.12:
        categories.append("返乡大学生")
    if rng.random() < 0.16:
        categories.append("建档立卡贫困户")
    if rng.random() < 0.08:
        categories.append("村干部")
    if rng.random() < 0.14:
        categories.append("合作社成员")
    if rng.random() < 0.05:
        categories.append("致富带头人")
    if rng.random() < 0.03:
        categories.append("残疾人")
    return DemoPerson(
        n=n,
        name=name,
        id_number=first17 + id_check_char(first17),
        female=female,
        ethnicity=ethnicity,
        phone=f"1700000{n:04d}" if rng.random() < 0.85 else "",
        township=township.name,
        village=village.name,
        categories=categories,
    )


def _pool(rng: random.Random, used: set[str]) -> list[DemoPerson]:
    villages = list(
        RegionUnit.objects.filter(level=Level.VILLAGE).select_related("parent").order_by("path")
    )
    people = []
    for n in range(1, POOL_SIZE + 1):
        village = villages[(n * 7919) % len(villages)]
        # Urban communities send fewer people to rural e-commerce training.
        if village.kind == Kind.COMMUNITY and rng.random() < 0.6:
            village = rng.choice(villages)
        people.append(_person(rng, n, village, village.parent, used))
    return people


def _operator_people(used: set[str]) -> list[DemoPerson]:
    """The network demo's village operators, who go to the operator training: the follow-up
    finds them again by their phone."""
    people = []
    operators = (
        SiteOperator.objects.filter(site__region__level=Level.VILLAGE, site__is_demo=True)
        .exclude(phone="")
        .select_related("site__region__parent")
        .order_by("site__code", "id")
    )
    for k, op in enumerate(operators):
        rng = random.Random(op.phone)  # the same person whatever else the demo holds
        person = _person(rng, POOL_SIZE + 1 + k, op.site.region, op.site.region.parent, used)
        person.name, person.phone = op.name, op.phone
        people.append(person)
    return people


def _rows(session: TrainingSession, people: list[DemoPerson], rng) -> RosterSheet:
    days = session.days()
    raw = []
    for number, p in enumerate(people, start=2):
        attended = days
        if len(days) > 1 and rng.random() < 0.15:
            attended = [d for d in days if d != rng.choice(days)]
        raw.append(
            RawRow(
                row=number,
                values={
                    "name": p.name,
                    "id_number": p.id_number,
                    "gender": "女" if p.female else "男",
                    "ethnicity": p.ethnicity,
                    "phone": p.phone,
                    "township": p.township,
                    "village": p.village,
                    "categories": "、".join(p.categories),
                    "days": "、".join(d.isoformat() for d in attended),
                },
            )
        )
    return RosterSheet(rows=raw)


def _attendees(rng, spec: DemoSession, kind: str, pool, trained: dict[str, set[int]], operators):
    local = [p for p in pool if spec.township is None or p.township == spec.township]
    if kind == CourseKind.POVERTY_ALLEVIATION:
        local = [p for p in local if "建档立卡贫困户" in p.categories] or local
    if kind == CourseKind.CADRE:
        local = [p for p in local if "村干部" in p.categories] or local
    if kind == CourseKind.OPERATOR:
        # One or two from many villages: the people who will run the village points.
        by_village: dict[str, list[DemoPerson]] = {}
        for p in local:
            by_village.setdefault(p.village, []).append(p)
        chosen = [rng.choice(v) for v in by_village.values()]
        rng.shuffle(chosen)
        return (operators + chosen)[: spec.people]
    if kind == CourseKind.AWARENESS:
        fresh = [p for p in local if p.n not in trained["awareness"]]
        return rng.sample(fresh or local, min(spec.people, len(fresh or local)))
    earlier = [p for p in local if p.n in trained["awareness"]]
    take = min(len(earlier), int(spec.people * 0.7))
    chosen = rng.sample(earlier, take)
    rest = [p for p in local if p not in chosen]
    chosen += rng.sample(rest, min(len(rest), spec.people - take))
    return chosen


def load_demo() -> None:
    courses = _ensure_courses()
    county = RegionUnit.objects.filter(level=Level.COUNTY).order_by("path").first()
    rng = random.Random(SEED)
    used: set[str] = set()
    pool = _pool(rng, used)
    operators = _operator_people(used)
    operator_sessions = [s.code for s in _schedule() if s.course == "operator"]
    trained: dict[str, set[int]] = {"awareness": set()}
    for spec in _schedule():
        course = courses[spec.course]
        mine = (
            operators[operator_sessions.index(spec.code) :: len(operator_sessions)]
            if spec.code in operator_sessions
            else []
        )
        people = _attendees(rng, spec, course.kind, pool, trained, mine)
        if course.kind == CourseKind.AWARENESS:
            trained["awareness"].update(p.n for p in people)
        trainer, institution = rng.choice(TRAINERS), rng.choice(INSTITUTIONS)
        session = TrainingSession.objects.filter(code=spec.code).first()
        if session is None:
            region = (
                county
                if spec.township is None
                else RegionUnit.objects.get(level=Level.TOWNSHIP, name=spec.township)
            )
            cost = COST_PER_PERSON_DAY[course.kind] * spec.people * spec.days
            session = services.schedule_session(
                actor=None,
                plan=services.SessionPlan(
                    course=course,
                    code=spec.code,
                    starts_on=spec.first,
                    ends_on=spec.first + timedelta(days=spec.days - 1),
                    place=(
                        "景洪市电子商务公共服务中心"
                        if spec.township is None
                        else f"{spec.township}文化活动中心"
                    )
                    + "（演示）",
                    region=region,
                    trainer=trainer,
                    institution=institution,
                    funding_source=spec.funding,
                    cost=str(cost),
                    capacity=spec.people + 20,
                    is_demo=True,
                ),
            )
        sheet = _rows(session, people, rng)
        if not session.attendances.exists():
            services.import_roster(actor=None, session=session, sheet=sheet)
            _mark_demo(session)
        if session.ends_on <= CERTIFIED_UNTIL:
            services.issue_certificates(actor=None, session=session, issued_on=session.ends_on)


def _mark_demo(session: TrainingSession) -> None:
    Trainee.objects.filter(attendances__session=session, is_demo=False).update(is_demo=True)


def _ensure_courses() -> dict[str, Course]:
    found = {c.code: c for c in Course.objects.filter(code__in=[code for code, *_ in COURSES])}
    for code, name, kind in COURSES:
        if code not in found:
            found[code] = services.create_course(
                actor=None, code=code, name=name, kind=kind, is_demo=True
            )
    return found
