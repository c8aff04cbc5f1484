from django.db import models


class Role(models.TextChoices):
    """What a staff user does; access rules (jurisdiction.POLICIES) are written per role."""

    DISPATCHER = "dispatcher", "调度员"  # triages and dispatches in a command room or the county centre
    HANDLER = "handler", "处置人员"  # works dispatched events in a department, platform or team
    SUPERVISOR = "supervisor", "督查员"  # watches deadlines, issues supervision orders
    GRID_WORKER = "grid_worker", "网格员"  # patrols one grid, reports and verifies
    LEADER = "leader", "领导"  # reads the cockpit, issues supervision orders
    ADMINISTRATOR = "administrator", "系统管理员"  # maintains territory, units, users, catalogue


class UnitKind(models.TextChoices):
    """Kinds of organisation in the "141" system (DOMAIN §3)."""

    COUNTY_CENTRE = "county_centre", "县级社会治理中心"
    DEPARTMENT = "department", "县级部门"
    TOWNSHIP_COMMAND = "township_command", "乡镇（街道）综合信息指挥室"
    TOWNSHIP_PLATFORM = "township_platform", "乡镇（街道）平台"
    ENFORCEMENT_TEAM = "enforcement_team", "乡镇（街道）综合行政执法队"
    VILLAGE = "village", "村（社区）"
    GRID = "grid", "网格"


class Line(models.TextChoices):
    """Lines of business (条线) that county departments own."""

    MARKET = "market", "市场监管"
    URBAN_ENFORCEMENT = "urban_enforcement", "综合行政执法"
    ENVIRONMENT = "environment", "生态环境"
    HOUSING = "housing", "住房城乡建设"
    TRANSPORT = "transport", "交通运输"
    HEALTH = "health", "卫生健康"
    PUBLIC_SECURITY = "public_security", "公安"
    EMERGENCY = "emergency", "应急管理"
    NATURAL_RESOURCES = "natural_resources", "自然资源和规划"
    AGRICULTURE = "agriculture", "农业农村"
    HUMAN_RESOURCES = "human_resources", "人力资源和社会保障"
    CIVIL_AFFAIRS = "civil_affairs", "民政"
    WATER = "water", "水务"
    JUSTICE = "justice", "司法行政"
