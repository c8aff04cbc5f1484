"""Shared fixtures: a small seeded county (14 real townships, 2 villages × 2 grids each) and the
personas of ARCHITECTURE rule 9: a county dispatcher, township A's (东城) and township B's (西城)
dispatchers, a grid worker, an administrator."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

TOWNSHIP_A = "330784001000"  # 东城街道
TOWNSHIP_B = "330784002000"  # 西城街道


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", "--scale", "small", "--quiet-logins", stdout=io.StringIO())


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Per-process caches hold rows by primary key; a flushed and reseeded database must not meet
    them (transactional and browser tests flush)."""
    from gridgov.core.caches import forget_all

    forget_all()
    yield
    forget_all()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _user(username):
    from gridgov.accounts.models import User

    return User.objects.select_related("unit__territory").get(username=username)


@pytest.fixture
def county_dispatcher(db):
    return _user("county_dispatcher")


@pytest.fixture
def dispatcher_a(db):
    return _user("dongcheng_dispatcher")


@pytest.fixture
def dispatcher_b(db):
    return _user("xicheng_dispatcher")


@pytest.fixture
def grid_worker(db):
    return _user("grid_worker")


@pytest.fixture
def market_handler(db):
    return _user("market_handler")


@pytest.fixture
def platform_handler_a(db):
    """Handler of 东城街道平安法治平台."""
    return _user("dongcheng_platform")


@pytest.fixture
def enforcer_a(db):
    """Handler of 东城街道综合行政执法队."""
    return _user("dongcheng_enforcer")


@pytest.fixture
def enforcement_handler(db):
    """Handler of the county 综合行政执法局."""
    return _user("enforcement_handler")


@pytest.fixture
def grid_worker_b(db):
    return _user("xicheng_grid_worker")


@pytest.fixture
def leader(db):
    return _user("leader")


@pytest.fixture
def county_supervisor(db):
    return _user("county_supervisor")


@pytest.fixture
def sysadmin(db):
    return _user("sysadmin")


@pytest.fixture
def superuser(db):
    return _user("admin")


@pytest.fixture
def client_for():
    """client_for(user) → a test client logged in as `user`."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def region(db):
    """region(code) → the Region with that code."""
    from gridgov.regions.models import Region

    return lambda code: Region.objects.get(code=code)


@pytest.fixture
def first_grid(db):
    """first_grid(township_code) → the first grid of that township."""
    from gridgov.regions.choices import Level
    from gridgov.regions.models import Region

    return lambda township: Region.objects.filter(level=Level.GRID, code__startswith=township[:9]).first()
