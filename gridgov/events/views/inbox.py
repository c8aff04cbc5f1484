"""The inbox: each staff user's own notifications, newest first, unread highlighted; mark one or
all as read; open one (marks it read and goes to its event or task)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from gridgov.core import clock
from gridgov.core.views import staff_required

from ..models import Notification

PER_PAGE = 30

# Kinds written by the services (notify / notify_unit), with a short label each.
KIND_LABELS = {
    "new_event": "新事件",
    "new_task": "新派遣",
    "task": "下派任务",
    "task_done": "任务完成",
    "warning": "即将超期",
    "overdue": "已超期",
    "escalation": "超期升级",
    "supervision": "督办",
    "supervision_answer": "督办反馈",
    "approval": "待审批",
    "decision": "审批结果",
    "unpark": "恢复办理",
    "returned": "回退",
    "co_done": "协办完成",
    "verify": "待核查",
    "rework": "返工",
    "outcome": "办理结果",
    "unsatisfied": "群众不满意",
    "reopen": "重办",
    "merged": "合并",
}
URGENT_KINDS = {"overdue", "escalation", "supervision", "rework", "unsatisfied"}


def event_url(number: str) -> str:
    """The event's page (the desk's detail page once it exists, else the desk list searched for it)."""
    try:
        return reverse("desk:detail", args=[number])
    except NoReverseMatch:
        return f"/events/{number}/"


def target_url(notification: Notification) -> str | None:
    """Where a notification leads: its event, its task issued down, or (older rows) the task list."""
    if notification.event_id:
        return event_url(notification.event.number)
    if notification.task_id:
        return reverse("tasks:detail", kwargs={"pk": notification.task_id})
    if notification.kind == "task":
        return reverse("tasks:list") + "?tab=received"
    if notification.kind == "task_done":
        return reverse("tasks:list") + "?tab=issued&status=done"
    return None


def _mine(request):
    return Notification.objects.filter(user=request.user)


@staff_required
def inbox(request):
    rows = _mine(request).select_related("event")
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows.order_by("-created_at", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    for n in page.object_list:
        n.label = KIND_LABELS.get(n.kind, "通知")
        n.urgent = n.kind in URGENT_KINDS
        n.url = target_url(n)
    return render(
        request,
        "events/inbox/list.html",
        {
            "page_obj": page,
            "unread_only": unread_only,
            "unread_count": _mine(request).filter(read_at__isnull=True).count(),
        },
    )


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("inbox:list")


@require_POST
@staff_required
def mark_read(request, pk: int):
    mine = _mine(request).filter(pk=pk)
    if not mine.exists():
        raise Http404("未找到该通知")
    mine.filter(read_at__isnull=True).update(read_at=clock.now())
    return _back(request)


@require_POST
@staff_required
def mark_all_read(request):
    count = _mine(request).filter(read_at__isnull=True).update(read_at=clock.now())
    messages.success(request, f"已将 {count} 条通知标为已读" if count else "没有未读通知")
    return _back(request)


@require_POST
@staff_required
def open_notification(request, pk: int):
    notification = _mine(request).select_related("event").filter(pk=pk).first()
    if notification is None:
        raise Http404("未找到该通知")
    if notification.read_at is None:
        _mine(request).filter(pk=pk, read_at__isnull=True).update(read_at=clock.now())
    return redirect(target_url(notification) or reverse("inbox:list"))
