"""The main navigation: entries by role, and the current entry highlighted."""

import pytest

pytestmark = pytest.mark.django_db


def current_entry(response) -> list[str]:
    return [item["label"] for item in response.context["nav_items"] if item["active"]]


def test_each_role_sees_its_own_entries(client_for, grid_worker, dispatcher_a, leader, sysadmin):
    labels = {
        user.username: [i["label"] for i in client_for(user).get("/events/").context["nav_items"]]
        for user in (grid_worker, dispatcher_a, leader, sysadmin)
    }
    assert "现场工作台" in labels["grid_worker"] and "我的工作" not in labels["grid_worker"]
    assert "领导总览" in labels["leader"] and "领导总览" not in labels["dongcheng_dispatcher"]
    assert "系统管理" in labels["sysadmin"] and "系统管理" not in labels["dongcheng_dispatcher"]


def test_the_page_under_an_entry_highlights_it(client_for, dispatcher_a, sysadmin):
    assert current_entry(client_for(dispatcher_a).get("/events/map/")) == ["事件"]
    assert current_entry(client_for(dispatcher_a).get("/")) == ["我的工作"]
    admin = client_for(sysadmin)
    for path in ("/staff/", "/calendar/", "/webhooks/", "/ladder/", "/audit/"):
        assert current_entry(admin.get(path)) == ["系统管理"], path
