"""Private conversations in Chromium: a member writes to another from their
profile, and the recipient's bell and Messages link show it (issue 23)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_a_member_writes_to_another_and_the_recipients_bell_shows_it(demo, new_page):
    page = new_page(demo["member"])
    page.goto("/u/lena_b/")
    page.get_by_role("link", name="Send a private message").click()
    assert page.get_by_label("To (usernames").input_value() == "lena_b"
    page.get_by_label("Subject").fill("Tamper for the Piccola")
    page.get_by_label("Message (Markdown)").fill("Which **58 mm** tamper do you use?")
    page.get_by_role("button", name="Send").click()
    page.get_by_role("heading", name="Tamper for the Piccola").wait_for()
    assert "58 mm" in page.locator(".message-list .post-body strong").inner_text()

    recipient = new_page(demo["lena_b"])
    recipient.goto("/")
    bell = recipient.locator("[data-bell]")
    assert "1 unread" in bell.inner_text()
    assert "1 unread" in recipient.locator(".nav-wide [data-inbox]").inner_text()
    bell.click()
    notification = recipient.locator(".notification-unread").filter(
        has_text="sent you a private message"
    )
    notification.first.get_by_role("link").click()
    recipient.get_by_role("heading", name="Tamper for the Piccola").wait_for()
    assert "Which 58 mm tamper" in recipient.locator(".message-list").inner_text()
    # Read: the Messages link no longer counts it.
    assert "unread" not in recipient.locator(".nav-wide [data-inbox]").inner_text()
