"""Every reporter rates the outcome: a citizen whose report was merged rates it on their own report
once the event it went into is closed; an unsatisfied citizen may reopen their own closed event."""

from datetime import timedelta

import pytest

from gridgov.events.choices import EventState, Rating
from gridgov.events.errors import Conflict, NotYourTurn
from gridgov.events.services import merge_event, rate_event, reopen_event, verify_event

from .conftest import TUESDAY_MORNING, as_actor, handled, inbox, reload, report

pytestmark = pytest.mark.django_db


def citizen_actor(citizen):
    from gridgov.audit.actor import Actor

    return Actor(label=str(citizen))


def test_a_merged_citizen_report_is_rated_after_the_main_event_closes(
    citizen, grid_worker, dispatcher_a, economy_handler_a
):
    mine = report(None, "暴露垃圾", citizen=citizen, channel="citizen").event
    main = handled(grid_worker, "暴露垃圾", dispatcher_a, economy_handler_a)
    merge_event(as_actor(dispatcher_a), mine.pk, main.pk, "同一处垃圾")

    with pytest.raises(Conflict, match="办结后才能评价"):
        rate_event(citizen_actor(citizen), mine.pk, Rating.SATISFIED, citizen=citizen)

    verify_event(as_actor(grid_worker), main.pk, passed=True)
    rate_event(citizen_actor(citizen), mine.pk, Rating.UNSATISFIED, "还有味道", citizen=citizen)

    assert reload(mine).rating == Rating.UNSATISFIED
    assert reload(main).rating == ""
    assert [n.event_id for n in inbox(dispatcher_a, "unsatisfied")] == [main.pk]

    # The command room may now reopen the main event on the merged reporter's word.
    reopen_event(as_actor(dispatcher_a), main.pk, "群众反映仍有异味")
    assert reload(main).state == EventState.IN_PROGRESS


def test_the_citizen_reopens_their_own_event_within_a_week_only(
    citizen, dispatcher_a, economy_handler_a, grid_worker, time_machine
):
    from gridgov.events.services import accept_event, dispatch_event, finish_event

    event = report(None, "暴露垃圾", citizen=citizen, channel="citizen").event
    dispatch_event(as_actor(dispatcher_a), event.pk)
    accept_event(as_actor(economy_handler_a), event.pk)
    finish_event(as_actor(economy_handler_a), event.pk, "已清理")
    verify_event(as_actor(dispatcher_a), event.pk, passed=True)
    actor = citizen_actor(citizen)

    with pytest.raises(Conflict, match="评价为不满意后"):
        reopen_event(actor, event.pk, "没弄好", citizen=citizen)
    rate_event(actor, event.pk, Rating.UNSATISFIED, "没弄好", citizen=citizen)

    other = type(citizen).objects.create(phone="13900000002")
    with pytest.raises(NotYourTurn):
        reopen_event(citizen_actor(other), event.pk, "不是我的", citizen=other)

    time_machine.move_to(TUESDAY_MORNING + timedelta(days=8), tick=False)
    with pytest.raises(Conflict, match="超过 7 天"):
        reopen_event(actor, event.pk, "没弄好", citizen=citizen)

    time_machine.move_to(TUESDAY_MORNING + timedelta(days=2), tick=False)
    reopen_event(actor, event.pk, "垃圾又堆起来了", citizen=citizen)
    event = reload(event)
    assert event.state == EventState.IN_PROGRESS
    assert event.reopens == 1
