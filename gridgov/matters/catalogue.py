"""Reading, validating and writing catalogue contents (the JSON data file and Excel workbooks).

One validation for every source (ARCHITECTURE rule 7): `validate_catalogue` takes the plain
structure both readers produce and reports every problem with the row it came from.
"""

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from .choices import CatalogueList, HandlingLevel, Stage
from .limits import LimitError, parse_limit
from .targets import TargetError, parse_target

DEFAULT_FILE = Path(__file__).parent / "data" / "default_catalogue.json"
MAX_EXAMPLES = 200

# Excel columns of the matters sheet: (key, Chinese header).
MATTER_COLUMNS = [
    ("code", "事项编码"),
    ("name", "事项名称"),
    ("category_major", "大类"),
    ("category_minor", "小类"),
    ("platform", "所属平台"),
    ("lead", "主办"),
    ("co", "协办"),
    ("close_level", "最低结案层级"),
    ("self_resolvable", "网格可就地解决"),
    ("dispatch", "派遣时限"),
    ("handle", "处置时限"),
    ("verify", "核查时限"),
    ("urgent_dispatch", "紧急派遣时限"),
    ("urgent_handle", "紧急处置时限"),
    ("urgent_verify", "紧急核查时限"),
    ("public", "群众可上报"),
    ("duplicate_radius_m", "重复判定半径米"),
    ("keywords", "关键词"),
    ("examples", "示例描述"),
]
RULE_COLUMNS = [
    ("matter", "事项编码"),
    ("township_kind", "乡镇类型"),
    ("township_code", "乡镇代码"),
    ("lead", "主办"),
    ("co", "协办"),
    ("reason", "说明"),
]
LIST_SHEETS = {
    CatalogueList.POWER: "权力清单",
    CatalogueList.SERVICE: "政务服务清单",
    CatalogueList.TERRITORIAL: "属地管理事项责任清单",
    CatalogueList.ENFORCEMENT: "综合行政执法事项目录",
    CatalogueList.LINK_152: "152-141贯通清单",
}
MATTERS_SHEET, RULES_SHEET = "事项", "路由规则"
LEVEL_BY_TEXT = {**{c.value: c.value for c in HandlingLevel}, **{c.label: c.value for c in HandlingLevel}}


class CatalogueFormatError(ValueError):
    """The file as a whole cannot be read."""


@dataclass
class Problem:
    where: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}（{self.code or '无编码'}）：{self.message}"


@dataclass
class CatalogueContent:
    """Validated, normalised contents ready to be written as a new draft version."""

    platforms: list[str]
    matters: list[dict] = field(default_factory=list)
    rules: list[dict] = field(default_factory=list)


def _split(value, separators=",，、;；") -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value)
    for sep in separators:
        text = text.replace(sep, "\n")
    return [part.strip() for part in text.splitlines() if part.strip()]


def _flag(value, default: bool) -> bool:
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "是", "y", "√"}


def _validate_matter(raw: dict, where: str, platforms: list[str], problems: list[Problem]) -> dict | None:
    code = str(raw.get("code") or "").strip()
    errors_before = len(problems)

    def problem(message: str) -> None:
        problems.append(Problem(where, code, message))

    if not code or not code.replace("-", "").isalnum() or len(code) > 20:
        problem("事项编码必须是不超过 20 位的字母数字")
    name = str(raw.get("name") or "").strip()
    if not name or len(name) > 60:
        problem("事项名称不能为空且不超过 60 字")
    category = raw.get("category") or [raw.get("category_major"), raw.get("category_minor")]
    major, minor = (str(c or "").strip() for c in ([*list(category), "", ""])[:2])
    if not major or not minor:
        problem("大类和小类都不能为空")
    platform = str(raw.get("platform") or "").strip()
    if platform not in platforms:
        problem(f"所属平台 {platform!r} 不在平台名单 {platforms} 中")
    lead = str(raw.get("lead") or "").strip()
    try:
        parse_target(lead)
    except TargetError as exc:
        problem(f"主办：{exc}")
    co = _split(raw.get("co"))
    for target in co:
        try:
            parse_target(target)
        except TargetError as exc:
            problem(f"协办：{exc}")
    if lead in co:
        problem("主办单位不能同时是协办单位")
    close_level = LEVEL_BY_TEXT.get(str(raw.get("close_level") or "").strip())
    if close_level is None:
        problem(f"最低结案层级 {raw.get('close_level')!r} 无法识别（grid/village/township/county）")
    limits, urgent = {}, {}
    for stage in Stage.values:
        source_limits = raw.get("limits") or {}
        value = source_limits.get(stage) if isinstance(source_limits, dict) else None
        value = value if value is not None else raw.get(stage)
        try:
            limits[stage] = str(parse_limit(value))
        except LimitError as exc:
            problem(f"{Stage(stage).label}时限：{exc}")
        source_urgent = raw.get("urgent_limits") or {}
        urgent_value = source_urgent.get(stage) if isinstance(source_urgent, dict) else None
        urgent_value = urgent_value if urgent_value is not None else raw.get(f"urgent_{stage}")
        if urgent_value not in (None, ""):
            try:
                urgent[stage] = str(parse_limit(urgent_value))
            except LimitError as exc:
                problem(f"紧急{Stage(stage).label}时限：{exc}")
    lists = _split(raw.get("lists"))
    unknown = [x for x in lists if x not in CatalogueList.values]
    if unknown:
        problem(f"未知的清单 {unknown}（可用 {', '.join(CatalogueList.values)}）")
    try:
        radius = int(
            float(
                raw.get("duplicate_radius_m", 50) if raw.get("duplicate_radius_m") not in (None, "") else 50
            )
        )
        if radius < 0 or radius > 5000:
            raise ValueError
    except (TypeError, ValueError):
        problem(f"重复判定半径 {raw.get('duplicate_radius_m')!r} 应为 0–5000 的整数（米）")
        radius = 50
    examples = _split(raw.get("examples"), separators="")
    if len(examples) > MAX_EXAMPLES:
        problem(f"示例描述最多 {MAX_EXAMPLES} 条")
    if len(problems) > errors_before:
        return None
    return {
        "code": code,
        "name": name,
        "category_major": major,
        "category_minor": minor,
        "platform": platform,
        "lead": lead,
        "co": co,
        "close_level": close_level,
        "self_resolvable": _flag(raw.get("self_resolvable"), False),
        "limits": limits,
        "urgent_limits": urgent,
        "lists": sorted(set(lists)),
        "public": _flag(raw.get("public"), True),
        "duplicate_radius_m": radius,
        "keywords": _split(raw.get("keywords")),
        "examples": examples,
    }


def _validate_rule(raw: dict, where: str, codes: set[str], problems: list[Problem]) -> dict | None:
    code = str(raw.get("matter") or raw.get("matter_code") or "").strip()
    before = len(problems)
    if code not in codes:
        problems.append(Problem(where, code, "规则引用的事项编码不存在"))
    kind = str(raw.get("township_kind") or "").strip()
    if kind not in ("", "街道", "镇", "乡"):
        problems.append(Problem(where, code, f"乡镇类型 {kind!r} 应为 街道、镇、乡 或留空"))
    township = str(raw.get("township_code") or "").strip()
    if township and (len(township) != 12 or not township.isdigit() or not township.endswith("000")):
        problems.append(Problem(where, code, f"乡镇代码 {township!r} 应为以 000 结尾的 12 位数字"))
    for target in [raw.get("lead"), *_split(raw.get("co"))]:
        try:
            parse_target(target)
        except TargetError as exc:
            problems.append(Problem(where, code, str(exc)))
    reason = str(raw.get("reason") or "").strip()
    if not reason:
        problems.append(Problem(where, code, "规则必须写明说明（用于“为何派到这里”）"))
    if len(problems) > before:
        return None
    return {
        "matter_code": code,
        "township_kind": kind,
        "township_code": township,
        "lead": str(raw.get("lead")).strip(),
        "co": _split(raw.get("co")),
        "reason": reason[:200],
    }


def validate_catalogue(data: dict) -> tuple[CatalogueContent, list[Problem]]:
    """Validate every matter and rule; the content is usable only when the problem list is empty."""
    problems: list[Problem] = []
    platforms = [str(p).strip() for p in data.get("platforms") or [] if str(p).strip()]
    if len(platforms) == 0:
        problems.append(Problem("平台名单", "", "至少需要一个平台名称"))
    content = CatalogueContent(platforms=platforms)
    seen: dict[str, str] = {}
    for index, raw in enumerate(data.get("matters") or [], start=1):
        where = raw.pop("_where", f"事项 {index}") if isinstance(raw, dict) else f"事项 {index}"
        if not isinstance(raw, dict):
            problems.append(Problem(where, "", "不是事项对象"))
            continue
        matter = _validate_matter(raw, where, platforms, problems)
        code = str(raw.get("code") or "").strip()
        if code and code in seen:
            problems.append(Problem(where, code, f"事项编码重复（与{seen[code]}相同）"))
            continue
        seen[code] = where
        if matter:
            content.matters.append(matter)
    if not data.get("matters"):
        problems.append(Problem("事项", "", "清单中没有任何事项"))
    names: dict[str, str] = {}
    for matter in content.matters:
        if matter["name"] in names:
            problems.append(Problem("事项", matter["code"], f"事项名称与 {names[matter['name']]} 重复"))
        names[matter["name"]] = matter["code"]
    for index, raw in enumerate(data.get("rules") or [], start=1):
        where = raw.pop("_where", f"规则 {index}") if isinstance(raw, dict) else f"规则 {index}"
        rule = _validate_rule(raw, where, set(seen), problems) if isinstance(raw, dict) else None
        if rule:
            content.rules.append(rule)
    return content, problems


# --- sources -----------------------------------------------------------------------------------


def read_default() -> dict:
    return json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))


def read_json(content: bytes) -> dict:
    try:
        data = json.loads(content)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CatalogueFormatError(f"不是有效的 JSON：{exc}") from exc
    if not isinstance(data, dict) or "matters" not in data:
        raise CatalogueFormatError("JSON 顶层应为含 matters 的对象")
    return data


def _sheet_rows(workbook, name: str, columns: list[tuple[str, str]], required: bool) -> list[dict]:
    if name not in workbook.sheet_names:
        if required:
            raise CatalogueFormatError(f"缺少工作表“{name}”")
        return []
    table = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    header_index = next((i for i, row in enumerate(table) if any(v not in (None, "") for v in row)), None)
    if header_index is None:
        return []
    by_header = {header: key for key, header in columns} | {key: key for key, _ in columns}
    keys = [by_header.get(str(h).strip()) for h in table[header_index]]
    rows = []
    for number, values in enumerate(table[header_index + 1 :], start=header_index + 2):
        if all(v in (None, "") for v in values):
            continue
        row = {k: v for k, v in zip(keys, values, strict=False) if k}
        row["_where"] = f"工作表“{name}”第 {number} 行"
        rows.append(row)
    return rows


def read_excel(content: bytes) -> dict:
    """Read a workbook in the export's shape: the matters sheet, the rules sheet, one sheet per list."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception as exc:  # calamine raises several types for a broken file
        raise CatalogueFormatError(f"无法读取 Excel 文件：{exc}") from exc
    matters = _sheet_rows(workbook, MATTERS_SHEET, MATTER_COLUMNS, required=True)
    membership: dict[str, list[str]] = {}
    for list_name, sheet in LIST_SHEETS.items():
        for row in _sheet_rows(workbook, sheet, [("code", "事项编码"), ("name", "事项名称")], required=False):
            membership.setdefault(str(row.get("code") or "").strip(), []).append(list_name)
    for row in matters:
        row["lists"] = membership.get(str(row.get("code") or "").strip(), [])
        row["code"] = _text(row.get("code"))
    platforms = sorted({str(r.get("platform") or "").strip() for r in matters if r.get("platform")})
    if "平台" in workbook.sheet_names:
        platforms = [
            str(r[0]).strip() for r in workbook.get_sheet_by_name("平台").to_python()[1:] if r and r[0]
        ]
    rules = _sheet_rows(workbook, RULES_SHEET, RULE_COLUMNS, required=False)
    for rule in rules:
        rule["township_code"] = _text(rule.get("township_code"))
    return {"platforms": platforms, "matters": matters, "rules": rules}


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel turns digit strings into numbers
    return "" if value is None else str(value).strip()


def write_excel(platforms: list[str], matters: list, rules: list) -> bytes:
    """A workbook people can edit and import again: matters, rules, platforms and one sheet per list."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(MATTERS_SHEET)
    sheet.append([header for _, header in MATTER_COLUMNS])
    for m in matters:
        sheet.append(
            [
                m.code,
                m.name,
                m.category_major,
                m.category_minor,
                m.platform,
                m.lead,
                "、".join(m.co),
                m.close_level,
                "是" if m.self_resolvable else "否",
                m.limits.get("dispatch", ""),
                m.limits.get("handle", ""),
                m.limits.get("verify", ""),
                m.urgent_limits.get("dispatch", ""),
                m.urgent_limits.get("handle", ""),
                m.urgent_limits.get("verify", ""),
                "是" if m.public else "否",
                m.duplicate_radius_m,
                "、".join(m.keywords),
                "\n".join(m.examples),
            ]
        )
    rules_sheet = workbook.create_sheet(RULES_SHEET)
    rules_sheet.append([header for _, header in RULE_COLUMNS])
    for r in rules:
        rules_sheet.append(
            [r.matter_code, r.township_kind, r.township_code, r.lead, "、".join(r.co), r.reason]
        )
    platform_sheet = workbook.create_sheet("平台")
    platform_sheet.append(["平台名称"])
    for name in platforms:
        platform_sheet.append([name])
    for list_name, title in LIST_SHEETS.items():
        list_sheet = workbook.create_sheet(title)
        header = ["事项编码", "事项名称"]
        if list_name == CatalogueList.TERRITORIAL:
            header += ["主体责任（主办）", "配合责任（协办）"]
        list_sheet.append(header)
        for m in matters:
            if list_name in m.lists:
                row = [m.code, m.name]
                if list_name == CatalogueList.TERRITORIAL:
                    row += [m.lead, "、".join(m.co)]
                list_sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
