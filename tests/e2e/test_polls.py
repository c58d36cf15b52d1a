"""Polls in Chromium: voting with JavaScript (the poll swaps in place) and
without (a plain form post and a redirect), on the demo's concept poll and
member poll; axe finds nothing serious on the poll or the new-topic form."""

from __future__ import annotations

import pytest

from polls.models import PollVote
from tests.e2e.conftest import AXE_JS, SCREENSHOTS
from tests.e2e.support import topic

pytestmark = pytest.mark.e2e


def _serious_violations(page):
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate("() => {" + AXE_JS.read_text() + "\n}")
    result = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))"
    )
    return [v for v in result if v["impact"] in {"serious", "critical"}]


def test_vote_in_place_with_javascript_then_change_it(demo, new_page):
    concept = topic("Concept: a Macina Mini")
    voter = demo["latte_lucia"]
    page = new_page(voter)
    page.goto(concept.get_absolute_url())
    poll = page.locator("#poll")
    assert "Concept from Brevetto" in page.locator(".topic-header").inner_text()
    assert "Results are shown once you have voted" in poll.inner_text()
    page.evaluate("window.__stillHere = true")

    poll.get_by_label("Bellows hopper").check()
    poll.get_by_label("Magnetic catch cup").check()
    poll.get_by_role("button", name="Vote").click()

    page.locator("#poll").get_by_text("Your vote was recorded.").wait_for()
    assert page.evaluate("window.__stillHere === true")  # no page load
    text = page.locator("#poll").inner_text()
    assert "10 members voted." in text
    assert "%" in text and "Your choice" in text
    assert page.locator("#poll meter").count() == 5
    page.locator("#poll").get_by_label("Bellows hopper").uncheck()
    # The first vote's confirmation is still on screen: wait for the second
    # answer itself, not for text that is already there.
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.locator("#poll").get_by_role("button", name="Change my vote").click()
    assert answered.value.ok
    page.locator("#poll").get_by_text("Your vote was recorded.").wait_for()
    chosen = PollVote.objects.filter(voter=voter, poll__topic=concept).values_list(
        "option__text", flat=True
    )
    assert list(chosen) == ["Magnetic catch cup"]
    if AXE_JS.exists():
        assert _serious_violations(page) == []
    # For the README: the concept label and the poll, as the voter sees it.
    fresh = new_page(voter)
    fresh.goto(concept.get_absolute_url())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    fresh.screenshot(
        path=str(SCREENSHOTS / "poll-concept-desktop-light.png"),
        full_page=True,
        animations="disabled",
    )


def test_vote_without_javascript_is_a_plain_post_and_redirect(demo, new_page):
    grinders = topic("Poll: what burr size")
    page = new_page(demo["ana_souza"], javascript=False)
    page.goto(grinders.get_absolute_url())
    poll = page.locator("#poll")
    assert "Results are shown to everyone when the poll closes" in poll.inner_text()

    poll.get_by_label("63 to 64 mm").check()
    poll.get_by_role("button", name="Vote").click()

    page.wait_for_url(f"**{grinders.get_absolute_url()}#poll")
    assert "Your vote was recorded." in page.locator(".messages").inner_text()
    assert "8 members voted." in page.locator("#poll").inner_text()
    # Results wait for the close, even for someone who voted.
    assert page.locator("#poll meter").count() == 0
    assert page.locator("#poll").get_by_label("63 to 64 mm").is_checked()


def test_new_topic_form_with_a_poll_keeps_the_text_without_javascript(demo, new_page):
    page = new_page(demo["member"], javascript=False)
    page.goto("/c/off-topic/new-topic/")
    page.get_by_label("Title").fill("Best coffee mug material?")
    page.locator("textarea[name=body]").fill("Ceramic, glass, steel or enamel?")
    page.get_by_label("Add a poll to this topic").check()
    page.get_by_label("Question").fill("Your favourite mug?")
    page.get_by_label("Options, one per line").fill("Ceramic")

    page.get_by_role("button", name="Create topic").click()

    page.get_by_text("Give at least 2 options, one per line.").wait_for()
    assert page.get_by_label("Question").input_value() == "Your favourite mug?"
    page.get_by_label("Options, one per line").fill("Ceramic\nGlass\nEnamel")
    page.get_by_role("button", name="Create topic").click()
    page.locator("#poll").get_by_text("Your favourite mug?").wait_for()
    if AXE_JS.exists():  # axe needs JavaScript: the same form, in a page with it
        with_js = new_page(demo["member"])
        with_js.goto("/c/off-topic/new-topic/")
        assert _serious_violations(with_js) == []
