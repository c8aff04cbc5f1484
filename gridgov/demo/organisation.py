"""The demo county's units (DOMAIN §3) and personas for every role."""

from dataclasses import dataclass

from gridgov.accounts.choices import Role, UnitKind
from gridgov.accounts.models import Citizen, Unit, User
from gridgov.accounts.services import create_staff_user, ensure_citizen, upsert_unit
from gridgov.audit.actor import Actor
from gridgov.regions.choices import Level
from gridgov.regions.models import Region

from . import yongkang as yk
from .yongkang import SURNAMES

DEMO_PASSWORD = "gridgov-demo-2026"
CITIZEN_PHONE = "13800000000"


def build_units(actor: Actor) -> int:
    """Create or update every unit; returns how many changed."""
    changed = 0

    def put(code: str, **values) -> Unit:
        nonlocal changed
        unit, did = upsert_unit(actor, code=code, **values)
        changed += did
        return unit

    county = Region.objects.get(code=yk.COUNTY_CODE)
    centre = put(
        "county-centre",
        name=f"{yk.COUNTY_NAME}社会治理中心",
        short_name="社会治理中心",
        kind=UnitKind.COUNTY_CENTRE,
        line="",
        parent_id=None,
        territory_id=county.id,
    )
    for suffix, name, short, line in yk.DEPARTMENTS:
        put(
            f"dept-{suffix}",
            name=name,
            short_name=short,
            kind=UnitKind.DEPARTMENT,
            line=line,
            parent_id=None,
            territory_id=county.id,
        )

    regions = list(
        Region.objects.filter(level__in=[Level.TOWNSHIP, Level.VILLAGE, Level.GRID]).order_by("key")
    )
    command_of: dict[int, Unit] = {}
    village_unit_of: dict[int, Unit] = {}
    for region in regions:
        if region.level == Level.TOWNSHIP:
            seg = region.code[6:9]
            command = put(
                f"t{seg}-command",
                name=f"{region.name}综合信息指挥室",
                short_name="指挥室",
                kind=UnitKind.TOWNSHIP_COMMAND,
                line="",
                parent_id=centre.id,
                territory_id=region.id,
            )
            command_of[region.id] = command
            for number, platform in enumerate(yk.PLATFORMS, start=1):
                put(
                    f"t{seg}-platform-{number}",
                    name=f"{region.name}{platform}平台",
                    short_name=f"{platform}平台",
                    kind=UnitKind.TOWNSHIP_PLATFORM,
                    line="",
                    parent_id=command.id,
                    territory_id=region.id,
                )
            put(
                f"t{seg}-enforcement",
                name=f"{region.name}综合行政执法队",
                short_name="综合行政执法队",
                kind=UnitKind.ENFORCEMENT_TEAM,
                line="urban_enforcement",
                parent_id=command.id,
                territory_id=region.id,
            )
        elif region.level == Level.VILLAGE:
            committee = "居民委员会" if region.name.endswith("社区") else "村民委员会"
            village_unit_of[region.id] = put(
                f"v{region.code}",
                name=f"{region.name}{committee}",
                short_name=region.name,
                kind=UnitKind.VILLAGE,
                line="",
                parent_id=command_of[region.parent_id].id if region.parent_id in command_of else None,
                territory_id=region.id,
            )
        else:
            put(
                f"g{region.code}",
                name=region.name,
                short_name=region.name,
                kind=UnitKind.GRID,
                line="",
                parent_id=village_unit_of[region.parent_id].id,
                territory_id=region.id,
            )
    return changed


@dataclass(frozen=True)
class Persona:
    username: str
    display_name: str
    unit_code: str
    role: str
    purpose: str
    superuser: bool = False


def _first_grid_unit(township_segment: str) -> str:
    grid = Region.objects.filter(
        level=Level.GRID, code__startswith=f"{yk.COUNTY_CODE}{township_segment}"
    ).first()
    return f"g{grid.code}"


def personas() -> list[Persona]:
    return [
        Persona(
            "admin",
            "超级管理员",
            "county-centre",
            Role.ADMINISTRATOR,
            "超级管理员（全部权限、管理后台）",
            True,
        ),
        Persona(
            "sysadmin",
            "系统管理员",
            "county-centre",
            Role.ADMINISTRATOR,
            "系统管理：账号与令牌、工作日历、Webhook、升级阶梯、区划、审计日志",
        ),
        Persona("county_dispatcher", "陈晓燕", "county-centre", Role.DISPATCHER, "市社会治理中心调度员"),
        Persona("county_supervisor", "胡建军", "county-centre", Role.SUPERVISOR, "市社会治理中心督查员"),
        Persona("leader", "应国强", "county-centre", Role.LEADER, "市领导（驾驶舱、督办）"),
        Persona("market_handler", "吕文华", "dept-scjg", Role.HANDLER, "市场监管局处置人员"),
        Persona("enforcement_handler", "徐立新", "dept-zhzf", Role.HANDLER, "综合行政执法局处置人员"),
        Persona(
            "dongcheng_dispatcher",
            "李丽娟",
            "t001-command",
            Role.DISPATCHER,
            "东城街道指挥室调度员（乡镇 A）",
        ),
        Persona(
            "xicheng_dispatcher", "朱海峰", "t002-command", Role.DISPATCHER, "西城街道指挥室调度员（乡镇 B）"
        ),
        Persona(
            "dongcheng_platform", "楼晓红", "t001-platform-3", Role.HANDLER, "东城街道平安法治平台处置人员"
        ),
        Persona(
            "dongcheng_enforcer", "程志远", "t001-enforcement", Role.HANDLER, "东城街道综合行政执法队队员"
        ),
        Persona("dongcheng_leader", "章伟", "t001-command", Role.LEADER, "东城街道分管领导"),
        Persona("grid_worker", "俞小芳", _first_grid_unit("001"), Role.GRID_WORKER, "东城街道网格员"),
        Persona("xicheng_grid_worker", "吴建平", _first_grid_unit("002"), Role.GRID_WORKER, "西城街道网格员"),
    ]


def build_personas(actor: Actor) -> int:
    """Create missing personas (existing ones, and their passwords, are left alone)."""
    created = 0
    units = {u.code: u for u in Unit.objects.filter(code__in={p.unit_code for p in personas()})}
    existing = set(User.objects.values_list("username", flat=True))
    for p in personas():
        if p.username in existing:
            continue
        create_staff_user(
            actor,
            username=p.username,
            password=DEMO_PASSWORD,
            unit=units[p.unit_code],
            role=p.role,
            display_name=p.display_name,
            is_superuser=p.superuser,
        )
        created += 1
    if not Citizen.objects.filter(phone=CITIZEN_PHONE).exists():
        ensure_citizen(actor, CITIZEN_PHONE)
        created += 1
    return created


# Synthetic staff so that every unit has someone to act: a dispatcher per command room, a handler per
# platform, enforcement team and department, a worker per grid. Names are synthetic.
STAFF_ROLE_BY_KIND = {
    UnitKind.TOWNSHIP_COMMAND: Role.DISPATCHER,
    UnitKind.TOWNSHIP_PLATFORM: Role.HANDLER,
    UnitKind.ENFORCEMENT_TEAM: Role.HANDLER,
    UnitKind.DEPARTMENT: Role.HANDLER,
    UnitKind.VILLAGE: Role.HANDLER,
    UnitKind.GRID: Role.GRID_WORKER,
}
GIVEN_NAMES = [
    "建国",
    "丽华",
    "志强",
    "晓燕",
    "海燕",
    "伟",
    "芳",
    "军",
    "静",
    "磊",
    "敏",
    "勇",
    "洁",
    "涛",
    "明",
    "艳",
    "超",
    "霞",
    "平",
    "刚",
    "桂英",
    "秀英",
    "建华",
    "国平",
    "雪梅",
    "文斌",
]


def build_staff(actor: Actor, seed: int) -> int:
    """One acting user for every unit that has none; all share the demo password (hashed once)."""
    import random

    from django.contrib.auth.hashers import make_password

    from gridgov.audit.services import record

    rng = random.Random(seed)
    staffed = set(User.objects.exclude(unit=None).values_list("unit_id", "role"))
    existing = set(User.objects.values_list("username", flat=True))
    password = make_password(DEMO_PASSWORD)
    users = []
    for unit in Unit.objects.filter(kind__in=list(STAFF_ROLE_BY_KIND)).order_by("id"):
        role = STAFF_ROLE_BY_KIND[unit.kind]
        username = f"{unit.code}-{'worker' if role == Role.GRID_WORKER else role}"
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        if (unit.id, role) in staffed or username in existing:
            continue
        users.append(User(username=username, password=password, unit=unit, role=role, display_name=name))
    User.objects.bulk_create(users, batch_size=500)
    if users:
        from gridgov.events.notify import forget_actors

        forget_actors()
        record(actor, "user.bulk_create", ("accounts.user", "demo-staff"), summary={"created": len(users)})
    return len(users)
