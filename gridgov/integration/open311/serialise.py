"""Our matters and events as GeoReport v2 services and service requests: public data only.

What leaves the platform here (docs/open311.md, "隐私"):
- never the reporter (no name, phone, citizen, user, channel), never internal notes or staff names;
- descriptions and addresses as the reporter gave them, but with mainland mobile numbers and
  resident ID numbers masked (`138****1234`, `3307**********1234`, DOMAIN §9);
- for matters about persons (`PRIVATE_CATEGORIES`: assistance, disputes, tip-offs, epidemic control)
  only the matter, the state and the times, with the place rounded to about a kilometre;
- for rejected reports (false, abusive or out-of-scope content) the same: nobody vouches for the text;
- no photos (`media_url` is absent): photos show faces, number plates and doorways, and nobody
  reviews them before publication.
"""

import re

from django.conf import settings

from gridgov.events.choices import FINAL_STATES, EventState
from gridgov.events.models import Event
from gridgov.matters.models import Matter

from .formats import w3c

# Major categories whose events concern identifiable people: published without text or exact place.
DEFAULT_PRIVATE_CATEGORIES = ("民生服务", "矛盾纠纷", "平安稳定", "疫情防控")
PRIVATE_NOTE = "该类事项涉及个人情况，描述与具体位置不公开"
REJECTED_NOTE = "不予受理的上报不公开描述与具体位置"

_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{4})(\d{10})(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def private_categories() -> frozenset[str]:
    return frozenset(getattr(settings, "OPEN311_PRIVATE_CATEGORIES", DEFAULT_PRIVATE_CATEGORIES))


def mask_personal(text: str) -> str:
    """Mobile numbers → 138****1234, resident ID numbers → 3307**********1234."""
    text = _RESIDENT_ID.sub(lambda m: m.group(1) + "*" * 10 + m.group(3)[-4:], text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def service(matter: Matter) -> dict:
    example = f"示例：{matter.examples[0]}" if matter.examples else ""
    return {
        "service_code": matter.code,
        "service_name": matter.name,
        "description": f"{matter.category_major}/{matter.category_minor}，主办：{matter.lead_label}。{example}",
        "metadata": False,  # no extra attributes: the description, place and photos say it all
        "type": "realtime",  # the request is registered while the client waits
        "keywords": ",".join(matter.keywords),
        "group": matter.category_major,
    }


def service_definition(matter: Matter) -> dict:
    return {"service_code": matter.code, "attributes": []}


def status_of(event: Event) -> str:
    return "closed" if event.state in FINAL_STATES else "open"


def _status_notes(event: Event, private: bool) -> str:
    label = EventState(event.state).label
    merged_number = getattr(event, "merged_number", None)
    if event.state == EventState.MERGED and merged_number:
        return f"{label}：与 {merged_number} 合并办理"
    note = (getattr(event, "closing_note", None) or "").strip()
    if event.state in FINAL_STATES and note and not private:
        return f"{label}：{mask_personal(note)}"
    return label


def service_request(event: Event) -> dict:
    """One event as a GeoReport v2 service request. Expects `public_events()` rows (annotated)."""
    matter = event.matter
    private = matter.category_major in private_categories()
    withheld = private or event.state == EventState.REJECTED
    agency = event.lead_unit or event.owner_unit
    clock_running = event.state not in FINAL_STATES and event.state != EventState.PARKED
    digits = 2 if withheld else 6  # 0.01° ≈ 1 km; 1e-6° ≈ 0.1 m
    if private:
        text = PRIVATE_NOTE
    elif withheld:
        text = REJECTED_NOTE
    else:
        text = mask_personal(event.description)
    return {
        "service_request_id": event.number,
        "status": status_of(event),
        "status_notes": _status_notes(event, private),
        "service_name": matter.name,
        "service_code": matter.code,
        "description": text,
        "agency_responsible": agency.name,
        "service_notice": None,
        "requested_datetime": w3c(event.reported_at),
        "updated_datetime": w3c(getattr(event, "last_change", None) or event.reported_at),
        "expected_datetime": w3c(event.stage_deadline) if clock_running else None,
        "address": "" if withheld else mask_personal(event.address),
        "lat": round(event.lat, digits),
        "long": round(event.lon, digits),
    }


def created(event: Event) -> dict:
    """The answer to POST requests: our intake is synchronous, so the id itself, never a token."""
    deadline = w3c(event.stage_deadline)
    notice = f"已登记，由{event.owner_unit.name}受理分派"
    if deadline:
        notice += f"（分派时限 {deadline}）"
    return {"service_request_id": event.number, "service_notice": notice, "account_id": None}
