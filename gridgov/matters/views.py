"""Catalogue pages: every staff member reads the lists; administrators import, export and publish."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from gridgov.accounts.jurisdiction import Action, role_may
from gridgov.audit.actor import Actor
from gridgov.core.views import staff_required

from .catalogue import LIST_SHEETS, CatalogueFormatError, read_excel, read_json, write_excel
from .choices import CatalogueList
from .models import CatalogueVersion
from .services import CatalogueError, create_version, publish_version

MAX_UPLOAD = 10 * 1024 * 1024


def _version(request, number: int, action: str = Action.VIEW) -> CatalogueVersion:
    version = CatalogueVersion.objects.restrict(request.user, action).filter(number=number).first()
    if version is None:
        raise Http404("没有这个清单版本")
    return version


def _may_change(user) -> bool:
    return role_may(user, Action.CHANGE, CatalogueVersion.access_policy)


@staff_required
def catalogue(request):
    versions = CatalogueVersion.objects.restrict(request.user)
    current = versions.current()
    return _version_page(request, current, versions)


@staff_required
def version_detail(request, number: int):
    return _version_page(request, _version(request, number), CatalogueVersion.objects.restrict(request.user))


def _version_page(request, version, versions):
    chosen_list = request.GET.get("list", "")
    matters = version.matters.all() if version else []
    if version and chosen_list in CatalogueList.values:
        matters = [m for m in matters if chosen_list in m.lists]
    return render(
        request,
        "matters/catalogue.html",
        {
            "version": version,
            "versions": versions,
            "matters": matters,
            "rules": version.rules.all() if version else [],
            "lists": CatalogueList.choices,
            "chosen_list": chosen_list,
            "may_change": _may_change(request.user),
            "sheet_names": LIST_SHEETS,
        },
    )


@staff_required
def export(request, number: int):
    version = _version(request, number)
    content = write_excel(version.platforms, list(version.matters.all()), list(version.rules.all()))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="catalogue-v{number}.xlsx"'
    return response


@staff_required
def import_version(request):
    if not _may_change(request.user):
        raise Http404
    problems, error = [], None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "请选择要导入的文件"
        elif upload.size > MAX_UPLOAD:
            error = "文件超过 10 MB"
        elif not upload.name.lower().endswith((".xlsx", ".json")):
            error = "只接受 .xlsx 或 .json 文件"
        else:
            content = upload.read()
            try:
                data = read_excel(content) if upload.name.lower().endswith(".xlsx") else read_json(content)
            except CatalogueFormatError as exc:
                error = str(exc)
            else:
                report = create_version(
                    Actor.from_request(request), data, source=upload.name, note=request.POST.get("note", "")
                )
                if report.ok:
                    messages.success(request, f"已导入为草稿 v{report.version.number}，核对无误后请发布。")
                    return redirect("matters:version", number=report.version.number)
                problems = report.problems
    return render(request, "matters/import.html", {"problems": problems, "error": error})


@staff_required
@require_POST
def publish(request, number: int):
    version = _version(request, number, Action.CHANGE)
    try:
        publish_version(Actor.from_request(request), version)
    except CatalogueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"v{number} 已发布：此后受理的事件按此版本派遣，已有事件保留原版本。")
    return redirect("matters:version", number=number)
