"""Intake: a report from any channel becomes an event at the township command room, classified,
located, checked for duplicates and given its suggested route ("why here")."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from gridgov.accounts.jurisdiction import territory_of
from gridgov.accounts.models import Citizen
from gridgov.audit.actor import Actor
from gridgov.core import clock
from gridgov.matters.choices import HandlingLevel, Stage
from gridgov.matters.classifier import Suggestion, classify
from gridgov.matters.lookup import current_version, matter_by_code
from gridgov.matters.models import CatalogueVersion
from gridgov.matters.routing import Route, RoutingError, route
from gridgov.matters.targets import township_command
from gridgov.regions.locate import grid_at
from gridgov.regions.models import Region

from ..choices import Channel, EventState, PhotoKind, Urgency
from ..deadlines import start_stage
from ..duplicates import DuplicateCandidate, find_duplicates
from ..errors import BadRequest
from ..models import Event
from ..notify import notify_unit
from ..photos import attach_photo, check_photo
from .base import write_history

MAX_DESCRIPTION = 2000
MAX_PHOTOS = 9


@dataclass
class Report:
    """What a reporter hands in, from any channel."""

    channel: str
    description: str
    lon: float
    lat: float
    crs: str = "wgs84"
    address: str = ""
    urgency: str = Urgency.NORMAL
    matter_code: str | None = None
    reported_at: datetime | None = None
    idempotency_key: str | None = None
    reporter_label: str = ""
    photos: list[tuple[str, bytes]] = field(default_factory=list)  # (file name, content)


@dataclass
class IntakeResult:
    event: Event
    created: bool
    suggestions: list[Suggestion]
    duplicates: list[DuplicateCandidate]
    route: Route | None


def _validate(report: Report) -> str:
    text = (report.description or "").strip()
    if not text:
        raise BadRequest("请填写事件描述")
    if len(text) > MAX_DESCRIPTION:
        raise BadRequest(f"事件描述不能超过 {MAX_DESCRIPTION} 字（当前 {len(text)} 字）")
    if report.channel not in Channel.values:
        raise BadRequest(f"未知的来源渠道 {report.channel!r}")
    if report.urgency not in Urgency.values:
        raise BadRequest(f"未知的紧急程度 {report.urgency!r}")
    if len(report.address) > 200:
        raise BadRequest("地址不能超过 200 字")
    if len(report.photos) > MAX_PHOTOS:
        raise BadRequest(f"一次最多上传 {MAX_PHOTOS} 张照片")
    for name, content in report.photos:
        check_photo(name, content)
    return text


def _grid_for(report: Report, actor: Actor) -> Region:
    try:
        grid = grid_at(float(report.lon), float(report.lat), report.crs)
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"坐标无效：{exc}") from exc
    if grid is None:
        raise BadRequest(f"该位置（经度 {report.lon}，纬度 {report.lat}）不在本县任何网格内，请核对定位")
    if actor.user is not None and grid.key not in territory_of(actor.user):
        raise BadRequest("该位置不在您的管辖范围内，请转交属地上报")
    return grid


def _matter(version: CatalogueVersion, report: Report, text: str, citizen: Citizen | None):
    suggestions = classify(text)
    code = report.matter_code or (suggestions[0].code if suggestions else None)
    if not code:
        raise BadRequest("无法判断事项类别，请选择事项")
    matter = matter_by_code(version, code)
    if matter is None:
        raise BadRequest(f"未知的事项编码 {code!r}（当前清单 v{version.number}）")
    if citizen is not None and not matter.public:
        raise BadRequest(f"事项「{matter.name}」不接受群众直接上报")
    overridden = bool(report.matter_code and suggestions and suggestions[0].code != report.matter_code)
    return matter, suggestions, overridden


MAX_KEY = 80


def _scoped_key(actor: Actor, citizen: Citizen | None, key: str | None) -> str | None:
    """The idempotency key, namespaced by reporter: one reporter's retry finds its own first
    event, and nobody else's key can ever reach (or reveal) another reporter's event."""
    if not key:
        return None
    if len(key) > MAX_KEY:
        raise BadRequest(f"幂等键不能超过 {MAX_KEY} 个字符")
    if actor.user is not None and getattr(actor.user, "pk", None):
        who = f"u{actor.user.pk}"
    elif citizen is not None:
        who = f"c{citizen.pk}"
    else:
        who = f"s-{actor.label[:30]}"
    return f"{who}:{key}"


def report_event(actor: Actor, report: Report, *, citizen: Citizen | None = None) -> IntakeResult:
    """Register a report. The same reporter retrying with the same idempotency key gets the first event."""
    # No look-up before the insert: the unique key makes a retry fail there, and the first event is
    # returned then (a retry is rare; a query on every report is not).
    report.idempotency_key = _scoped_key(actor, citizen, report.idempotency_key)
    text = _validate(report)
    if citizen is not None:
        report.channel = Channel.CITIZEN
    version = current_version()
    if version is None:
        raise BadRequest("系统尚未发布事项清单，暂不能受理")
    grid = _grid_for(report, actor)
    matter, suggestions, overridden = _matter(version, report, text, citizen)
    now = clock.now()
    reported_at = report.reported_at or now
    if timezone.is_naive(reported_at):
        reported_at = timezone.make_aware(
            reported_at, timezone.get_default_timezone()
        )  # read as Beijing time
    reported_at = min(reported_at, now)
    try:
        planned = route(matter, grid)
    except RoutingError:
        planned = None  # the dispatcher chooses; the event is still registered
    duplicates = find_duplicates(matter.code, *_wgs84(report), text, matter.duplicate_radius_m, now)
    try:
        with transaction.atomic():
            event = _create(
                actor,
                report,
                text,
                grid,
                version,
                matter,
                suggestions,
                overridden,
                planned,
                citizen,
                reported_at,
                now,
            )
    except IntegrityError:
        # A retry with the same idempotency key (or two racing): the first one created it.
        existing = Event.objects.filter(idempotency_key=report.idempotency_key).first()
        if existing is None:
            raise
        return IntakeResult(existing, False, existing.suggestions, [], None)
    return IntakeResult(event, True, suggestions, duplicates, planned)


def _wgs84(report: Report) -> tuple[float, float]:
    if report.crs == "gcj02":
        from gridgov.regions.gcj02 import gcj02_to_wgs84

        lon, lat = gcj02_to_wgs84(float(report.lon), float(report.lat))
        return float(lon), float(lat)
    return float(report.lon), float(report.lat)


def _reserve_event_id() -> int | None:
    """The primary key the next event will get, taken before its INSERT so that its number
    (which contains the key) is written with the row, not by a second UPDATE: on PostgreSQL
    that would write a new version of the row and, the number being indexed, an entry in every
    one of its indexes (nineteen). None where no safe way is known: the caller then numbers the
    event after its insert.

    PostgreSQL: `nextval` of the id column's own sequence, which the column default draws from
    too, so other inserts can never take the same key (a rolled-back report leaves a gap, as
    any sequence does). SQLite: one past the AUTOINCREMENT high-water mark, read inside the
    intake transaction, which holds the database's only write lock from its BEGIN IMMEDIATE.
    """
    table = Event._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            return cursor.fetchone()[0]
    options = connection.settings_dict.get("OPTIONS", {})
    immediate = options.get("transaction_mode") == "IMMEDIATE" and connection.in_atomic_block
    if connection.vendor == "sqlite" and immediate:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0),"
                f" COALESCE((SELECT MAX(id) FROM {connection.ops.quote_name(table)}), 0)) + 1",
                [table],
            )
            return cursor.fetchone()[0]
    return None


def event_number(reported_at: datetime, pk: int) -> str:
    """YK + the report's Beijing date + the key, six digits at least: YK20261124000731."""
    return f"YK{reported_at.astimezone(timezone.get_current_timezone()):%Y%m%d}{pk:06d}"


def _create(
    actor, report, text, grid, version, matter, suggestions, overridden, planned, citizen, reported_at, now
) -> Event:
    command = township_command(grid.code)
    lon, lat = _wgs84(report)
    user = actor.user if actor.user is not None and getattr(actor.user, "pk", None) else None
    pk = _reserve_event_id()
    event = Event(
        id=pk,
        # Without a reserved key the number is written after the insert; until then it only
        # has to be unique.
        number=event_number(reported_at, pk) if pk is not None else uuid.uuid4().hex[:20],
        state=EventState.REPORTED,
        revision=1,  # the report is the event's first transition
        channel=report.channel,
        urgency=report.urgency,
        description=text,
        address=report.address.strip(),
        lon=lon,
        lat=lat,
        grid=grid,
        grid_key=grid.key,
        reported_at=reported_at,
        reporter_user=user,
        reporter_citizen=citizen,
        reporter_label=(report.reporter_label or str(actor))[:80],
        version=version,
        matter=matter,
        suggestions=[{"code": s.code, "name": s.name, "score": s.score} for s in suggestions],
        matter_overridden=overridden,
        level=HandlingLevel.TOWNSHIP,
        owner_unit=command,
        route_rule=planned.rule if planned else "",
        route_reason=planned.reason[:300] if planned else "未能按清单自动确定处置单位，请调度员指定",
        stage_started_at=now,
        idempotency_key=report.idempotency_key or None,
    )
    start_stage(event, Stage.DISPATCH, now)
    event.save(force_insert=True)
    if pk is None:
        event.number = event_number(reported_at, event.pk)
        event.save(update_fields=["number"])
    for name, content in report.photos:
        attach_photo(event, PhotoKind.REPORT, name, content, event.reporter_label)
    # The INSERT above is the transition into REPORTED; what remains are its history, audit and
    # webhook rows.
    write_history(
        event,
        actor,
        "report",
        from_state=EventState.REPORTED,
        unit=user.unit if user else None,
        reason=f"{Channel(report.channel).label}上报",
        data={"matter": matter.code, "suggested": [s.code for s in suggestions], "overridden": overridden},
        now=now,
    )
    notify_unit(command, "new_event", f"新事件待受理：{matter.name}", event, text[:100])
    return event
