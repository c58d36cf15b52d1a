"""The brand as a peer: asked by members, answering, and powerless over
other people's words."""

import re

import pytest
from django.urls import reverse

from tests.e2e.support import topic

pytestmark = pytest.mark.e2e


def test_member_asks_the_brand_a_rep_answers_and_the_member_is_notified(demo, new_page):
    question = topic("Does preinfusion on the Duo")
    member = new_page(demo["member"])
    member.goto(question.get_absolute_url())
    assert "0 unread" not in member.locator("[data-bell]").inner_text()
    assert "unread" not in member.locator("[data-bell]").inner_text()

    member.get_by_text("Ask the brand to respond").click()
    member.get_by_label("What should Brevetto answer? (optional)").fill(
        "Does the ramp change extraction, or only the puck?"
    )
    member.get_by_role("button", name="Ask Brevetto").click()
    member.locator(".topic-header").get_by_text("Brand response requested").wait_for()

    rep = new_page(demo["rep"])
    rep.goto("/")
    rep.get_by_role("link", name="Brand requests").click()
    rep.get_by_role("link", name=question.title).click()
    rep.get_by_label("Your reply").fill(
        "It changes extraction: the ramp lets the puck swell before full pressure."
    )
    rep.get_by_role("button", name="Post reply").click()
    answer = rep.locator("article.post", has_text="lets the puck swell")
    answer.wait_for()
    assert "Brevetto · peer resource" in answer.locator(".post-header").inner_text()

    member.reload()
    bell = member.locator("[data-bell]")
    assert re.search(r"\b[1-9]\d* unread", bell.inner_text()), bell.inner_text()
    assert "Brand responded" in member.locator(".topic-header").inner_text()
    bell.click()
    notification = member.locator(".notification-unread").filter(
        has_text=question.title
    )
    assert notification.count() >= 1
    notification.first.get_by_role("link").click()
    member.locator("article.post", has_text="lets the puck swell").wait_for()


def test_brand_rep_finds_no_control_over_another_members_post(demo, new_page):
    thread = topic("€89 for a Duo steam valve")
    criticism = thread.first_post
    assert criticism.author.role == "member"
    page = new_page(demo["rep"])
    page.goto(thread.get_absolute_url())

    first = page.locator("#post-1")
    for name in ("Hide", "Edit", "Delete", "Remove", "Redact", "Move", "Sanction"):
        assert first.get_by_role("link", name=re.compile(rf"^{name}\b")).count() == 0
        assert first.get_by_role("button", name=re.compile(rf"^{name}\b")).count() == 0
    header = page.locator(".topic-page")
    for name in ("Move", "Lock", "Close", "Retitle", "Merge", "Split", "Pin"):
        assert header.get_by_role("link", name=re.compile(rf"^{name}\b")).count() == 0

    for url in (
        reverse("moderation:post_hide", args=[criticism.pk]),
        reverse("forum:post_edit", args=[criticism.pk]),
        reverse("forum:post_delete", args=[criticism.pk]),
        reverse("moderation:topic_move", args=[thread.pk]),
        reverse("moderation:topic_lock", args=[thread.pk]),
    ):
        response = page.goto(url)
        assert response.status == 403, url
        assert page.get_by_role("heading", name="You can't do that here").is_visible()
