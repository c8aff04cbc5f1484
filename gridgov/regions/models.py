from django.db import models
from django.db.models import F

from gridgov.accounts.jurisdiction import ADMIN_ROLES, STAFF_ROLES, Action, ScopedQuerySet

from .choices import SIGNIFICANT_DIGITS, Level
from .codes import KeyRange, ancestor_codes, subtree_range


class RegionQuerySet(ScopedQuerySet):
    territory_key_field = "key"

    def subtree(self, region: "Region"):
        """The region and everything below it, as one index range on `key`."""
        rng = region.subtree
        return self.filter(key__gte=rng.low, key__lt=rng.high)

    def grids(self):
        return self.filter(level=Level.GRID)


class Region(models.Model):
    """A node of the territory tree: county, township, village, grid or micro-grid.

    `code` is the official code (12-digit statistical code for townships and villages, 15-digit
    grid code); `key` is the code padded to 18 digits, so a subtree is one integer range.
    `geometry` holds a GeoJSON Polygon/MultiPolygon in WGS-84; the bbox columns let a map or a
    coarse filter work without parsing it. `residents` is a cached count, rolled up from grids.
    """

    access_policy = {Action.VIEW: STAFF_ROLES, Action.CHANGE: ADMIN_ROLES}

    code = models.CharField("代码", max_length=18, unique=True)
    key = models.BigIntegerField("排序键", unique=True, editable=False)
    level = models.PositiveSmallIntegerField("层级", choices=Level.choices, db_index=True)
    name = models.CharField("名称", max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    geometry = models.JSONField("边界（GeoJSON）", null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    residents = models.PositiveIntegerField("常住人口（缓存）", default=0)
    synthetic = models.BooleanField("合成数据", default=False, help_text="演示用的合成区划，非官方数据")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "区划"
        verbose_name_plural = "区划"
        ordering = ["key"]
        indexes = [models.Index(fields=["level", "key"], name="region_level_key")]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def subtree(self) -> KeyRange:
        return subtree_range(self.code, Level(self.level))

    @property
    def prefix(self) -> str:
        return self.code[: SIGNIFICANT_DIGITS[Level(self.level)]]

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        if self.min_lon is None:
            return None
        return (self.min_lon, self.min_lat, self.max_lon, self.max_lat)

    def ancestors(self) -> list["Region"]:
        """Ancestors from the county down, found by code prefix in one query."""
        return list(
            Region.objects.filter(code__in=ancestor_codes(self.code, Level(self.level))).order_by("level")
        )


class TerritoryRevision(models.Model):
    """A counter bumped whenever a grid geometry changes, so every process rebuilds its STRtree."""

    number = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "区划版本"
        verbose_name_plural = "区划版本"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"区划版本 {self.number}"

    @classmethod
    def current(cls) -> int:
        row = cls.objects.filter(pk=1).values_list("number", flat=True).first()
        return row or 0

    @classmethod
    def bump(cls) -> None:
        updated = cls.objects.filter(pk=1).update(number=F("number") + 1)
        if not updated:
            cls.objects.get_or_create(pk=1, defaults={"number": 1})
