"""系统管理 and staff accounts (/staff/): an administrator creates staff for a unit with a role and
hands over a password shown once, moves them, deactivates and reactivates them, resets their
password, and issues and revokes API tokens; bad input is refused in Chinese and changes nothing;
every change leaves an audit row; nobody but an administrator gets in, and a township's
administrator sees only their township's staff (ARCHITECTURE rule 9)."""

import pytest
from django.test import Client

from gridgov.accounts.choices import Role
from gridgov.accounts.models import ApiToken, Unit, User
from gridgov.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

COMMAND_A = "t001-command"  # 东城街道综合信息指挥室
COMMAND_B = "t002-command"  # 西城街道综合信息指挥室


def text(response) -> str:
    return response.content.decode()


def flashes(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def new_user_form(**extra) -> dict:
    return {
        "username": "wangwu",
        "display_name": "王五",
        "phone": "13900001111",
        "unit": COMMAND_A,
        "role": Role.DISPATCHER,
        **extra,
    }


def audit_rows(action: str, user: User) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, object_type="accounts.user", object_id=str(user.pk)))


def logs_in(username: str, password: str) -> bool:
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": password})
    return "_auth_user_id" in client.session


def api_status(token: str) -> int:
    return Client().get("/api/v1/regions/tree", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


@pytest.fixture
def township_admin(db):
    """An administrator of 东城街道: manages that township's staff only."""
    return User.objects.create_user(
        "dongcheng_admin", unit=Unit.objects.get(code=COMMAND_A), role=Role.ADMINISTRATOR
    )


@pytest.fixture
def wangwu(sysadmin, client_for) -> User:
    client_for(sysadmin).post("/staff/users/new/", new_user_form())
    return User.objects.get(username="wangwu")


# -- creating ------------------------------------------------------------------------------------


def test_an_administrator_creates_a_township_dispatcher_who_logs_in_with_the_password_shown_once(
    client_for, sysadmin
):
    client = client_for(sysadmin)
    response = client.post("/staff/users/new/", new_user_form(), follow=True)

    created = User.objects.get(username="wangwu")
    assert (created.unit.code, created.role, created.display_name, created.phone) == (
        COMMAND_A,
        Role.DISPATCHER,
        "王五",
        "13900001111",
    )
    assert response.redirect_chain == [(f"/staff/users/{created.pk}/", 302)]
    password = response.context["secret"]["value"]
    assert password in text(response) and len(password) >= 12
    assert created.check_password(password) and password not in created.password
    assert response["Cache-Control"] == "no-store"
    # Shown once: the next visit no longer has it.
    assert password not in text(client.get(f"/staff/users/{created.pk}/"))
    assert logs_in("wangwu", password)
    [row] = audit_rows("user.create", created)
    assert row.actor == sysadmin and "t001-command" in row.summary_text


def test_a_unit_can_be_typed_by_its_exact_name(client_for, sysadmin):
    client_for(sysadmin).post("/staff/users/new/", new_user_form(unit="东城街道综合信息指挥室"))
    assert User.objects.get(username="wangwu").unit.code == COMMAND_A


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"username": "SysAdmin"}, "用户名“SysAdmin”已被使用"),
        ({"username": "王 五!"}, "用户名只能包含字母、数字和 @ . + - _"),
        ({"role": "chief"}, "未知的角色“chief”"),
        ({"role": ""}, "请选择角色"),
        ({"unit": "no-such-unit"}, "未找到单位“no-such-unit”"),
        ({"unit": ""}, "请填写单位"),
        ({"role": Role.GRID_WORKER}, "网格员必须属于一个网格单位"),
        ({"phone": "12345"}, "手机号应为 11 位数字，以 1 开头"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_creates_nobody(client_for, sysadmin, change, message):
    users_before, audit_before = User.objects.count(), AuditEntry.objects.count()
    response = client_for(sysadmin).post("/staff/users/new/", new_user_form(**change))
    assert response.status_code == 200
    assert message in text(response)
    assert User.objects.count() == users_before and AuditEntry.objects.count() == audit_before


def test_a_township_administrator_cannot_create_staff_in_another_township(client_for, township_admin):
    response = client_for(township_admin).post(
        "/staff/users/new/", new_user_form(unit=COMMAND_B, username="xicheng_new")
    )
    assert "未找到单位“t002-command”（或不在您的管辖范围内、已停用）" in text(response)
    assert not User.objects.filter(username="xicheng_new").exists()


def test_unit_suggestions_offer_matching_units_within_scope(client_for, sysadmin, township_admin):
    county_view = text(client_for(sysadmin).get("/staff/units/options/", {"unit": "综合信息指挥室"}))
    assert f'value="{COMMAND_A}"' in county_view and f'value="{COMMAND_B}"' in county_view
    township_view = text(client_for(township_admin).get("/staff/units/options/", {"unit": "综合信息指挥室"}))
    assert f'value="{COMMAND_A}"' in township_view and f'value="{COMMAND_B}"' not in township_view
    assert "<option" not in text(client_for(sysadmin).get("/staff/units/options/", {"unit": ""}))


# -- the list --------------------------------------------------------------------------------------


def test_the_list_filters_by_unit_role_and_search(client_for, sysadmin, dispatcher_a, dispatcher_b):
    client = client_for(sysadmin)
    by_unit = client.get("/staff/users/", {"unit": COMMAND_A}).context["object_list"]
    assert dispatcher_a in by_unit and dispatcher_b not in by_unit
    by_name = client.get("/staff/users/", {"unit": "西城街道"}).context["object_list"]
    assert dispatcher_b in by_name and dispatcher_a not in by_name
    dispatchers = list(client.get("/staff/users/", {"role": Role.DISPATCHER}).context["object_list"])
    assert dispatcher_a in dispatchers and {u.role for u in dispatchers} == {Role.DISPATCHER}
    found = client.get("/staff/users/", {"q": dispatcher_a.display_name}).context["object_list"]
    assert list(found) == [dispatcher_a]


def test_the_list_shows_active_staff_unless_asked_for_deactivated_ones(client_for, sysadmin, wangwu):
    client = client_for(sysadmin)
    client.post(f"/staff/users/{wangwu.pk}/active/", {"active": "0"})
    assert wangwu not in client.get("/staff/users/", {"q": "wangwu"}).context["object_list"]
    assert list(client.get("/staff/users/", {"q": "wangwu", "active": "0"}).context["object_list"]) == [
        wangwu
    ]
    assert wangwu in client.get("/staff/users/", {"q": "wangwu", "active": "all"}).context["object_list"]


def test_the_list_of_a_thousand_staff_is_paged_within_a_query_budget(
    client_for, sysadmin, django_assert_max_num_queries
):
    client = client_for(sysadmin)
    with django_assert_max_num_queries(8):
        response = client.get("/staff/users/", {"active": "all"})
    assert response.status_code == 200
    assert len(response.context["object_list"]) == 50
    assert response.context["paginator"].count == User.objects.filter(unit__isnull=False).count()


def test_a_township_administrator_sees_and_opens_only_their_township_staff(
    client_for, township_admin, dispatcher_a, dispatcher_b
):
    client = client_for(township_admin)
    listed = list(client.get("/staff/users/", {"active": "all"}).context["paginator"].object_list)
    assert dispatcher_a in listed and dispatcher_b not in listed
    assert client.get(f"/staff/users/{dispatcher_a.pk}/").status_code == 200
    assert client.get(f"/staff/users/{dispatcher_b.pk}/").status_code == 404
    assert client.post(f"/staff/users/{dispatcher_b.pk}/password/").status_code == 404
    assert client.post(f"/staff/users/{dispatcher_b.pk}/active/", {"active": "0"}).status_code == 404
    assert User.objects.get(pk=dispatcher_b.pk).is_active


# -- changing --------------------------------------------------------------------------------------


def test_editing_moves_a_user_to_another_unit_and_role_with_an_audit_row(client_for, sysadmin, wangwu):
    client = client_for(sysadmin)
    response = client.post(
        f"/staff/users/{wangwu.pk}/",
        {"display_name": "王五", "phone": "", "unit": COMMAND_B, "role": Role.SUPERVISOR},
        follow=True,
    )
    assert "已保存账号信息。" in flashes(response)
    wangwu.refresh_from_db()
    assert (wangwu.unit.code, wangwu.role, wangwu.phone) == (COMMAND_B, Role.SUPERVISOR, "")
    [row] = audit_rows("user.update", wangwu)
    assert row.summary["before"]["unit"] == COMMAND_A and row.summary["after"]["unit"] == COMMAND_B
    assert row.summary["after"]["role"] == Role.SUPERVISOR


def test_an_administrator_cannot_change_their_own_role(client_for, sysadmin):
    response = client_for(sysadmin).post(
        f"/staff/users/{sysadmin.pk}/",
        {"display_name": sysadmin.display_name, "unit": sysadmin.unit.code, "role": Role.DISPATCHER},
    )
    assert "不能修改自己的角色或单位" in text(response)
    sysadmin.refresh_from_db()
    assert sysadmin.role == Role.ADMINISTRATOR and not audit_rows("user.update", sysadmin)


def test_deactivating_stops_login_and_tokens_and_reactivating_restores_them(client_for, sysadmin, wangwu):
    wangwu.set_password("a-known-password-1")
    wangwu.save()
    client = client_for(sysadmin)
    client.post(f"/staff/users/{wangwu.pk}/tokens/", {"name": "对接"})
    token = client.get(f"/staff/users/{wangwu.pk}/").context["secret"]["value"]
    assert api_status(token) == 200

    response = client.post(f"/staff/users/{wangwu.pk}/active/", {"active": "0"}, follow=True)
    assert "已停用账号 wangwu：不能再登录，接口令牌也不再有效。" in flashes(response)
    assert not logs_in("wangwu", "a-known-password-1")
    assert api_status(token) == 401

    client.post(f"/staff/users/{wangwu.pk}/active/", {"active": "1"})
    assert logs_in("wangwu", "a-known-password-1") and api_status(token) == 200
    assert len(audit_rows("user.deactivate", wangwu)) == 1
    assert len(audit_rows("user.reactivate", wangwu)) == 1


def test_an_administrator_cannot_deactivate_themselves(client_for, sysadmin):
    response = client_for(sysadmin).post(f"/staff/users/{sysadmin.pk}/active/", {"active": "0"}, follow=True)
    assert "不能停用自己的账号" in flashes(response)
    sysadmin.refresh_from_db()
    assert sysadmin.is_active and not audit_rows("user.deactivate", sysadmin)


def test_resetting_a_password_shows_a_new_one_once_and_the_old_one_stops_working(
    client_for, sysadmin, wangwu
):
    wangwu.set_password("the-old-password-1")
    wangwu.save()
    client = client_for(sysadmin)
    response = client.post(f"/staff/users/{wangwu.pk}/password/", follow=True)
    new_password = response.context["secret"]["value"]
    assert new_password in text(response) and "新密码" in text(response)
    assert not logs_in("wangwu", "the-old-password-1")
    assert logs_in("wangwu", new_password)
    assert new_password not in text(client.get(f"/staff/users/{wangwu.pk}/"))
    [row] = audit_rows("user.reset_password", wangwu)
    assert new_password not in str(row.summary)


def test_resetting_ones_own_password_keeps_one_logged_in(client_for, sysadmin):
    client = client_for(sysadmin)
    client.post(f"/staff/users/{sysadmin.pk}/password/")
    assert client.get("/staff/").status_code == 200


def test_an_administrator_cannot_take_over_a_superuser(client_for, sysadmin, superuser):
    password_before = superuser.password
    client = client_for(sysadmin)
    reset = client.post(f"/staff/users/{superuser.pk}/password/", follow=True)
    assert "超级管理员账号只能由超级管理员修改" in flashes(reset)
    token = client.post(f"/staff/users/{superuser.pk}/tokens/", {"name": "x"}, follow=True)
    assert "超级管理员账号只能由超级管理员修改" in flashes(token)
    client.post(f"/staff/users/{superuser.pk}/active/", {"active": "0"})
    superuser.refresh_from_db()
    assert superuser.password == password_before and superuser.is_active
    assert not superuser.api_tokens.exists()


# -- API tokens ------------------------------------------------------------------------------------


def test_a_token_is_shown_once_works_for_the_api_and_stops_when_revoked(client_for, sysadmin, dispatcher_a):
    client = client_for(sysadmin)
    response = client.post(f"/staff/users/{dispatcher_a.pk}/tokens/", {"name": "12345 热线对接"}, follow=True)
    raw = response.context["secret"]["value"]
    assert raw.startswith("ggv_") and raw in text(response)
    token = ApiToken.objects.get(user=dispatcher_a)
    assert token.name == "12345 热线对接" and raw not in (token.token_hash, token.hint)
    assert api_status(raw) == 200

    page = text(client.get(f"/staff/users/{dispatcher_a.pk}/"))
    assert raw not in page and f"…{token.hint}" in page and "从未使用" not in page  # used just now

    response = client.post(f"/staff/users/{dispatcher_a.pk}/tokens/{token.pk}/revoke/", follow=True)
    assert any("已吊销令牌“12345 热线对接”" in m for m in flashes(response))
    assert api_status(raw) == 401
    assert AuditEntry.objects.filter(action="api_token.revoke", object_id=str(token.pk)).count() == 1


def test_a_token_needs_a_purpose_and_an_active_user(client_for, sysadmin, wangwu):
    client = client_for(sysadmin)
    nameless = client.post(f"/staff/users/{wangwu.pk}/tokens/", {"name": "  "}, follow=True)
    assert "请填写令牌用途，便于日后识别和吊销" in flashes(nameless)
    client.post(f"/staff/users/{wangwu.pk}/active/", {"active": "0"})
    inactive = client.post(f"/staff/users/{wangwu.pk}/tokens/", {"name": "对接"}, follow=True)
    assert "账号已停用，不能签发接口令牌。" in flashes(inactive)
    assert not wangwu.api_tokens.exists()


def test_a_token_of_another_user_cannot_be_revoked_through_this_user(
    client_for, sysadmin, dispatcher_a, wangwu
):
    client = client_for(sysadmin)
    client.post(f"/staff/users/{dispatcher_a.pk}/tokens/", {"name": "对接"})
    token = ApiToken.objects.get(user=dispatcher_a)
    response = client.post(f"/staff/users/{wangwu.pk}/tokens/{token.pk}/revoke/", follow=True)
    assert "没有这个接口令牌。" in flashes(response)
    token.refresh_from_db()
    assert token.revoked_at is None


# -- the 系统管理 index and who gets in -----------------------------------------------------------


def test_the_index_links_every_administration_area_within_a_query_budget(
    client_for, sysadmin, django_assert_max_num_queries
):
    client = client_for(sysadmin)
    with django_assert_max_num_queries(12):
        page = text(client.get("/staff/"))
    for link in [
        "/staff/users/",
        "/calendar/",
        "/webhooks/",
        "/ladder/",
        "/territory/import/",
        "/catalogue/",
        "/audit/",
    ]:
        assert f'href="{link}"' in page


def test_a_township_administrator_is_offered_only_what_they_may_use(client_for, township_admin):
    page = text(client_for(township_admin).get("/staff/"))
    assert 'href="/staff/users/"' in page and 'href="/audit/"' in page
    for county_wide in ["/calendar/", "/webhooks/", "/ladder/", "/territory/import/"]:
        assert f'href="{county_wide}"' not in page


def test_the_menu_shows_系统管理_to_administrators_only(client_for, sysadmin, superuser, dispatcher_a):
    assert 'href="/staff/">系统管理' in text(client_for(sysadmin).get("/"))
    assert 'href="/staff/">系统管理' in text(client_for(superuser).get("/"))
    assert "系统管理" not in text(client_for(dispatcher_a).get("/"))


STAFF_PAGES = ["/staff/", "/staff/users/", "/staff/users/new/", "/staff/units/options/?unit=东城"]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_other_roles_get_403(client_for, path, dispatcher_a, county_supervisor, leader, grid_worker):
    for user in (dispatcher_a, county_supervisor, leader, grid_worker):
        assert client_for(user).get(path).status_code == 403


def test_other_roles_cannot_change_anyone(client_for, county_dispatcher, dispatcher_a):
    client = client_for(county_dispatcher)
    assert client.post(f"/staff/users/{dispatcher_a.pk}/password/").status_code == 403
    assert client.post(f"/staff/users/{dispatcher_a.pk}/active/", {"active": "0"}).status_code == 403
    assert client.post(f"/staff/users/{dispatcher_a.pk}/tokens/", {"name": "x"}).status_code == 403
    assert client.post("/staff/users/new/", new_user_form()).status_code == 403
    assert not User.objects.filter(username="wangwu").exists() and not dispatcher_a.api_tokens.exists()


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_anonymous_visitors_go_to_the_login_page(path):
    response = Client().get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
