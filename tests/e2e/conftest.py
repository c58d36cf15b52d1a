"""End-to-end fixtures: a live Django server and a headless Chromium.

The live server runs in a thread of the test process, so the tests share its
database (transactional, flushed after each test), its cache and Django's
locmem mail outbox. Debian's chromium is driven through Playwright's sync API;
`playwright install` is never needed. Background tasks run eagerly after each
commit, as they do under `make run`, so notifications appear as they would
for a real member.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client, override_settings

CHROMIUM = Path(os.environ.get("HEARTH_E2E_CHROMIUM", "/usr/bin/chromium"))
E2E_DIR = Path(__file__).resolve().parent
AXE_JS = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = E2E_DIR.parent.parent / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


# Package scope: Playwright's event loop stops after the last e2e test, so
# database tests that run later are not mistaken for async code.
@pytest.fixture(scope="package")
def _playwright() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: install Debian's chromium "
            "(apt-get install chromium) to run the end-to-end tests"
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread, and Django
    # refuses database access from a thread with a running loop. Allowed for
    # the e2e tests only: `check --deploy` rightly rejects it elsewhere.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        yield playwright
        playwright.stop()


@pytest.fixture(scope="package")
def browser(_playwright: Any) -> Iterator[Any]:
    browser = _playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def _tasks_run_after_commit(settings: Any) -> Iterator[None]:
    """Run Celery tasks in-process after commit, like `make run` does."""
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(scope="session")
def _demo_fixture(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: Any
) -> Path:
    """Seed the demo community once, dump it, and leave the database empty.

    Seeding goes through the actions (Markdown rendering, counters, events) and
    takes seconds; loading the dump before each test takes a fraction of that.
    """
    path = tmp_path_factory.mktemp("e2e") / "demo.json"
    # Files the demo stores (copies of its images) go with the dump; each
    # test gets them in its own MEDIA_ROOT (see `demo`).
    media = path.parent / "media"
    uploads = path.parent / "uploads"
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, UPLOADS_ROOT=uploads),
    ):
        # The demo brings its own numbered rules (demo/moderation.toml).
        call_command("seed_demo", stdout=StringIO())
        call_command(
            "dumpdata",
            natural_foreign=True,
            # The demo's past notifications are left out: they are most of the
            # rows, and each test starts with an empty bell.
            exclude=[
                "contenttypes",
                "auth.permission",
                "sessions",
                "admin.logentry",
                "notifications.event",
                "notifications.notification",
                "notifications.delivery",
            ],
            output=str(path),
            stdout=StringIO(),
        )
        call_command("flush", interactive=False, stdout=StringIO())
    return path


@pytest.fixture
def demo(transactional_db: None, _demo_fixture: Path) -> dict[str, Any]:
    """The demo community of `make run` (logins member, mod, rep, admin), with
    its rules and moderation history. Returns the users by username."""
    from accounts.models import User

    call_command("loaddata", str(_demo_fixture), stdout=StringIO())
    media = _demo_fixture.parent / "media"
    if media.exists():
        shutil.copytree(media, django_settings.MEDIA_ROOT, dirs_exist_ok=True)
    uploads = _demo_fixture.parent / "uploads"
    if uploads.exists():
        shutil.copytree(uploads, django_settings.UPLOADS_ROOT, dirs_exist_ok=True)
    return {user.username: user for user in User.objects.all()}


# Chromium reports a blocked script, style, image, frame or eval in the console
# ("Refused to ... because it violates the following Content Security Policy
# directive ..."); this also reports the violation events the page sees.
_REPORT_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const text = "Content Security Policy violation: " + event.violatedDirective
    + " blocked " + (event.blockedURI || "inline") + " in " + event.sourceFile
    + ":" + event.lineNumber;
  console.error(text);
  window.__cspViolations.push(text);
});
"""


def _is_csp_violation(text: str) -> bool:
    return "Content Security Policy" in text or "Content-Security-Policy" in text


class CSPWatch:
    """Collects every CSP violation of every page of the browser contexts it
    watches; ``new_page`` fails the test when any was seen."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self._watched: set[int] = set()

    def watch(self, page: Any) -> None:
        if id(page) in self._watched:
            return
        self._watched.add(id(page))

        def on_console(message: Any) -> None:
            if _is_csp_violation(message.text):
                self.violations.append(f"{page.url}: console: {message.text}")

        def on_pageerror(error: Any) -> None:
            text = f"{getattr(error, 'name', '')}: {getattr(error, 'message', error)}"
            if _is_csp_violation(text) or text.startswith("EvalError"):
                self.violations.append(f"{page.url}: pageerror: {text}")

        page.on("console", on_console)
        page.on("pageerror", on_pageerror)


class _InFlight:
    """Counts the requests the live server is answering, from Django's
    request_started / request_finished signals."""

    def __init__(self) -> None:
        self.count = 0
        self.idle = threading.Condition()

    def started(self, **_: Any) -> None:
        with self.idle:
            self.count += 1

    def finished(self, **_: Any) -> None:
        with self.idle:
            self.count -= 1
            self.idle.notify_all()

    def wait_until_idle(self, timeout: float) -> None:
        with self.idle:
            if not self.idle.wait_for(lambda: self.count <= 0, timeout=timeout):
                pytest.fail(
                    f"the live server still answered {self.count} request(s) "
                    f"{timeout:.0f} s after the browsers closed",
                    pytrace=False,
                )


@contextmanager
def _requests_in_flight() -> Iterator[_InFlight]:
    from django.core.signals import request_finished, request_started

    counter = _InFlight()
    request_started.connect(counter.started, dispatch_uid="e2e-in-flight-start")
    request_finished.connect(counter.finished, dispatch_uid="e2e-in-flight-end")
    try:
        yield counter
    finally:
        request_started.disconnect(dispatch_uid="e2e-in-flight-start")
        request_finished.disconnect(dispatch_uid="e2e-in-flight-end")


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """Open a page in a fresh browser context, optionally signed in as *user*.

    Signing in copies a session made by Django's test client into the
    context: the sign-in form has its own test (sign up → verify → post).

    Every page of every context opened here is watched for Content-Security-
    Policy violations (console messages and page errors); the test fails if
    any page reported one, so the whole e2e suite proves the policy holds.
    Hence ``page.wait_for_function`` takes a function (``"() => …"``): a bare
    expression is polled with ``eval`` in the page, which the policy refuses.
    """
    contexts: list[Any] = []
    csp = CSPWatch()

    def make(
        user: Any = None,
        *,
        viewport: dict[str, int] = DESKTOP,
        color_scheme: str = "light",
        theme: str | None = None,
        javascript: bool = True,
    ) -> Any:
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            color_scheme=color_scheme,
            reduced_motion="reduce",
            java_script_enabled=javascript,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        context.add_init_script(_REPORT_CSP_VIOLATIONS)
        context.on("page", csp.watch)
        if theme:
            context.add_init_script(
                f"window.localStorage.setItem('hearth-theme', '{theme}');"
            )
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
            context.add_cookies(
                [
                    {
                        "name": django_settings.SESSION_COOKIE_NAME,
                        "value": cookie.value,
                        "url": live_server.url,
                    }
                ]
            )
        page = context.new_page()
        csp.watch(page)
        return page

    with _requests_in_flight() as in_flight:
        yield make
        for context in contexts:
            context.close()
        # Closing a browser does not stop a request the live server is already
        # answering (a draft autosave fired by the last keystroke, say). The
        # database flush after the test must not race it: TRUNCATE against a
        # half-done INSERT deadlocks, and a row that survives the flush leaks
        # into the next test. So wait for the server to finish what it began.
        in_flight.wait_until_idle(timeout=30)
    if csp.violations:
        pytest.fail(
            "Content-Security-Policy violations:\n" + "\n".join(csp.violations),
            pytrace=False,
        )
