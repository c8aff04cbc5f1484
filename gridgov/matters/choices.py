from django.db import models


class VersionStatus(models.TextChoices):
    """Life of a catalogue version: drafted, validated and published once; later retired."""

    DRAFT = "draft", "草稿"  # editable, not used for routing
    PUBLISHED = "published", "已发布"  # immutable; the newest published version routes new events
    RETIRED = "retired", "已停用"  # immutable; superseded, still referenced by the events routed under it


class HandlingLevel(models.TextChoices):
    """Levels that handle or close an event, lowest first."""

    GRID = "grid", "网格"
    VILLAGE = "village", "村（社区）"
    TOWNSHIP = "township", "乡镇（街道）"
    COUNTY = "county", "县级"


LEVEL_ORDER = {
    HandlingLevel.GRID: 0,
    HandlingLevel.VILLAGE: 1,
    HandlingLevel.TOWNSHIP: 2,
    HandlingLevel.COUNTY: 3,
}


class CatalogueList(models.TextChoices):
    """The five lists (一张清单明权责, DOMAIN §4); a matter may belong to several."""

    POWER = "power", "乡镇（街道）权力清单"
    SERVICE = "service", "政务服务清单"
    TERRITORIAL = "territorial", "“属地管理”事项责任清单"
    ENFORCEMENT = "enforcement", "乡镇（街道）综合行政执法事项目录清单"
    LINK_152 = "152", "“152”“141”衔接贯通应用和事项清单"


class Stage(models.TextChoices):
    """Stages of an event that have their own time limit."""

    DISPATCH = "dispatch", "受理派遣"
    HANDLE = "handle", "处置"
    VERIFY = "verify", "核查结案"
