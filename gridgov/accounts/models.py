import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from gridgov.regions.models import Region

from .choices import Line, Role, UnitKind
from .jurisdiction import ADMIN_ROLES, STAFF_ROLES, Action, ScopedQuerySet


class UnitQuerySet(ScopedQuerySet):
    territory_key_field = "territory__key"


class Unit(models.Model):
    """An organisation that handles work: the county centre, a department, a township's command
    room, platform or enforcement team, a village committee, a grid.

    A unit covers a territory (`territory` and everything below it); a county department also
    owns a line of business. Platform names are data (DOMAIN §3), so they live here, not in code.
    """

    access_policy = {Action.VIEW: STAFF_ROLES, Action.CHANGE: ADMIN_ROLES}

    code = models.SlugField("单位编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=40, blank=True)
    kind = models.CharField("类型", max_length=24, choices=UnitKind.choices, db_index=True)
    line = models.CharField("条线", max_length=24, choices=Line.choices, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    territory = models.ForeignKey(
        Region, verbose_name="管辖区域", on_delete=models.PROTECT, related_name="units"
    )
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["territory__key", "kind", "code"]

    def __str__(self) -> str:
        return self.name


class UserQuerySet(ScopedQuerySet):
    territory_key_field = "unit__territory__key"


class StaffUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A staff member: belongs to one unit, has one role. Citizens are `Citizen`, not users."""

    access_policy = {Action.VIEW: ADMIN_ROLES, Action.CHANGE: ADMIN_ROLES}

    unit = models.ForeignKey(
        Unit, verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices, blank=True)
    display_name = models.CharField("姓名", max_length=40, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StaffUserManager()

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.role == Role.ADMINISTRATOR


class Citizen(models.Model):
    """A member of the public, identified by phone number; sees only their own records."""

    phone = models.CharField("手机号", max_length=20, unique=True)
    nickname = models.CharField("称呼", max_length=40, blank=True)
    is_blocked = models.BooleanField("已停用", default=False)
    last_seen_at = models.DateTimeField("最近访问", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "群众"
        verbose_name_plural = "群众"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"群众 {self.phone[:3]}****{self.phone[-4:]}"


def hash_token(raw: str) -> str:
    # Tokens are 256-bit random strings, so one round of SHA-256 is enough (no dictionary to guess).
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A per-user token for machine clients; only its SHA-256 is stored, the token is shown once."""

    PREFIX = "ggv_"

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=80, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField("末四位", max_length=8, editable=False)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} …{self.hint}"

    @classmethod
    def new_raw_token(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)
