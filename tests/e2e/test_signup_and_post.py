"""A newcomer signs up, verifies the address from the email, and posts."""

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.e2e


def test_sign_up_verify_and_start_a_topic(demo, new_page):
    page = new_page()
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password", exact=True).fill("a long and unusual passphrase")
    page.get_by_label("Password (again)").fill("a long and unusual passphrase")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))

    message = next(m for m in mail.outbox if "newcomer@example.org" in m.to)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", str(message.body))
    assert link, message.body
    page.goto(re.sub(r"^https?://[^/]+", "", link.group(0)))
    page.get_by_role("button", name="Confirm").click()
    # Confirming signs the newcomer in: the header shows their menu.
    page.locator("summary", has_text="Menu for newcomer").wait_for()

    page.goto("/c/introductions/")
    page.get_by_role("link", name="New topic").click()
    page.get_by_label("Title").fill("Hello from a brand new member")
    page.get_by_label("Your post").fill("I just **verified** my address. Hi everyone!")
    page.get_by_role("button", name=re.compile("^(Post|Create|Start)")).click()

    page.get_by_role(
        "heading", level=1, name="Hello from a brand new member"
    ).wait_for()
    post = page.locator("#post-1")
    assert "I just verified my address. Hi everyone!" in post.inner_text()
    assert post.locator(".post-body strong").inner_text() == "verified"
