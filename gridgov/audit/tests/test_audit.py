"""The audit log is append-only, written by services, and readable by administrators only."""

import pytest

from gridgov.accounts.services import upsert_unit
from gridgov.audit.actor import Actor
from gridgov.audit.models import AuditEntry
from gridgov.audit.services import record

pytestmark = pytest.mark.django_db


def test_a_service_change_writes_one_row_with_before_and_after(sysadmin):
    from gridgov.accounts.models import Unit

    unit = Unit.objects.get(code="t001-command")
    upsert_unit(Actor(user=sysadmin, ip="10.1.2.3"), code=unit.code, name="东城街道指挥中心")
    entry = AuditEntry.objects.filter(action="unit.update", object_id=str(unit.pk)).get()
    assert entry.actor == sysadmin and entry.ip == "10.1.2.3"
    assert entry.summary == {
        "before": {"name": "东城街道综合信息指挥室"},
        "after": {"name": "东城街道指挥中心"},
    }


def test_a_service_that_changes_nothing_writes_nothing(sysadmin):
    from gridgov.accounts.models import Unit

    unit = Unit.objects.get(code="t001-command")
    before = AuditEntry.objects.count()
    upsert_unit(Actor(user=sysadmin), code=unit.code, name=unit.name)
    assert AuditEntry.objects.count() == before


def test_rows_cannot_be_changed_or_deleted():
    entry = record(Actor.system("test"), "test.thing", ("test", 1))
    entry.reason = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_the_audit_page_lists_and_filters_for_administrators(client_for, sysadmin):
    record(Actor(user=sysadmin), "test.alpha", ("test", "a1"), reason="第一条")
    record(Actor(user=sysadmin), "test.beta", ("test", "b1"), reason="第二条")
    client = client_for(sysadmin)
    page = client.get("/audit/?action=test.alpha").content.decode()
    assert "第一条" in page and "第二条" not in page
    assert "第二条" in client.get("/audit/?object_id=b1").content.decode()


def test_the_audit_page_is_forbidden_to_everyone_else(client_for, dispatcher_a, county_dispatcher):
    for user in (dispatcher_a, county_dispatcher):
        assert client_for(user).get("/audit/").status_code == 403
    assert not AuditEntry.objects.restrict(dispatcher_a).exists()


def test_actions_read_in_chinese_on_the_audit_page(client_for, sysadmin):
    record(Actor(user=sysadmin), "event.dispatch", ("events.event", "1"))
    record(Actor(user=sysadmin), "something.new", ("x", "1"))
    page = client_for(sysadmin).get("/audit/").content.decode()
    assert "派遣" in page
    assert "something.new" in page  # an action without a label is shown by its code


def test_every_event_action_the_services_write_has_a_label():
    import re
    from pathlib import Path

    from gridgov.audit.models import ACTION_LABELS

    source = "".join(p.read_text() for p in Path("gridgov/events/services").glob("*.py"))
    actions = set(re.findall(r'transition\(\s*\w+,\s*\w+,\s*"(\w+)"', source))
    assert len(actions) > 15, f"the pattern no longer matches the services: {actions}"
    # Actions built from the request kind: f"request_{kind}", f"refuse_{kind}".
    actions |= {f"{verb}_{kind}" for verb in ("request", "refuse") for kind in ("extension", "parking")}
    missing = sorted(a for a in actions if f"event.{a}" not in ACTION_LABELS)
    assert not missing, missing


def test_summaries_read_as_changes_not_as_raw_data(sysadmin):
    entry = record(Actor(user=sysadmin), "unit.update", ("x", 1), before={"name": "旧"}, after={"name": "新"})
    assert entry.summary_text == "name：旧 → 新"
    unchanged = record(
        Actor(user=sysadmin), "event.warn", ("x", 1), before={"state": "a"}, after={"state": "a"}
    )
    assert unchanged.summary_text == ""
