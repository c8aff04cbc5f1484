from django.db import models


class EventState(models.TextChoices):
    """Where an event is in the closed loop (DOMAIN §5). Transitions live in `services`."""

    REPORTED = "reported", "待受理"  # registered; the township command room triages it
    ESCALATED = "escalated", "待县级派遣"  # beyond the township; the county centre dispatches it
    DISPATCHED = "dispatched", "待签收"  # sent to a lead unit (and co-units); waiting to be accepted
    IN_PROGRESS = "in_progress", "处置中"  # accepted by the lead unit, being handled
    PARKED = "parked", "挂账"  # long or seasonal job, parking approved; the clock is paused
    HANDLED = "handled", "待核查"  # the lead unit reported it done; waiting for verification
    CLOSED = "closed", "已结案"  # verified and closed (may still be rated, or reopened if unsatisfied)
    MERGED = "merged", "已合并"  # a duplicate: the event it was merged into carries the handling
    REJECTED = "rejected", "不予受理"  # not a matter for the platform, or not a real problem


DISPATCH_STAGE_STATES = frozenset({EventState.REPORTED, EventState.ESCALATED})
HANDLE_STAGE_STATES = frozenset({EventState.DISPATCHED, EventState.IN_PROGRESS})
VERIFY_STAGE_STATES = frozenset({EventState.HANDLED})
OPEN_STATES = DISPATCH_STAGE_STATES | HANDLE_STAGE_STATES | VERIFY_STAGE_STATES | {EventState.PARKED}
FINAL_STATES = frozenset({EventState.CLOSED, EventState.MERGED, EventState.REJECTED})


class Channel(models.TextChoices):
    GRID_PATROL = "grid_patrol", "网格巡查"
    CITIZEN = "citizen", "群众随手拍"
    HOTLINE = "hotline", "12345 热线"
    SENSOR = "sensor", "感知设备"
    UPPER_SYSTEM = "upper_system", "上级系统"
    LEADER = "leader", "领导交办"


class Urgency(models.TextChoices):
    NORMAL = "normal", "一般"
    URGENT = "urgent", "紧急"


class AssignmentRole(models.TextChoices):
    LEAD = "lead", "主办"
    CO = "co", "协办"


class AssignmentState(models.TextChoices):
    """A unit's own sub-task of an event (joint handling gives one per co-unit)."""

    PENDING = "pending", "待签收"
    ACCEPTED = "accepted", "处置中"
    DONE = "done", "已完成"
    WITHDRAWN = "withdrawn", "已撤回"  # returned, re-dispatched elsewhere, or the event was closed


class RequestKind(models.TextChoices):
    EXTENSION = "extension", "延期"
    PARKING = "parking", "挂账"


class RequestState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "未批准"


class Rating(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class SupervisionState(models.TextChoices):
    OPEN = "open", "督办中"
    ANSWERED = "answered", "已反馈"
    CLOSED = "closed", "已办结"


class PhotoKind(models.TextChoices):
    REPORT = "report", "上报照片"
    EVIDENCE = "evidence", "处置照片"
    VERIFY = "verify", "核查照片"


class SubTaskState(models.TextChoices):
    """One unit's part of a task issued down (任务下派)."""

    PENDING = "pending", "待签收"  # fanned out, not yet acknowledged
    RECEIVED = "received", "已签收"  # receipt given back to the issuer
    IN_PROGRESS = "in_progress", "办理中"  # progress reported at least once
    DONE = "done", "已完成"  # completed with feedback


class TaskSource(models.TextChoices):
    UNIT = "unit", "上级单位"
    UPPER_SYSTEM = "upper_system", "上级系统（152）"
