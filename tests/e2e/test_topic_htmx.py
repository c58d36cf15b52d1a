"""Acting on a topic page without leaving it: bookmarks and accepted answers,
with htmx, and the same controls as plain forms with JavaScript off."""

import re

import pytest
from django.urls import reverse

from forum.models import Bookmark, CategoryKind, Topic
from tests.e2e.support import topic

pytestmark = pytest.mark.e2e


def _open_question() -> Topic:
    """A demo question with a few replies and no accepted answer yet."""
    return (
        Topic.objects.select_related("category", "author")
        .filter(
            category__kind=CategoryKind.QUESTIONS,
            is_solved=False,
            reply_count__gte=2,
            author__isnull=False,
            deleted_at__isnull=True,
            is_hidden=False,
        )
        .order_by("pk")
        .first()
    )


def _accept_name(number: int) -> re.Pattern:
    # "Accept answer" and a visually hidden ": post N" (the accessible name
    # gets a space between the two).
    return re.compile(rf"^Accept answer\W+post {number}$")


def _no_reload_marker(page):
    page.evaluate("window.__stillHere = true")


def _still_same_document(page) -> bool:
    return page.evaluate("window.__stillHere === true")


def test_bookmark_a_post_with_htmx_and_find_it_on_the_bookmarks_page(demo, new_page):
    thread = topic("Does preinfusion on the Duo")
    page = new_page(demo["kwame"])
    page.goto(thread.get_absolute_url())
    _no_reload_marker(page)
    second = page.locator("#post-2")

    second.get_by_role("button", name="Bookmark post 2").click()

    toggle = second.get_by_role("button", name="Remove bookmark post 2")
    toggle.wait_for()
    assert toggle.get_attribute("aria-pressed") == "true"
    # Focus moves once htmx has settled the swap: wait for it, don't race it.
    page.wait_for_function(
        "() => document.activeElement"
        " && document.activeElement.id.startsWith('bookmark-button-')"
    )
    second.get_by_role("link", name="Add note to your bookmark of post 2").click()
    note = second.get_by_label("Note for your bookmark of post 2 (optional)")
    note.wait_for()
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.name === 'note'"
    )
    note.fill("x" * 201)
    second.get_by_role("button", name="Save note").click()
    second.get_by_text("Keep the note to 200 characters or fewer").wait_for()
    assert note.input_value() == "x" * 201  # what was typed stays
    note.fill("Try the 4-second ramp next weekend")
    second.get_by_role("button", name="Save note").click()
    second.get_by_text("Try the 4-second ramp next weekend").wait_for()
    assert _still_same_document(page)

    page.locator("summary", has_text="Menu for").click()
    page.get_by_role("link", name="Bookmarks").click()
    page.wait_for_url("**/bookmarks/")
    item = page.locator(".bookmark", has_text=thread.title)
    assert "Try the 4-second ramp next weekend" in item.inner_text()
    item.get_by_role("link", name=f"{thread.title} #2").click()
    page.wait_for_url("**#post-2")


def test_bookmark_without_javascript_with_a_note(demo, new_page):
    thread = topic("Does preinfusion on the Duo")
    page = new_page(demo["kwame"], javascript=False)
    page.goto(thread.get_absolute_url())

    page.locator("#post-1").get_by_role("button", name="Bookmark post 1").click()
    page.locator("#post-1").get_by_role("link", name="Add note").click()
    page.get_by_label("Note for your bookmark of post 1 (optional)").fill(
        "The question everyone asks"
    )
    page.get_by_role("button", name="Save note").click()

    page.wait_for_url(f"**{thread.get_absolute_url()}*")
    bookmark = Bookmark.objects.get(user=demo["kwame"], post__number=1)
    assert bookmark.note == "The question everyone asks"
    page.goto(reverse("forum:bookmarks"))
    page.get_by_role("button", name="Remove bookmark 1").click()
    page.get_by_text("No bookmarks yet.").wait_for()


def test_asker_accepts_and_unaccepts_an_answer_without_a_reload(demo, new_page):
    question = _open_question()
    answer = question.posts.filter(number__gt=1, deleted_at__isnull=True).last()
    page = new_page(question.author)
    page.goto(question.get_absolute_url())
    _no_reload_marker(page)
    header = page.locator(".topic-header")
    assert "Unsolved" in header.inner_text()
    post = page.locator(f"#post-{answer.number}")

    post.get_by_role("button", name=_accept_name(answer.number)).click()

    unaccept = post.get_by_role(
        "button", name=f"Unaccept post {answer.number} as the answer"
    )
    unaccept.wait_for()
    assert "Solved" in header.inner_text()
    assert "Accepted answer" in post.locator(".post-header").inner_text()
    page.wait_for_function(
        "() => document.activeElement"
        f" && document.activeElement.id === 'accept-button-{answer.pk}'"
    )
    if answer.number != 2:
        page.locator(".accepted-answer").wait_for()
    assert _still_same_document(page)

    unaccept.click()
    post.get_by_role("button", name=_accept_name(answer.number)).wait_for()
    assert "Unsolved" in header.inner_text()
    assert "Accepted answer" not in post.locator(".post-header").inner_text()
    assert _still_same_document(page)
    question.refresh_from_db()
    assert question.accepted_post is None


def test_accept_answer_without_javascript(demo, new_page):
    question = _open_question()
    answer = question.posts.filter(number__gt=1, deleted_at__isnull=True).last()
    page = new_page(question.author, javascript=False)
    page.goto(question.get_absolute_url())

    page.locator(f"#post-{answer.number}").get_by_role(
        "button", name=_accept_name(answer.number)
    ).click()

    page.get_by_text("Marked as the accepted answer.").wait_for()
    assert "Solved" in page.locator(".topic-header").inner_text()
