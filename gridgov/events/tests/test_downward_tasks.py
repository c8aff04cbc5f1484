"""任务下派: the county centre and township dispatchers issue tasks down to units or to a territory;
upper-level systems retry safely with their own task number; each unit receives, reports progress
and completes its sub-task; the issuer follows the roll-up; nobody acts on or sees another
territory's sub-tasks (ARCHITECTURE rule 9)."""

from datetime import datetime, timedelta

import pytest
from django.http import Http404
from django.test import Client

from gridgov.accounts.choices import Role, UnitKind
from gridgov.accounts.models import Unit
from gridgov.accounts.services import create_api_token
from gridgov.audit.actor import Actor
from gridgov.audit.models import AuditEntry
from gridgov.events.choices import SubTaskState, TaskSource
from gridgov.events.errors import BadRequest, Conflict, NotYourTurn
from gridgov.events.models import DownwardSubTask, DownwardTask
from gridgov.events.services import complete_subtask, issue_task, receive_subtask, report_progress, rollup
from gridgov.events.tests.conftest import SHANGHAI, TOWNSHIP_A, TOWNSHIP_B, TUESDAY_MORNING, as_actor, inbox

pytestmark = pytest.mark.django_db

TASKS = "/api/v1/tasks"
FIRE_EXITS = "检查辖区消防通道是否畅通"
FRIDAY_EVENING = datetime(2026, 11, 27, 17, 0, tzinfo=SHANGHAI)
NEXT_MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
VILLAGE_A = "v330784001001"  # 部望社区居民委员会, township A
PLATFORM_A = "t001-platform-2"  # 东城街道经济生态平台
OTHER_GRID_A = "g330784001001002"  # 部望社区第2网格, next to grid_worker's grid


# -- builders --------------------------------------------------------------------------------------


def grid_units(township: str) -> list[Unit]:
    return list(Unit.objects.filter(kind=UnitKind.GRID, territory__code__startswith=township[:9]))


def fire_exit_check(issuer, **targets) -> DownwardTask:
    """`issuer` issues 'check the fire exits by Friday'; by default to every grid of township A."""
    targets = targets or {"territory_code": TOWNSHIP_A, "unit_kind": UnitKind.GRID}
    task, created = issue_task(
        as_actor(issuer), title=FIRE_EXITS, description="逐楼检查并拍照反馈", due_at=FRIDAY_EVENING, **targets
    )
    assert created
    return task


def subtask_of(task: DownwardTask, unit_code: str) -> DownwardSubTask:
    return task.subtasks.get(unit__code=unit_code)


def post(client, path: str, body: dict | None = None, **headers):
    return client.post(path, body if body is not None else {}, content_type="application/json", **headers)


def task_body(**extra) -> dict:
    return {"title": FIRE_EXITS, "due_at": FRIDAY_EVENING.isoformat(), **extra}


@pytest.fixture
def grid_task(county_dispatcher) -> DownwardTask:
    """The county centre's fire-exit check, issued to every grid of township A."""
    return fire_exit_check(county_dispatcher)


@pytest.fixture
def my_subtask(grid_task, grid_worker) -> DownwardSubTask:
    """grid_worker's part of the county's fire-exit check."""
    return subtask_of(grid_task, grid_worker.unit.code)


@pytest.fixture
def neighbour_worker(person):
    """The grid worker of the grid next to grid_worker's, in the same village."""
    return person(OTHER_GRID_A, Role.GRID_WORKER)


@pytest.fixture
def upper_system(person):
    """An upper-level system (152 平台) calling with a bearer token as a user of the county centre."""
    user = person("county-centre", Role.DISPATCHER, username="upper-system-152")
    _, raw = create_api_token(Actor.system("tests"), user, "152 平台")
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


# -- issuing ---------------------------------------------------------------------------------------


def test_the_county_centre_issues_a_task_to_every_grid_of_township_a(grid_task, county_dispatcher):
    expected = {u.code for u in grid_units(TOWNSHIP_A)}
    assert len(expected) == 4
    assert {s.unit.code for s in grid_task.subtasks.select_related("unit")} == expected
    assert grid_task.issuing_unit.code == "county-centre"
    assert grid_task.issued_by == county_dispatcher
    assert grid_task.source == TaskSource.UNIT
    assert all(s.state == SubTaskState.PENDING for s in grid_task.subtasks.all())


def test_no_sub_task_is_created_outside_the_chosen_territory_and_unit_kind(grid_task):
    outside = DownwardSubTask.objects.filter(task=grid_task).exclude(
        unit__kind=UnitKind.GRID, unit__territory__code__startswith=TOWNSHIP_A[:9]
    )
    assert not outside.exists()
    assert DownwardSubTask.objects.count() == 4


def test_the_target_description_names_the_township_and_the_count(grid_task):
    assert "东城街道" in grid_task.target_description
    assert "4" in grid_task.target_description


def test_every_grid_worker_of_township_a_is_told_of_the_new_task(grid_task, person, grid_worker_b):
    for grid in grid_units(TOWNSHIP_A):
        worker = person(grid.code, Role.GRID_WORKER)
        notes = inbox(worker, "task")
        assert len(notes) == 1 and FIRE_EXITS in notes[0].title
    assert inbox(grid_worker_b, "task") == []


def test_issuing_writes_an_audit_row(grid_task, county_dispatcher):
    entry = AuditEntry.objects.get(action="task.issue", object_id=str(grid_task.pk))
    assert entry.actor == county_dispatcher
    assert entry.summary["units"] == 4


def test_a_township_dispatcher_issues_to_units_of_its_own_township_by_code(dispatcher_a):
    task = fire_exit_check(dispatcher_a, unit_codes=[VILLAGE_A, PLATFORM_A])
    assert task.issuing_unit == dispatcher_a.unit
    assert sorted(s.unit.code for s in task.subtasks.select_related("unit")) == sorted(
        [VILLAGE_A, PLATFORM_A]
    )


@pytest.mark.parametrize(
    ("targets", "title", "due_in", "message"),
    [
        pytest.param(
            {"unit_codes": ["t002-platform-1"]}, FIRE_EXITS, 3, "t002-platform-1", id="a-unit-of-township-b"
        ),
        pytest.param({"unit_codes": ["t001-command"]}, FIRE_EXITS, 3, "本单位", id="its-own-unit"),
        pytest.param(
            {"territory_code": TOWNSHIP_B, "unit_kind": UnitKind.GRID},
            FIRE_EXITS,
            3,
            "西城街道",
            id="township-b-grids",
        ),
        pytest.param({"unit_codes": [VILLAGE_A]}, FIRE_EXITS, -1, "时限", id="a-due-date-in-the-past"),
        pytest.param({"unit_codes": [VILLAGE_A]}, "", 3, "任务名称", id="an-empty-title"),
        pytest.param({"unit_codes": [VILLAGE_A]}, "   ", 3, "任务名称", id="a-blank-title"),
        pytest.param({}, FIRE_EXITS, 3, "请指定", id="neither-units-nor-territory"),
        pytest.param(
            {"territory_code": TOWNSHIP_A}, FIRE_EXITS, 3, "单位类型", id="a-territory-without-unit-kind"
        ),
    ],
)
def test_a_township_dispatcher_is_refused_when_issuing(dispatcher_a, targets, title, due_in, message):
    due_at = TUESDAY_MORNING + timedelta(days=due_in)
    with pytest.raises(BadRequest, match=message):
        issue_task(as_actor(dispatcher_a), title=title, due_at=due_at, **targets)
    assert not DownwardTask.objects.exists()


def test_a_grid_worker_may_not_issue_tasks(grid_worker):
    with pytest.raises(NotYourTurn):
        issue_task(as_actor(grid_worker), title=FIRE_EXITS, due_at=FRIDAY_EVENING, unit_codes=[VILLAGE_A])
    assert not DownwardTask.objects.exists()


def test_issuing_over_the_api_answers_201_with_the_sub_tasks(client_for, dispatcher_a):
    response = post(client_for(dispatcher_a), TASKS, task_body(units=[VILLAGE_A, PLATFORM_A]))
    assert response.status_code == 201
    body = response.json()
    assert {s["unit_code"] for s in body["subtasks"]} == {VILLAGE_A, PLATFORM_A}
    assert body["rollup"]["total"] == 2


def test_issuing_to_a_unit_of_township_b_over_the_api_is_422_naming_it(client_for, dispatcher_a):
    response = post(client_for(dispatcher_a), TASKS, task_body(units=["t002-platform-1"]))
    assert response.status_code == 422
    assert "t002-platform-1" in response.json()["detail"]


def test_a_grid_worker_issuing_over_the_api_is_403(client_for, grid_worker):
    assert post(client_for(grid_worker), TASKS, task_body(units=[VILLAGE_A])).status_code == 403


def test_a_due_date_without_a_timezone_is_read_as_beijing_time_not_a_server_error(client_for, dispatcher_a):
    response = post(
        client_for(dispatcher_a), TASKS, task_body(units=[VILLAGE_A], due_at="2026-11-27T17:00:00")
    )
    assert response.status_code in (201, 422)


def test_an_upper_level_system_retrying_with_the_same_external_id_gets_the_same_task(upper_system):
    body = task_body(territory=TOWNSHIP_A, unit_kind="grid", external_id="152-2026-000123")
    first = post(upper_system, TASKS, body)
    again = post(upper_system, TASKS, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert DownwardTask.objects.filter(external_id="152-2026-000123").count() == 1
    assert DownwardTask.objects.count() == 1
    task = DownwardTask.objects.get()
    assert task.source == TaskSource.UPPER_SYSTEM
    assert task.subtasks.count() == 4


def test_township_b_replaying_an_upper_systems_task_number_learns_nothing_of_it(
    upper_system, client_for, dispatcher_b
):
    body = task_body(territory=TOWNSHIP_A, unit_kind="grid", external_id="152-2026-000124")
    assert post(upper_system, TASKS, body).status_code == 201
    replay = post(
        client_for(dispatcher_b), TASKS, task_body(units=["t002-platform-1"], external_id="152-2026-000124")
    )
    assert replay.status_code in (404, 409, 422)
    assert "330784001" not in replay.content.decode()


# -- a unit works its sub-task ---------------------------------------------------------------------


def test_a_grid_worker_receives_reports_progress_and_completes_the_sub_task(
    my_subtask, grid_worker, time_machine
):
    actor = as_actor(grid_worker)
    received = receive_subtask(actor, my_subtask.pk)
    assert (received.state, received.received_at) == (SubTaskState.RECEIVED, TUESDAY_MORNING)

    time_machine.move_to(TUESDAY_MORNING + timedelta(hours=2), tick=False)
    working = report_progress(actor, my_subtask.pk, 40, "已查 3 栋，1 处堆放杂物已劝离")
    assert (working.state, working.progress) == (SubTaskState.IN_PROGRESS, 40)
    assert working.feedback == "已查 3 栋，1 处堆放杂物已劝离"

    time_machine.move_to(TUESDAY_MORNING + timedelta(hours=5), tick=False)
    done = complete_subtask(actor, my_subtask.pk, "全部 8 栋检查完毕，通道畅通")
    assert (done.state, done.progress) == (SubTaskState.DONE, 100)
    assert done.feedback == "全部 8 栋检查完毕，通道畅通"
    assert done.done_at == TUESDAY_MORNING + timedelta(hours=5)
    assert done.received_at == TUESDAY_MORNING


def test_reporting_progress_on_a_pending_sub_task_counts_as_receiving_it(my_subtask, grid_worker):
    working = report_progress(as_actor(grid_worker), my_subtask.pk, 10)
    assert working.state == SubTaskState.IN_PROGRESS
    assert working.received_at == TUESDAY_MORNING


def test_a_sub_task_is_completed_only_once(my_subtask, grid_worker):
    complete_subtask(as_actor(grid_worker), my_subtask.pk, "检查完毕")
    with pytest.raises(Conflict):
        complete_subtask(as_actor(grid_worker), my_subtask.pk, "再次提交")
    with pytest.raises(Conflict):
        report_progress(as_actor(grid_worker), my_subtask.pk, 50)
    with pytest.raises(Conflict):
        receive_subtask(as_actor(grid_worker), my_subtask.pk)


def test_progress_of_100_and_completion_without_feedback_are_refused(my_subtask, grid_worker):
    with pytest.raises(BadRequest):
        report_progress(as_actor(grid_worker), my_subtask.pk, 100)
    with pytest.raises(BadRequest):
        complete_subtask(as_actor(grid_worker), my_subtask.pk, "   ")
    assert DownwardSubTask.objects.get(pk=my_subtask.pk).state == SubTaskState.PENDING


def test_the_sub_task_life_cycle_over_the_api(my_subtask, client_for, grid_worker):
    client = client_for(grid_worker)
    base = f"{TASKS}/subtasks/{my_subtask.pk}"
    received = post(client, f"{base}/receive")
    assert received.status_code == 200 and received.json()["state"] == "received"
    working = post(client, f"{base}/progress", {"percent": 40, "feedback": "已查一半"})
    assert working.status_code == 200
    assert (working.json()["state"], working.json()["progress"]) == ("in_progress", 40)
    done = post(client, f"{base}/complete", {"feedback": "检查完毕"})
    assert done.status_code == 200
    assert (done.json()["state"], done.json()["progress"]) == ("done", 100)
    assert done.json()["done_at"] is not None
    assert post(client, f"{base}/complete", {"feedback": "再次提交"}).status_code == 409


def test_the_api_answers_422_for_progress_100_and_for_completion_without_feedback(
    my_subtask, client_for, grid_worker
):
    client = client_for(grid_worker)
    base = f"{TASKS}/subtasks/{my_subtask.pk}"
    assert post(client, f"{base}/progress", {"percent": 100}).status_code == 422
    assert post(client, f"{base}/complete", {"feedback": ""}).status_code == 422
    assert post(client, f"{base}/complete", {}).status_code == 422
    assert DownwardSubTask.objects.get(pk=my_subtask.pk).state == SubTaskState.PENDING


# -- out of scope ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "act", [receive_subtask, lambda a, pk: report_progress(a, pk, 30)], ids=["receive", "progress"]
)
def test_the_worker_of_another_grid_cannot_act_on_this_sub_task(my_subtask, neighbour_worker, act):
    with pytest.raises(Http404):
        act(as_actor(neighbour_worker), my_subtask.pk)
    with pytest.raises(Http404):
        complete_subtask(as_actor(neighbour_worker), my_subtask.pk, "不是我的")
    assert DownwardSubTask.objects.get(pk=my_subtask.pk).state == SubTaskState.PENDING


def test_the_worker_of_another_grid_gets_404_over_the_api(
    my_subtask, client_for, neighbour_worker, dispatcher_b
):
    base = f"{TASKS}/subtasks/{my_subtask.pk}"
    for client in (client_for(neighbour_worker), client_for(dispatcher_b)):
        assert post(client, f"{base}/receive").status_code == 404
        assert post(client, f"{base}/progress", {"percent": 30}).status_code == 404
        assert post(client, f"{base}/complete", {"feedback": "不是我的"}).status_code == 404
    assert DownwardSubTask.objects.get(pk=my_subtask.pk).state == SubTaskState.PENDING


def test_a_township_dispatcher_may_see_but_not_work_a_grids_sub_task(my_subtask, client_for, dispatcher_a):
    assert post(client_for(dispatcher_a), f"{TASKS}/subtasks/{my_subtask.pk}/receive").status_code == 403


def test_township_b_cannot_see_township_as_task(grid_task, client_for, dispatcher_b):
    client = client_for(dispatcher_b)
    assert client.get(f"{TASKS}/{grid_task.pk}").status_code == 404
    listed = client.get(TASKS)
    assert listed.status_code == 200
    assert grid_task.pk not in [t["id"] for t in listed.json()["items"]]


def test_township_a_and_its_grid_workers_see_the_task(grid_task, client_for, dispatcher_a, grid_worker):
    for user in (dispatcher_a, grid_worker):
        assert client_for(user).get(f"{TASKS}/{grid_task.pk}").status_code == 200
        assert grid_task.pk in [t["id"] for t in client_for(user).get(TASKS).json()["items"]]


def test_township_b_sees_only_its_own_sub_tasks_of_a_county_wide_task(
    county_dispatcher, client_for, dispatcher_b
):
    task = fire_exit_check(county_dispatcher, unit_codes=[VILLAGE_A, "v330784002001"])
    body = client_for(dispatcher_b).get(f"{TASKS}/{task.pk}").json()
    assert [s["unit_code"] for s in body["subtasks"]] == ["v330784002001"]


# -- the issuer's roll-up --------------------------------------------------------------------------


def test_the_roll_up_counts_states_average_progress_and_completion_rate(grid_task, person):
    workers = [person(g.code, Role.GRID_WORKER) for g in grid_units(TOWNSHIP_A)]
    subtasks = [subtask_of(grid_task, w.unit.code) for w in workers]
    receive_subtask(as_actor(workers[0]), subtasks[0].pk)
    report_progress(as_actor(workers[1]), subtasks[1].pk, 40, "进行中")
    complete_subtask(as_actor(workers[2]), subtasks[2].pk, "完成")
    assert rollup(grid_task) == {
        "total": 4,
        "pending": 1,
        "received": 1,
        "in_progress": 1,
        "done": 1,
        "average_progress": 35.0,
        "late": 0,
        "completion_rate": 0.25,
    }


def test_the_issuer_reads_the_roll_up_over_the_api(
    grid_task, my_subtask, client_for, county_dispatcher, grid_worker
):
    report_progress(as_actor(grid_worker), my_subtask.pk, 60, "进行中")
    body = client_for(county_dispatcher).get(f"{TASKS}/{grid_task.pk}").json()
    assert body["rollup"]["in_progress"] == 1
    assert body["rollup"]["average_progress"] == 15.0
    assert body["closed_at"] is None


def test_open_sub_tasks_are_counted_late_after_the_due_date(grid_task, my_subtask, grid_worker, time_machine):
    complete_subtask(as_actor(grid_worker), my_subtask.pk, "完成")
    time_machine.move_to(FRIDAY_EVENING, tick=False)
    assert rollup(grid_task)["late"] == 0
    time_machine.move_to(NEXT_MONDAY, tick=False)
    assert rollup(grid_task)["late"] == 3


def test_when_every_sub_task_is_done_the_task_closes_and_the_issuer_is_told(
    grid_task, person, county_dispatcher
):
    workers = [person(g.code, Role.GRID_WORKER) for g in grid_units(TOWNSHIP_A)]
    for worker in workers[:-1]:
        complete_subtask(as_actor(worker), subtask_of(grid_task, worker.unit.code).pk, "完成")
    grid_task.refresh_from_db()
    assert grid_task.closed_at is None
    assert inbox(county_dispatcher, "task_done") == []

    last = workers[-1]
    complete_subtask(as_actor(last), subtask_of(grid_task, last.unit.code).pk, "完成")
    grid_task.refresh_from_db()
    assert grid_task.closed_at == TUESDAY_MORNING
    notes = inbox(county_dispatcher, "task_done")
    assert len(notes) == 1 and FIRE_EXITS in notes[0].title
    assert rollup(grid_task)["completion_rate"] == 1.0


# -- my open sub-tasks -----------------------------------------------------------------------------


def test_mine_lists_only_the_grid_workers_open_sub_tasks(
    grid_task, my_subtask, county_dispatcher, client_for, grid_worker
):
    second = fire_exit_check(county_dispatcher, unit_codes=[grid_worker.unit.code, OTHER_GRID_A])
    complete_subtask(as_actor(grid_worker), my_subtask.pk, "完成")
    client = client_for(grid_worker)

    mine = client.get(f"{TASKS}/mine")
    assert mine.status_code == 200
    assert [s["id"] for s in mine.json()["items"]] == [subtask_of(second, grid_worker.unit.code).pk]
    assert {s["unit_code"] for s in mine.json()["items"]} == {grid_worker.unit.code}

    everything = client.get(f"{TASKS}/mine", {"open_only": "false"}).json()["items"]
    assert sorted(s["id"] for s in everything) == sorted(
        [my_subtask.pk, subtask_of(second, grid_worker.unit.code).pk]
    )


def test_mine_is_empty_for_a_unit_with_no_sub_tasks(grid_task, client_for, grid_worker_b, dispatcher_b):
    for user in (grid_worker_b, dispatcher_b):
        response = client_for(user).get(f"{TASKS}/mine")
        assert response.status_code == 200 and response.json()["items"] == []
