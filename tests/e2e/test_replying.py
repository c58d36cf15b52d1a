"""Replying: quoting a selection, the keyboard alone, and without JavaScript."""

import pytest

from tests.e2e.support import topic

pytestmark = pytest.mark.e2e

SELECT_IN_FIRST_POST = """
(words) => {
  const body = document.querySelector('#post-1 .post-body');
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const at = node.textContent.indexOf(words);
    if (at >= 0) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + words.length);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      return selection.toString();
    }
  }
  return '';
}
"""


def _first_words(text, count=5):
    return " ".join(text.split()[:count])


COMPOSER_HAS_TEXT = (
    "() => document.querySelector('form[data-composer-form] textarea[name=body]')"
    ".value.length > 0"
)


def test_reply_quoting_a_selection_shows_the_quote_with_attribution(demo, new_page):
    question = topic("Does preinfusion on the Duo")
    opening = question.first_post
    page = new_page(demo["kwame"])
    page.goto(question.get_absolute_url())

    words = _first_words(page.locator("#post-1 .post-body p").first.inner_text())
    assert page.evaluate(SELECT_IN_FIRST_POST, words) == words
    page.locator("#post-1").get_by_role("link", name="Quote post 1").click()

    # The quote lands in the topic page's own composer, which takes the focus.
    page.wait_for_function(COMPOSER_HAS_TEXT)
    assert page.url.endswith(question.get_absolute_url())
    composer = page.get_by_label("Your reply")
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.name === 'body'"
    )
    quoted = composer.input_value()
    assert quoted.startswith(f"> [{opening.author_name} wrote](")
    assert f"> {words}" in quoted
    composer.press("End")
    composer.press("Control+End")
    composer.type("Agreed: the ramp matters more than the pressure.")
    page.get_by_role("button", name="Post reply").click()

    reply = page.locator("article.post", has_text="Agreed: the ramp matters")
    reply.wait_for()
    quote = reply.locator(".post-body blockquote")
    assert f"{opening.author_name} wrote" in quote.inner_text()
    assert words in quote.inner_text()
    assert "Agreed: the ramp matters" in reply.locator(".post-body").inner_text()


def test_reply_with_the_keyboard_only(demo, new_page):
    question = topic("Light roasts on the Duo")
    page = new_page(demo["kwame"])
    page.goto(question.get_absolute_url())
    replies_before = page.locator("article.post").count()

    def tab_to(predicate, limit=400):
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(predicate):
                return
        raise AssertionError(f"Tab never reached {predicate}")

    tab_to("document.activeElement.name === 'body'")
    page.keyboard.type("Typed without a mouse: 1:2.5 in 30 s works for me.")
    tab_to(
        "document.activeElement.type === 'submit'"
        " && document.activeElement.textContent.trim() === 'Post reply'"
    )
    page.keyboard.press("Enter")

    page.locator("article.post", has_text="Typed without a mouse").wait_for()
    assert page.locator("article.post").count() == replies_before + 1


def test_like_and_reply_work_without_javascript(demo, new_page):
    question = topic("Backflushing: how often")
    page = new_page(demo["kwame"], javascript=False)
    page.goto(question.get_absolute_url())

    like = page.locator("#post-1").get_by_role("button", name="Like")
    like.first.click()
    page.wait_for_load_state()
    assert page.locator("#post-1").get_by_role("button", name="Unlike").count() == 1

    page.get_by_label("Your reply").fill("No JavaScript here, and it still posts.")
    page.get_by_role("button", name="Post reply").click()
    page.locator("article.post", has_text="No JavaScript here").wait_for()


def test_quoting_two_posts_adds_both_to_the_composer_in_place(demo, new_page):
    question = topic("Does preinfusion on the Duo")
    second = question.posts.get(number=2)
    page = new_page(demo["kwame"])
    page.goto(question.get_absolute_url())
    composer = page.get_by_label("Your reply")
    composer.fill("Two good points here.")

    page.locator("#post-1").get_by_role("link", name="Quote post 1").click()
    page.wait_for_function(
        "() => document.querySelector('textarea[name=body]').value.includes('wrote](')"
    )
    page.locator("#post-2").get_by_role("link", name="Quote post 2").click()
    page.wait_for_function(
        f"() => document.querySelector('textarea[name=body]').value"
        f".includes('{second.author_name} wrote')"
    )

    text = composer.input_value()
    assert text.startswith("Two good points here.\n\n> [")
    assert text.index(question.first_post.author_name + " wrote") < text.index(
        second.author_name + " wrote"
    )
    assert page.url.endswith(question.get_absolute_url())
    # The preview follows the composer.
    page.locator("#preview-reply blockquote").first.wait_for()


def test_quote_without_javascript_opens_the_reply_page(demo, new_page):
    question = topic("Does preinfusion on the Duo")
    page = new_page(demo["kwame"], javascript=False)
    page.goto(question.get_absolute_url())

    page.locator("#post-1").get_by_role("link", name="Quote post 1").click()

    page.wait_for_url("**/reply/?quote=*")
    assert "wrote](" in page.get_by_label("Your reply").input_value()
