"""Open311 GeoReport v2 endpoints (docs/open311.md). Thin: parse, check, call one selector or
service, render in the format the path asks for (`.json` or `.xml`); every failure is answered in the
spec's error format."""

from functools import wraps

from django.conf import settings
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from gridgov.core import clock
from gridgov.events.errors import EventError
from gridgov.workcal.calendar import CalendarError

from . import selectors, serialise
from .formats import FORMATS, Open311Error, check_format, render, render_error
from .params import check_jurisdiction, request_filters
from .submit import submit

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00+08:00"  # when this endpoint last changed in a way clients see


def endpoint(*methods: str):
    """Format and method checks, the jurisdiction check and error answers, around one view.
    CSRF does not apply: writes authenticate with `api_key`, never with a session cookie."""
    allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, fmt: str, **kwargs):
            try:
                check_format(fmt)
                if request.method not in allowed:
                    response = render_error(fmt, Open311Error(405, f"不支持 {request.method} 方法"))
                    response["Allow"] = ", ".join(sorted(allowed))
                    return response
                check_jurisdiction(params_of(request))
                return view(request, fmt, **kwargs)
            except Open311Error as error:
                return render_error(fmt, error)
            except (EventError, CalendarError) as error:
                # The service refused the input (bad place, empty description…): its message as it is.
                return render_error(fmt, Open311Error(400, str(error)))

        return wrapper

    return decorate


def params_of(request):
    """The request's parameters: the query string, and for POST the form over it (some clients put
    `api_key` or `jurisdiction_id` in the query string of a POST)."""
    if request.method != "POST":
        return request.GET
    params = request.GET.copy()
    for key, values in request.POST.lists():
        params.setlist(key, values)
    return params


@endpoint("GET")
def discovery(request, fmt):
    base = request.build_absolute_uri(reverse("open311:services", args=["json"])).rsplit("/", 1)[0]
    document = {
        "changeset": CHANGESET,
        "contact": getattr(settings, "OPEN311_CONTACT", "永康市社会治理中心（基层治理平台管理员）"),
        "key_service": "提交请求需要接口令牌（api_key），请向平台管理员申请；查询无需令牌。",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": [content_type.split(";")[0] for content_type in FORMATS.values()],
            }
        ],
    }
    return render(fmt, "discovery", document)


@endpoint("GET")
def services(request, fmt):
    return render(fmt, "services", [serialise.service(m) for m in selectors.public_services()])


@endpoint("GET")
def service_definition(request, fmt, code):
    matter = selectors.public_service(code)
    if matter is None:
        raise Open311Error(404, f"未知的 service_code {code[:20]!r}，或该事项不接受公众上报")
    return render(fmt, "service_definition", serialise.service_definition(matter))


@endpoint("GET", "POST")
def service_requests(request, fmt):
    if request.method == "POST":
        event = submit(request, params_of(request))
        return render(fmt, "service_requests", [serialise.created(event)])
    events = selectors.find_public_events(**request_filters(request.GET, clock.now()))
    return render(fmt, "service_requests", [serialise.service_request(e) for e in events])


@endpoint("GET")
def service_request(request, fmt, number):
    event = selectors.public_event(number)
    if event is None:
        raise Open311Error(404, f"未找到服务请求 {number[:30]}")
    return render(fmt, "service_requests", [serialise.service_request(event)])


@endpoint("GET")
def token(request, fmt, token):
    # Our intake is synchronous: POST answers with service_request_id and never hands out a token.
    raise Open311Error(404, f"未找到令牌 {token[:40]}：本接口同步受理，提交时直接返回 service_request_id")
