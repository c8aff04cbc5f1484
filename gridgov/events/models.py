from django.conf import settings
from django.db import models

from gridgov.accounts.jurisdiction import STAFF_ROLES, Action, ScopedQuerySet
from gridgov.accounts.models import Citizen, Unit
from gridgov.core import clock
from gridgov.matters.choices import HandlingLevel, Stage
from gridgov.matters.models import CatalogueVersion, Matter
from gridgov.regions.models import Region

from .choices import (
    AssignmentRole,
    AssignmentState,
    Channel,
    EventState,
    PhotoKind,
    Rating,
    RequestKind,
    RequestState,
    SubTaskState,
    SupervisionState,
    TaskSource,
    Urgency,
)


class EventQuerySet(ScopedQuerySet):
    territory_key_field = "grid_key"


class Event(models.Model):
    """A reported problem and its way through the closed loop (DOMAIN §5).

    `state` changes only in `services`, each change with a history row. `owner_unit` is the unit
    that must act now; `stage_deadline` is the working-time deadline of the current stage and
    `next_due_at` the earliest moment the scheduler has something to do (warning, overdue,
    escalation step), indexed so that a scheduler pass reads only what is due.
    """

    access_policy = {
        Action.VIEW: STAFF_ROLES,
        Action.CHANGE: STAFF_ROLES,
    }

    number = models.CharField("编号", max_length=20, unique=True)
    state = models.CharField("状态", max_length=12, choices=EventState.choices, default=EventState.REPORTED)
    channel = models.CharField("来源渠道", max_length=16, choices=Channel.choices)
    urgency = models.CharField("紧急程度", max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    description = models.TextField("描述")
    address = models.CharField("地址", max_length=200, blank=True)
    lon = models.FloatField("经度（WGS-84）")
    lat = models.FloatField("纬度（WGS-84）")
    grid = models.ForeignKey(Region, verbose_name="网格", on_delete=models.PROTECT, related_name="events")
    grid_key = models.BigIntegerField("网格键", db_index=True, editable=False)
    reported_at = models.DateTimeField("上报时间", db_index=True)
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_events",
    )
    reporter_citizen = models.ForeignKey(
        Citizen, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    reporter_label = models.CharField("上报人", max_length=80, blank=True)

    version = models.ForeignKey(
        CatalogueVersion, verbose_name="清单版本", on_delete=models.PROTECT, related_name="+"
    )
    matter = models.ForeignKey(Matter, verbose_name="事项", on_delete=models.PROTECT, related_name="events")
    suggestions = models.JSONField("分类建议", default=list, blank=True)
    matter_overridden = models.BooleanField("人工改判事项", default=False)

    level = models.CharField("当前层级", max_length=10, choices=HandlingLevel.choices)
    owner_unit = models.ForeignKey(
        Unit, verbose_name="当前责任单位", on_delete=models.PROTECT, related_name="owned_events"
    )
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name="主办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_events",
    )
    route_rule = models.CharField("路由依据", max_length=40, blank=True)
    route_reason = models.CharField("派遣理由", max_length=300, blank=True)

    stage = models.CharField("阶段", max_length=10, choices=Stage.choices, default=Stage.DISPATCH)
    stage_started_at = models.DateTimeField("阶段开始")
    stage_deadline = models.DateTimeField("阶段时限", null=True, blank=True)
    warn_at = models.DateTimeField("预警时间", null=True, blank=True)
    warned = models.BooleanField("已预警", default=False)
    overdue = models.BooleanField("已超期", default=False)
    escalation_step = models.PositiveSmallIntegerField("已升级步数", default=0)
    next_due_at = models.DateTimeField("下次检查", null=True, blank=True, db_index=True)
    paused_remaining_seconds = models.PositiveIntegerField("挂账时剩余工作秒数", null=True, blank=True)
    park_until = models.DateTimeField("挂账至", null=True, blank=True)

    extensions = models.PositiveSmallIntegerField("延期次数", default=0)
    returns = models.PositiveSmallIntegerField("回退次数", default=0)
    reworks = models.PositiveSmallIntegerField("返工次数", default=0)
    reopens = models.PositiveSmallIntegerField("重办次数", default=0)
    handled_at = models.DateTimeField("处置完成", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    closed_on_time = models.BooleanField("按期结案", null=True, blank=True)
    was_overdue = models.BooleanField("曾超期", default=False)
    dispatched_by_unit = models.ForeignKey(
        Unit, verbose_name="派遣单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    self_resolved = models.BooleanField("就地解决", default=False)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    rating = models.CharField("评价", max_length=12, choices=Rating.choices, blank=True)
    rating_comment = models.CharField("评价意见", max_length=500, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    idempotency_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    revision = models.PositiveIntegerField("修订号", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = "事件"
        verbose_name_plural = "事件"
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["grid_key", "state"], name="event_scope_state"),
            models.Index(fields=["matter", "state", "reported_at"], name="event_matter_open"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.matter.name if self.matter_id else ''}"


class EventHistory(models.Model):
    """One transition of an event: old → new state, who, which unit, why, when.
    Deadlines and statistics are computed from these rows (ARCHITECTURE rule 6)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="history")
    action = models.CharField("动作", max_length=30)
    from_state = models.CharField("原状态", max_length=12, blank=True)
    to_state = models.CharField("新状态", max_length=12, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField("操作人", max_length=80)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField("说明", max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField("时间", db_index=True)

    class Meta:
        verbose_name = "事件流转记录"
        verbose_name_plural = "事件流转记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.action} {self.from_state}→{self.to_state}"

    @property
    def action_label(self) -> str:
        from gridgov.audit.models import ACTION_LABELS

        return ACTION_LABELS.get(f"event.{self.action}", self.action)

    @property
    def from_state_label(self) -> str:
        return EventState(self.from_state).label if self.from_state in EventState.values else self.from_state

    @property
    def to_state_label(self) -> str:
        return EventState(self.to_state).label if self.to_state in EventState.values else self.to_state


class Assignment(models.Model):
    """One unit's sub-task of an event: the lead's, or a co-unit's in joint handling (多跨协同),
    each with its own deadline and sign-off."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField("角色", max_length=4, choices=AssignmentRole.choices)
    state = models.CharField(
        "状态", max_length=10, choices=AssignmentState.choices, default=AssignmentState.PENDING
    )
    deadline = models.DateTimeField("时限", null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField("处置说明", max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "处置任务"
        verbose_name_plural = "处置任务"
        ordering = ["event", "role", "id"]
        indexes = [models.Index(fields=["unit", "state"], name="assignment_unit_state")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.get_role_display()} {self.unit}"


class EventRequest(models.Model):
    """A request that needs approval: an extension (延期) or parking (挂账)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField("类型", max_length=10, choices=RequestKind.choices)
    state = models.CharField(
        "状态", max_length=10, choices=RequestState.choices, default=RequestState.PENDING
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField("理由", max_length=500)
    amount = models.CharField("延长时限", max_length=10, blank=True, help_text="如 2d、8h（延期）")
    until = models.DateTimeField("挂账至", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "延期/挂账申请"
        verbose_name_plural = "延期/挂账申请"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.event_id} {self.get_state_display()}"


class SupervisionOrder(models.Model):
    """督办: a leader or the county centre orders a unit to act on an event by a deadline."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="supervision_orders")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issuing_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="supervision_orders")
    instructions = models.CharField("督办要求", max_length=1000)
    deadline = models.DateTimeField("督办时限")
    state = models.CharField(
        "状态", max_length=10, choices=SupervisionState.choices, default=SupervisionState.OPEN
    )
    response = models.CharField("反馈", max_length=1000, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "督办单"
        verbose_name_plural = "督办单"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"督办 {self.event_id} → {self.to_unit}"


class Photo(models.Model):
    """A photo attached to an event (report, evidence of handling, verification), with a thumbnail."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField("类型", max_length=10, choices=PhotoKind.choices)
    image = models.ImageField(upload_to="events/%Y/%m/")
    thumbnail = models.ImageField(upload_to="events/%Y/%m/thumbs/")
    uploaded_by = models.CharField("上传人", max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "照片"
        verbose_name_plural = "照片"
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.event_id}"


class EscalationStep(models.Model):
    """One step of the escalation ladder (data, not code): when an event has been overdue for
    `after` working time, notify `target` (the owner unit's leaders and supervisors, the unit
    above, or the county centre)."""

    class Target(models.TextChoices):
        UNIT_SUPERVISORS = "unit_supervisors", "责任单位负责人"
        UNIT_ABOVE = "unit_above", "上一级单位"
        COUNTY_CENTRE = "county_centre", "县级社会治理中心"

    order = models.PositiveSmallIntegerField("顺序", unique=True)
    after = models.CharField("超期后", max_length=10, help_text="0h 表示一超期就通知；4h、1d 为工作时间")
    target = models.CharField("通知对象", max_length=20, choices=Target.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "升级步骤"
        verbose_name_plural = "升级阶梯"
        ordering = ["order"]

    def __str__(self) -> str:
        return f"第{self.order}步：超期 {self.after} → {self.get_target_display()}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from gridgov.matters.limits import LimitError, parse_limit

        try:
            parse_limit(self.after, allow_zero=True)
        except LimitError as exc:
            raise ValidationError({"after": str(exc)}) from exc


class Notification(models.Model):
    """An in-app inbox message for one staff user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField("类型", max_length=20)
    title = models.CharField("标题", max_length=120)
    body = models.CharField("内容", max_length=500, blank=True)
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(
        "DownwardTask", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.title}"


class DownwardTaskQuerySet(models.QuerySet):
    def restrict(self, user, action: str = Action.VIEW):
        """Tasks the user's unit issued, or tasks with a sub-task for a unit inside the user's territory."""
        from gridgov.accounts.jurisdiction import EVERYWHERE, role_may, territory_of

        if not role_may(user, action, DownwardTask.access_policy):
            return self.none()
        scope = territory_of(user)
        if scope == EVERYWHERE:
            return self
        mine = models.Q(
            issuing_unit__territory__key__gte=scope.low, issuing_unit__territory__key__lt=scope.high
        )
        below = models.Q(
            subtasks__unit__territory__key__gte=scope.low, subtasks__unit__territory__key__lt=scope.high
        )
        return self.filter(mine | below).distinct()


class DownwardTask(models.Model):
    """任务下派: a task an upper unit or an upper-level system issues to units or to a territory.
    It fans out into one sub-task per unit; receipts, progress and completion roll up here."""

    access_policy = {Action.VIEW: STAFF_ROLES, Action.CHANGE: STAFF_ROLES}

    title = models.CharField("任务名称", max_length=120)
    description = models.TextField("任务要求", blank=True)
    source = models.CharField("来源", max_length=16, choices=TaskSource.choices, default=TaskSource.UNIT)
    external_id = models.CharField("上级系统任务号", max_length=80, null=True, blank=True, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issuing_unit = models.ForeignKey(
        Unit, verbose_name="下派单位", on_delete=models.PROTECT, related_name="issued_tasks"
    )
    target_description = models.CharField("下派对象", max_length=200)
    due_at = models.DateTimeField("完成时限")
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DownwardTaskQuerySet.as_manager()

    class Meta:
        verbose_name = "下派任务"
        verbose_name_plural = "下派任务"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class DownwardSubTask(models.Model):
    """One unit's part of a downward task: receipt, progress, feedback, completion."""

    task = models.ForeignKey(DownwardTask, on_delete=models.CASCADE, related_name="subtasks")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="subtasks")
    state = models.CharField(
        "状态", max_length=12, choices=SubTaskState.choices, default=SubTaskState.PENDING
    )
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    feedback = models.CharField("反馈", max_length=1000, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "下派子任务"
        verbose_name_plural = "下派子任务"
        ordering = ["task", "unit__territory__key", "unit__code"]
        constraints = [models.UniqueConstraint(fields=["task", "unit"], name="one_subtask_per_unit")]
        indexes = [models.Index(fields=["unit", "state"], name="subtask_unit_state")]

    def __str__(self) -> str:
        return f"{self.task} → {self.unit}"
