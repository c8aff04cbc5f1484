"""任务下派 pages: a dispatcher issues a task to chosen units or to every grid of a territory from
the form, follows the fan-out table and the roll-up; the receiving unit signs for its sub-task,
reports progress and completes it; bad input is refused with a Chinese message and nothing is
created; nobody opens or works another township's task (ARCHITECTURE rule 9)."""

from datetime import datetime, timedelta

import pytest

from gridgov.accounts.choices import Role, UnitKind
from gridgov.accounts.models import Unit
from gridgov.events.choices import SubTaskState
from gridgov.events.models import DownwardSubTask, DownwardTask
from gridgov.events.services import complete_subtask, issue_task, report_progress
from gridgov.events.tests.conftest import SHANGHAI, TOWNSHIP_A, TOWNSHIP_B, as_actor

pytestmark = pytest.mark.django_db

FIRE_EXITS = "检查辖区消防通道是否畅通"
FRIDAY_EVENING = datetime(2026, 11, 27, 17, 0, tzinfo=SHANGHAI)
FRIDAY_FORM = "2026-11-27T17:00"  # as a datetime-local input sends it, Beijing time
VILLAGE_A = "v330784001001"  # 部望社区居民委员会, township A
PLATFORM_A = "t001-platform-2"  # 东城街道经济生态平台
PLATFORM_B = "t002-platform-1"  # a platform of township B
OTHER_GRID_A = "g330784001001002"  # the grid next to grid_worker's


def form(**extra) -> dict:
    return {
        "title": FIRE_EXITS,
        "description": "逐楼检查并拍照反馈",
        "due_at": FRIDAY_FORM,
        "mode": "units",
        **extra,
    }


def grid_units(township: str) -> list[Unit]:
    return list(Unit.objects.filter(kind=UnitKind.GRID, territory__code__startswith=township[:9]))


def text(response) -> str:
    return response.content.decode()


def flashes(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def grid_task(county_dispatcher) -> DownwardTask:
    """The county centre's fire-exit check, issued to every grid of township A."""
    task, _ = issue_task(
        as_actor(county_dispatcher),
        title=FIRE_EXITS,
        description="逐楼检查",
        due_at=FRIDAY_EVENING,
        territory_code=TOWNSHIP_A,
        unit_kind=UnitKind.GRID,
    )
    return task


@pytest.fixture
def my_subtask(grid_task, grid_worker) -> DownwardSubTask:
    return grid_task.subtasks.get(unit=grid_worker.unit)


@pytest.fixture
def neighbour_worker(person):
    return person(OTHER_GRID_A, Role.GRID_WORKER)


# -- issuing from the form -------------------------------------------------------------------------


def test_a_township_dispatcher_issues_a_task_to_two_chosen_units_and_lands_on_its_page(
    client_for, dispatcher_a
):
    client = client_for(dispatcher_a)
    assert client.get("/tasks/new/").status_code == 200

    response = client.post("/tasks/new/", form(unit=[VILLAGE_A, PLATFORM_A]), follow=True)

    task = DownwardTask.objects.get()
    assert response.redirect_chain == [(f"/tasks/{task.pk}/", 302)]
    assert (task.title, task.issuing_unit, task.due_at) == (FIRE_EXITS, dispatcher_a.unit, FRIDAY_EVENING)
    assert sorted(task.subtasks.values_list("unit__code", flat=True)) == sorted([VILLAGE_A, PLATFORM_A])
    page = text(response)
    assert "部望社区居民委员会" in page and "东城街道经济生态平台" in page
    assert any("任务已下派" in m for m in flashes(response))


def test_issuing_by_territory_fans_out_to_every_grid_of_the_township(client_for, dispatcher_a):
    response = client_for(dispatcher_a).post(
        "/tasks/new/", form(mode="territory", territory=TOWNSHIP_A, unit_kind=UnitKind.GRID)
    )
    task = DownwardTask.objects.get()
    assert response.status_code == 302
    assert {s.unit.code for s in task.subtasks.select_related("unit")} == {
        u.code for u in grid_units(TOWNSHIP_A)
    }
    assert "东城街道" in task.target_description


def test_in_territory_mode_the_picked_units_are_ignored(client_for, dispatcher_a):
    client_for(dispatcher_a).post(
        "/tasks/new/",
        form(mode="territory", territory=TOWNSHIP_A, unit_kind=UnitKind.VILLAGE, unit=[PLATFORM_A]),
    )
    kinds = set(DownwardTask.objects.get().subtasks.values_list("unit__kind", flat=True))
    assert kinds == {UnitKind.VILLAGE}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"unit": []}, "请指定下派单位", id="no-targets"),
        pytest.param(
            {"mode": "territory", "territory": ""}, "请指定下派单位", id="territory-mode-without-code"
        ),
        pytest.param({"due_at": "2026-11-23T17:00"}, "完成时限应晚于现在", id="a-past-deadline"),
        pytest.param({"due_at": ""}, "请填写完成时限", id="no-deadline"),
        pytest.param({"due_at": "下周五"}, "完成时限格式不正确", id="a-deadline-that-is-not-a-date"),
        pytest.param({"title": ""}, "任务名称不能为空", id="an-empty-title"),
        pytest.param({"title": "   "}, "任务名称不能为空", id="a-blank-title"),
        pytest.param({"unit": [PLATFORM_B]}, PLATFORM_B, id="a-unit-of-township-b"),
        pytest.param({"unit": ["t001-command"]}, "不能把任务下派给本单位", id="its-own-unit"),
        pytest.param(
            {"mode": "territory", "territory": TOWNSHIP_B, "unit_kind": "grid"},
            "西城街道",
            id="township-b-grids",
        ),
        pytest.param({"mode": "territory", "territory": "999999999999"}, "未知的区划代码", id="unknown-code"),
        pytest.param({"mode": "by-magic"}, "请选择下派方式", id="an-unknown-mode"),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message_and_creates_nothing(
    client_for, dispatcher_a, changes, message
):
    body = form(unit=[VILLAGE_A])
    body.update(changes)
    response = client_for(dispatcher_a).post("/tasks/new/", body)
    assert response.status_code == 200
    assert message in response.context["error"]
    assert message in text(response)
    assert not DownwardTask.objects.exists()
    assert not DownwardSubTask.objects.exists()


def test_a_refused_form_keeps_what_was_typed_and_the_units_picked(client_for, dispatcher_a):
    response = client_for(dispatcher_a).post(
        "/tasks/new/", form(due_at="2026-11-20T17:00", unit=[VILLAGE_A, PLATFORM_A])
    )
    page = text(response)
    assert f'value="{FIRE_EXITS}"' in page
    assert [p["name"] for p in response.context["picked"]] == ["部望社区居民委员会", "东城街道经济生态平台"]
    assert 'value="2026-11-20T17:00"' in page


def test_a_grid_worker_is_not_offered_the_form_and_cannot_issue(client_for, grid_worker):
    client = client_for(grid_worker)
    assert "下派新任务" not in text(client.get("/tasks/"))
    assert client.get("/tasks/new/").status_code == 403
    assert client.post("/tasks/new/", form(unit=[OTHER_GRID_A])).status_code == 403
    assert client.get("/tasks/units/", {"q": "网格"}).status_code == 403
    assert not DownwardTask.objects.exists()


def test_a_handler_of_a_department_cannot_issue_either(client_for, market_handler):
    assert client_for(market_handler).post("/tasks/new/", form(unit=[VILLAGE_A])).status_code == 403
    assert not DownwardTask.objects.exists()


# -- the unit picker -------------------------------------------------------------------------------


def test_the_unit_search_finds_units_of_my_township_by_name(client_for, dispatcher_a):
    response = client_for(dispatcher_a).get("/tasks/units/", {"q": "平台"})
    codes = {u.code for u in response.context["units"]}
    assert PLATFORM_A in codes
    assert all(code.startswith("t001-") for code in codes)
    assert 'data-code="t001-platform-2"' in text(response)


def test_the_unit_search_never_offers_another_townships_units_or_my_own(client_for, dispatcher_a):
    response = client_for(dispatcher_a).get("/tasks/units/", {"q": "t00"})
    codes = {u.code for u in response.context["units"]}
    assert codes, "township A's units start with t001"
    assert not any(code.startswith("t002") for code in codes)
    assert "t001-command" not in codes


def test_the_unit_search_filters_by_kind_and_says_when_nothing_matches(client_for, dispatcher_a):
    client = client_for(dispatcher_a)
    grids = client.get("/tasks/units/", {"kind": UnitKind.GRID}).context["units"]
    assert {u.code for u in grids} == {u.code for u in grid_units(TOWNSHIP_A)}
    nothing = client.get("/tasks/units/", {"q": "西城"})
    assert "管辖范围内没有名称或编码含“西城”的单位" in text(nothing)


def test_the_county_centre_searches_the_whole_county_and_is_capped_at_twenty(client_for, county_dispatcher):
    response = client_for(county_dispatcher).get("/tasks/units/", {"q": "网格"})
    assert len(response.context["units"]) == 20
    assert response.context["more"] is True


# -- lists -----------------------------------------------------------------------------------------


def test_the_issuer_lists_its_task_with_receipts_and_completions(
    grid_task, my_subtask, client_for, county_dispatcher, grid_worker
):
    report_progress(as_actor(grid_worker), my_subtask.pk, 60, "进行中")
    response = client_for(county_dispatcher).get("/tasks/", {"tab": "issued"})
    [listed] = response.context["page_obj"].object_list
    assert listed == grid_task
    assert listed.figures == {"task_id": grid_task.pk, "total": 4, "received": 1, "done": 0, "average": 15}
    page = text(response)
    assert FIRE_EXITS in page and "1 / 4" in page


def test_a_grid_worker_sees_its_open_sub_task_under_received(grid_task, my_subtask, client_for, grid_worker):
    client = client_for(grid_worker)
    response = client.get("/tasks/")
    assert response.context["tab"] == "received"
    assert list(response.context["page_obj"].object_list) == [my_subtask]
    assert f"/tasks/{grid_task.pk}/#subtask-{my_subtask.pk}" in text(response)

    complete_subtask(as_actor(grid_worker), my_subtask.pk, "检查完毕")
    assert list(client.get("/tasks/").context["page_obj"].object_list) == []
    assert list(client.get("/tasks/", {"status": "done"}).context["page_obj"].object_list) == [my_subtask]


def test_township_a_follows_the_countys_task_to_its_grids_but_township_b_does_not_see_it(
    grid_task, client_for, dispatcher_a, dispatcher_b
):
    seen_by_a = client_for(dispatcher_a).get("/tasks/", {"tab": "all"}).context["page_obj"].object_list
    assert list(seen_by_a) == [grid_task]
    for tab in ("all", "issued", "received"):
        response = client_for(dispatcher_b).get("/tasks/", {"tab": tab})
        assert list(response.context["page_obj"].object_list) == []
        assert FIRE_EXITS not in text(response)


def test_township_b_sees_only_its_own_share_of_a_county_wide_task(
    client_for, county_dispatcher, dispatcher_b
):
    issue_task(
        as_actor(county_dispatcher),
        title=FIRE_EXITS,
        due_at=FRIDAY_EVENING,
        unit_codes=[VILLAGE_A, "v330784002001"],
    )
    [listed] = client_for(dispatcher_b).get("/tasks/", {"tab": "all"}).context["page_obj"].object_list
    assert (listed.figures["total"], listed.figures["done"]) == (1, 0)


def test_the_list_pages_through_many_tasks_within_a_fixed_query_budget(
    client_for, dispatcher_a, django_assert_max_num_queries
):
    for n in range(35):
        issue_task(
            as_actor(dispatcher_a),
            title=f"任务 {n}",
            due_at=FRIDAY_EVENING,
            unit_codes=[VILLAGE_A, PLATFORM_A],
        )
    client = client_for(dispatcher_a)
    # session, user, unit, territory, count, page, one grouped roll-up (+ the badge's count)
    with django_assert_max_num_queries(8):
        first = client.get("/tasks/", {"tab": "issued", "status": "all"})
    assert len(first.context["page_obj"].object_list) == 30
    assert first.context["page_obj"].paginator.count == 35
    assert first.context["page_obj"].object_list[0].title == "任务 34"  # newest first
    with django_assert_max_num_queries(8):
        second = client.get("/tasks/", {"tab": "issued", "status": "all", "page": 2})
    assert len(second.context["page_obj"].object_list) == 5


def test_the_received_list_keeps_its_query_budget(
    client_for, county_dispatcher, grid_worker, django_assert_max_num_queries
):
    for n in range(12):
        issue_task(
            as_actor(county_dispatcher),
            title=f"任务 {n}",
            due_at=FRIDAY_EVENING,
            unit_codes=[grid_worker.unit.code],
        )
    client = client_for(grid_worker)
    with django_assert_max_num_queries(6):
        response = client.get("/tasks/")
    assert len(response.context["page_obj"].object_list) == 12


# -- the task page ---------------------------------------------------------------------------------


def test_the_issuer_reads_the_fan_out_table_and_the_roll_up(
    grid_task, my_subtask, client_for, county_dispatcher, grid_worker, django_assert_max_num_queries
):
    report_progress(as_actor(grid_worker), my_subtask.pk, 40, "已查 3 栋，1 处堆放杂物已劝离")
    client = client_for(county_dispatcher)
    with django_assert_max_num_queries(10):
        response = client.get(f"/tasks/{grid_task.pk}/")
    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures["total"], figures["pending"], figures["in_progress"], figures["average_progress"]) == (
        4,
        3,
        1,
        10.0,
    )
    rows = list(response.context["page_obj"].object_list)
    assert {s.unit.code for s in rows} == {u.code for u in grid_units(TOWNSHIP_A)}
    page = text(response)
    assert "已查 3 栋，1 处堆放杂物已劝离" in page
    assert page.count("未签收") == 3
    assert response.context["mine"] is None  # the county centre has no share of its own task


def test_the_fan_out_table_filters_by_state(
    grid_task, my_subtask, client_for, county_dispatcher, grid_worker
):
    complete_subtask(as_actor(grid_worker), my_subtask.pk, "检查完毕")
    response = client_for(county_dispatcher).get(f"/tasks/{grid_task.pk}/", {"state": "done"})
    assert list(response.context["page_obj"].object_list) == [my_subtask]


def test_a_late_task_is_marked_overdue(grid_task, client_for, county_dispatcher, time_machine):
    time_machine.move_to(FRIDAY_EVENING + timedelta(hours=1), tick=False)
    response = client_for(county_dispatcher).get(f"/tasks/{grid_task.pk}/")
    assert response.context["overdue"] is True
    assert response.context["figures"]["late"] == 4
    assert "逾期未完成" in text(response)


# -- the receiving unit works its sub-task ---------------------------------------------------------


def test_the_grid_worker_signs_reports_progress_and_completes_from_the_task_page(
    grid_task, my_subtask, client_for, grid_worker, county_dispatcher
):
    client = client_for(grid_worker)
    page = client.get(f"/tasks/{grid_task.pk}/")
    assert page.context["mine"] == my_subtask
    assert f"/tasks/subtasks/{my_subtask.pk}/receive/" in text(page)

    received = client.post(f"/tasks/subtasks/{my_subtask.pk}/receive/", follow=True)
    assert received.redirect_chain == [(f"/tasks/{grid_task.pk}/", 302)]
    assert "已签收" in flashes(received)
    my_subtask.refresh_from_db()
    assert my_subtask.state == SubTaskState.RECEIVED

    progress = client.post(
        f"/tasks/subtasks/{my_subtask.pk}/progress/", {"percent": "40", "feedback": "已查一半"}, follow=True
    )
    assert "已报告进度 40%" in flashes(progress)
    my_subtask.refresh_from_db()
    assert (my_subtask.state, my_subtask.progress, my_subtask.feedback) == (
        SubTaskState.IN_PROGRESS,
        40,
        "已查一半",
    )

    done = client.post(
        f"/tasks/subtasks/{my_subtask.pk}/complete/", {"feedback": "全部检查完毕"}, follow=True
    )
    assert "已完成并反馈" in flashes(done)
    my_subtask.refresh_from_db()
    assert (my_subtask.state, my_subtask.progress) == (SubTaskState.DONE, 100)
    assert "全部检查完毕" in text(client_for(county_dispatcher).get(f"/tasks/{grid_task.pk}/"))


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        pytest.param("progress", {"percent": "四十"}, "进度应为 0–99 之间的整数", id="progress-not-a-number"),
        pytest.param("progress", {"percent": ""}, "进度应为 0–99 之间的整数", id="progress-missing"),
        pytest.param("progress", {"percent": "100"}, "进度应在 0–99 之间", id="progress-100"),
        pytest.param("progress", {"percent": "-5"}, "进度应在 0–99 之间", id="progress-negative"),
        pytest.param("complete", {"feedback": "  "}, "请填写完成情况反馈", id="complete-without-feedback"),
    ],
)
def test_bad_sub_task_input_is_refused_and_changes_nothing(
    my_subtask, client_for, grid_worker, path, body, message
):
    response = client_for(grid_worker).post(f"/tasks/subtasks/{my_subtask.pk}/{path}/", body, follow=True)
    assert response.status_code == 200
    assert message in " ".join(flashes(response))
    my_subtask.refresh_from_db()
    assert (my_subtask.state, my_subtask.progress) == (SubTaskState.PENDING, 0)


def test_a_sub_task_completed_once_cannot_be_completed_again(my_subtask, client_for, grid_worker):
    client = client_for(grid_worker)
    client.post(f"/tasks/subtasks/{my_subtask.pk}/complete/", {"feedback": "完毕"})
    again = client.post(f"/tasks/subtasks/{my_subtask.pk}/complete/", {"feedback": "再次提交"}, follow=True)
    assert "该任务已完成" in flashes(again)
    my_subtask.refresh_from_db()
    assert my_subtask.feedback == "完毕"


def test_township_as_dispatcher_may_see_but_not_work_a_grids_sub_task(my_subtask, client_for, dispatcher_a):
    response = client_for(dispatcher_a).post(f"/tasks/subtasks/{my_subtask.pk}/receive/", follow=True)
    assert response.status_code == 200
    assert "不能操作" in " ".join(flashes(response))
    my_subtask.refresh_from_db()
    assert my_subtask.state == SubTaskState.PENDING


# -- out of scope ----------------------------------------------------------------------------------


def test_township_b_cannot_open_township_as_task_or_its_sub_tasks(
    grid_task, my_subtask, client_for, dispatcher_b
):
    client = client_for(dispatcher_b)
    assert client.get(f"/tasks/{grid_task.pk}/").status_code == 404
    assert client.get(f"/tasks/subtasks/{my_subtask.pk}/").status_code == 404
    for action, body in (("receive", {}), ("progress", {"percent": "30"}), ("complete", {"feedback": "x"})):
        assert client.post(f"/tasks/subtasks/{my_subtask.pk}/{action}/", body).status_code == 404
    my_subtask.refresh_from_db()
    assert my_subtask.state == SubTaskState.PENDING


def test_the_neighbouring_grid_sees_the_task_but_not_my_share_of_it(
    grid_task, my_subtask, client_for, neighbour_worker
):
    client = client_for(neighbour_worker)
    page = client.get(f"/tasks/{grid_task.pk}/")
    assert page.status_code == 200
    assert [s.unit.code for s in page.context["page_obj"].object_list] == [OTHER_GRID_A]
    assert client.get(f"/tasks/subtasks/{my_subtask.pk}/").status_code == 404
    assert client.post(f"/tasks/subtasks/{my_subtask.pk}/receive/").status_code == 404
    my_subtask.refresh_from_db()
    assert my_subtask.state == SubTaskState.PENDING


def test_a_missing_task_is_404_like_another_townships(client_for, dispatcher_a):
    assert client_for(dispatcher_a).get("/tasks/999999/").status_code == 404


def test_a_sub_task_link_leads_to_its_row_on_the_task_page(grid_task, my_subtask, client_for, grid_worker):
    response = client_for(grid_worker).get(f"/tasks/subtasks/{my_subtask.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/tasks/{grid_task.pk}/#subtask-{my_subtask.pk}"


@pytest.mark.parametrize(
    "path", ["/tasks/", "/tasks/new/", "/tasks/units/", "/tasks/1/", "/tasks/subtasks/1/"]
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_anonymous_post_changes_nothing(my_subtask, client):
    response = client.post(f"/tasks/subtasks/{my_subtask.pk}/receive/")
    assert response["Location"].startswith("/accounts/login/")
    my_subtask.refresh_from_db()
    assert my_subtask.state == SubTaskState.PENDING
