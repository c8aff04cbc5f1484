from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from gridgov.accounts.jurisdiction import Action, get_object_for_user
from gridgov.audit.actor import Actor
from gridgov.core.views import staff_required

from .choices import Level
from .exporting import export_excel, export_geojson
from .forms import TerritoryImportForm
from .importing import ImportFormatError, import_territory, rows_from_excel, rows_from_geojson
from .models import Region
from .selectors import children_for, counts_by_level, get_region_for_user, root_regions_for, visible_ancestors


@staff_required
def territory_map(request):
    roots = list(children_for(request.user, None))
    return render(request, "regions/map.html", {"roots": roots})


@staff_required
def region_detail(request, code):
    region = get_region_for_user(request.user, code)
    return render(
        request,
        "regions/detail.html",
        {
            "region": region,
            "ancestors": visible_ancestors(request.user, region),
            "children": children_for(request.user, region),
            "counts": counts_by_level(request.user, region),
            "units": region.units.restrict(request.user).order_by("kind", "code"),
            "is_grid": region.level >= Level.GRID,
        },
    )


@staff_required
def region_children(request, code):
    """htmx partial: the next level of the tree browser."""
    region = get_region_for_user(request.user, code)
    return render(request, "regions/_tree_nodes.html", {"nodes": children_for(request.user, region)})


def _export_root(request):
    code = request.GET.get("root")
    if code:
        return get_region_for_user(request.user, code)
    return root_regions_for(request.user).first()


@staff_required
def export(request, fmt):
    root = _export_root(request)
    regions = (
        Region.objects.restrict(request.user).subtree(root).select_related("parent")
        if root
        else Region.objects.none()
    )
    stamp = timezone.localtime().strftime("%Y%m%d")
    name = f"territory-{root.code if root else 'empty'}-{stamp}"
    if fmt == "geojson":
        response = JsonResponse(export_geojson(regions), json_dumps_params={"ensure_ascii": False})
        response["Content-Disposition"] = f'attachment; filename="{name}.geojson"'
        return response
    response = HttpResponse(
        export_excel(regions),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@staff_required
def import_page(request):
    # Only those who may change the whole territory: re-checked against the county root.
    county = get_object_for_user(Region.objects.filter(parent__isnull=True), request.user, Action.CHANGE)
    report = format_error = None
    form = TerritoryImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            rows = (
                rows_from_excel(content)
                if upload.name.lower().endswith(".xlsx")
                else rows_from_geojson(content)
            )
        except ImportFormatError as exc:
            format_error = str(exc)
        else:
            report = import_territory(
                rows, Actor.from_request(request), dry_run=not form.cleaned_data["commit"]
            )
    return render(
        request,
        "regions/import.html",
        {"form": form, "report": report, "format_error": format_error, "county": county},
    )
