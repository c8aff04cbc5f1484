"""POST requests: a GeoReport v2 form becomes a citizen-channel report through `report_event`, the
same service the citizen page uses.

- `api_key` (an API token, `manage.py create_api_token`) is required: 403 without or with a bad one.
- The reporter is the citizen with the given `phone` (found or created), else the API client.
- Only `lat`/`long` (WGS-84) locate a report; `address_string` is kept as the address text.
- `email`, `first_name`, `last_name`, `device_id`, `account_id`, `media_url` and `attribute[…]` are
  read but not stored (minimum collection, 个人信息保护法 art. 6; our matters have no attributes).
- `Idempotency-Key` (header, or the `idempotency_key` field): the same client sending the same key
  again gets the first request's id back and nothing new is registered.
"""

import math
import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from gridgov.accounts.models import Citizen
from gridgov.accounts.services import ensure_citizen, user_for_token
from gridgov.audit.actor import Actor, client_ip
from gridgov.core import clock
from gridgov.events.choices import Channel
from gridgov.events.models import Event
from gridgov.events.services import Report, report_event

from .formats import Open311Error
from .selectors import public_service, reports_since

HOUR = timedelta(hours=1)
DEFAULT_CLIENT_LIMIT = 300  # reports per API client per hour
DEFAULT_CITIZEN_LIMIT = 10  # reports per citizen (phone number) per hour, as on the citizen page
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def api_client(params):
    """The user behind `api_key`, or 403."""
    raw = (params.get("api_key") or "").strip()
    if not raw:
        raise Open311Error(403, "缺少 api_key：提交请求需要平台签发的接口令牌")
    user = user_for_token(raw)
    if user is None:
        raise Open311Error(403, "api_key 无效、已吊销或其账号已停用")
    return user


def _coordinate(params, name: str, low: float, high: float) -> float:
    text = (params.get(name) or "").strip()
    try:
        value = float(text)
    except ValueError:
        raise Open311Error(400, f"{name} 不是有效的数字：{text[:30]!r}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise Open311Error(400, f"{name} 超出范围：{text[:30]}")
    return value


def _location(params) -> tuple[float, float]:
    if not (params.get("lat") or "").strip() or not (params.get("long") or "").strip():
        raise Open311Error(
            400,
            "请提供位置：lat 与 long（WGS-84 经纬度）。本接口不支持仅凭 address_string 或 address_id 定位",
        )
    return _coordinate(params, "lat", -90, 90), _coordinate(params, "long", -180, 180)


def _phone(params) -> str | None:
    text = re.sub(r"[\s-]", "", params.get("phone") or "")
    if not text:
        return None
    text = re.sub(r"^(\+?86)(?=1\d{10}$)", "", text)
    if not _MOBILE.match(text):
        raise Open311Error(400, "phone 不是有效的中国大陆手机号（11 位，以 1 开头）")
    return text


def _check_rate(user, phone: str | None) -> None:
    now = clock.now()
    limits = [(getattr(settings, "OPEN311_CLIENT_LIMIT_PER_HOUR", DEFAULT_CLIENT_LIMIT), {"user": user})]
    citizen = Citizen.objects.filter(phone=phone).first() if phone else None
    if citizen is not None:
        if citizen.is_blocked:
            raise Open311Error(403, "该手机号的群众账号已停用，不能上报")
        limit = getattr(settings, "OPEN311_CITIZEN_LIMIT_PER_HOUR", DEFAULT_CITIZEN_LIMIT)
        limits.append((limit, {"citizen": citizen}))
    for limit, who in limits:
        recent = reports_since(now - HOUR, limit, **who)
        if len(recent) >= limit:
            wait = max(1, math.ceil((recent[0] + HOUR - now).total_seconds()))
            whose = "该手机号" if "citizen" in who else "该接口令牌"
            raise Open311Error(429, f"提交过于频繁：{whose}每小时最多上报 {limit} 件，请 {wait} 秒后再试")


def submit(request, params) -> Event:
    """Register the report the form describes; returns the event (the first one on a retry)."""
    user = api_client(params)
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "缺少 service_code：请先用 GET services 查询可上报的事项")
    matter = public_service(code)
    if matter is None:
        raise Open311Error(404, f"未知的 service_code {code[:20]!r}，或该事项不接受公众上报")
    lat, lon = _location(params)
    phone = _phone(params)
    _check_rate(user, phone)
    key = request.headers.get("Idempotency-Key") or params.get("idempotency_key") or None
    actor = Actor(
        user=user, label=f"open311:{user.username}", ip=client_ip(request), extra={"via": "open311"}
    )
    report = Report(
        channel=Channel.CITIZEN,
        description=params.get("description") or "",
        lon=lon,
        lat=lat,
        address=(params.get("address_string") or "").strip(),
        matter_code=matter.code,
        idempotency_key=key.strip() if key else None,
    )
    # One transaction: a citizen created for a report that is then refused is not kept.
    with transaction.atomic():
        citizen = ensure_citizen(actor, phone) if phone else None
        report.reporter_label = f"{citizen or user.username}（Open311）"
        return report_event(actor, report, citizen=citizen).event
