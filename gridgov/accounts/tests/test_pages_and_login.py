"""Login in Chinese with a generic error and throttling; the home page and unit list by role."""

import pytest
from django.test import Client

from conftest import TOWNSHIP_A
from gridgov.demo.organisation import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_the_login_page_is_in_chinese():
    page = Client().get("/accounts/login/").content.decode()
    assert "用户名" in page and "密码" in page and 'lang="zh-Hans"' in page


def test_a_persona_logs_in_with_the_demo_password_and_lands_on_my_work(dispatcher_a):
    dispatcher_a.set_password(DEMO_PASSWORD)
    dispatcher_a.save()
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": dispatcher_a.username, "password": DEMO_PASSWORD}, follow=True
    )
    page = response.content.decode()
    assert "我的工作" in page and "东城街道" in page and "西城街道" not in page


def test_a_bad_login_gets_one_generic_message_whatever_was_wrong(dispatcher_a):
    wrong_password = Client().post(
        "/accounts/login/", {"username": dispatcher_a.username, "password": "x" * 12}
    )
    no_such_user = Client().post("/accounts/login/", {"username": "nobody", "password": "x" * 12})
    for response in (wrong_password, no_such_user):
        assert "用户名或密码不正确。" in response.content.decode()
        assert "_auth_user_id" not in response.client.session


def test_five_failures_lock_the_account_even_for_the_right_password(dispatcher_a, settings):
    dispatcher_a.set_password(DEMO_PASSWORD)
    dispatcher_a.save()
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": dispatcher_a.username, "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": dispatcher_a.username, "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert "暂时无法登录" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2_by_default():
    from gridgov import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_the_home_page_shows_the_jurisdiction_of_each_role(client_for, dispatcher_a, grid_worker, sysadmin):
    assert "东城街道" in client_for(dispatcher_a).get("/").content.decode()
    worker_home = client_for(grid_worker).get("/", follow=True)
    assert worker_home.redirect_chain == [("/field/", 302)]
    page = worker_home.content.decode()
    assert grid_worker.unit.territory.name in page and "乡镇（街道）</span>" not in page
    admin_page = client_for(sysadmin).get("/").content.decode()
    assert "审计日志" in admin_page and "区划导入导出" in admin_page
    assert "审计日志" not in client_for(dispatcher_a).get("/").content.decode()


def test_the_unit_list_shows_only_units_in_scope_and_filters(client_for, dispatcher_a):
    page = client_for(dispatcher_a).get("/accounts/units/").content.decode()
    assert (
        "东城街道综合信息指挥室" in page
        and "西城街道综合信息指挥室" not in page
        and "市场监督管理局" not in page
    )
    filtered = client_for(dispatcher_a).get("/accounts/units/?kind=enforcement_team").content.decode()
    assert "东城街道综合行政执法队" in filtered and "东城街道平安法治平台" not in filtered


def test_the_region_link_on_my_work_goes_to_my_township(client_for, dispatcher_a):
    assert f"/territory/{TOWNSHIP_A}/" in client_for(dispatcher_a).get("/").content.decode()
