"""A month of realistic event history for the demo, made through the real service functions.

A small discrete-event simulation: every report has a life (dispatch, acceptance, joint handling,
returns, extensions, parking, rework, closure, rating, reopening…) whose steps are queued by
time; the deadline scan runs several times a working day; everything executes in time order with
`core.clock.at(moment)`, and nothing is executed after the real "now", so recent events are
still open, some overdue and escalated.
"""

import heapq
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from PIL import Image
from shapely.geometry import shape

from gridgov.accounts.choices import Role, UnitKind
from gridgov.accounts.models import Citizen, Unit, User
from gridgov.audit.actor import Actor
from gridgov.core import clock
from gridgov.events import services
from gridgov.events.choices import Channel, EventState, PhotoKind, Urgency
from gridgov.events.errors import EventError
from gridgov.events.models import Event
from gridgov.events.photos import attach_photo
from gridgov.matters.models import CatalogueVersion
from gridgov.matters.routing import RoutingError, route
from gridgov.regions.choices import Level
from gridgov.regions.models import Region
from gridgov.workcal.calendar import add_working_time, is_working_day

CHANNELS = [
    (Channel.GRID_PATROL, 0.55),
    (Channel.CITIZEN, 0.18),
    (Channel.HOTLINE, 0.17),
    (Channel.SENSOR, 0.05),
    (Channel.LEADER, 0.05),
]
SHOWCASE_GRID_WORKERS = ("grid_worker", "xicheng_grid_worker")
SHOWCASE_SHARE = 0.06
SCAN_TIMES = [(9, 0), (11, 0), (14, 30), (16, 30), (17, 45)]


@dataclass(order=True)
class Step:
    at: datetime
    seq: int
    run: Callable = field(compare=False)


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


class Simulation:
    def __init__(self, seed: int, days: int, per_day: int, now: datetime):
        self.rng = random.Random(seed)
        self.days, self.per_day, self.now = days, per_day, now
        self.queue: list[Step] = []
        self.seq = 0
        self.version = CatalogueVersion.objects.current()
        self.matters = list(self.version.matters.all())
        self.grids = list(Region.objects.filter(level=Level.GRID).order_by("key"))
        self.points = {g.id: shape(g.geometry).representative_point() for g in self.grids}
        users = list(User.objects.filter(is_active=True).exclude(unit=None).select_related("unit"))
        self.by_unit: dict[int, User] = {}
        for user in users:
            if user.role != Role.LEADER:
                self.by_unit.setdefault(user.unit_id, user)
        self.grid_worker = {u.unit.territory_id: u for u in users if u.role == Role.GRID_WORKER}
        # The demo personas' own grids see more reports, so that their workbench has work on any day.
        persona_grids = {u.unit.territory_id for u in users if u.username in SHOWCASE_GRID_WORKERS}
        self.showcase_grids = [g for g in self.grids if g.id in persona_grids]
        self.county_dispatcher = next(
            u for u in users if u.role == Role.DISPATCHER and u.unit.kind == UnitKind.COUNTY_CENTRE
        )
        self.leader = next(
            (u for u in users if u.role == Role.LEADER and u.unit.kind == UnitKind.COUNTY_CENTRE), None
        )
        self.citizen = Citizen.objects.order_by("id").first()
        self.photo = _photo()
        self.done = 0
        self.skipped: dict[str, int] = {}

    # -- the queue ------------------------------------------------------------------------------

    def later(self, moment: datetime, run: Callable) -> None:
        if moment <= self.now:
            self.seq += 1
            heapq.heappush(self.queue, Step(moment, self.seq, run))

    def after(self, moment: datetime, minutes: int, run: Callable) -> None:
        self.later(add_working_time(moment, max(1, minutes), "minutes"), run)

    def run(self) -> int:
        start = timezone.localtime(self.now).date() - timedelta(days=self.days)
        for offset in range(self.days + 1):
            day = start + timedelta(days=offset)
            working = is_working_day(day)
            for _ in range(self.per_day if working else self.per_day // 4):
                moment = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(
                    minutes=self.rng.randint(7 * 60 + 30, 19 * 60)
                )
                self.later(moment, lambda m=moment: self.report(m))
            if working:
                for hour, minute in SCAN_TIMES:
                    moment = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(
                        hours=hour, minutes=minute
                    )
                    self.later(moment, lambda m=moment: services.scan_deadlines(m))
        while self.queue:
            step = heapq.heappop(self.queue)
            with clock.at(step.at):
                try:
                    step.run()
                except EventError as exc:
                    # A step that no longer applies (e.g. the event changed meanwhile): skip it, as a person would.
                    self.skipped[type(exc).__name__] = self.skipped.get(type(exc).__name__, 0) + 1
        return self.done

    # -- one report's life ----------------------------------------------------------------------

    def actor_for(self, unit: Unit) -> Actor:
        user = self.by_unit.get(unit.pk)
        return Actor(user=user) if user else Actor.system("demo")

    def report(self, moment: datetime) -> None:
        rng = self.rng
        matter = rng.choice(self.matters)
        showcase = bool(self.showcase_grids) and rng.random() < SHOWCASE_SHARE
        grid = rng.choice(self.showcase_grids if showcase else self.grids)
        channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        citizen = None
        if channel == Channel.GRID_PATROL and grid.id in self.grid_worker:
            actor = Actor(user=self.grid_worker[grid.id])
        elif channel == Channel.CITIZEN and self.citizen and matter.public:
            actor, citizen = Actor(label=f"citizen:{self.citizen.phone[-4:]}"), self.citizen
        elif channel == Channel.LEADER and self.leader:
            actor = Actor(user=self.leader)
        elif channel == Channel.SENSOR:
            actor = Actor.system("sensor")
        else:
            channel, actor = Channel.HOTLINE, Actor(user=self.county_dispatcher)
        point = self.points[grid.id]
        result = services.report_event(
            actor,
            services.Report(
                channel=channel,
                description=rng.choice(matter.examples or [matter.name]),
                lon=point.x,
                lat=point.y,
                urgency=Urgency.URGENT if rng.random() < 0.08 else Urgency.NORMAL,
                matter_code=matter.code if rng.random() < 0.9 else None,
                reporter_label="12345 热线" if channel == Channel.HOTLINE else "",
            ),
            citizen=citizen,
        )
        self.done += 1
        self.life(result.event, moment)

    def life(self, event: Event, moment: datetime) -> None:
        rng = self.rng
        roll = rng.random()
        command = event.owner_unit
        if (
            event.matter.self_resolvable
            and event.reporter_user
            and event.reporter_user.role == Role.GRID_WORKER
            and roll < 0.3
        ):
            self.after(moment, rng.randint(5, 40), lambda: self.resolve(event))
            return
        if roll < 0.02:
            self.after(
                moment,
                rng.randint(10, 60),
                lambda: services.reject_event(self.actor_for(command), event.pk, "经核实不属于受理范围"),
            )
            return
        try:
            planned = route(event.matter, event.grid)
        except RoutingError:
            return
        if planned.needs_county:
            self.after(moment, rng.randint(10, 60), lambda: self.escalate(event, command))
        else:
            self.after(moment, rng.randint(10, 50), lambda: self.dispatch(event, command))

    def resolve(self, event: Event) -> None:
        attach_photo(event, PhotoKind.EVIDENCE, "after.jpg", self.photo, str(event.reporter_user))
        services.resolve_on_spot(Actor(user=event.reporter_user), event.pk, "已现场处置完毕")
        event.refresh_from_db()
        if event.state == EventState.HANDLED:
            self.after(clock.now(), self.rng.randint(30, 240), lambda: self.verify(event, passed=True))
        else:
            self.rate_later(event)

    def escalate(self, event: Event, command: Unit) -> None:
        services.escalate_to_county(self.actor_for(command), event.pk, "涉及县级部门职责，提请县级派遣")
        event.refresh_from_db()
        centre = event.owner_unit
        self.after(clock.now(), self.rng.randint(20, 120), lambda: self.dispatch(event, centre))

    def dispatch(self, event: Event, dispatcher: Unit) -> None:
        services.dispatch_event(self.actor_for(dispatcher), event.pk)
        event.refresh_from_db()
        for assignment in event.assignments.filter(state="pending").select_related("unit"):
            self.after(
                clock.now(),
                self.rng.randint(10, 120),
                lambda a=assignment: self.accept(event, a.unit, a.role),
            )

    def accept(self, event: Event, unit: Unit, role: str) -> None:
        services.accept_event(self.actor_for(unit), event.pk)
        rng = self.rng
        if role == "co":
            self.after(
                clock.now(),
                rng.randint(60, 600),
                lambda: services.finish_event(self.actor_for(unit), event.pk, "本单位协办事项已完成"),
            )
            return
        roll = rng.random()
        if roll < 0.07:
            self.after(clock.now(), rng.randint(10, 90), lambda: self.give_back(event, unit))
            return
        limit_minutes = int(
            event.matter.limit("handle").amount
            * (60 if event.matter.limit("handle").unit == "hours" else 420)
        )
        late = rng.random() < 0.15
        minutes = int(limit_minutes * (rng.uniform(1.1, 2.5) if late else rng.uniform(0.2, 0.9)))
        if rng.random() < 0.08:
            self.after(clock.now(), rng.randint(30, 120), lambda: self.extension(event, unit))
        if rng.random() < 0.04:
            self.after(clock.now(), rng.randint(30, 120), lambda: self.park(event, unit))
            return
        self.after(clock.now(), minutes, lambda: self.finish(event, unit))

    def give_back(self, event: Event, unit: Unit) -> None:
        services.return_event(self.actor_for(unit), event.pk, "经核实不属于本单位职责，请重新派遣")
        event.refresh_from_db()
        self.after(clock.now(), self.rng.randint(20, 90), lambda: self.dispatch(event, event.owner_unit))

    def extension(self, event: Event, unit: Unit) -> None:
        request = services.request_extension(
            self.actor_for(unit), event.pk, "1d", "需协调施工队伍，申请延期一个工作日"
        )
        approver = event.dispatched_by_unit or event.owner_unit
        self.after(
            clock.now(),
            self.rng.randint(20, 120),
            lambda: services.decide_request(
                self.actor_for(approver), request.pk, approve=True, note="同意延期"
            ),
        )

    def park(self, event: Event, unit: Unit) -> None:
        request = services.request_parking(self.actor_for(unit), event.pk, "需等待汛期结束后施工，申请挂账")
        event.refresh_from_db()
        approver = event.dispatched_by_unit
        self.after(
            clock.now(),
            self.rng.randint(20, 120),
            lambda: self.approve_parking(event, approver, request.pk, unit),
        )

    def approve_parking(self, event, approver, request_id, unit) -> None:
        services.decide_request(self.actor_for(approver), request_id, approve=True, note="同意挂账")
        self.after(
            clock.now(), self.rng.randint(3 * 420, 8 * 420), lambda: self.unpark_and_finish(event, unit)
        )

    def unpark_and_finish(self, event: Event, unit: Unit) -> None:
        services.unpark_event(self.actor_for(unit), event.pk, "施工条件具备，恢复办理")
        self.after(clock.now(), self.rng.randint(60, 600), lambda: self.finish(event, unit))

    def finish(self, event: Event, unit: Unit) -> None:
        event.refresh_from_db()
        open_co = event.assignments.filter(role="co").exclude(state__in=["done", "withdrawn"]).exists()
        if open_co:
            self.after(clock.now(), 120, lambda: self.finish(event, unit))  # wait for the co-units
            return
        if event.overdue and self.leader and self.rng.random() < 0.3:
            order = services.issue_supervision(
                Actor(user=self.leader), event.pk, "请加快办理，按期反馈结果", "1d"
            )
            # Most units answer the order as they report the work done; some leave it open.
            if self.rng.random() < 0.8:
                services.answer_supervision(self.actor_for(unit), order.pk, "已加派人手，今日处置完毕")
        services.finish_event(self.actor_for(unit), event.pk, "已按要求处置完毕，现场已恢复")
        event.refresh_from_db()
        self.after(
            clock.now(),
            self.rng.randint(30, 300),
            lambda: self.verify(event, passed=self.rng.random() > 0.12),
        )

    def verify(self, event: Event, passed: bool) -> None:
        event.refresh_from_db()
        verifier = event.owner_unit
        services.verify_event(
            self.actor_for(verifier),
            event.pk,
            passed=passed,
            reason="" if passed else "现场复核仍有遗留，请返工",
        )
        if passed:
            self.rate_later(event)
        else:
            lead = event.lead_unit
            self.after(clock.now(), self.rng.randint(60, 480), lambda: self.finish(event, lead))

    def rate_later(self, event: Event) -> None:
        if self.rng.random() < 0.7:
            self.after(clock.now(), self.rng.randint(30, 1200), lambda: self.rate(event))

    def rate(self, event: Event) -> None:
        event.refresh_from_db()
        rating = self.rng.choices(["satisfied", "basic", "unsatisfied"], [0.8, 0.15, 0.05])[0]
        if event.reporter_citizen_id:
            services.rate_event(Actor(label="citizen"), event.pk, rating, citizen=event.reporter_citizen)
        elif event.reporter_user_id:
            services.rate_event(Actor(user=event.reporter_user), event.pk, rating)
        else:
            return
        if rating == "unsatisfied" and self.rng.random() < 0.6:
            dispatcher = event.dispatched_by_unit
            if dispatcher is None:
                return
            self.after(clock.now(), self.rng.randint(30, 240), lambda: self.reopen(event, dispatcher))

    def reopen(self, event: Event, dispatcher: Unit) -> None:
        services.reopen_event(self.actor_for(dispatcher), event.pk, "群众不满意，重新办理")
        self.after(clock.now(), self.rng.randint(120, 900), lambda: self.finish(event, event.lead_unit))


def build_history(seed: int, days: int = 30, per_day: int = 40) -> int:
    """Generate the history unless events exist already (idempotent). Returns the reports made."""
    if Event.objects.exists() or CatalogueVersion.objects.current() is None:
        return 0
    return Simulation(seed, days, per_day, timezone.now()).run()
