"""The administrator's pages (/staff/): the 系统管理 index, staff accounts and their API tokens.

`administrator_required` and the show-once secret helpers are also used by the working calendar,
webhook and escalation ladder pages.
"""

import re
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from gridgov.audit.actor import Actor
from gridgov.audit.models import AuditEntry
from gridgov.core.views import staff_required
from gridgov.regions.models import Region

from .choices import Role, UnitKind
from .jurisdiction import Action, get_object_for_user
from .models import ApiToken, Unit, User
from .services import (
    StaffChangeRefused,
    create_api_token,
    create_staff_user,
    generate_password,
    reset_password,
    revoke_api_token,
    set_user_active,
    update_staff_user,
)

PAGE_SIZE = 50
UNIT_OPTIONS = 20
# Actions of these pages that the audit log has no label for yet (audit.models.ACTION_LABELS).
ACTION_LABELS = {
    "user.deactivate": "停用账号",
    "user.reactivate": "恢复账号",
    "user.reset_password": "重置密码",
}

# -- access ------------------------------------------------------------------------------------------


def administrator_required(view):
    """Administrators (role administrator) and superusers; other staff get 403, anonymous users
    go to the login page (`staff_required`)."""

    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_administrator:
            raise PermissionDenied("仅系统管理员可使用此功能")
        return view(request, *args, **kwargs)

    return wrapper


def covers_the_county(user) -> bool:
    """Whether the user may change the whole territory (the check of the territory import page)."""
    return Region.objects.filter(parent__isnull=True).restrict(user, Action.CHANGE).exists()


def county_administrator_required(view):
    """For settings that apply to the whole installation (working calendar, webhooks, escalation
    ladder): an administrator whose unit covers the county, as on the territory import page."""

    @administrator_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not covers_the_county(request.user):
            raise PermissionDenied("仅县级系统管理员可修改全县通用的设置")
        return view(request, *args, **kwargs)

    return wrapper


# -- secrets shown once ------------------------------------------------------------------------------

SECRET_KEY = "gridgov_show_once"


def show_once(request, key: str, label: str, value: str) -> None:
    """Keep a generated secret for the very next page only (post → redirect → get shows it once)."""
    request.session[SECRET_KEY] = {"key": key, "label": label, "value": value}


def pop_shown_once(request, key: str) -> dict | None:
    """The secret kept for `key`, removed from the session as it is read; None if there is none."""
    kept = request.session.get(SECRET_KEY)
    if not kept or kept.get("key") != key:
        return None
    del request.session[SECRET_KEY]
    return kept


def no_store(response):
    """A page that shows a secret must not be kept by the browser or a proxy."""
    response["Cache-Control"] = "no-store"
    return response


# -- the 系统管理 index -------------------------------------------------------------------------------


@administrator_required
def index(request):
    from gridgov.events.models import EscalationStep
    from gridgov.integration.models import WebhookDelivery, WebhookEndpoint
    from gridgov.workcal.views import calendar_coverage

    users = User.objects.restrict(request.user, Action.VIEW)
    counts = users.aggregate(
        active=Count("pk", filter=Q(is_active=True)), inactive=Count("pk", filter=Q(is_active=False))
    )
    return render(
        request,
        "accounts/staff/index.html",
        {
            "counts": counts,
            "tokens": ApiToken.objects.filter(
                revoked_at__isnull=True, user__in=users.filter(is_active=True)
            ).count(),
            "coverage": calendar_coverage(),
            "endpoints": WebhookEndpoint.objects.filter(is_active=True).count(),
            "failed_deliveries": WebhookDelivery.objects.filter(state=WebhookDelivery.State.FAILED).count(),
            "steps": EscalationStep.objects.count(),
            "county_wide": covers_the_county(request.user),
        },
    )


# -- forms -------------------------------------------------------------------------------------------

PHONE = re.compile(r"^1\d{10}$")


class UnitField(forms.CharField):
    """A unit typed as its code (the suggestions fill it in) or its exact full name."""

    def __init__(self, *, units=None, **kwargs):
        self.units = units
        super().__init__(max_length=100, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        units = self.units.filter(is_active=True).select_related("territory")
        unit = units.filter(code=text).first()
        if unit is None:
            named = list(units.filter(name=text)[:2])
            unit = named[0] if len(named) == 1 else None
            if len(named) > 1:
                raise forms.ValidationError(f"有多个单位叫“{text}”，请从下拉建议中选择单位编码")
        if unit is None:
            raise forms.ValidationError(f"未找到单位“{text}”（或不在您的管辖范围内、已停用）")
        return unit


class StaffForm(forms.Form):
    """What an administrator sets on a staff account; the username only when creating it."""

    display_name = forms.CharField(label="姓名", max_length=40, required=False)
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    unit = UnitField(label="单位", required=True)
    role = forms.ChoiceField(
        label="角色",
        choices=[("", "请选择角色"), *Role.choices],
        error_messages={"invalid_choice": "未知的角色“%(value)s”", "required": "请选择角色"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].units = Unit.objects.restrict(user, Action.CHANGE)
        self.fields["unit"].error_messages["required"] = "请填写单位"

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE.match(phone):
            raise forms.ValidationError("手机号应为 11 位数字，以 1 开头")
        return phone

    def clean_display_name(self):
        return self.cleaned_data["display_name"].strip()

    def clean(self):
        cleaned = super().clean()
        unit, role = cleaned.get("unit"), cleaned.get("role")
        if unit and role == Role.GRID_WORKER and unit.kind != UnitKind.GRID:
            self.add_error("unit", "网格员必须属于一个网格单位")
        return cleaned


class NewStaffForm(StaffForm):
    username = forms.CharField(
        label="用户名",
        max_length=150,
        validators=[UnicodeUsernameValidator(message="用户名只能包含字母、数字和 @ . + - _")],
        error_messages={"required": "请填写用户名"},
    )
    field_order = ["username", "display_name", "phone", "unit", "role"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(f"用户名“{username}”已被使用")
        return username


class TokenForm(forms.Form):
    name = forms.CharField(
        label="用途", max_length=80, error_messages={"required": "请填写令牌用途，便于日后识别和吊销"}
    )


# -- staff accounts ----------------------------------------------------------------------------------


def _user_for(request, pk: int) -> User:
    return get_object_for_user(User.objects.select_related("unit"), request.user, Action.CHANGE, pk=pk)


@administrator_required
@require_GET
def user_list(request):
    params = request.GET
    users = User.objects.restrict(request.user, Action.VIEW).select_related("unit")
    if q := params.get("q", "").strip():
        users = users.filter(Q(username__icontains=q) | Q(display_name__contains=q) | Q(phone__contains=q))
    if unit := params.get("unit", "").strip():
        users = users.filter(Q(unit__code=unit) | Q(unit__name__contains=unit))
    role = params.get("role", "")
    if role in Role.values:
        users = users.filter(role=role)
    active = params.get("active", "1")
    if active == "1":
        users = users.filter(is_active=True)
    elif active == "0":
        users = users.filter(is_active=False)
    users = users.annotate(
        live_tokens=Count("api_tokens", filter=Q(api_tokens__revoked_at__isnull=True))
    ).order_by("username")
    page = Paginator(users, PAGE_SIZE).get_page(params.get("page"))
    return render(
        request,
        "accounts/staff/user_list.html",
        {
            "page_obj": page,
            "paginator": page.paginator,
            "is_paginated": page.has_other_pages(),
            "object_list": page.object_list,
            "roles": Role.choices,
            "active": active,
        },
    )


@administrator_required
def user_create(request):
    form = NewStaffForm(
        request.POST or None, user=request.user, initial={"unit": request.GET.get("unit", "")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        password = generate_password()
        try:
            created = create_staff_user(
                Actor.from_request(request),
                username=data["username"],
                password=password,
                unit=data["unit"],
                role=data["role"],
                display_name=data["display_name"],
                phone=data["phone"],
            )
        except IntegrityError:  # the same username saved a moment ago by someone else
            form.add_error("username", f"用户名“{data['username']}”已被使用")
        else:
            show_once(request, f"user-{created.pk}", "初始密码", password)
            messages.success(request, f"已新建账号 {created.username}。请把下面的初始密码交给本人。")
            return redirect("staff:user", pk=created.pk)
    return render(request, "accounts/staff/user_form.html", {"form": form})


@administrator_required
def user_detail(request, pk: int):
    target = _user_for(request, pk)
    form = StaffForm(
        request.POST or None,
        user=request.user,
        initial={
            "display_name": target.display_name,
            "phone": target.phone,
            "unit": target.unit.code if target.unit else "",
            "role": target.role,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changed = update_staff_user(
                Actor.from_request(request),
                target,
                unit=data["unit"],
                role=data["role"],
                display_name=data["display_name"],
                phone=data["phone"],
            )
        except StaffChangeRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已保存账号信息。" if changed else "没有改动。")
            return redirect("staff:user", pk=target.pk)
    tokens = list(target.api_tokens.all())
    history = list(
        AuditEntry.objects.restrict(request.user).filter(
            object_type="accounts.user", object_id=str(target.pk)
        )[:10]
    )
    for entry in history:
        entry.label = ACTION_LABELS.get(entry.action, entry.action_label)
    response = render(
        request,
        "accounts/staff/user_detail.html",
        {
            "target": target,
            "form": form,
            "token_form": TokenForm(),
            "tokens": tokens,
            "live_tokens": sum(1 for t in tokens if t.revoked_at is None),
            "secret": pop_shown_once(request, f"user-{target.pk}"),
            "history": history,
            "may_manage": request.user.is_superuser or not target.is_superuser,
        },
    )
    return no_store(response)


@administrator_required
@require_POST
def user_set_active(request, pk: int):
    target = _user_for(request, pk)
    active = request.POST.get("active") == "1"
    try:
        changed = set_user_active(Actor.from_request(request), target, active)
    except StaffChangeRefused as exc:
        messages.error(request, str(exc))
    else:
        if not changed:
            messages.info(request, "账号状态没有变化。")
        elif active:
            messages.success(request, f"已恢复账号 {target.username}，可以再次登录。")
        else:
            messages.success(request, f"已停用账号 {target.username}：不能再登录，接口令牌也不再有效。")
    return redirect("staff:user", pk=target.pk)


@administrator_required
@require_POST
def user_reset_password(request, pk: int):
    target = _user_for(request, pk)
    try:
        password = reset_password(Actor.from_request(request), target)
    except StaffChangeRefused as exc:
        messages.error(request, str(exc))
    else:
        if target.pk == request.user.pk:
            update_session_auth_hash(request, target)  # resetting one's own password keeps this session
        show_once(request, f"user-{target.pk}", "新密码", password)
        messages.success(request, f"已重置 {target.username} 的密码，其已登录的会话随之失效。")
    return redirect("staff:user", pk=target.pk)


@administrator_required
@require_POST
def token_issue(request, pk: int):
    target = _user_for(request, pk)
    form = TokenForm(request.POST)
    if not target.is_active:
        messages.error(request, "账号已停用，不能签发接口令牌。")
    elif target.is_superuser and not request.user.is_superuser:
        messages.error(request, "超级管理员账号只能由超级管理员修改")
    elif not form.is_valid():
        messages.error(request, "；".join(form.errors["name"]))
    else:
        token, raw = create_api_token(Actor.from_request(request), target, form.cleaned_data["name"].strip())
        show_once(request, f"user-{target.pk}", f"接口令牌“{token.name}”", raw)
        messages.success(request, "已签发接口令牌。请立即复制保存，离开本页后无法再次查看。")
    return redirect("staff:user", pk=target.pk)


@administrator_required
@require_POST
def token_revoke(request, pk: int, token_id: int):
    target = _user_for(request, pk)
    token = target.api_tokens.filter(pk=token_id).first()
    if token is None:
        messages.error(request, "没有这个接口令牌。")
    elif token.revoked_at is not None:
        messages.info(request, "该令牌已经吊销。")
    elif target.is_superuser and not request.user.is_superuser:
        messages.error(request, "超级管理员账号只能由超级管理员修改")
    else:
        revoke_api_token(Actor.from_request(request), token)
        messages.success(
            request, f"已吊销令牌“{token.name or '未命名'}”（…{token.hint}），使用它的客户端将立即被拒绝。"
        )
    return redirect("staff:user", pk=target.pk)


@administrator_required
@require_GET
def unit_options(request):
    """htmx: suggestions for the unit field, as <option>s of its datalist."""
    text = request.GET.get("unit", "").strip()
    units = []
    if text:
        units = list(
            Unit.objects.restrict(request.user, Action.CHANGE)
            .filter(is_active=True)
            .filter(Q(code__startswith=text) | Q(name__contains=text) | Q(short_name__contains=text))
            .order_by("kind", "code")[:UNIT_OPTIONS]
        )
    return render(request, "accounts/staff/_unit_options.html", {"units": units})
