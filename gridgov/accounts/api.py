from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from .selectors import get_unit_for_user, units_for

router = Router(tags=["单位"])


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    line: str
    parent_code: str | None
    territory_code: str

    @staticmethod
    def resolve_kind_label(unit) -> str:
        return unit.get_kind_display()

    @staticmethod
    def resolve_parent_code(unit) -> str | None:
        return unit.parent.code if unit.parent_id else None

    @staticmethod
    def resolve_territory_code(unit) -> str:
        return unit.territory.code


@router.get("", response=list[UnitOut], summary="单位列表（本人管辖范围内）")
@paginate(LimitOffsetPagination)
def list_units(request, kind: str | None = None, territory: str | None = None):
    return units_for(request.user, kind=kind, territory_code=territory)


@router.get("/{code}", response=UnitOut, summary="单位详情")
def unit_detail(request, code: str):
    return get_unit_for_user(request.user, code)
