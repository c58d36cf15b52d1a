"""Escalation that reaches a support desk, in a browser: a representative
escalates once, the desk's signed status update arrives over real HTTP, and
the thread and the asker show it."""

import json
import re
import time
import urllib.request

import pytest

from support.models import SupportDesk
from support.signing import sign
from tests.e2e.support import topic

pytestmark = pytest.mark.e2e


def test_the_demo_thread_shows_the_desks_status_history(demo, new_page):
    thread = topic("Group gasket leaking after 8 months")
    page = new_page()
    page.goto(thread.get_absolute_url())

    panel = page.locator(".brand-panel")
    notes = panel.locator(".support-note")
    assert notes.all_inner_texts()[0].startswith("Brevetto support: open")
    assert notes.last.inner_text().startswith("Brevetto support: resolved")
    assert "BREV-" not in panel.inner_text()  # the reference stays private


def test_rep_escalates_once_and_the_desks_update_reaches_the_asker(
    demo, new_page, live_server
):
    thread = topic("Piccola shows E4")
    rep = new_page(demo["rep"])
    rep.goto(thread.get_absolute_url())
    rep.get_by_role("link", name="Escalate to support").click()
    rep.get_by_label("Note").fill("Heating element check under warranty.")
    rep.get_by_role("button", name="Escalate").click()

    flash = rep.get_by_text(re.compile(r"reference BREV-[A-Z0-9]{6}"))
    reference = re.search(r"BREV-[A-Z0-9]{6}", flash.first.inner_text()).group(0)
    status = rep.locator("[data-escalated]")
    assert status.inner_text() == (
        f"Escalated to support · reference {reference} · status awaiting support"
    )
    assert rep.get_by_role("link", name="Escalate to support").count() == 0
    note = rep.locator(".notice-escalated").inner_text()
    assert "Escalated to Brevetto support just now. Nothing" in note

    # The desk posts a signed status update to Hearth over HTTP.
    secret = SupportDesk.objects.get(brand__slug="brevetto").webhook_secret
    body = json.dumps(
        {"event_id": "e2e-1", "reference": reference, "status": "open"}
    ).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 (the test server, http)
        f"{live_server.url}/support/callback/brevetto/",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Hearth-Timestamp": timestamp,
            "X-Hearth-Signature": sign(secret, timestamp, body),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        assert json.loads(answer.read())["changed"] is True

    asker = new_page(thread.author)
    asker.goto(thread.get_absolute_url())
    asker.locator(".support-note", has_text="Brevetto support: open").wait_for()
    bell = asker.locator("[data-bell]")
    assert re.search(r"\b[1-9]\d* unread", bell.inner_text()), bell.inner_text()
    bell.click()
    asker.locator(".notification-unread", has_text="Brevetto support: open").wait_for()
