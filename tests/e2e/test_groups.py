"""Community groups in Chromium: a member finds the demo's beta on /g/,
applies (answers and terms), a moderator accepts on the manage page, and the
member reads the Beta lab."""

from __future__ import annotations

import pytest

from groups.models import GroupApplication

pytestmark = pytest.mark.e2e


def test_apply_to_the_beta_and_get_in(demo, new_page):
    applicant = demo["dadbrews"]
    page = new_page(applicant)
    page.goto("/c/beta-lab/")
    assert "Beta lab" not in page.title()

    page.goto("/g/")
    page.get_by_role("link", name="Beta testers").click()
    page.get_by_role("link", name="Apply to join").click()
    page.get_by_label("Which Brevetto machine do you use").fill("A Piccola from 2021.")
    page.get_by_label("How many shots").fill("Ten or so.")
    page.get_by_label("Are you comfortable flashing firmware").fill("Yes.")
    # Forgetting the terms keeps what was written.
    page.get_by_role("button", name="Send my application").click()
    assert "accept the group" in page.locator(".form-errors").inner_text()
    assert page.get_by_label("How many shots").input_value() == "Ten or so."
    page.get_by_label("I have read and accept these terms").check()
    page.get_by_role("button", name="Send my application").click()
    page.get_by_text("Your application was sent").wait_for()
    application = GroupApplication.objects.get(applicant=applicant)
    assert application.terms_accepted_at is not None

    manager = new_page(demo["mod"])
    manager.goto("/g/beta-testers/manage/")
    card = manager.locator(f"#application-{application.pk}")
    assert "A Piccola from 2021." in card.inner_text()
    card.get_by_label("Reason").fill("Welcome to the 3.0 round.")
    card.get_by_role("button", name="Accept").click()
    manager.get_by_text("Decision recorded").wait_for()

    page.goto("/c/beta-lab/")
    assert "Beta lab" in page.title()
    page.goto("/notifications/")
    assert "was accepted" in page.locator("main").inner_text()
