"""Catalogue pages: every staff member reads the lists; only administrators import and publish."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gridgov.matters.catalogue import write_excel
from gridgov.matters.models import CatalogueVersion

pytestmark = pytest.mark.django_db


def _current():
    return CatalogueVersion.objects.current()


def test_staff_read_the_current_catalogue_and_filter_by_list(client_for, dispatcher_a):
    client = client_for(dispatcher_a)
    page = client.get("/catalogue/").content.decode()
    assert "暴露垃圾" in page and "违法建设" in page and f"v{_current().number}" in page
    enforcement = client.get("/catalogue/?list=enforcement").content.decode()
    assert "违法建设" in enforcement and "困难群众救助" not in enforcement
    assert "导入新版本" not in page  # no administrator actions for a dispatcher


def test_anyone_staff_can_export_a_version(client_for, dispatcher_a):
    response = client_for(dispatcher_a).get(f"/catalogue/v{_current().number}/export.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_import_and_publish_are_hidden_from_non_administrators(client_for, dispatcher_a):
    client = client_for(dispatcher_a)
    assert client.get("/catalogue/import/").status_code == 404
    assert client.post(f"/catalogue/v{_current().number}/publish/").status_code == 404


def test_unknown_versions_are_404(client_for, dispatcher_a):
    assert client_for(dispatcher_a).get("/catalogue/v999/").status_code == 404


def test_pages_need_a_login():
    assert Client().get("/catalogue/").status_code == 302


def test_an_administrator_imports_an_edited_export_and_publishes_it(client_for, sysadmin):
    current = _current()
    content = write_excel(current.platforms, list(current.matters.all()), list(current.rules.all()))
    client = client_for(sysadmin)
    response = client.post(
        "/catalogue/import/",
        {"file": SimpleUploadedFile("清单.xlsx", content), "note": "年度调整"},
        follow=True,
    )
    draft = CatalogueVersion.objects.order_by("-number").first()
    assert draft.number == current.number + 1 and draft.status == "draft"
    assert "已导入为草稿" in response.content.decode()
    published = client.post(f"/catalogue/v{draft.number}/publish/", follow=True).content.decode()
    assert "已发布" in published
    assert _current() == draft
    again = client.post(f"/catalogue/v{draft.number}/publish/", follow=True).content.decode()
    assert "不能再次发布" in again


def test_a_broken_file_is_reported_row_by_row_and_writes_nothing(client_for, sysadmin):
    client = client_for(sysadmin)
    before = CatalogueVersion.objects.count()
    bad = b'{"platforms": ["\xe5\xb9\xb3\xe5\x8f\xb0"], "matters": [{"code": "X1", "name": "x", "limits": {"handle": "4 weeks"}}]}'
    page = client.post("/catalogue/import/", {"file": SimpleUploadedFile("bad.json", bad)}).content.decode()
    assert "校验未通过" in page and "事项 1" in page and "weeks" in page
    assert CatalogueVersion.objects.count() == before
    page = client.post("/catalogue/import/", {"file": SimpleUploadedFile("x.txt", b"hello")}).content.decode()
    assert "只接受" in page
