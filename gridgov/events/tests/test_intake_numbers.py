"""Intake writes a new event once: its key is reserved and its number (YK + Beijing date + key)
made before the INSERT, the report's history, audit and notification rows follow in the same
transaction, and nothing updates the row again. The duplicate check, a hand-written query on the
hot path, finds the open nearby events of the matter and nothing else."""

from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Max
from django.test.utils import CaptureQueriesContext

from gridgov.audit.models import AuditEntry
from gridgov.events.choices import Channel, EventState
from gridgov.events.duplicates import WINDOW, find_duplicates
from gridgov.events.models import Event, EventHistory, Notification
from gridgov.events.services import Report, report_event
from gridgov.events.services.intake import _reserve_event_id

from .conftest import SHANGHAI, TUESDAY_MORNING, as_actor, grid_for, matter, point_in, report

pytestmark = pytest.mark.django_db

GARBAGE = "丽州路绿化带内有生活垃圾堆放，无人清理"
GARBAGE_AGAIN = "丽州路绿化带里堆了生活垃圾"


def writes_to(queries, verb: str, table: str) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith(f'{verb} "{table}"')]


class TestAReportIsWrittenOnce:
    def test_the_insert_carries_the_number_and_no_update_follows(self, grid_worker):
        with CaptureQueriesContext(connection) as queries:
            event = report(grid_worker, "暴露垃圾").event

        inserts = writes_to(queries, "INSERT INTO", "events_event")
        assert len(inserts) == 1
        assert event.number in inserts[0]
        assert writes_to(queries, "UPDATE", "events_event") == []
        stored = Event.objects.get(pk=event.pk)
        assert stored.number == f"YK20261124{event.pk:06d}"
        assert stored.state == EventState.REPORTED
        assert stored.revision == 1

    def test_the_report_still_leaves_its_history_audit_and_notification_rows(self, grid_worker, dispatcher_a):
        event = report(grid_worker, "暴露垃圾").event

        history = EventHistory.objects.get(event=event)
        assert (history.action, history.from_state, history.to_state) == ("report", "reported", "reported")
        assert history.actor == grid_worker and history.unit == grid_worker.unit
        audit = AuditEntry.objects.get(object_type="events.event", object_id=str(event.pk))
        assert (audit.action, audit.actor) == ("event.report", grid_worker)
        assert Notification.objects.filter(event=event, user=dispatcher_a, kind="new_event").count() == 1

    def test_successive_reports_get_rising_keys_and_numbers_made_of_them(self, grid_worker, dispatcher_a):
        events = [report(user, "暴露垃圾").event for user in (grid_worker, dispatcher_a, grid_worker)]

        keys = [e.pk for e in events]
        assert keys == sorted(keys) and len(set(keys)) == 3
        assert [e.number for e in events] == [f"YK20261124{k:06d}" for k in keys]
        assert sorted(Event.objects.filter(pk__in=keys).values_list("number", flat=True)) == sorted(
            e.number for e in events
        )

    def test_the_number_carries_the_beijing_date_of_the_report_not_the_utc_one(
        self, grid_worker, time_machine
    ):
        half_past_midnight = datetime(2026, 11, 25, 0, 30, tzinfo=SHANGHAI)  # 16:30 UTC the day before
        time_machine.move_to(half_past_midnight, tick=False)

        event = report(grid_worker, "暴露垃圾").event

        assert event.number == f"YK20261125{event.pk:06d}"

    def test_the_number_carries_the_date_the_reporter_gives(self, grid_worker):
        the_evening_before = TUESDAY_MORNING - timedelta(hours=10)  # Monday 23:00 in Beijing

        event = report(grid_worker, "暴露垃圾", reported_at=the_evening_before).event

        assert event.reported_at == the_evening_before
        assert event.number == f"YK20261123{event.pk:06d}"

    def test_a_retry_with_the_same_key_writes_no_event_history_or_audit_row(self, grid_worker):
        first = report(grid_worker, "暴露垃圾", idempotency_key="hotline-call-77")
        counts = (Event.objects.count(), EventHistory.objects.count(), AuditEntry.objects.count())

        again = report(grid_worker, "暴露垃圾", idempotency_key="hotline-call-77")

        assert again.created is False
        assert again.event.pk == first.event.pk
        assert again.event.number == first.event.number
        assert (Event.objects.count(), EventHistory.objects.count(), AuditEntry.objects.count()) == counts

    def test_a_report_costs_eight_statements_once_the_caches_are_warm(
        self, grid_worker, dispatcher_a, django_assert_max_num_queries
    ):
        report(grid_worker, "暴露垃圾")  # fills the per-process caches (grids, catalogue, units…)
        lon, lat = point_in(grid_for(dispatcher_a))
        garbage = Report(Channel.HOTLINE, GARBAGE_AGAIN, lon, lat, matter_code=matter("暴露垃圾").code)

        # duplicates query, savepoint, key, event, history, audit, notification, release
        with django_assert_max_num_queries(8):
            result = report_event(as_actor(dispatcher_a), garbage)

        assert result.created
        assert result.event.number == f"YK20261124{result.event.pk:06d}"


class TestTheKeyIsReservedBeforeTheInsert:
    def test_a_reserved_key_is_above_every_existing_event(self, grid_worker):
        report(grid_worker, "暴露垃圾")
        highest = Event.objects.aggregate(top=Max("id"))["top"]

        with transaction.atomic():
            reserved = _reserve_event_id()

        assert reserved is not None and reserved > highest

    def test_without_a_safe_reservation_the_number_is_written_after_the_insert(
        self, grid_worker, monkeypatch
    ):
        if connection.vendor != "sqlite":
            pytest.skip("PostgreSQL always reserves from the sequence")
        # A deferred SQLite transaction does not hold the write lock when the key would be read.
        monkeypatch.setitem(connection.settings_dict["OPTIONS"], "transaction_mode", "DEFERRED")
        assert _reserve_event_id() is None

        with CaptureQueriesContext(connection) as queries:
            event = report(grid_worker, "暴露垃圾").event

        assert len(writes_to(queries, "UPDATE", "events_event")) == 1
        stored = Event.objects.get(pk=event.pk)
        assert stored.number == event.number == f"YK20261124{event.pk:06d}"
        assert stored.revision == 1


class TestTheDuplicateCheck:
    def search(self, event, **kw):
        radius = kw.pop("radius_m", event.matter.duplicate_radius_m)
        return find_duplicates(
            event.matter.code, event.lon, event.lat, event.description, radius, TUESDAY_MORNING, **kw
        )

    def test_lists_an_open_nearby_report_and_leaves_out_the_event_it_is_asked_about(
        self, grid_worker, dispatcher_a
    ):
        first = report(grid_worker, "暴露垃圾", text=GARBAGE).event
        second = report(
            dispatcher_a, "暴露垃圾", text=GARBAGE_AGAIN, lon=first.lon + 0.0001, lat=first.lat
        ).event

        found = self.search(second, exclude_id=second.pk)

        assert [d.event.pk for d in found] == [first.pk]
        assert 5 < found[0].distance_m < 15
        assert found[0].similarity >= 30

    def test_gives_the_desk_number_state_and_text_without_further_queries(
        self, grid_worker, dispatcher_a, django_assert_num_queries
    ):
        first = report(grid_worker, "暴露垃圾", text=GARBAGE).event
        second = report(dispatcher_a, "暴露垃圾", text=GARBAGE_AGAIN, lon=first.lon, lat=first.lat).event
        candidate = self.search(second, exclude_id=second.pk)[0]

        with django_assert_num_queries(0):
            shown = (candidate.event.number, candidate.event.get_state_display(), candidate.event.description)

        assert shown == (first.number, "待受理", GARBAGE)

    def test_leaves_out_closed_events(self, garbage_closed, dispatcher_a):
        again = report(dispatcher_a, "暴露垃圾", lon=garbage_closed.lon, lat=garbage_closed.lat).event
        open_one = report(dispatcher_a, "暴露垃圾", lon=garbage_closed.lon, lat=garbage_closed.lat).event

        found = [d.event.pk for d in self.search(again, exclude_id=again.pk)]

        assert garbage_closed.pk not in found
        assert found == [open_one.pk]

    def test_leaves_out_reports_older_than_the_window(self, grid_worker, dispatcher_a):
        old = report(
            grid_worker, "暴露垃圾", text=GARBAGE, reported_at=TUESDAY_MORNING - WINDOW - timedelta(hours=1)
        )
        recent = report(
            grid_worker, "暴露垃圾", text=GARBAGE, reported_at=TUESDAY_MORNING - WINDOW + timedelta(hours=1)
        )
        new = report(dispatcher_a, "暴露垃圾", text=GARBAGE_AGAIN).event

        found = [d.event.pk for d in self.search(new, exclude_id=new.pk)]

        assert found == [recent.event.pk]
        assert old.event.pk not in found

    def test_a_matter_with_no_radius_is_never_searched(self, grid_worker, django_assert_num_queries):
        event = report(grid_worker, "暴露垃圾", text=GARBAGE).event

        with django_assert_num_queries(0):
            assert self.search(event, radius_m=0) == []
