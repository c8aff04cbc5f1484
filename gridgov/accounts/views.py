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
    Role.DISPATCHER: ["查看辖区区划与网格分布", "核对辖区单位与平台设置", "按网格定位上报地点"],
    Role.HANDLER: ["查看本单位信息与管辖范围"],
    Role.SUPERVISOR: ["掌握辖区网格与人口分布"],
    Role.GRID_WORKER: ["熟悉本网格边界与常住人口"],
    Role.LEADER: ["查看辖区区划概况"],
    Role.ADMINISTRATOR: ["维护区划（导入、导出、校验）", "查看审计日志", "为机器客户端签发接口令牌"],
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
