"""Explainable routing: matter + grid + catalogue version → handling level, lead unit, co-units,
the rule that decided it and a one-line reason shown on the event ("why here")."""

from dataclasses import dataclass, field

from gridgov.accounts.choices import UnitKind
from gridgov.accounts.models import Unit
from gridgov.regions.codes import township_kind
from gridgov.regions.models import Region

from .choices import HandlingLevel
from .lookup import rules_for
from .models import Matter, RoutingRule
from .targets import parse_target, resolve


class RoutingError(Exception):
    """No unit exists for the target a rule names; the message says which."""


@dataclass(frozen=True)
class Route:
    level: HandlingLevel
    lead: Unit
    co: list[Unit] = field(default_factory=list)
    rule: str = ""  # "matter:SR01" or "rule:12"
    version: int = 0
    reason: str = ""

    @property
    def needs_county(self) -> bool:
        """A county department leads or co-handles: only the county centre may dispatch it."""
        return any(unit.kind == UnitKind.DEPARTMENT for unit in [self.lead, *self.co])


def _applicable_rule(matter: Matter, grid: Region) -> RoutingRule | None:
    township_code = grid.code[:9] + "000"
    kind = township_kind(grid.code)
    published = matter.version.status != "draft"
    candidates = [
        rule
        for rule in rules_for(matter.version_id, matter.code, published=published)
        if (not rule.township_code or rule.township_code == township_code)
        and (not rule.township_kind or rule.township_kind == kind)
    ]
    return max(candidates, key=lambda r: (r.specificity, -r.id), default=None)


def route(matter: Matter, grid: Region) -> Route:
    """Units come from the per-process unit directory, so this needs no query."""
    rule = _applicable_rule(matter, grid)
    lead_text, co_texts = (rule.lead, rule.co) if rule else (matter.lead, matter.co)
    lead_target = parse_target(lead_text)
    lead = resolve(lead_target, grid, matter.platform)
    if lead is None:
        raise RoutingError(f"找不到“{lead_text}”对应的单位（事项 {matter.name}，网格 {grid.code}）")
    co = [
        unit
        for unit in (resolve(parse_target(t), grid, matter.platform) for t in co_texts)
        if unit and unit != lead
    ]
    version = matter.version.number
    who = f"主办 {lead.name}" + (f"，协办 {'、'.join(u.name for u in co)}" if co else "")
    if rule:
        reason = f"事项清单 v{version} 路由规则 #{rule.id}（{rule.reason}）：{who}"
    else:
        reason = f"事项清单 v{version}「{matter.name}」（{matter.code}）归{matter.platform}平台，{who}"
    return Route(
        level=lead_target.level,
        lead=lead,
        co=co,
        rule=f"rule:{rule.id}" if rule else f"matter:{matter.code}",
        version=version,
        reason=reason,
    )
