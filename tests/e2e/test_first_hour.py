"""The first hour for every role (issue 20): each demo login signs in and
reaches its work from the navigation alone, and a newcomer who confirms
their address lands signed in, welcomed."""

import re

import pytest
from django.core import mail

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_accessibility import _violations
from tests.e2e.test_phone_header import PHONE_375, _header_checks

pytestmark = pytest.mark.e2e


def _sign_in(page, login: str) -> None:
    page.goto("/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Login", exact=True).fill(login)
    page.get_by_label("Password", exact=True).fill("hearth-demo")
    page.get_by_role("button", name="Sign In").click()
    page.locator("summary", has_text="Menu").wait_for()


def test_a_moderator_reaches_the_review_queue_and_acts(demo, new_page):
    page = new_page()
    _sign_in(page, "mod")

    page.get_by_role("link", name=re.compile(r"^Review \(3\)$")).click()
    page.get_by_role("heading", level=1).wait_for()
    assert not _violations(page)
    spam = page.locator(".queue-item", has_text="espresso-deals.example")
    spam.get_by_label("If you agree").select_option("remove_spam")
    spam.get_by_label("Rule").select_option(label="3. No spam or uninvited selling")
    spam.get_by_label("Reason").fill("Advertising again, after last week's hide.")
    spam.get_by_role("button", name="Agree and act").click()

    page.get_by_text("Flags agreed and acted on").wait_for()
    assert page.get_by_role("link", name=re.compile(r"^Review \(2\)$")).is_visible()
    # The appeals and the log are one click away, in the menu.
    page.locator("summary", has_text="Menu").click()
    menu = page.get_by_role("navigation", name="Main")
    assert menu.get_by_role("link", name="Appeals (0)").is_visible()
    menu.get_by_role("link", name="Moderation log").click()
    assert "Advertising again" in page.locator(".mod-log-entry").first.inner_text()


def test_an_admin_reaches_the_admin_site_and_delivery_health(demo, new_page):
    page = new_page()
    _sign_in(page, "admin")
    assert not page.get_by_role("link", name=re.compile("^Brand requests")).count()

    page.locator("summary", has_text="Menu").click()
    page.get_by_role("link", name="Admin site").click()
    page.get_by_role("heading", name="Site administration").wait_for()
    # One "Accounts" section (allauth's email addresses folded in); "Social
    # accounts" is a section of its own.
    captions = page.get_by_role("caption").all_inner_texts()
    assert [c for c in captions if c.strip().lower() == "accounts"] == ["ACCOUNTS"]

    page.goto("/")
    page.locator("summary", has_text="Menu").click()
    page.get_by_role("link", name="Delivery health").click()
    page.get_by_role("heading", level=1).wait_for()
    assert "/staff/notifications/" in page.url


def test_a_representative_reaches_the_brand_queue_and_answers(demo, new_page):
    page = new_page(viewport=DESKTOP)
    _sign_in(page, "rep")

    # The demo's queue holds what members asked and what peer-first routing
    # and a moderator sent; answering one takes one off the count.
    queue = page.get_by_role("link", name=re.compile(r"^Brand requests \(\d+\)$"))
    waiting = int(re.search(r"\((\d+)\)", queue.inner_text()).group(1))
    assert waiting >= 1
    queue.click()
    page.get_by_role("heading", name="Ask-the-brand requests").wait_for()
    page.locator(".topic-row-title").first.click()
    page.get_by_label("Your reply").fill(
        "Thanks for asking: this is known on early units, and support replaces the part."
    )
    page.get_by_role("button", name="Post reply").click()
    page.locator("article.post", has_text="support replaces the part").wait_for()
    page.locator(".topic-header").get_by_text("Brand responded").wait_for()
    page.goto("/")
    left = re.compile(rf"^Brand requests \({waiting - 1}\)$")
    assert page.get_by_role("link", name=left).count()


def test_a_newcomer_confirms_lands_signed_in_and_is_welcomed(demo, new_page):
    page = new_page(viewport=PHONE)
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill("first.hour@example.org")
    page.get_by_label("Username").fill("firsthour")
    page.get_by_label("Password", exact=True).fill("a long and unusual passphrase")
    page.get_by_label("Password (again)").fill("a long and unusual passphrase")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))

    message = next(m for m in mail.outbox if "first.hour@example.org" in m.to)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", str(message.body))
    assert link, message.body
    page.goto(re.sub(r"^https?://[^/]+", "", link.group(0)))
    page.get_by_role("button", name="Confirm").click()

    welcome = page.locator("#welcome")
    welcome.wait_for()
    assert page.locator("summary", has_text="Menu for firsthour").count() == 1
    for name in (
        "The community rules",
        "How this community works",
        "Introduce yourself",
    ):
        assert welcome.get_by_role("link", name=name).is_visible()
    page.get_by_role("button", name="Got it, hide this").click()
    welcome.wait_for(state="detached")
    page.reload()
    assert page.locator("#welcome").count() == 0


def test_on_a_phone_the_moderators_work_is_in_the_menu(demo, new_page):
    page = new_page(demo["admin"], viewport=PHONE_375)
    page.goto("/")

    _header_checks(page, PHONE_375["width"])
    page.locator("summary", has_text="Menu").click()
    menu = page.locator(".nav-menu-panel")
    for name in ("Review (3)", "Appeals (0)", "Moderation log", "Admin site"):
        assert menu.get_by_role("link", name=name, exact=True).is_visible(), name
    _header_checks(page, PHONE_375["width"])
