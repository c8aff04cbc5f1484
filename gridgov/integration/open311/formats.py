"""The two wire formats of GeoReport v2 (JSON and XML), its error format and its W3C datetimes.

XML is written with `xml.etree`: a list under a key becomes a wrapper element holding one element per
item, named by `ITEM_TAGS` (`<services><service>…</service></services>`), as the spec's examples do.
"""

import json
import re
from datetime import datetime, time
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils import timezone

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
BEIJING = ZoneInfo("Asia/Shanghai")

# Wrapper element → element of each item, for lists inside documents.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


class Open311Error(Exception):
    """An answer in the spec's error format: HTTP `status` and one `[{code, description}]` entry."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        # Answered in JSON: the client asked for something we cannot write.
        raise Open311Error(400, f"不支持的格式 .{fmt}，请使用 .json 或 .xml")
    return fmt


def _append(parent: ET.Element, tag: str, value) -> None:
    element = ET.SubElement(parent, tag)
    if value is None:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list | tuple):
        item_tag = ITEM_TAGS.get(tag, "item")
        for item in value:
            _append(element, item_tag, item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)


def to_xml(root: str, data) -> bytes:
    """`data` (a list or a dict) as an XML document whose root element is `root`."""
    element = ET.Element(root)
    if isinstance(data, dict):
        for key, value in data.items():
            _append(element, key, value)
    else:
        item_tag = ITEM_TAGS[root]
        for item in data:
            _append(element, item_tag, item)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode").encode()


def render(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    """`data` in `fmt`; `root` names the XML root element (JSON has none: the list or object itself)."""
    body = to_xml(root, data) if fmt == "xml" else json.dumps(data, ensure_ascii=False).encode()
    response = HttpResponse(body, status=status, content_type=FORMATS.get(fmt, FORMATS["json"]))
    # The read side is public open data: any web page may read it from a browser.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def render_error(fmt: str, error: Open311Error) -> HttpResponse:
    fmt = fmt if fmt in FORMATS else "json"
    return render(fmt, "errors", [{"code": error.status, "description": error.description}], error.status)


# -- W3C datetimes (https://www.w3.org/TR/NOTE-datetime) --------------------------------------------


def w3c(moment: datetime | None) -> str | None:
    """`2026-11-24T09:00:00+08:00`: Beijing time with its offset, to the second."""
    if moment is None:
        return None
    return timezone.localtime(moment, BEIJING).isoformat(timespec="seconds")


_W3C = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


def parse_w3c(name: str, value: str) -> datetime:
    """A W3C date or datetime; without an offset it is read as Beijing time. A `+` sent unencoded
    in a query string arrives as a space, so `…T00:00:00 08:00` is read as `+08:00`."""
    text = value.strip()
    if "T" in text and " " in text:
        text = text.replace(" ", "+")
    if not _W3C.match(text):
        raise Open311Error(
            400, f"{name} 格式不正确：{value!r}，应为 W3C 日期时间，如 2026-11-01T00:00:00+08:00"
        )
    try:
        if len(text) == 10:
            moment = datetime.combine(datetime.fromisoformat(text).date(), time())
        else:
            moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError as exc:
        raise Open311Error(400, f"{name} 不是有效的日期时间：{value!r}") from exc
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=BEIJING)
    return moment
