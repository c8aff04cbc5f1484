from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render

from gridgov.audit.models import AuditEntry
from gridgov.core.views import ScopedListView, staff_required
from gridgov.regions.selectors import counts_by_level, root_regions_for

from .choices import Role, UnitKind
from .models import Unit


class ChineseAuthenticationForm(AuthenticationForm):
    # One generic message for every failure, so the form never tells which part was wrong.
    error_messages = {
        "invalid_login": "用户名或密码不正确。",
        "inactive": "用户名或密码不正确。",
    }


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = ChineseAuthenticationForm
    redirect_authenticated_user = True


ROLE_TASKS = {
    Role.DISPATCHER: [
        "受理上报、按清单派遣或联合派遣",
        "合并重复事件、审批延期与挂账",
        "盯住预警和超期，必要时督办或上报县级",
    ],
    Role.HANDLER: [
        "签收本单位的派遣事件与协办任务",
        "报告进展、上传处置照片、按期办结",
        "办理上级下派的任务并反馈",
    ],
    Role.SUPERVISOR: ["查看领导总览中的超期与按期结案率", "对超期事件发出督办并跟踪反馈"],
    Role.GRID_WORKER: ["巡查上报、就地解决", "核查处置结果，不合格退回返工", "办理下派到本网格的任务"],
    Role.LEADER: ["查看各乡镇在办、超期和按期结案率", "对重点事件督办并跟踪反馈"],
    Role.ADMINISTRATOR: [
        "在“系统管理”中维护账号与接口令牌、工作日历、Webhook 订阅和超期升级阶梯",
        "区划导入导出、事项清单发布",
        "查看审计日志",
    ],
}


@staff_required
def home(request):
    user = request.user
    if not user.is_superuser and user.role == Role.GRID_WORKER:
        return redirect("field:today")  # a grid worker's day starts on the phone workbench
    roots = list(root_regions_for(user))
    summaries = [{"region": root, "counts": counts_by_level(user, root)} for root in roots]
    role = Role.ADMINISTRATOR if user.is_superuser else Role(user.role)
    recent_audit = AuditEntry.objects.restrict(user)[:8] if role == Role.ADMINISTRATOR else []
    my_actions = AuditEntry.objects.filter(actor=user)[:8]
    from gridgov.events.selectors import my_work
    from gridgov.events.views.leader import may_lead

    work = my_work(user)
    return render(
        request,
        "accounts/home.html",
        {
            "summaries": summaries,
            "role_label": role.label,
            "tasks": ROLE_TASKS.get(role, []),
            "recent_audit": recent_audit,
            "my_actions": my_actions,
            "work": work,
            "may_lead": may_lead(user),
        },
    )


class UnitListView(ScopedListView):
    model = Unit
    template_name = "accounts/unit_list.html"
    paginate_by = 100

    def get_base_queryset(self):
        units = Unit.objects.select_related("territory", "parent")
        if kind := self.request.GET.get("kind"):
            units = units.filter(kind=kind)
        if q := self.request.GET.get("q", "").strip():
            units = units.filter(name__contains=q)
        return units

    def get_context_data(self, **kwargs):
        return super().get_context_data(kinds=UnitKind.choices, **kwargs)
