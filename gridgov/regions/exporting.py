"""Territory export: GeoJSON and Excel, in the same shape the importer reads back."""

import io
import json

from openpyxl import Workbook

from .importing import COLUMNS
from .selectors import feature_collection


def export_geojson(regions) -> dict:
    return feature_collection(regions.select_related(None))


def export_excel(regions) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("区划")
    sheet.append(COLUMNS)
    for feature in feature_collection(regions)["features"]:
        p = feature["properties"]
        geometry = json.dumps(feature["geometry"], ensure_ascii=False) if feature["geometry"] else ""
        sheet.append(
            [
                p["code"],
                p["name"],
                p["level"],
                p["parent_code"] or "",
                p["residents"],
                p["synthetic"],
                geometry,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
