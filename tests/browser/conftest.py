"""End-to-end tests in headless Chromium, driven by Playwright's sync API against pytest-django's
`live_server`.

Every test in this folder is marked `browser`. Chromium is Debian's (`/usr/bin/chromium`); Playwright's
own browser downloads are never used. Without Chromium the tests are skipped, or fail when
GRIDGOV_REQUIRE_BROWSER=1 (CI sets it so that a missing browser cannot pass silently).

`live_server` makes a test transactional: the database is FLUSHED after each test, which wipes the
demo county the root conftest seeds once per session. `_demo_county` below puts it back when needed.
pytest-django runs transactional tests after the ordinary database tests, so the flush never reaches
them; only tests that use no database at all run afterwards.
"""

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

# Playwright's sync API runs an asyncio event loop in the main thread (in a greenlet), and the loop stays
# registered as "running" there from the first browser launch to the end of the session. Django's ORM
# then believes it is being called from async code and raises SynchronousOnlyOperation in fixtures such
# as `_demo_county`. The calls really are synchronous (no coroutine is involved, and the live server
# answers requests in its own thread), so the guard is a false alarm here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = HERE.parent.parent / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PERSONAS = ["dongcheng_dispatcher", "xicheng_dispatcher", "county_dispatcher", "grid_worker", "sysadmin"]


def pytest_collection_modifyitems(items):
    # A conftest's collection hook sees the whole session's items: mark only this folder's.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str):
    if os.environ.get("GRIDGOV_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (GRIDGOV_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, shared by the whole session."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Overrides the root conftest's: MD5 hashes whatever is (re-)seeded during these tests, and Argon2
    still verifies the passwords the session seed stored before the first flush."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _demo_county(transactional_db, live_server, _fast_passwords):
    """The demo county and its personas, re-seeded after a previous test's flush (idempotent, ~1–2 s)."""
    from gridgov.accounts.models import User

    if User.objects.filter(username__in=PERSONAS).count() < len(PERSONAS):
        call_command("seed_demo", "--scale", "small", "--quiet-logins", stdout=io.StringIO())
    _restore_migration_data()


def _restore_migration_data():
    """The flush also wipes what data migrations wrote: the working calendar (deadlines need it) and
    the default escalation ladder. Put them back the way the migrations do."""
    from importlib import import_module

    from django.apps import apps

    from gridgov.events.models import EscalationStep
    from gridgov.workcal.models import CalendarDay

    if not CalendarDay.objects.exists():
        import_module("gridgov.workcal.migrations.0002_seed_calendar").seed_calendar(apps, None)
    if not EscalationStep.objects.exists():
        import_module("gridgov.events.migrations.0002_default_escalation_ladder").add_ladder(apps, None)


@pytest.fixture
def screenshot(request):
    """screenshot(page, label="") → saves test-artifacts/screenshots/<test name>[-label].png."""

    def shoot(page, label: str = "") -> Path:
        name = re.sub(r"[^\w.-]+", "_", request.node.name) + (f"-{label}" if label else "")
        path = SCREENSHOTS / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=path, full_page=True)
        return path

    return shoot


def log_in(page, username: str, password: str) -> None:
    """Through the real login form, as a person would."""
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_load_state()


@pytest.fixture
def page(browser, live_server, screenshot):
    """page(persona=None, *, viewport=DESKTOP, **context_options) → a new browser page on the live
    server, logged in as `persona` through the login form (anonymous when None).

    Each page gets its own browser context (cookies), and a screenshot when the test ends."""
    from gridgov.demo.organisation import DEMO_PASSWORD

    opened = []

    def open_page(persona: str | None = None, *, viewport=DESKTOP, **context_options):
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport, locale="zh-CN", **context_options
        )
        context.set_default_timeout(10_000)
        new_page = context.new_page()
        opened.append(new_page)
        if persona:
            log_in(new_page, persona, DEMO_PASSWORD)
            assert "/accounts/login/" not in new_page.url, f"{persona} could not log in"
        return new_page

    yield open_page
    for number, opened_page in enumerate(opened, start=1):
        try:
            screenshot(opened_page, "" if number == 1 else str(number))
        finally:
            opened_page.context.close()
