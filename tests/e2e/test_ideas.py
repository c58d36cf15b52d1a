"""The ideas board in Chromium: a member votes and takes the vote back (in
place with htmx, and as plain form posts without JavaScript), and the
decision owner records a decision that shows in the thread."""

import json
import re

import pytest

from ideas.models import IdeaDecision
from tests.e2e.conftest import AXE_JS
from tests.e2e.support import assert_dark, topic
from tests.e2e.test_accessibility import _violations
from tests.factories import make_user

pytestmark = pytest.mark.e2e


def _votes(page) -> int:
    return int(page.locator(".idea-vote-count").get_attribute("data-votes"))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_member_votes_and_the_owner_decides(demo, new_page, javascript):
    idea = topic("Idea: a flow-control paddle")
    voter = make_user("e2e_voter")
    page = new_page(voter, javascript=javascript)
    page.goto(idea.get_absolute_url())
    assert "Response overdue" in page.locator("#idea-panel").inner_text()
    before = _votes(page)
    if javascript:
        # Set on this document: it survives only if the vote swaps the panel in place.
        page.evaluate("() => { window.__sameDocument = true; }")

    page.get_by_role("button", name="Vote for this idea").click()
    page.get_by_role("button", name=re.compile("withdraw vote")).wait_for()
    assert _votes(page) == before + 1
    if javascript:
        assert page.evaluate("() => window.__sameDocument === true")

    page.get_by_role("button", name=re.compile("withdraw vote")).click()
    page.get_by_role("button", name="Vote for this idea").wait_for()
    assert _votes(page) == before
    page.get_by_role("button", name="Vote for this idea").click()
    page.get_by_role("button", name=re.compile("withdraw vote")).wait_for()

    owner = new_page(demo["rep"], javascript=javascript)
    owner.goto(idea.get_absolute_url())
    owner.get_by_text("Decide on this idea").click()
    owner.get_by_label("Status").select_option("under_review")
    owner.get_by_label("Public rationale (Markdown)").fill(
        "We're prototyping a **needle valve** that spares the vibratory pump."
    )
    owner.get_by_role("button", name="Record decision").click()
    decision = owner.locator(".idea-decision", has_text="needle valve")
    decision.wait_for()
    assert "Under review" in decision.inner_text()
    assert "Brevetto · decision owner" in decision.inner_text()
    assert IdeaDecision.objects.filter(topic=idea, status="under_review").count() == 1

    # The voter is told, and the clock shows the fresh response.
    page.reload()
    assert re.search(r"\b[1-9]\d* unread", page.locator("[data-bell]").inner_text())
    assert (
        "Last response from the decision owner: 0 days ago"
        in page.locator("#idea-panel").inner_text()
    )
    # "Under review" leaves the discussion open: the voter can still reply.
    assert page.get_by_label("Your reply").count() == 1


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_ideas_pages_have_no_serious_accessibility_violations(demo, new_page, scheme):
    if not AXE_JS.exists():
        pytest.fail(
            f"{AXE_JS} is missing: run `npm ci --prefix tests/e2e` (make e2e does)"
        )
    decided = topic("Idea: a yearly maintenance kit")
    member = new_page(demo["member"], color_scheme=scheme)
    found = {}
    for url in (
        "/ideas/",
        "/ideas/?sort=waiting",
        "/ideas/shipped/",
        decided.get_absolute_url(),
        f"/ideas/t/{decided.pk}/history/",
        "/roster/",
    ):
        member.goto(url)
        if scheme == "dark":
            assert_dark(member)
        violations = _violations(member)
        if violations:
            found[url] = violations
    assert not found, json.dumps(found, indent=2)
