"""axe-core finds no serious or critical violation on the main pages, in
either theme."""

import json

import pytest
from django.urls import reverse

from conversations.models import Conversation
from drafts.actions import save_draft
from forum import actions
from tests.e2e.conftest import AXE_JS
from tests.e2e.support import assert_dark, topic

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}


def _violations(page):
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: a <script> tag with the
        # code inline would be (rightly) refused by the Content-Security-Policy.
        page.evaluate("() => {" + AXE_JS.read_text() + "\n}")
    result = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
        " help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))"
    )
    return [v for v in result if v["impact"] in BLOCKING]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_main_pages_have_no_serious_accessibility_violations(demo, new_page, scheme):
    if not AXE_JS.exists():
        pytest.fail(
            f"{AXE_JS} is missing: run `npm ci --prefix tests/e2e` (make e2e does)"
        )
    question = topic("Does preinfusion on the Duo")
    bookmarked = question.posts.get(number=2)
    actions.bookmark_post(demo["member"], bookmarked, "Worth a second read")
    save_draft(
        demo["member"], key=f"reply:{question.pk}", body="Half a reply, kept for later."
    )
    member = new_page(demo["member"], color_scheme=scheme)
    visitor = new_page(color_scheme=scheme)
    pages = [
        (member, "/"),
        (member, question.category.get_absolute_url()),
        (member, question.get_absolute_url()),
        (member, "/u/member/"),
        (member, "/notifications/"),
        (member, "/bookmarks/"),
        (member, reverse("forum:post_bookmark", args=[bookmarked.pk])),
        (member, "/moderation/log/"),
        (visitor, "/accounts/signup/"),
        (visitor, question.get_absolute_url()),
        # Community health (issue 16): SVG charts, tables, the filter form.
        (visitor, "/community/health/"),
        # insights
        (member, "/u/member/give-get/"),
        (visitor, "/community/give-get/"),
        (new_page(demo["rep"], color_scheme=scheme), "/brand/insights/"),
        # support: an escalated topic with the desk's status notes
        (visitor, topic("Group gasket leaking").get_absolute_url()),
        # conversations (issue 23): the inbox, a conversation, writing, a
        # profile's message and ignore controls; invitations
        (member, "/messages/"),
        (
            member,
            Conversation.objects.get(
                subject__startswith="Which grinder"
            ).get_absolute_url(),
        ),
        (member, "/messages/new/?to=kwame"),
        (member, "/u/kwame/"),
        (member, "/invite/"),
        # the composer (issue 22): drafts, and the upload page without script
        (member, "/drafts/"),
        (member, "/uploads/"),
    ]
    found = {}
    for page, url in pages:
        page.goto(url)
        if scheme == "dark":
            assert_dark(page)
        violations = _violations(page)
        if violations:
            found[url] = violations
    assert not found, json.dumps(found, indent=2)
