"""Relative times on pages served from caches are recounted in the browser, in
the same words as the server's."""

from datetime import timedelta

import pytest
from django.utils import timezone

from forum import actions
from tests.e2e.support import topic

pytestmark = pytest.mark.e2e

RELATIVE_TIMES = """
() => Array.from(document.querySelectorAll('time[data-timesince]'))
  .map(t => [t.getAttribute('datetime'), t.textContent])
"""


def test_browser_agrees_with_the_server_on_a_fresh_page(demo, new_page):
    thread = topic("Does preinfusion on the Duo")
    actions.reply_to_topic(demo["kwame"], thread, body="Fresh numbers from today.")
    server = new_page(demo["kwame"], javascript=False)
    server.goto(thread.get_absolute_url())
    before = server.evaluate(RELATIVE_TIMES)

    browser = new_page(demo["kwame"])
    browser.goto(thread.get_absolute_url())
    recounted = browser.evaluate(RELATIVE_TIMES)
    server.reload()
    after = server.evaluate(RELATIVE_TIMES)

    # A minute may tick between the loads: the browser's words are the
    # server's, before or after.
    assert len(recounted) == len(before) == len(after)
    for mine, first, second in zip(recounted, before, after, strict=True):
        assert mine in (first, second)
    assert any(text == "just now" for _, text in recounted)


def test_a_stale_relative_time_is_recounted(demo, new_page):
    thread = topic("Does preinfusion on the Duo")
    page = new_page(demo["kwame"])
    page.goto(thread.get_absolute_url())
    two_hours_ago = (timezone.now() - timedelta(hours=2, minutes=5)).isoformat()

    # What a page cached two hours ago would say; htmx:load recounts a swap.
    page.evaluate(
        """(when) => {
          const t = document.querySelector('time[data-timesince]');
          t.setAttribute('datetime', when);
          t.textContent = '5\\u00a0minutes ago';
          document.dispatchEvent(new CustomEvent('htmx:load', {detail: {elt: t.parentNode}}));
        }""",
        two_hours_ago,
    )

    first = page.locator("time[data-timesince]").first
    assert first.text_content() == "2\u00a0hours, 5\u00a0minutes ago"
