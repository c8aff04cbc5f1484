from django.conf import settings
from django.db import models

from gridgov.accounts.jurisdiction import ADMIN_ROLES, Action
from gridgov.core import clock

# How actions read to people; an action without a label is shown by its code.
ACTION_LABELS = {
    "event.report": "上报事件",
    "event.dispatch": "派遣",
    "event.escalate": "上报县级",
    "event.accept": "签收",
    "event.return": "回退",
    "event.finish": "办结",
    "user.deactivate": "停用账号",
    "user.reactivate": "恢复账号",
    "user.reset_password": "重置密码",
    "webhook.create": "新增 Webhook 订阅",
    "webhook.enable": "启用 Webhook",
    "webhook.disable": "停用 Webhook",
    "webhook.rotate_secret": "更换 Webhook 签名密钥",
    "ladder.add": "新增升级步骤",
    "ladder.change": "修改升级步骤",
    "ladder.remove": "删除升级步骤",
    "events.export": "导出事件列表",
    "event.progress": "报告进展",
    "event.co_finish": "协办完成",
    "event.verify": "核查",
    "event.rework": "核查不通过，返工",
    "event.close": "结案",
    "event.rate": "评价",
    "event.reopen": "重办",
    "event.merge": "合并重复事件",
    "event.absorb": "并入重复上报",
    "event.reject": "不予受理",
    "event.reclassify": "改判事项",
    "event.resolve_on_spot": "就地解决",
    "event.request_extension": "申请延期",
    "event.extend": "批准延期",
    "event.request_parking": "申请挂账",
    "event.refuse_extension": "不批准延期",
    "event.refuse_parking": "不批准挂账",
    "event.park": "批准挂账",
    "event.unpark": "恢复办理",
    "event.supervise": "督办",
    "event.answer_supervision": "反馈督办",
    "event.warn": "时限预警",
    "event.overdue": "超期",
    "event.escalate_overdue": "超期升级",
    "task.issue": "下派任务",
    "task.receive": "签收任务",
    "task.progress": "报告任务进度",
    "task.complete": "完成任务",
    "territory.import": "导入区划",
    "catalogue.create_version": "导入事项清单",
    "catalogue.publish": "发布事项清单",
    "unit.create": "新建单位",
    "unit.update": "修改单位",
    "user.create": "新建账号",
    "user.update": "修改账号",
    "user.bulk_create": "批量新建账号",
    "api_token.create": "签发接口令牌",
    "api_token.revoke": "吊销接口令牌",
    "workcal.set_day": "修改工作日历",
    "workcal.provisional_year": "临时录入工作日历",
    "citizen.create": "登记群众",
    "citizen.sign_in": "群众登录",
}


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

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def summary_text(self) -> str:
        """The summary as people read it: "state: reported → dispatched; …" (empty when nothing changed)."""
        summary = self.summary or {}
        if set(summary) == {"before", "after"}:
            before, after = summary["before"] or {}, summary["after"] or {}
            return "；".join(
                f"{key}：{before.get(key, '—')} → {after.get(key, '—')}"
                for key in sorted(set(before) | set(after))
            )
        return "；".join(f"{key}：{value}" for key, value in summary.items())
