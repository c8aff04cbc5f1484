"""What a citizen may read: their own reports, the events those were merged into, and a public
view of each one's progress (no staff names, no internal notes)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch, Q
from django.http import Http404

from gridgov.accounts.models import Citizen, Unit
from gridgov.events.choices import EventState, PhotoKind, Rating
from gridgov.events.models import Event, Photo
from gridgov.matters.classifier import classify
from gridgov.matters.lookup import current_version, matter_by_code
from gridgov.matters.models import Matter
from gridgov.regions.choices import Level
from gridgov.regions.locate import grid_at
from gridgov.regions.models import Region

from .models import OneTimeCode

# The state in the words of the person who reported it.
PUBLIC_STATE = {
    EventState.REPORTED: "已提交，等待受理",
    EventState.ESCALATED: "已转县级，等待分派",
    EventState.DISPATCHED: "已分派，等待处置单位签收",
    EventState.IN_PROGRESS: "正在处置",
    EventState.PARKED: "已列入长期办理",
    EventState.HANDLED: "已处置，正在核查",
    EventState.CLOSED: "已办结",
    EventState.MERGED: "已与相同问题合并办理",
    EventState.REJECTED: "不予受理",
}
# Progress bar: 提交 → 受理分派 → 处置 → 核查 → 办结 (index of the step reached).
STEPS = ["提交", "分派", "处置", "核查", "办结"]
STEP_OF = {
    EventState.REPORTED: 0,
    EventState.ESCALATED: 1,
    EventState.DISPATCHED: 1,
    EventState.IN_PROGRESS: 2,
    EventState.PARKED: 2,
    EventState.HANDLED: 3,
    EventState.CLOSED: 4,
}
# The tone of the state badge (CSS class).
TONE = {
    EventState.CLOSED: "done",
    EventState.REJECTED: "stopped",
    EventState.MERGED: "merged",
}
FILTERS = {
    "open": (
        "办理中",
        Q(state__in=[s for s in EventState.values if s not in ("closed", "merged", "rejected")]),
    ),
    "closed": ("已办结", Q(state=EventState.CLOSED)),
    "unrated": ("待评价", Q(state=EventState.CLOSED, rating="")),
}
PUBLIC_PHOTO_KINDS = (PhotoKind.REPORT, PhotoKind.EVIDENCE)


def public_state(event: Event) -> str:
    return PUBLIC_STATE.get(event.state, event.get_state_display())


def public_matters():
    """Matters of the current catalogue that citizens may report, by category."""
    version = current_version()
    if version is None:
        return Matter.objects.none()
    return Matter.objects.filter(version=version, public=True).order_by("category_major", "code")


def reports_of(citizen: Citizen, which: str | None = None):
    """The citizen's own reports, newest first, each with its report photos and, for a duplicate,
    the event it was merged into (whose progress is what the citizen waits for)."""
    events = (
        Event.objects.filter(reporter_citizen=citizen)
        .select_related("matter", "merged_into__matter")
        .prefetch_related(
            Prefetch("photos", queryset=Photo.objects.filter(kind=PhotoKind.REPORT), to_attr="report_photos")
        )
        .order_by("-reported_at", "-id")
    )
    if which in FILTERS:
        events = events.filter(FILTERS[which][1])
    return events


def counts_of(citizen: Citizen) -> dict[str, int]:
    return Event.objects.filter(reporter_citizen=citizen).aggregate(
        all=Count("id"), **{name: Count("id", filter=q) for name, (_, q) in FILTERS.items()}
    )


def get_report_for_citizen(citizen: Citizen, number: str) -> Event:
    """The event `number` if the citizen reported it or reported a duplicate merged into it;
    404 alike for missing and not theirs."""
    event = (
        Event.objects.filter(Q(reporter_citizen=citizen) | Q(merged__reporter_citizen=citizen), number=number)
        .select_related("matter", "lead_unit", "merged_into", "grid")
        .distinct()
        .first()
    )
    if event is None:
        raise Http404("未找到该上报")
    event.is_own = event.reporter_citizen_id == citizen.pk
    return event


def get_own_report(citizen: Citizen, number: str) -> Event:
    """Only an event the citizen reported themself (rating and reopening are the reporter's)."""
    event = Event.objects.filter(reporter_citizen=citizen, number=number).first()
    if event is None:
        raise Http404("未找到该上报")
    return event


def photo_kinds_for(event: Event) -> tuple[str, ...]:
    """The reporter sees their own report photos and the handling photos; on an event their
    report was merged into, only the handling photos (the other reporter's are theirs)."""
    return PUBLIC_PHOTO_KINDS if event.is_own else (PhotoKind.EVIDENCE,)


def get_photo_for_citizen(citizen: Citizen, number: str, photo_id: int) -> Photo:
    event = get_report_for_citizen(citizen, number)
    photo = event.photos.filter(pk=photo_id, kind__in=photo_kinds_for(event)).first()
    if photo is None:
        raise Http404("未找到该照片")
    return photo


def photos_of(event: Event) -> dict[str, list[Photo]]:
    photos = {"report": [], "evidence": []}
    for photo in event.photos.filter(kind__in=photo_kinds_for(event)).order_by("created_at", "id"):
        photos[photo.kind].append(photo)
    return photos


def my_merged_reports(citizen: Citizen, event: Event) -> list[Event]:
    """The citizen's own reports merged into `event`."""
    return list(event.merged.filter(reporter_citizen=citizen).order_by("reported_at"))


@dataclass(frozen=True)
class Step:
    at: datetime
    text: str
    unit: str = ""
    note: str = ""  # shown only where it is the citizen's own words or an answer meant for them


def _text(row, event: Event, units: dict[str, str]) -> tuple[str, str, str] | None:
    """(what happened, which unit, note) for the public, or None for internal steps."""
    unit = row.unit.name if row.unit else ""
    data = row.data or {}
    match row.action:
        case "report":
            return ("您提交了问题" if event.is_own else "问题已登记", "", "")
        case "dispatch":
            lead = units.get(data.get("lead", ""), "")
            return ("已派遣处置单位", lead, "")
        case "escalate":
            return ("已转县级社会治理中心统筹派遣", "", "")
        case "return":
            return ("重新分派处置单位", "", "")
        case "accept":
            if data.get("role") == "co":
                return None
            return ("处置单位已签收，开始处置", unit, "")
        case "progress":
            return ("处置单位更新了处置进展", unit, "")
        case "extend":
            return ("处置时限已依规延长", "", "")
        case "park":
            return ("列入长期办理", "", "")
        case "unpark":
            return ("恢复办理", "", "")
        case "finish":
            return ("处置完毕，等待核查", unit, "") if row.to_state == EventState.HANDLED else None
        case "resolve_on_spot":
            return ("网格员现场处置", unit, "")
        case "rework":
            return ("核查未通过，继续处置", "", "")
        case "close":
            return ("已办结", "", "")
        case "rate":
            if not event.is_own:
                return None  # another reporter's opinion
            label = Rating(data["rating"]).label if data.get("rating") in Rating.values else ""
            return (f"评价：{label}", "", row.reason if row.reason != label else "")
        case "reopen":
            mine = event.is_own and row.actor_label.startswith("citizen:")
            return ("您申请了重新办理" if mine else "重新办理", "", row.reason if mine else "")
        case "merge":
            return (f"与相同问题 {data.get('into', '')} 合并办理", "", "")
        case "reject":
            return ("不予受理", unit, row.reason)
    return None


def timeline(event: Event) -> list[Step]:
    """The public steps of the event, oldest first."""
    rows = list(event.history.select_related("unit").order_by("at", "id"))
    lead_codes = {r.data.get("lead") for r in rows if r.action == "dispatch" and isinstance(r.data, dict)}
    units = (
        dict(Unit.objects.filter(code__in=lead_codes - {None}).values_list("code", "name"))
        if lead_codes
        else {}
    )
    steps = []
    for row in rows:
        shown = _text(row, event, units)
        if shown is not None:
            steps.append(Step(row.at, *shown))
    return steps


MIN_SUGGESTION_SCORE = 0.03
MIN_SUGGESTION_TEXT = 4


def public_suggestions(text: str, k: int = 3):
    """The classifier's best guesses among the matters citizens may report (best first)."""
    text = (text or "").strip()
    version = current_version()
    if version is None or len(text) < MIN_SUGGESTION_TEXT:
        return []
    shown = []
    for suggestion in classify(text, k=100):
        matter = matter_by_code(version, suggestion.code)
        if matter is not None and matter.public and suggestion.score >= MIN_SUGGESTION_SCORE:
            shown.append(suggestion)
        if len(shown) == k:
            break
    return shown


def newest_code(phone: str):
    return OneTimeCode.objects.filter(phone=phone).order_by("-created_at", "-id").first()


def place_of(lon: float, lat: float) -> str | None:
    """ "township · village" of the grid at the point, or None outside every grid."""
    grid = grid_at(lon, lat)
    if grid is None:
        return None
    return place_names(grid)


LEVEL_NAMES = {Level.COUNTY: "county", Level.TOWNSHIP: "township", Level.VILLAGE: "village"}


def county_outline() -> dict:
    """GeoJSON of the county, its townships and villages (public boundaries) for the report map."""
    rows = (
        Region.objects.filter(level__in=list(LEVEL_NAMES), geometry__isnull=False)
        .order_by("key")
        .values_list("code", "name", "level", "geometry")
    )
    features = [
        {
            "type": "Feature",
            "geometry": geometry,
            "properties": {"code": code, "name": name, "level": LEVEL_NAMES[level]},
        }
        for code, name, level, geometry in rows
    ]
    return {"type": "FeatureCollection", "features": features}


def place_names(grid: Region) -> str:
    """ "东城街道 · 某某社区" for a grid."""
    names = {r.level: r.name for r in grid.ancestors()}
    return " · ".join(n for n in (names.get(Level.TOWNSHIP), names.get(Level.VILLAGE)) if n)
