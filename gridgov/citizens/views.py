"""The citizen side (随手拍): sign-in by phone and one-time code, report a problem, follow and rate
one's own reports. Thin views: parse, check the citizen's session and ownership, call one service."""

import mimetypes
import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from gridgov.audit.actor import client_ip
from gridgov.core import clock
from gridgov.events.choices import Channel, EventState, Rating
from gridgov.events.errors import EventError
from gridgov.events.photos import MAX_BYTES
from gridgov.events.services import Report, rate_event, reopen_event
from gridgov.events.services.handling import final_event
from gridgov.events.services.intake import MAX_PHOTOS

from . import selectors
from .forms import CodeForm, PhoneForm, RateForm, ReopenForm, ReportForm
from .ratelimit import RateLimited
from .services import (
    CODE_PER_PHONE,
    SignInError,
    citizen_actor,
    mask,
    request_code,
    submit_report,
    verify_code,
)
from .session import (
    NEXT,
    PENDING_PHONE,
    SHOWN_CODE,
    citizen_required,
    current_citizen,
    safe_next,
    sign_in,
    sign_out,
)

REPORTS_PER_PAGE = 20


def index(request):
    if current_citizen(request) is None:
        return redirect("citizens:sign_in")
    return redirect("citizens:my_reports")


# -- signing in ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sign_in_page(request):
    if request.method == "GET":
        if next_url := safe_next(request, request.GET.get("next")):
            request.session[NEXT] = next_url
        if current_citizen(request) is not None:
            return redirect(safe_next(request, request.session.pop(NEXT, None)) or "citizens:my_reports")
        form = PhoneForm(initial={"phone": request.session.get(PENDING_PHONE, "")})
        return render(request, "citizens/sign_in.html", {"form": form})
    form = PhoneForm(request.POST)
    error = None
    status = 400
    if form.is_valid():
        try:
            issued = request_code(form.cleaned_data["phone"], ip=client_ip(request))
        except RateLimited as exc:
            error, status = str(exc), 429
        except SignInError as exc:
            error = str(exc)
        else:
            request.session[PENDING_PHONE] = issued.phone
            if issued.shown_code:
                request.session[SHOWN_CODE] = issued.shown_code
            else:
                request.session.pop(SHOWN_CODE, None)
            return redirect("citizens:verify")
    else:
        error = form.errors["phone"][0]
    return render(request, "citizens/sign_in.html", {"form": form, "error": error}, status=status)


def _code_page(request, phone, form, error=None, status=200):
    newest = selectors.newest_code(phone)
    wait = 0
    if newest is not None:
        elapsed = (clock.now() - newest.created_at).total_seconds()
        wait = max(0, int(CODE_PER_PHONE[0].seconds - elapsed))
    context = {
        "form": form,
        "error": error,
        "phone": phone,
        "masked": mask(phone),
        "shown_code": request.session.get(SHOWN_CODE),
        "expires_at": newest.expires_at if newest else None,
        "resend_in": wait,
    }
    return render(request, "citizens/code.html", context, status=status)


@require_http_methods(["GET", "POST"])
def verify_page(request):
    phone = request.session.get(PENDING_PHONE)
    if not phone:
        messages.info(request, "请先输入手机号获取验证码")
        return redirect("citizens:sign_in")
    if request.method == "GET":
        return _code_page(request, phone, CodeForm())
    form = CodeForm(request.POST)
    try:
        citizen = verify_code(phone, request.POST.get("code"), ip=client_ip(request))
    except RateLimited as exc:
        return _code_page(request, phone, form, str(exc), 429)
    except SignInError as exc:
        return _code_page(request, phone, form, str(exc), 400)
    next_url = sign_in(request, citizen)
    messages.success(request, f"登录成功，欢迎您（{mask(citizen.phone)}）")
    return redirect(safe_next(request, next_url) or "citizens:my_reports")


@require_POST
def sign_out_page(request):
    sign_out(request)
    messages.success(request, "您已退出登录")
    return redirect("citizens:sign_in")


# -- reporting -------------------------------------------------------------------------------------


def _photo_errors(photos) -> list[str]:
    if len(photos) > MAX_PHOTOS:
        return [f"一次最多上传 {MAX_PHOTOS} 张照片（您选择了 {len(photos)} 张）"]
    return [
        f"照片 {p.name} 超过 {MAX_BYTES // 1024 // 1024} MB，请换一张" for p in photos if p.size > MAX_BYTES
    ]


@citizen_required
@require_http_methods(["GET", "POST"])
def report_page(request):
    if request.method == "GET":
        form = ReportForm(initial={"key": uuid.uuid4().hex})
        return render(request, "citizens/report.html", {"form": form})
    form = ReportForm(request.POST)
    photos = request.FILES.getlist("photos")
    errors = _photo_errors(photos)
    if form.is_valid() and not errors:
        data = form.cleaned_data
        matter_code = data["matter"] or None
        if matter_code is None:
            best = selectors.public_suggestions(data["description"], k=1)
            matter_code = best[0].code if best else None
        if matter_code is None:
            errors.append("系统无法判断问题类型，请在“问题类型”中选择一项")
        else:
            report = Report(
                channel=Channel.CITIZEN,
                description=data["description"],
                lon=data["lon"],
                lat=data["lat"],
                crs="wgs84",
                address=data["address"],
                matter_code=matter_code,
                idempotency_key=data["key"],
                photos=[(p.name or "photo", p.read()) for p in photos],
            )
            try:
                result = submit_report(request.citizen, report, ip=client_ip(request))
            except (EventError, RateLimited) as exc:
                errors.append(str(exc))
            else:
                event = result.event
                if result.created:
                    messages.success(request, f"提交成功！编号 {event.number}，办理进展可在“我的上报”中查看")
                url = reverse("citizens:detail", args=[event.number])
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    else:
        errors = form.errors_in_order() + errors
    if request.htmx:
        # The form stays on the page as typed (photos included); only the messages are swapped in.
        return render(request, "citizens/_report_errors.html", {"errors": errors})
    context = {"form": form, "errors": errors, "photos_lost": bool(photos)}
    return render(request, "citizens/report.html", context, status=400)


@citizen_required
@require_GET
def suggest(request):
    """htmx: the public matters the description most likely belongs to."""
    suggestions = selectors.public_suggestions(request.GET.get("description", ""))
    return render(request, "citizens/_suggestions.html", {"suggestions": suggestions})


@citizen_required
@require_GET
def place(request):
    """htmx: where the chosen point is (township and village), or why it cannot be used."""
    try:
        lon, lat = float(request.GET["lon"]), float(request.GET["lat"])
    except (KeyError, ValueError):
        return render(request, "citizens/_place.html", {"error": "位置坐标无效，请重新选择"})
    found = selectors.place_of(lon, lat)
    if found is None:
        error = "该位置不在本市网格范围内，请在地图上点选问题所在位置"
        return render(request, "citizens/_place.html", {"error": error})
    return render(request, "citizens/_place.html", {"place": found})


@citizen_required
@require_GET
def outline(request):
    response = JsonResponse(selectors.county_outline())
    response["Cache-Control"] = "private, max-age=3600"
    return response


# -- my reports ------------------------------------------------------------------------------------


@citizen_required
@require_GET
def my_reports(request):
    which = request.GET.get("show")
    which = which if which in selectors.FILTERS else None
    page = Paginator(selectors.reports_of(request.citizen, which), REPORTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    counts = selectors.counts_of(request.citizen)
    tabs = [{"key": None, "label": "全部", "count": counts["all"]}] + [
        {"key": key, "label": label, "count": counts[key]} for key, (label, _) in selectors.FILTERS.items()
    ]
    for event in page.object_list:
        shown = event.merged_into if event.state == EventState.MERGED and event.merged_into else event
        event.public_state = selectors.public_state(shown)
        event.tone = selectors.TONE.get(shown.state, "open")
    context = {"page_obj": page, "tabs": tabs, "which": which}
    return render(request, "citizens/my_reports.html", context)


def _detail_page(request, event, *, rate_form=None, reopen_form=None, status=200):
    citizen = request.citizen
    own_closed = event.is_own and event.state == EventState.CLOSED
    # A report merged into another event is rated once that event is closed (rate_event).
    outcome_known = own_closed or (
        event.is_own and event.state == EventState.MERGED and final_event(event).state == EventState.CLOSED
    )
    context = {
        "event": event,
        "public_state": selectors.public_state(event),
        "place": selectors.place_names(event.grid),
        "tone": selectors.TONE.get(event.state, "open"),
        "steps": selectors.STEPS,
        "step": selectors.STEP_OF.get(event.state),
        "timeline": selectors.timeline(event),
        "photos": selectors.photos_of(event),
        "merged_mine": [] if event.is_own else selectors.my_merged_reports(citizen, event),
        "can_rate": outcome_known and not event.rating,
        "can_reopen": own_closed and event.rating == Rating.UNSATISFIED and event.lead_unit_id is not None,
        "rate_form": rate_form or RateForm(),
        "reopen_form": reopen_form or ReopenForm(),
    }
    return render(request, "citizens/detail.html", context, status=status)


@citizen_required
@require_GET
def report_detail(request, number):
    return _detail_page(request, selectors.get_report_for_citizen(request.citizen, number))


@citizen_required
@require_POST
def rate(request, number):
    event = selectors.get_own_report(request.citizen, number)
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            rate_event(
                citizen_actor(request.citizen, client_ip(request)),
                event.pk,
                form.cleaned_data["rating"],
                form.cleaned_data["comment"],
                citizen=request.citizen,
            )
        except EventError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "感谢您的评价！")
        return redirect("citizens:detail", number)
    event = selectors.get_report_for_citizen(request.citizen, number)
    return _detail_page(request, event, rate_form=form, status=400)


@citizen_required
@require_POST
def reopen(request, number):
    event = selectors.get_own_report(request.citizen, number)
    form = ReopenForm(request.POST)
    if form.is_valid():
        if event.lead_unit_id is None:
            messages.error(request, "该事件没有处置单位，无法重新办理，请拨打 12345 反映")
            return redirect("citizens:detail", number)
        try:
            reopen_event(
                citizen_actor(request.citizen, client_ip(request)),
                event.pk,
                form.cleaned_data["reason"],
                citizen=request.citizen,
            )
        except EventError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已申请重新办理，处置单位将再次处理")
        return redirect("citizens:detail", number)
    event = selectors.get_report_for_citizen(request.citizen, number)
    return _detail_page(request, event, reopen_form=form, status=400)


@citizen_required
@require_GET
def photo(request, number, photo_id, size):
    picture = selectors.get_photo_for_citizen(request.citizen, number, photo_id)
    field = picture.thumbnail if size == "thumb" else picture.image
    content_type = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
    response = FileResponse(field.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=86400"
    return response
