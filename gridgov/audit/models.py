from django.conf import settings
from django.db import models

from gridgov.accounts.jurisdiction import ADMIN_ROLES, Action
from gridgov.core import clock


class AuditEntryQuerySet(models.QuerySet):
    def restrict(self, user, action: str = Action.VIEW):
        # The audit log is for administrators only, across the whole installation.
        if (
            getattr(user, "is_authenticated", False)
            and user.is_active
            and (user.is_superuser or user.role in ADMIN_ROLES)
        ):
            return self
        return self.none()


class AuditEntry(models.Model):
    """One append-only line of the audit log: who did what to which object, and why.

    Written by service functions (never by signals); rows are never updated or deleted.
    """

    access_policy = {Action.VIEW: ADMIN_ROLES}

    created_at = models.DateTimeField("时间", default=clock.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField("操作人标识", max_length=80)
    action = models.CharField("操作", max_length=60, db_index=True)
    object_type = models.CharField("对象类型", max_length=60, db_index=True)
    object_id = models.CharField("对象编号", max_length=64, db_index=True)
    summary = models.JSONField("变更摘要", default=dict, blank=True)
    reason = models.CharField("原因", max_length=500, blank=True)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "created_at"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("审计记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计记录不能删除")
