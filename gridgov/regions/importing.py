"""Staged territory import (ARCHITECTURE rule 7): read → validate every row → commit all or nothing.

Rows come from GeoJSON (a FeatureCollection whose features carry `code`, `name`, `level`,
`parent_code`, `residents` properties) or from Excel (one row per region, geometry as GeoJSON
text). Errors name the row or feature and the code; if there is any, nothing is written.
Importing the same file twice changes nothing the second time.
"""

import io
import json
from dataclasses import dataclass, field

import shapely
from django.db import transaction
from shapely.geometry import shape
from shapely.validation import explain_validity

from gridgov.audit.actor import Actor
from gridgov.audit.services import record

from .choices import Level
from .codes import CodeError, key_for, validate_code
from .models import Region, TerritoryRevision

MAX_NAME = 100
# Two neighbours may share an edge; a shared area above this fraction of the smaller one is an overlap.
OVERLAP_TOLERANCE = 1e-6
COLUMNS = ["code", "name", "level", "parent_code", "residents", "synthetic", "geometry"]
LEVEL_NAMES = {
    "county": Level.COUNTY,
    "township": Level.TOWNSHIP,
    "village": Level.VILLAGE,
    "grid": Level.GRID,
    "microgrid": Level.MICROGRID,
    **{level.label: level for level in Level},
    "县": Level.COUNTY,
    "乡镇": Level.TOWNSHIP,
    "街道": Level.TOWNSHIP,
    "村": Level.VILLAGE,
    "社区": Level.VILLAGE,
}


class ImportFormatError(ValueError):
    """The file as a whole cannot be read (not JSON, not a FeatureCollection, not an Excel file)."""


@dataclass
class TerritoryRow:
    row: str  # "第 3 行" / "要素 3": where the user finds it in the file
    code: str
    name: str
    level: Level | None
    parent_code: str | None
    geometry: dict | None
    residents: int | None = None
    synthetic: bool = False


@dataclass
class RowError:
    row: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.row}（{self.code or '无代码'}）：{self.message}"


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "committed": self.committed,
            "errors": [{"row": e.row, "code": e.code, "message": e.message} for e in self.errors],
        }


# --- reading -------------------------------------------------------------------------------------


def infer_level(code: str) -> Level | None:
    if len(code) == 6:
        return Level.COUNTY
    if len(code) == 12:
        return Level.TOWNSHIP if code.endswith("000") else Level.VILLAGE
    if len(code) == 15:
        return Level.GRID
    if len(code) == 18:
        return Level.MICROGRID
    return None


def parse_level(value, code: str) -> Level | None:
    if value in (None, ""):
        return infer_level(code)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Level(int(value)) if float(value).is_integer() and int(value) in Level.values else None
    text = str(value).strip()
    if text.isdigit() and int(text) in Level.values:
        return Level(int(text))
    return LEVEL_NAMES.get(text.lower(), LEVEL_NAMES.get(text))


def _code_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel turns long digit strings into numbers
    return str(value).strip()


def _residents(value):
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value  # kept as is, reported by validation
    return int(number) if number.is_integer() else value


def _flag(value) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "是", "y"}


def rows_from_geojson(data: bytes | str | dict) -> list[TerritoryRow]:
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ImportFormatError(f"不是有效的 JSON：{exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ImportFormatError("GeoJSON 顶层应为 FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise ImportFormatError("FeatureCollection 缺少 features 数组")
    rows = []
    for index, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            props = {}
        code = _code_text(props.get("code"))
        rows.append(
            TerritoryRow(
                row=f"要素 {index}",
                code=code,
                name=str(props.get("name") or "").strip(),
                level=parse_level(props.get("level"), code),
                parent_code=_code_text(props.get("parent_code")) or None,
                geometry=feature.get("geometry") if isinstance(feature, dict) else None,
                residents=_residents(props.get("residents")),
                synthetic=_flag(props.get("synthetic", False)),
            )
        )
    return rows


def rows_from_excel(content: bytes) -> list[TerritoryRow]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        # skip_empty_area=False keeps leading blank rows, so that "第 N 行" is the row Excel shows.
        sheet = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several types for a broken file
        raise ImportFormatError(f"无法读取 Excel 文件：{exc}") from exc
    # The header is the first non-blank row; rows are numbered as Excel shows them (1-based).
    header_index = next(
        (i for i, values in enumerate(sheet) if any(v not in (None, "") for v in values)), None
    )
    if header_index is None:
        raise ImportFormatError("Excel 第一个工作表为空")
    header = [str(h).strip().lower() for h in sheet[header_index]]
    missing = [c for c in ("code", "name") if c not in header]
    if missing:
        raise ImportFormatError(f"Excel 表头缺少列：{', '.join(missing)}（应有 {', '.join(COLUMNS)}）")
    rows = []
    for number, values in enumerate(sheet[header_index + 1 :], start=header_index + 2):
        cell = dict(zip(header, values, strict=False))
        if all(v in (None, "") for v in values):
            continue
        code = _code_text(cell.get("code"))
        geometry_text = cell.get("geometry")
        geometry: dict | str | None = None
        if geometry_text not in (None, ""):
            try:
                geometry = json.loads(geometry_text)
            except (TypeError, json.JSONDecodeError):
                geometry = str(geometry_text)  # reported by validation
        rows.append(
            TerritoryRow(
                row=f"第 {number} 行",
                code=code,
                name=str(cell.get("name") or "").strip(),
                level=parse_level(cell.get("level"), code),
                parent_code=_code_text(cell.get("parent_code")) or None,
                geometry=geometry,
                residents=_residents(cell.get("residents")),
                synthetic=_flag(cell.get("synthetic", False)),
            )
        )
    return rows


# --- validation ----------------------------------------------------------------------------------


def _unclosed_ring(geometry: dict) -> str | None:
    """GeoJSON rings must end where they start (RFC 7946 §3.1.6); shapely would close them silently."""
    polygons = (
        [geometry.get("coordinates")] if geometry.get("type") == "Polygon" else geometry.get("coordinates")
    )
    if not isinstance(polygons, list):
        return "边界缺少坐标"
    for polygon in polygons:
        for ring in polygon if isinstance(polygon, list) else []:
            if isinstance(ring, list) and len(ring) >= 2 and ring[0] != ring[-1]:
                return "边界无效：环不闭合（首尾坐标不同）"
    return None


def _geometry_error(geometry) -> tuple[str | None, object]:
    if not isinstance(geometry, dict):
        return "边界不是 GeoJSON 几何对象", None
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return f"边界类型应为 Polygon 或 MultiPolygon，而不是 {geometry.get('type')!r}", None
    if unclosed := _unclosed_ring(geometry):
        return unclosed, None
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises many types for malformed coordinates
        return f"边界坐标格式错误：{exc}", None
    if geom.is_empty:
        return "边界为空", None
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        return "边界坐标超出经纬度范围", None
    if not geom.is_valid:
        return f"边界无效（自相交或环不闭合）：{explain_validity(geom)}", None
    return None, geom


def validate_rows(rows: list[TerritoryRow]) -> tuple[list[RowError], dict[str, object]]:
    """Check every row; return the errors and the parsed geometries by code."""
    errors: list[RowError] = []
    geoms: dict[str, object] = {}
    seen: dict[str, str] = {}
    in_file = {r.code: r for r in rows if r.code}
    parent_codes = {r.parent_code for r in rows if r.parent_code and r.parent_code not in in_file}
    existing_parents = {
        code: Level(level)
        for code, level in Region.objects.filter(code__in=parent_codes).values_list("code", "level")
    }

    for r in rows:

        def err(message: str, r=r) -> None:
            errors.append(RowError(r.row, r.code, message))

        if not r.code:
            err("缺少代码")
            continue
        if r.code in seen:
            err(f"代码重复（与{seen[r.code]}相同）")
            continue
        seen[r.code] = r.row
        if r.level is None:
            err("层级无法识别（可用 county/township/village/grid/microgrid 或 1–5）")
            continue
        if not r.name:
            err("缺少名称")
        elif len(r.name) > MAX_NAME:
            err(f"名称超过 {MAX_NAME} 字")
        parent_level = None
        if r.parent_code:
            if r.parent_code in in_file:
                parent_level = in_file[r.parent_code].level
            else:
                parent_level = existing_parents.get(r.parent_code)
                if parent_level is None:
                    err(f"上级 {r.parent_code} 不存在（既不在文件中，也不在系统中）")
                    continue
        try:
            validate_code(r.code, r.level, r.parent_code, parent_level)
        except CodeError as exc:
            err(str(exc))
        if r.residents is not None and (not isinstance(r.residents, int) or r.residents < 0):
            err(f"常住人口应为非负整数，而不是 {r.residents!r}")
        if r.geometry is not None:
            message, geom = _geometry_error(r.geometry)
            if message:
                err(message)
            else:
                geoms[r.code] = geom
        elif r.level >= Level.GRID:
            err("网格必须有边界")

    errors.extend(_overlaps(rows, geoms))
    return errors, geoms


def _overlaps(rows: list[TerritoryRow], geoms: dict[str, object]) -> list[RowError]:
    """Regions of one level must not overlap: check the file against itself and the database."""
    errors = []
    by_code = {r.code: r for r in rows}
    for level in Level:
        codes = [c for c, _ in geoms.items() if by_code[c].level == level]
        if not codes:
            continue
        others = list(
            Region.objects.filter(level=level, geometry__isnull=False)
            .exclude(code__in=list(by_code))
            .values_list("code", "geometry")
        )
        all_codes = codes + [c for c, _ in others]
        all_geoms = [geoms[c] for c in codes] + [shape(g) for _, g in others]
        tree = shapely.STRtree(all_geoms)
        left, right = tree.query(all_geoms[: len(codes)], predicate="intersects")
        for i, j in zip(left.tolist(), right.tolist(), strict=True):
            if j == i or (j < len(codes) and j < i):
                continue  # itself, or a pair already checked from the other side
            a, b = all_geoms[i], all_geoms[j]
            shared = a.intersection(b).area
            if shared > OVERLAP_TOLERANCE * min(a.area, b.area):
                r = by_code[all_codes[i]]
                errors.append(
                    RowError(
                        r.row,
                        r.code,
                        f"边界与 {all_codes[j]} 重叠（重叠面积占 {shared / min(a.area, b.area):.2%}）",
                    )
                )
    return errors


# --- commit --------------------------------------------------------------------------------------


def _fields(row: TerritoryRow, geom) -> dict:
    bounds = geom.bounds if geom is not None else (None, None, None, None)
    return {
        "name": row.name,
        "level": int(row.level),
        "geometry": row.geometry if geom is not None else None,
        "min_lon": bounds[0],
        "min_lat": bounds[1],
        "max_lon": bounds[2],
        "max_lat": bounds[3],
        "synthetic": row.synthetic,
    }


def _geometry_json(value) -> str:
    return json.dumps(value, sort_keys=True) if value is not None else ""


def import_territory(rows: list[TerritoryRow], actor: Actor, *, dry_run: bool = False) -> ImportReport:
    """Validate every row, then upsert all of them in one transaction, or nothing at all."""
    report = ImportReport(rows=len(rows))
    report.errors, geoms = validate_rows(rows)
    if report.errors or dry_run:
        return report

    with transaction.atomic():
        ordered = sorted(rows, key=lambda r: (r.level, r.code))
        existing = {r.code: r for r in Region.objects.filter(code__in=[r.code for r in rows])}
        ids = dict(
            Region.objects.filter(code__in={r.parent_code for r in rows if r.parent_code}).values_list(
                "code", "id"
            )
        )
        geometry_changed = False
        residents_given = False
        for row in ordered:
            values = _fields(row, geoms.get(row.code))
            values["parent_id"] = ids.get(row.parent_code) if row.parent_code else None
            if row.residents is not None and row.level >= Level.GRID:
                values["residents"] = row.residents
                residents_given = True
            region = existing.get(row.code)
            if region is None:
                region = Region.objects.create(code=row.code, key=key_for(row.code), **values)
                report.created += 1
                geometry_changed |= row.level >= Level.GRID
            else:
                changed = [
                    name
                    for name, value in values.items()
                    if (
                        _geometry_json(getattr(region, name)) != _geometry_json(value)
                        if name == "geometry"
                        else getattr(region, name) != value
                    )
                ]
                if changed:
                    for name in changed:
                        setattr(region, name, values[name])
                    region.save(update_fields=[*changed, "updated_at"])
                    report.updated += 1
                    geometry_changed |= "geometry" in changed and row.level >= Level.GRID
                else:
                    report.unchanged += 1
            ids[row.code] = region.id
        if geometry_changed:
            TerritoryRevision.bump()
            from .locate import forget_locator

            forget_locator()
            transaction.on_commit(forget_locator)
        if residents_given or report.created:
            rollup_residents()
        if report.created or report.updated:
            record(
                actor,
                "territory.import",
                ("regions.region", "import"),
                summary={"rows": report.rows, "created": report.created, "updated": report.updated},
            )
        report.committed = True
    return report


def rollup_residents() -> int:
    """Recompute the cached resident counts above the grids from the grids. Returns rows changed."""
    totals: dict[int, int] = {}
    grid_rows = Region.objects.filter(level=Level.GRID).values_list("parent_id", "residents")
    for parent_id, residents in grid_rows:
        totals[parent_id] = totals.get(parent_id, 0) + residents
    changed = 0
    for level in (Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY):
        regions = list(Region.objects.filter(level=level).only("id", "parent_id", "residents"))
        for region in regions:
            total = totals.get(region.id, 0)
            if region.parent_id:
                totals[region.parent_id] = totals.get(region.parent_id, 0) + total
            if region.residents != total:
                region.residents = total
                region.save(update_fields=["residents", "updated_at"])
                changed += 1
    return changed
