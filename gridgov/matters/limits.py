"""Time limits as written in the catalogue: "4h" (working hours), "7d" (working days), "30m".

Also accepts the Chinese spellings staff type in Excel: "4小时", "4工作小时", "7天", "7工作日", "30分钟".
"""

import re
from dataclasses import dataclass

UNITS = {
    "h": "hours",
    "小时": "hours",
    "工作小时": "hours",
    "d": "days",
    "天": "days",
    "日": "days",
    "工作日": "days",
    "m": "minutes",
    "分钟": "minutes",
}
SHORT = {"hours": "h", "days": "d", "minutes": "m"}
PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z\u4e00-\u9fff]+)\s*$", re.IGNORECASE)


class LimitError(ValueError):
    """A time limit that cannot be read; the message names what was wrong."""


@dataclass(frozen=True)
class Limit:
    amount: float
    unit: str  # "hours" | "days" | "minutes", as workcal.add_working_time takes it

    def __str__(self) -> str:
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        return f"{amount}{SHORT[self.unit]}"

    @property
    def label(self) -> str:
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        return f"{amount} {dict(hours='工作小时', days='工作日', minutes='分钟')[self.unit]}"


def parse_limit(text, *, allow_zero: bool = False) -> Limit:
    match = PATTERN.match(str(text or ""))
    if not match:
        raise LimitError(f"时限 {text!r} 无法识别（应写成 4h、7d、30m 或 4小时、7工作日）")
    amount, unit_text = float(match.group(1)), match.group(2).lower()
    unit = UNITS.get(unit_text)
    if unit is None:
        raise LimitError(f"时限 {text!r} 的单位 {unit_text!r} 未知（可用 h/小时、d/工作日、m/分钟）")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise LimitError(f"时限 {text!r} 必须大于 0")
    if unit == "days" and not amount.is_integer():
        raise LimitError(f"时限 {text!r}：工作日必须是整数")
    return Limit(amount, unit)
