"""The filtered event list as an Excel workbook (openpyxl's write-only mode keeps memory flat)."""

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .sla import LABELS as SLA_LABELS

MAX_EXPORT_ROWS = 20_000
COLUMNS = [
    ("编号", 18),
    ("上报时间", 17),
    ("状态", 10),
    ("时限状态", 9),
    ("事项", 16),
    ("所属平台", 10),
    ("来源渠道", 12),
    ("网格", 26),
    ("地址", 30),
    ("描述", 60),
    ("当前责任单位", 28),
    ("主办单位", 28),
    ("本阶段时限", 17),
    ("结案时间", 17),
    ("按期结案", 9),
    ("评价", 9),
]


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _row(event) -> list:
    on_time = {True: "是", False: "否"}.get(event.closed_on_time, "")
    return [
        event.number,
        _local(event.reported_at),
        event.get_state_display(),
        SLA_LABELS.get(getattr(event, "sla", ""), ""),
        event.matter.name,
        event.matter.platform,
        event.get_channel_display(),
        f"{event.grid.name}（{event.grid.code}）",
        event.address,
        event.description,
        event.owner_unit.name,
        event.lead_unit.name if event.lead_unit_id else "",
        _local(event.stage_deadline),
        _local(event.closed_at),
        on_time,
        event.get_rating_display() if event.rating else "",
    ]


def events_workbook(events, description: str, *, truncated: bool) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("事件")
    for index, (_, width) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    note = f"筛选条件：{description}；导出时间 {_local(timezone.now())}"
    if truncated:
        note += f"；仅导出前 {MAX_EXPORT_ROWS:,} 条，请缩小筛选范围"
    sheet.append([note])
    bold = Font(bold=True)
    header = []
    for title, _ in COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for event in events:
        sheet.append(_row(event))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
