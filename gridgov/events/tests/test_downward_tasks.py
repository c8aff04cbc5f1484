import pytest

from gridgov.accounts.models import Unit, User
from gridgov.events.models import Event

pytestmark = pytest.mark.django_db


def test_explore(county_dispatcher, dispatcher_a, dispatcher_b, grid_worker, grid_worker_b, leader):
    for u in [county_dispatcher, dispatcher_a, dispatcher_b, grid_worker, grid_worker_b, leader]:
        print(
            u.username,
            u.role,
            u.unit.code,
            u.unit.kind,
            u.unit.name,
            u.unit.territory.code,
            u.unit.territory.level,
        )
    for u in Unit.objects.filter(territory__code__startswith="330784001").select_related("territory"):
        print(
            " ",
            u.code,
            u.kind,
            u.name,
            u.territory.code,
            [x.username + ":" + x.role for x in u.user_set.all()]
            if hasattr(u, "user_set")
            else list(User.objects.filter(unit=u).values_list("username", "role")),
        )
    print("events", Event.objects.count())
    print([(u.code, u.kind) for u in Unit.objects.filter(kind__in=["county_centre"])])
    print(list(User.objects.filter(unit__kind="county_centre").values_list("username", "role")))
