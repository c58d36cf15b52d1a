"""Moderation in the open: a hidden post cites a rule and shows in the log."""

import pytest

from tests.e2e.support import topic

pytestmark = pytest.mark.e2e


def test_moderator_hides_a_post_citing_a_rule_and_the_log_shows_it(demo, new_page):
    thread = topic("€89 for a Duo steam valve")
    page = new_page(demo["mod"])
    page.goto(thread.get_absolute_url())

    page.locator("#post-2").get_by_role("link", name="Hide post 2").click()
    page.get_by_label("Rule").select_option(label="1. Be kind")
    page.get_by_label("Reason").fill("Name-calling aimed at another member")
    page.get_by_role("button", name="Hide post").click()

    post = page.locator("#post-2")
    post.wait_for()
    assert "Hidden" in post.locator(".tombstone").inner_text()
    assert "Name-calling aimed at another member" in post.inner_text()

    visitor = new_page()
    visitor.goto("/")
    visitor.get_by_role("link", name="Moderation log").click()
    entry = visitor.locator(".mod-log-entry").first
    text = entry.inner_text()
    assert "Name-calling aimed at another member" in text
    assert "Be kind" in text
    assert thread.title in text
