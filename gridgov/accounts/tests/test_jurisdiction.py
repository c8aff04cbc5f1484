"""restrict(user, action) is the one access path: each persona sees exactly its own territory."""

import pytest
from django.http import Http404

from conftest import TOWNSHIP_A, TOWNSHIP_B
from gridgov.accounts.jurisdiction import Action, get_object_for_user
from gridgov.accounts.models import Unit, User
from gridgov.regions.choices import Level
from gridgov.regions.models import Region

pytestmark = pytest.mark.django_db


def test_a_township_dispatcher_sees_only_their_townships_regions(dispatcher_a):
    visible = Region.objects.restrict(dispatcher_a)
    assert visible.filter(code=TOWNSHIP_A).exists()
    assert not visible.filter(code=TOWNSHIP_B).exists()
    assert all(code.startswith(TOWNSHIP_A[:9]) for code in visible.values_list("code", flat=True))
    assert (
        visible.filter(level=Level.GRID).count()
        == Region.objects.filter(level=Level.GRID, code__startswith=TOWNSHIP_A[:9]).count()
    )


def test_the_county_dispatcher_sees_every_township(county_dispatcher):
    assert Region.objects.restrict(county_dispatcher).filter(level=Level.TOWNSHIP).count() == 14


def test_a_grid_worker_sees_only_their_grid(grid_worker):
    visible = list(Region.objects.restrict(grid_worker))
    assert [r.code for r in visible] == [grid_worker.unit.territory.code]


def test_units_are_scoped_by_the_territory_they_cover(dispatcher_a, dispatcher_b):
    a_units = Unit.objects.restrict(dispatcher_a)
    assert a_units.filter(code="t001-command").exists()
    assert not a_units.filter(code="t002-command").exists()
    assert not a_units.filter(kind="department").exists()
    assert Unit.objects.restrict(dispatcher_b).filter(code="t002-command").exists()


def test_only_administrators_may_change_regions(dispatcher_a, sysadmin, superuser):
    assert not Region.objects.restrict(dispatcher_a, Action.CHANGE).exists()
    assert Region.objects.restrict(sysadmin, Action.CHANGE).filter(code=TOWNSHIP_B).exists()
    assert Region.objects.restrict(superuser, Action.CHANGE).count() == Region.objects.count()


def test_staff_lists_are_for_administrators_only(dispatcher_a, sysadmin):
    assert not User.objects.restrict(dispatcher_a).exists()
    assert User.objects.restrict(sysadmin).filter(username="dongcheng_dispatcher").exists()


def test_anonymous_and_inactive_users_see_nothing(dispatcher_a):
    from django.contrib.auth.models import AnonymousUser

    assert not Region.objects.restrict(AnonymousUser()).exists()
    dispatcher_a.is_active = False
    assert not Region.objects.restrict(dispatcher_a).exists()


def test_a_user_without_a_unit_sees_nothing(db):
    loner = User.objects.create(username="loner", role="dispatcher")
    assert not Region.objects.restrict(loner).exists()


def test_missing_and_out_of_scope_objects_both_answer_404(dispatcher_a):
    assert get_object_for_user(Region.objects.all(), dispatcher_a, code=TOWNSHIP_A).code == TOWNSHIP_A
    with pytest.raises(Http404):
        get_object_for_user(Region.objects.all(), dispatcher_a, code=TOWNSHIP_B)
    with pytest.raises(Http404):
        get_object_for_user(Region.objects.all(), dispatcher_a, code="999999999999")
    with pytest.raises(Http404):
        get_object_for_user(Region.objects.all(), dispatcher_a, pk="not-a-number")
