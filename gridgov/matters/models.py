from django.conf import settings
from django.db import models

from gridgov.accounts.jurisdiction import ADMIN_ROLES, STAFF_ROLES, Action

from .choices import CatalogueList, HandlingLevel, VersionStatus
from .limits import Limit, parse_limit


class ImmutableVersionError(Exception):
    """Raised when something tries to change a published or retired catalogue version."""


class CatalogueVersionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=VersionStatus.PUBLISHED)

    def current(self) -> "CatalogueVersion | None":
        """The newest published version: the one new events are routed under."""
        return self.published().order_by("-number").first()

    def restrict(self, user, action: str = Action.VIEW):
        # The catalogue is county-wide public knowledge for staff; only administrators change it.
        from gridgov.accounts.jurisdiction import role_may

        return self if role_may(user, action, CatalogueVersion.access_policy) else self.none()


class CatalogueVersion(models.Model):
    """One version of the matter catalogue (the five lists). Published versions never change:
    an event keeps the version it was routed under."""

    access_policy = {Action.VIEW: STAFF_ROLES, Action.CHANGE: ADMIN_ROLES}

    number = models.PositiveIntegerField("版本号", unique=True)
    status = models.CharField(
        "状态", max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    note = models.CharField("说明", max_length=300, blank=True)
    platforms = models.JSONField("平台名称", default=list)
    source = models.CharField("来源", max_length=200, blank=True, help_text="导入的文件名或“默认清单”")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CatalogueVersionQuerySet.as_manager()

    class Meta:
        verbose_name = "事项清单版本"
        verbose_name_plural = "事项清单版本"
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number}（{self.get_status_display()}）"

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT


class Matter(models.Model):
    """A matter (事项) of one catalogue version: who owns it, how fast, in which lists (DOMAIN §4)."""

    version = models.ForeignKey(CatalogueVersion, on_delete=models.CASCADE, related_name="matters")
    code = models.CharField("事项编码", max_length=20)
    name = models.CharField("事项名称", max_length=60)
    category_major = models.CharField("大类", max_length=30)
    category_minor = models.CharField("小类", max_length=30)
    platform = models.CharField("所属平台", max_length=20)
    lead = models.CharField(
        "主办",
        max_length=40,
        help_text="grid / village / township:platform / township:enforcement / county:<条线>",
    )
    co = models.JSONField("协办", default=list, blank=True)
    close_level = models.CharField("最低结案层级", max_length=10, choices=HandlingLevel.choices)
    self_resolvable = models.BooleanField("网格可就地解决", default=False)
    limits = models.JSONField(
        "时限", default=dict, help_text='{"dispatch": "1h", "handle": "4h", "verify": "1d"}'
    )
    urgent_limits = models.JSONField("紧急时限", default=dict)
    lists = models.JSONField("所属清单", default=list)
    public = models.BooleanField("群众可上报", default=True)
    duplicate_radius_m = models.PositiveIntegerField("重复判定半径（米）", default=50)
    keywords = models.JSONField("关键词", default=list, blank=True)
    examples = models.JSONField("示例描述", default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "事项"
        verbose_name_plural = "事项"
        ordering = ["version", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="matter_code_per_version")]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args, **kwargs):
        if (
            self.version_id
            and not CatalogueVersion.objects.filter(pk=self.version_id, status=VersionStatus.DRAFT).exists()
        ):
            raise ImmutableVersionError("已发布的事项清单版本不能修改，请导入或复制为新版本")
        super().save(*args, **kwargs)

    def limit(self, stage: str, urgent: bool = False) -> Limit:
        source = self.urgent_limits if urgent and stage in self.urgent_limits else self.limits
        return parse_limit(source[stage])

    def in_list(self, name: CatalogueList) -> bool:
        return name in self.lists

    @property
    def category(self) -> str:
        return f"{self.category_major}/{self.category_minor}"

    @property
    def lead_label(self) -> str:
        from .targets import target_label

        return target_label(self.lead, self.platform)

    @property
    def co_labels(self) -> list[str]:
        from .targets import target_label

        return [target_label(t, self.platform) for t in self.co]


class RoutingRule(models.Model):
    """A territory-specific exception to a matter's default routing, e.g. "in 街道, 占道经营 goes to the
    enforcement team". The most specific rule wins: a township code beats a township kind."""

    version = models.ForeignKey(CatalogueVersion, on_delete=models.CASCADE, related_name="rules")
    matter_code = models.CharField("事项编码", max_length=20)
    township_kind = models.CharField(
        "乡镇类型", max_length=4, blank=True, help_text="街道 / 镇 / 乡，空为不限"
    )
    township_code = models.CharField("乡镇代码", max_length=12, blank=True)
    lead = models.CharField("主办", max_length=40)
    co = models.JSONField("协办", default=list, blank=True)
    reason = models.CharField("说明", max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "路由规则"
        verbose_name_plural = "路由规则"
        ordering = ["version", "matter_code", "id"]

    def __str__(self) -> str:
        where = self.township_code or self.township_kind or "全县"
        return f"{self.matter_code} @ {where} → {self.lead}"

    @property
    def specificity(self) -> int:
        return 2 if self.township_code else 1 if self.township_kind else 0
