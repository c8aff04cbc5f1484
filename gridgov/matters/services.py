"""State changes of the catalogue: create a draft version from validated content, publish it."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from gridgov.accounts.choices import UnitKind
from gridgov.accounts.models import Unit
from gridgov.audit.actor import Actor
from gridgov.audit.services import record

from .catalogue import Problem, read_default, validate_catalogue
from .choices import VersionStatus
from .models import CatalogueVersion, Matter, RoutingRule
from .targets import parse_target


class CatalogueError(Exception):
    """A catalogue action that cannot be done; the message is for users."""


@dataclass
class VersionReport:
    version: CatalogueVersion | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def create_version(actor: Actor, data: dict, *, source: str, note: str = "") -> VersionReport:
    """Validate every row, then write a new draft version with all of them, or nothing at all."""
    content, problems = validate_catalogue(data)
    if problems:
        return VersionReport(problems=problems)
    with transaction.atomic():
        # PostgreSQL allows FOR UPDATE with LIMIT but not with an aggregate: lock the newest row.
        newest = (
            CatalogueVersion.objects.select_for_update()
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
        number = (newest or 0) + 1
        version = CatalogueVersion.objects.create(
            number=number,
            note=note[:300],
            source=source[:200],
            platforms=content.platforms,
            created_by=actor.user if getattr(actor.user, "pk", None) else None,
        )
        Matter.objects.bulk_create(Matter(version=version, **m) for m in content.matters)
        RoutingRule.objects.bulk_create(RoutingRule(version=version, **r) for r in content.rules)
        record(
            actor,
            "catalogue.create_version",
            version,
            summary={"matters": len(content.matters), "rules": len(content.rules), "source": source},
        )
    return VersionReport(version=version)


def publication_problems(version: CatalogueVersion) -> list[Problem]:
    """What would stop `version` from routing events in this county: every county line named by a
    matter or rule must have an active department, every platform must exist in each township."""
    problems = []
    lines = set(Unit.objects.filter(kind=UnitKind.DEPARTMENT, is_active=True).values_list("line", flat=True))
    platform_names = set(
        Unit.objects.filter(kind=UnitKind.TOWNSHIP_PLATFORM, is_active=True).values_list(
            "short_name", flat=True
        )
    )
    for name in version.platforms:
        if f"{name}平台" not in platform_names:
            problems.append(Problem("平台名单", "", f"系统中没有名为“{name}平台”的乡镇平台单位"))
    targets = [(m.code, t) for m in version.matters.all() for t in [m.lead, *m.co]]
    targets += [(r.matter_code, t) for r in version.rules.all() for t in [r.lead, *r.co]]
    for code, text in targets:
        target = parse_target(text)
        if target.text.startswith("county:") and target.text.removeprefix("county:") not in lines:
            problems.append(
                Problem("事项", code, f"没有负责条线 {target.text.removeprefix('county:')} 的县级部门")
            )
    return problems


def publish_version(actor: Actor, version: CatalogueVersion) -> CatalogueVersion:
    """Publish a draft: it routes new events from now on; the previous published version retires."""
    with transaction.atomic():
        version = CatalogueVersion.objects.select_for_update().get(pk=version.pk)
        if version.status != VersionStatus.DRAFT:
            raise CatalogueError(f"v{version.number} 已是{version.get_status_display()}状态，不能再次发布")
        problems = publication_problems(version)
        if problems:
            raise CatalogueError("不能发布：" + "；".join(str(p) for p in problems[:10]))
        retired = list(CatalogueVersion.objects.select_for_update().filter(status=VersionStatus.PUBLISHED))
        CatalogueVersion.objects.filter(pk__in=[v.pk for v in retired]).update(status=VersionStatus.RETIRED)
        version.status = VersionStatus.PUBLISHED
        version.published_at = timezone.now()
        version.published_by = actor.user if getattr(actor.user, "pk", None) else None
        version.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        record(
            actor,
            "catalogue.publish",
            version,
            before={"status": VersionStatus.DRAFT},
            after={"status": VersionStatus.PUBLISHED, "retired": [v.number for v in retired]},
        )
    from .classifier import invalidate_classifier
    from .lookup import forget_current

    # Now for this process, and again on commit so that no read in between caches the old state.
    for forget in (invalidate_classifier, forget_current):
        forget()
        transaction.on_commit(forget)
    return version


def ensure_default_catalogue(actor: Actor) -> CatalogueVersion | None:
    """Load and publish the shipped catalogue unless a catalogue already exists (idempotent)."""
    if CatalogueVersion.objects.exists():
        return None
    report = create_version(actor, read_default(), source="默认清单", note="系统默认事项清单")
    if not report.ok:
        raise CatalogueError("默认事项清单有误：" + "；".join(str(p) for p in report.problems[:10]))
    return publish_version(actor, report.version)
