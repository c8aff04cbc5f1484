"""Territory pages: township A's dispatcher sees A, and gets 404 for anything of B."""

import pytest
from django.test import Client

from conftest import TOWNSHIP_A, TOWNSHIP_B

pytestmark = pytest.mark.django_db


def test_the_map_page_lists_only_the_callers_township_in_the_tree(client_for, dispatcher_a):
    page = client_for(dispatcher_a).get("/territory/").content.decode()
    assert "东城街道" in page and "西城街道" not in page
    assert 'id="map"' in page and TOWNSHIP_A in page


def test_the_region_page_shows_children_and_units(client_for, dispatcher_a):
    page = client_for(dispatcher_a).get(f"/territory/{TOWNSHIP_A}/").content.decode()
    assert "东城街道综合信息指挥室" in page and "下级区划" in page


def test_the_tree_children_partial_lists_villages(client_for, dispatcher_a, region):
    page = client_for(dispatcher_a).get(f"/territory/{TOWNSHIP_A}/children/").content.decode()
    village = region(TOWNSHIP_A).children.first()
    assert village.name in page


@pytest.mark.parametrize(
    "path",
    [
        f"/territory/{TOWNSHIP_B}/",
        f"/territory/{TOWNSHIP_B}/children/",
        f"/territory/export.geojson?root={TOWNSHIP_B}",
        f"/territory/export.xlsx?root={TOWNSHIP_B}",
        "/territory/330784000000/",
        "/territory/nonsense/",
    ],
)
def test_township_b_pages_answer_404_to_township_a(client_for, dispatcher_a, path):
    response = client_for(dispatcher_a).get(path)
    assert response.status_code == 404
    assert "西城" not in response.content.decode()


def test_the_import_page_is_for_administrators_only(client_for, dispatcher_a, sysadmin):
    assert client_for(dispatcher_a).get("/territory/import/").status_code == 404
    assert client_for(sysadmin).get("/territory/import/").status_code == 200


def test_pages_need_a_login():
    response = Client().get("/territory/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_excel_export_is_an_xlsx_file(client_for, dispatcher_a):
    response = client_for(dispatcher_a).get("/territory/export.xlsx")
    assert response.status_code == 200
    assert response.content[:2] == b"PK"


def test_an_administrator_can_validate_then_import_a_file_through_the_page(client_for, sysadmin, region):
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    from gridgov.regions.exporting import export_geojson
    from gridgov.regions.models import Region

    township = region(TOWNSHIP_A)
    data = export_geojson(Region.objects.subtree(township))
    data["features"][1]["properties"]["name"] = "改名社区"
    upload = lambda: SimpleUploadedFile("t.geojson", json.dumps(data).encode(), "application/geo+json")  # noqa: E731
    client = client_for(sysadmin)
    checked = client.post("/territory/import/", {"file": upload()}).content.decode()
    assert "校验通过" in checked
    assert not Region.objects.filter(name="改名社区").exists()
    done = client.post("/territory/import/", {"file": upload(), "commit": "on"}).content.decode()
    assert "已写入" in done and "更新 1" in done
    assert Region.objects.filter(name="改名社区").exists()


def test_a_broken_upload_gets_a_clear_message(client_for, sysadmin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(sysadmin)
    page = client.post(
        "/territory/import/", {"file": SimpleUploadedFile("t.geojson", b"{not json")}
    ).content.decode()
    assert "不是有效的 JSON" in page
    page = client.post("/territory/import/", {"file": SimpleUploadedFile("t.exe", b"MZ")}).content.decode()
    assert "只接受" in page
