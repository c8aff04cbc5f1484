from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from ninja import File, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field

from gridgov.accounts.jurisdiction import Action, role_may
from gridgov.audit.actor import Actor
from gridgov.core.api import InvalidInput

from .catalogue import CatalogueFormatError, read_excel, read_json, write_excel
from .classifier import classify
from .models import CatalogueVersion, Matter
from .services import CatalogueError, create_version, publish_version

router = Router(tags=["事项清单"])


class ClassifyIn(Schema):
    text: str = Field(..., min_length=1, max_length=20000)


class SuggestionOut(Schema):
    code: str
    name: str
    score: float


class ClassifyOut(Schema):
    suggestions: list[SuggestionOut]


class MatterOut(Schema):
    code: str
    name: str
    category: str

    @staticmethod
    def resolve_category(m):
        return m.category

    platform: str
    lead: str
    co: list[str]
    close_level: str
    self_resolvable: bool
    limits: dict
    urgent_limits: dict
    lists: list[str]
    public: bool
    duplicate_radius_m: int


class VersionOut(Schema):
    number: int
    status: str
    note: str
    source: str
    matters: int
    published_at: str | None

    @staticmethod
    def resolve_matters(v):
        return v.matters.count()

    @staticmethod
    def resolve_published_at(v):
        return v.published_at.isoformat() if v.published_at else None


class ProblemOut(Schema):
    where: str
    code: str
    message: str


class ImportOut(Schema):
    ok: bool
    version: int | None
    problems: list[ProblemOut]


def _version(request, number: int, action: str = Action.VIEW) -> CatalogueVersion:
    version = CatalogueVersion.objects.restrict(request.user, action).filter(number=number).first()
    if version is None:
        raise Http404
    return version


@router.post("/classify", response=ClassifyOut, summary="按描述推荐事项（前三，最可能的在前）")
def classify_text(request, payload: ClassifyIn):
    if not payload.text.strip():
        raise InvalidInput("请提供描述文字")
    return {"suggestions": classify(payload.text)}


@router.get("", response=list[MatterOut], summary="当前发布版本的事项")
def current_matters(request):
    version = CatalogueVersion.objects.restrict(request.user).current()
    return list(version.matters.all()) if version else []


@router.get("/versions", response=list[VersionOut], summary="清单版本")
def versions(request):
    return list(CatalogueVersion.objects.restrict(request.user))


@router.get("/versions/{number}/export.xlsx", summary="导出某版本为 Excel（每张清单一个工作表）")
def export_version(request, number: int):
    version = _version(request, number)
    content = write_excel(version.platforms, list(version.matters.all()), list(version.rules.all()))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="catalogue-v{number}.xlsx"'
    return response


@router.post("/versions/import", response=ImportOut, summary="导入 Excel 或 JSON 为新的草稿版本（管理员）")
def import_version(request, file: File[UploadedFile]):
    if not role_may(request.user, Action.CHANGE, CatalogueVersion.access_policy):
        raise Http404
    content = file.read()
    try:
        data = read_excel(content) if (file.name or "").lower().endswith(".xlsx") else read_json(content)
    except CatalogueFormatError as exc:
        raise InvalidInput(str(exc)) from exc
    report = create_version(Actor.from_request(request), data, source=file.name or "upload")
    return {
        "ok": report.ok,
        "version": report.version.number if report.version else None,
        "problems": [{"where": p.where, "code": p.code, "message": p.message} for p in report.problems],
    }


@router.post("/versions/{number}/publish", response=VersionOut, summary="发布草稿版本（管理员）")
def publish(request, number: int):
    version = _version(request, number, Action.CHANGE)
    try:
        return publish_version(Actor.from_request(request), version)
    except CatalogueError as exc:
        raise InvalidInput(str(exc)) from exc


@router.get("/classifier/stats", summary="分类准确率（人工确认/改判统计）")
def classifier_stats(request):
    from gridgov.events.models import Event

    events = Event.objects.restrict(request.user).exclude(suggestions=[])
    counts = events.aggregate(total=Count("id"), overridden=Count("id", filter=Q(matter_overridden=True)))
    total = counts["total"] or 0
    return {
        "classified": total,
        "confirmed": total - counts["overridden"],
        "overridden": counts["overridden"],
        "top1_accuracy": round((total - counts["overridden"]) / total, 4) if total else None,
    }


@router.get("/{code}", response=MatterOut, summary="事项详情（当前版本）")
def matter_detail(request, code: str):
    version = CatalogueVersion.objects.restrict(request.user).current()
    matter = Matter.objects.filter(version=version, code=code).first() if version else None
    if matter is None:
        raise Http404
    return matter
