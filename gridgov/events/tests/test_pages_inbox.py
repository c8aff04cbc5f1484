"""The inbox: each staff user reads their own notifications newest first, the unread ones stand
out, one or all are marked read, opening one marks it read and leads to its event or task; the
header shows the unread count; nobody reads or marks another user's notifications."""

import copy
from datetime import datetime, timedelta

import pytest
from django.test import Client

from gridgov.accounts.choices import UnitKind
from gridgov.events.models import Notification
from gridgov.events.notify import notify
from gridgov.events.services import issue_task
from gridgov.events.tests.conftest import SHANGHAI, TOWNSHIP_A, TUESDAY_MORNING, as_actor, report

pytestmark = pytest.mark.django_db

BADGE = "gridgov.events.context_processors.inbox"


def text(response) -> str:
    return response.content.decode()


def shown(response) -> list[Notification]:
    return list(response.context["page_obj"].object_list)


@pytest.fixture
def with_badge(settings):
    """The header's unread count, switched on in settings TEMPLATES."""
    assert BADGE in settings.TEMPLATES[0]["OPTIONS"]["context_processors"]


@pytest.fixture
def three_notes(dispatcher_a, time_machine):
    """Three notifications for township A's dispatcher, an hour apart (oldest first)."""
    notes = []
    for n, title in enumerate(["第一条：例会通知", "第二条：数据报送", "第三条：检查安排"]):
        time_machine.move_to(TUESDAY_MORNING + timedelta(hours=n), tick=False)
        notify([dispatcher_a], "decision", title, body=f"正文 {n}")
        notes.append(Notification.objects.filter(user=dispatcher_a).order_by("-id").first())
    return notes


@pytest.fixture
def someone_elses(dispatcher_b) -> Notification:
    notify([dispatcher_b], "decision", "西城的通知：不该被东城看到")
    return Notification.objects.get(user=dispatcher_b)


# -- reading ---------------------------------------------------------------------------------------


def test_a_dispatcher_reads_only_their_own_notifications_newest_first(
    three_notes, someone_elses, client_for, dispatcher_a
):
    response = client_for(dispatcher_a).get("/inbox/")
    assert response.status_code == 200
    assert [n.title for n in shown(response)] == ["第三条：检查安排", "第二条：数据报送", "第一条：例会通知"]
    assert "西城的通知" not in text(response)
    assert response.context["unread_count"] == 3


def test_unread_notifications_are_highlighted_and_read_ones_are_not(three_notes, client_for, dispatcher_a):
    Notification.objects.filter(pk=three_notes[0].pk).update(read_at=TUESDAY_MORNING)
    page = text(client_for(dispatcher_a).get("/inbox/"))
    assert page.count('class="note unread') == 2
    assert page.count('class="note"') + page.count('class="note urgent"') == 1


def test_the_unread_filter_hides_what_was_read(three_notes, client_for, dispatcher_a):
    Notification.objects.filter(pk=three_notes[0].pk).update(read_at=TUESDAY_MORNING)
    response = client_for(dispatcher_a).get("/inbox/", {"unread": "1"})
    assert [n.pk for n in shown(response)] == [three_notes[2].pk, three_notes[1].pk]


def test_an_empty_inbox_says_so(client_for, dispatcher_b):
    response = client_for(dispatcher_b).get("/inbox/")
    assert shown(response) == []
    assert "还没有通知" in text(response)


def test_a_new_event_notification_links_to_its_event(client_for, dispatcher_a, grid_worker):
    event = report(grid_worker, "暴露垃圾").event
    response = client_for(dispatcher_a).get("/inbox/")
    [note] = [n for n in shown(response) if n.event_id == event.pk]
    assert note.kind == "new_event" and note.label == "新事件"
    assert event.number in note.url


def test_a_new_task_notification_links_to_the_task_itself(client_for, county_dispatcher, grid_worker):
    task, _ = issue_task(
        as_actor(county_dispatcher),
        title="检查消防通道",
        due_at=datetime(2026, 11, 27, 17, 0, tzinfo=SHANGHAI),
        territory_code=TOWNSHIP_A,
        unit_kind=UnitKind.GRID,
    )
    [note] = shown(client_for(grid_worker).get("/inbox/"))
    assert note.label == "下派任务"
    assert note.url == f"/tasks/{task.pk}/"
    assert client_for(grid_worker).get(note.url).status_code == 200


def test_the_inbox_pages_through_many_notifications_within_a_fixed_query_budget(
    client_for, dispatcher_a, grid_worker, django_assert_max_num_queries
):
    for _ in range(4):
        report(grid_worker, "暴露垃圾")  # each tells township A's command room, with its event
    for n in range(41):
        notify([dispatcher_a], "decision", f"通知 {n}")
    client = client_for(dispatcher_a)
    # session, user, the header's unit, count, page (with events), unread count (+ the badge's count)
    with django_assert_max_num_queries(7):
        first = client.get("/inbox/")
    assert len(shown(first)) == 30
    assert first.context["page_obj"].paginator.count == 45
    with django_assert_max_num_queries(7):
        second = client.get("/inbox/", {"page": 2})
    assert len(shown(second)) == 15
    assert sum(1 for n in shown(second) if n.event_id) == 4


# -- marking read ----------------------------------------------------------------------------------


def test_marking_one_read_changes_only_that_one(three_notes, client_for, dispatcher_a):
    response = client_for(dispatcher_a).post(f"/inbox/{three_notes[1].pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    unread = Notification.objects.filter(user=dispatcher_a, read_at__isnull=True)
    assert sorted(unread.values_list("pk", flat=True)) == sorted([three_notes[0].pk, three_notes[2].pk])
    assert Notification.objects.get(pk=three_notes[1].pk).read_at == TUESDAY_MORNING + timedelta(hours=2)


def test_marking_read_goes_back_to_the_page_it_came_from_but_never_off_site(
    three_notes, client_for, dispatcher_a
):
    client = client_for(dispatcher_a)
    back = client.post(f"/inbox/{three_notes[0].pk}/read/", {"next": "/inbox/?unread=1&page=1"})
    assert back["Location"] == "/inbox/?unread=1&page=1"
    away = client.post(f"/inbox/{three_notes[1].pk}/read/", {"next": "https://evil.example/phish"})
    assert away["Location"] == "/inbox/"


def test_marking_all_read_marks_mine_and_leaves_everyone_elses(
    three_notes, someone_elses, client_for, dispatcher_a
):
    response = client_for(dispatcher_a).post("/inbox/read-all/", follow=True)
    assert "已将 3 条通知标为已读" in [str(m) for m in response.context["messages"]]
    assert not Notification.objects.filter(user=dispatcher_a, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=someone_elses.pk).read_at is None
    assert response.context["unread_count"] == 0


def test_another_users_notification_cannot_be_marked_read_or_opened(someone_elses, client_for, dispatcher_a):
    client = client_for(dispatcher_a)
    assert client.post(f"/inbox/{someone_elses.pk}/read/").status_code == 404
    assert client.post(f"/inbox/{someone_elses.pk}/open/").status_code == 404
    assert Notification.objects.get(pk=someone_elses.pk).read_at is None


def test_a_missing_notification_is_404(client_for, dispatcher_a):
    assert client_for(dispatcher_a).post("/inbox/999999/read/").status_code == 404


def test_marking_read_is_a_post_only(three_notes, client_for, dispatcher_a):
    assert client_for(dispatcher_a).get(f"/inbox/{three_notes[0].pk}/read/").status_code == 405
    assert Notification.objects.get(pk=three_notes[0].pk).read_at is None


def test_opening_a_notification_marks_it_read_and_goes_to_its_event(client_for, dispatcher_a, grid_worker):
    event = report(grid_worker, "暴露垃圾").event
    note = Notification.objects.get(user=dispatcher_a, event=event)
    response = client_for(dispatcher_a).post(f"/inbox/{note.pk}/open/")
    assert response.status_code == 302
    assert response["Location"].startswith("/events/") and event.number in response["Location"]
    note.refresh_from_db()
    assert note.read_at == TUESDAY_MORNING


def test_opening_a_notification_without_a_target_stays_in_the_inbox(three_notes, client_for, dispatcher_a):
    response = client_for(dispatcher_a).post(f"/inbox/{three_notes[0].pk}/open/")
    assert response["Location"] == "/inbox/"
    assert Notification.objects.get(pk=three_notes[0].pk).read_at is not None


# -- the header badge ------------------------------------------------------------------------------


def test_the_header_shows_the_unread_count_linking_to_the_inbox(
    with_badge, three_notes, client_for, dispatcher_a
):
    client = client_for(dispatcher_a)
    page = text(client.get("/tasks/"))
    assert 'class="inbox-badge" href="/inbox/"' in page
    assert "3 条未读通知" in page
    client.post("/inbox/read-all/")
    page = text(client.get("/tasks/"))
    assert 'href="/inbox/"' in page and "条未读通知" not in page


def test_the_badge_says_99_plus_beyond_ninety_nine(with_badge, client_for, dispatcher_a):
    for n in range(100):
        notify([dispatcher_a], "decision", f"通知 {n}")
    assert ">99+</b>" in text(client_for(dispatcher_a).get("/tasks/"))


def test_the_badge_costs_one_count_query_per_page(settings, client_for, dispatcher_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    notify([dispatcher_a], "decision", "一条")
    client = client_for(dispatcher_a)

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            client.get("/tasks/")
        return [q["sql"] for q in captured.captured_queries]

    with_badge = queries()
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["context_processors"].remove(BADGE)
    settings.TEMPLATES = templates
    without = queries()
    assert len(with_badge) == len(without) + 1
    [extra] = [q for q in with_badge if "events_notification" in q]
    assert "COUNT" in extra.upper()


def test_anonymous_visitors_see_no_badge_and_cause_no_query(with_badge, django_assert_num_queries):
    with django_assert_num_queries(0):
        page = Client().get("/accounts/login/")
    assert "inbox-badge" not in page.content.decode()


@pytest.mark.parametrize("path", ["/inbox/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_anonymous_post_marks_nothing(three_notes, client):
    response = client.post("/inbox/read-all/")
    assert response["Location"].startswith("/accounts/login/")
    assert Notification.objects.filter(read_at__isnull=True).count() == 3
