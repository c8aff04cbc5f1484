"""The queue's filters, read from the query string once and used by the list, the map and the export."""

from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

from gridgov.accounts.choices import Role
from gridgov.matters.lookup import current_version
from gridgov.regions.choices import Level
from gridgov.regions.models import Region

from ..choices import Channel, EventState
from ..sla import LABELS as SLA_LABELS

# Handlers and grid workers start from what waits for their unit; dispatchers, leaders and
# supervisors from everything open in their territory.
MINE_FIRST_ROLES = {Role.HANDLER, Role.GRID_WORKER}
ALL_STATES = "all"


@dataclass(frozen=True)
class QueueFilters:
    scope: str = "all"  # "mine": waiting for my unit; "all": everything in my territory
    state: str = ""  # "": every open state; "all": every state; otherwise one EventState value
    matter: str = ""
    platform: str = ""
    township: str = ""
    sla: str = ""
    channel: str = ""
    overdue: bool = False
    q: str = ""
    closed_days: str = ""  # closed within that many days (the leader overview's 30-day figures)

    @classmethod
    def defaults_for(cls, user) -> "QueueFilters":
        mine = not user.is_superuser and user.role in MINE_FIRST_ROLES
        return cls(scope="mine" if mine else "all")

    @classmethod
    def from_request(cls, request) -> "QueueFilters":
        get = request.GET
        base = cls.defaults_for(request.user)
        text = {f.name: (get.get(f.name) or "").strip()[:60] for f in fields(cls) if f.name != "overdue"}
        text["scope"] = text["scope"] if text["scope"] in ("mine", "all") else base.scope
        return replace(base, **text, overdue=get.get("overdue") in ("1", "true", "on"))

    def selector_kwargs(self, user, *, all_states: bool = False) -> dict:
        state = ALL_STATES if all_states else self.state
        return {
            "state": state if state not in ("", ALL_STATES) else None,
            "open_only": state == "",
            "matter": self.matter or None,
            "platform": self.platform or None,
            "township": self.township or None,
            "sla": self.sla or None,
            "channel": self.channel or None,
            "overdue": True if self.overdue else None,
            "q": self.q or None,
            "unit_id": user.unit_id if self.scope == "mine" else None,
            "closed_days": self.closed_days or None,
        }

    def as_query(self, **changes) -> str:
        """The query string of these filters with `changes` applied (empty values left out)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)} | changes
        values["overdue"] = "1" if values["overdue"] else ""
        return urlencode({k: v for k, v in values.items() if v})

    def describe(self) -> str:
        parts = ["本单位待办" if self.scope == "mine" else "辖区全部"]
        if self.state == ALL_STATES:
            parts.append("全部状态")
        elif self.state:
            parts.append(EventState(self.state).label if self.state in EventState.values else self.state)
        else:
            parts.append("办理中（未结案）")
        for label, value in (
            ("事项", self.matter),
            ("平台", self.platform),
            ("乡镇", self.township),
            ("时限", SLA_LABELS.get(self.sla, self.sla)),
            ("渠道", dict(Channel.choices).get(self.channel, self.channel)),
            ("关键词", self.q),
        ):
            if value:
                parts.append(f"{label}：{value}")
        if self.overdue:
            parts.append("已超期")
        if self.closed_days:
            parts.append(f"近 {self.closed_days} 天结案")
        return "，".join(parts)

    def options(self, user) -> dict:
        version = current_version()
        townships = (
            Region.objects.restrict(user).filter(level=Level.TOWNSHIP).order_by("code").values("code", "name")
        )
        return {
            "states": [("", "办理中（未结案）"), *EventState.choices, (ALL_STATES, "全部状态")],
            "matters": list(version.matters.order_by("code").values_list("code", "name")) if version else [],
            "platforms": list(version.platforms) if version else [],
            "townships": list(townships),
            "channels": Channel.choices,
            "slas": list(SLA_LABELS.items()),
        }
