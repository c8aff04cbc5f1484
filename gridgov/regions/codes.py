"""Hierarchical territory codes (DOMAIN §2) and the integer keys that make subtrees index ranges.

Every region gets `key = int(code padded with zeros to 18 digits)`. Because no segment below
the county is ever "000", a region's subtree is exactly the key range
[prefix·10^(18-n), (prefix+1)·10^(18-n)) where prefix is its n significant digits. Integer
ranges use a plain B-tree index on SQLite and PostgreSQL alike, whatever the collation.
"""

from dataclasses import dataclass

from .choices import CODE_LENGTH, KEY_DIGITS, SIGNIFICANT_DIGITS, Level


class CodeError(ValueError):
    """A territory code that does not follow the rules; the message is shown to users."""


@dataclass(frozen=True)
class KeyRange:
    """Half-open range of region keys [low, high): one subtree, or a whole county."""

    low: int
    high: int

    def __contains__(self, key: int) -> bool:
        return self.low <= key < self.high


def significant_prefix(code: str, level: Level) -> str:
    return code[: SIGNIFICANT_DIGITS[level]]


def key_for(code: str) -> int:
    return int(code.ljust(KEY_DIGITS, "0"))


def subtree_range(code: str, level: Level) -> KeyRange:
    prefix = significant_prefix(code, level)
    scale = 10 ** (KEY_DIGITS - len(prefix))
    return KeyRange(int(prefix) * scale, (int(prefix) + 1) * scale)


def ancestor_codes(code: str, level: Level) -> list[str]:
    """Official codes of every ancestor, county first."""
    return [
        code[: SIGNIFICANT_DIGITS[upper]].ljust(CODE_LENGTH[upper], "0") for upper in Level if upper < level
    ]


def township_kind(code: str) -> str:
    """街道 001–099, 镇 100–199, 乡 200–399 (NBS rules)."""
    segment = int(code[6:9])
    if 1 <= segment <= 99:
        return "街道"
    if 100 <= segment <= 199:
        return "镇"
    if 200 <= segment <= 399:
        return "乡"
    raise CodeError(f"乡镇代码段 {code[6:9]} 不在 001–399 范围内")


def village_kind(code: str) -> str:
    """社区/居委会 001–199, 村委会 200–399 (NBS rules)."""
    segment = int(code[9:12])
    if 1 <= segment <= 199:
        return "社区"
    if 200 <= segment <= 399:
        return "村"
    raise CodeError(f"村（社区）代码段 {code[9:12]} 不在 001–399 范围内")


def validate_code(code: str, level: Level, parent_code: str | None, parent_level: Level | None) -> None:
    """Raise CodeError (Chinese message) unless `code` is well-formed for `level` under its parent."""
    expected = CODE_LENGTH[level]
    if not code.isascii() or not code.isdigit():
        raise CodeError(f"代码 {code!r} 只能由数字组成")
    if len(code) != expected:
        raise CodeError(f"{level.label}代码应为 {expected} 位，{code!r} 为 {len(code)} 位")
    if level == Level.COUNTY:
        if parent_code:
            raise CodeError("县级区划不应有上级")
        return
    if level == Level.TOWNSHIP:
        township_kind(code)
        if code[9:] != "000":
            raise CodeError(f"乡镇代码 {code} 的最后三位应为 000")
    if level == Level.VILLAGE:
        village_kind(code)
    if level in (Level.GRID, Level.MICROGRID) and code[-3:] == "000":
        raise CodeError(f"{level.label}序号不能为 000")
    if parent_code is None or parent_level is None:
        raise CodeError(f"{level.label} {code} 缺少上级区划")
    if parent_level != level - 1:
        raise CodeError(
            f"{level.label}的上级应为{Level(level - 1).label}，而 {parent_code} 是{parent_level.label}"
        )
    parent_prefix = significant_prefix(parent_code, parent_level)
    if not code.startswith(parent_prefix):
        raise CodeError(f"代码 {code} 不是上级 {parent_code} 的延伸（应以 {parent_prefix} 开头）")
