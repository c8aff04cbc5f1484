"""Query parameters of GET requests and the jurisdiction check, as the spec defines them."""

from datetime import datetime, timedelta

from django.conf import settings

from .formats import Open311Error, parse_w3c
from .selectors import MAX_REQUESTS, known_public_codes

DEFAULT_SPAN = timedelta(days=90)  # the spec's default window, and the widest a query may ask for
STATUSES = ("open", "closed")


def jurisdiction_ids() -> set[str]:
    """What `jurisdiction_id` may say: our slug (default `yongkang`) or the county code."""
    code = settings.GRIDGOV_COUNTY_CODE
    slug = getattr(settings, "OPEN311_JURISDICTION_ID", "yongkang")
    return {slug, code, code.ljust(12, "0")}


def check_jurisdiction(params) -> None:
    # Optional by the spec (one jurisdiction per endpoint), but a wrong one must not pass silently.
    value = (params.get("jurisdiction_id") or "").strip()
    if value and value not in jurisdiction_ids():
        known = "、".join(sorted(jurisdiction_ids()))
        raise Open311Error(404, f"未知的 jurisdiction_id {value!r}：本接口服务的辖区为 {known}")


def _comma_list(params, name: str, *, limit: int = MAX_REQUESTS, max_len: int = 40) -> list[str]:
    items = []
    for value in params.getlist(name):
        items.extend(part.strip() for part in value.split(",") if part.strip())
    if len(items) > limit:
        raise Open311Error(400, f"{name} 一次最多 {limit} 个")
    for item in items:
        if len(item) > max_len:
            raise Open311Error(400, f"{name} 的取值过长：{item[:max_len]}…")
    return list(dict.fromkeys(items))


def request_filters(params, now: datetime) -> dict:
    """The filters of GET requests. `service_request_id` overrides the others; without dates the last
    90 days are asked for, and a range may not span more than 90 days."""
    numbers = _comma_list(params, "service_request_id")
    if numbers:
        return {"numbers": numbers}
    filters: dict = {}
    codes = _comma_list(params, "service_code", limit=100)
    if codes:
        unknown = sorted(set(codes) - known_public_codes(codes))
        if unknown:
            raise Open311Error(404, f"未知的 service_code：{'、'.join(unknown)}")
        filters["codes"] = codes
    statuses = _comma_list(params, "status", limit=len(STATUSES))
    wrong = [s for s in statuses if s not in STATUSES]
    if wrong:
        raise Open311Error(400, f"status 只能是 open 或 closed（收到 {'、'.join(wrong)}）")
    if statuses:
        filters["statuses"] = statuses
    start_text = (params.get("start_date") or "").strip()
    end_text = (params.get("end_date") or "").strip()
    start = parse_w3c("start_date", start_text) if start_text else None
    end = parse_w3c("end_date", end_text) if end_text else None
    if start is None and end is None:
        start, end = now - DEFAULT_SPAN, now
    elif start is None:
        start = end - DEFAULT_SPAN
    elif end is None:
        end = start + DEFAULT_SPAN
    if start > end:
        raise Open311Error(400, "start_date 不能晚于 end_date")
    if end - start > DEFAULT_SPAN:
        raise Open311Error(400, "start_date 与 end_date 相隔不能超过 90 天")
    filters["start"], filters["end"] = start, end
    return filters
