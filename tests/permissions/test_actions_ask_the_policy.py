"""Every public action asks the policy first (docs/architecture.md: an action
reads top to bottom and asks the policy first), whatever its caller checked.

The walk reads the action modules with ``ast``: a public function's first
statement (after its docstring) must be ``policy.require(...)``, or a call to
a helper of the same module whose own first statement is one. A public
function that changes nothing, or only does bookkeeping inside an action that
asked, is on ALLOWLIST with the reason.
"""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import User
from forum.models import Post
from moderation.actions.posts import remove_post, restore_removed_post
from moderation.actions.sanctions import lift_sanction, sanction_user
from moderation.models import Rule, Sanction
from tests.factories import (
    make_admin,
    make_brand_rep,
    make_category,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

ROOT = Path(__file__).resolve().parents[2]
ACTION_MODULES = sorted(
    [
        ROOT / "forum" / "actions.py",
        ROOT / "accounts" / "actions.py",
        ROOT / "notifications" / "actions.py",
        ROOT / "images" / "actions.py",
        ROOT / "ideas" / "actions.py",
        ROOT / "insights" / "actions.py",
        ROOT / "polls" / "actions.py",
        ROOT / "elsewhere" / "actions.py",
        ROOT / "groups" / "actions.py",
        ROOT / "groups" / "beta.py",
        ROOT / "recognition" / "actions.py",
        ROOT / "support" / "actions.py",
        ROOT / "conversations" / "actions.py",
        ROOT / "uploads" / "actions.py",
        ROOT / "drafts" / "actions.py",
        ROOT / "privacy" / "actions.py",
        ROOT / "exports" / "actions.py",
        ROOT / "api" / "actions.py",
        *(
            path
            for path in (ROOT / "moderation" / "actions").glob("*.py")
            if path.name != "__init__.py"
        ),
    ]
)

# "module.function": why it need not ask the policy. Keep each reason true.
ALLOWLIST: dict[str, str] = {
    # privacy (issue 24)
    "privacy.actions.next_export_at": "reads when the member may ask again; "
    "writes nothing",
    "privacy.actions.build_data_export": "the task building an archive the "
    "member asked for through request_data_export, which asked the policy",
    "privacy.actions.build_pending_exports": "the hourly task: the same builds, "
    "and expired archives' files removed",
    "privacy.actions.expire_data_exports": "removes expired archives' files; "
    "called by the hourly task",
    "privacy.actions.anonymous_username": "formats a name; writes nothing",
    "privacy.actions.anonymous_name": "formats a name; writes nothing",
    # The per-class page cache (issue 21).
    "forum.actions.record_read": "moves the reader's own read marker on a topic "
    "page served from the per-class cache, rendered for their class after the "
    "policy's VIEW_TOPIC",
    # Invitations (issue 23)
    "accounts.actions.invitation_problem": "says why an invitation can't be used; "
    "writes nothing",
    "accounts.actions.accept_invitation": "a step of the new account's own sign-up "
    "(allauth's signup hook); the invitation's validity, checked under a lock, is "
    "the permission",
    # Elsewhere (issue 19): validation, signed links and system steps of tasks.
    "elsewhere.actions.clean_source": "validates a source's fields; writes nothing",
    "elsewhere.actions.clean_opt_in": "validates an opt-in record; writes nothing",
    "elsewhere.actions.withdrawal_token": "signs a source's id; writes nothing",
    "elsewhere.actions.withdrawal_url": "builds the withdrawal link; writes nothing",
    "elsewhere.actions.source_for_token": "checks a signed token; writes nothing",
    "elsewhere.actions.backoff": "computes a wait; writes nothing",
    "elsewhere.actions.withdraw_source": (
        "no account acts: the signed, expiring link sent to the source's contact "
        "address is the authority; it only removes that source's own links"
    ),
    "elsewhere.actions.email_withdrawal_link": (
        "system step of a task enqueued by register_source/send_withdrawal_link, "
        "which asked the policy (MANAGE_ELSEWHERE)"
    ),
    "elsewhere.actions.enqueue_due_sources": (
        "system action run by beat: claims sources an administrator listed"
    ),
    "elsewhere.actions.fetch_source": (
        "system action run by a task: reads a listed source's feed into links; "
        "no member content changes"
    ),
    "elsewhere.actions.store_items": (
        "system step of fetch_source (and seeding): stores a listed source's links"
    ),
    "elsewhere.actions.expire_items": (
        "system action run by beat: deletes links older than the configured age"
    ),
    # exports (issue 24)
    "exports.actions.archive_path": "names a job's archive file; writes nothing",
    "exports.actions.enqueue_export": "queues the task of a job start_export "
    "created after asking the policy",
    "exports.actions.build_export": (
        "system step of the task start_export enqueued after asking the policy "
        "(EXPORT_COMMUNITY); writes only the job's own row and archive"
    ),
    # groups
    "groups.actions.clean_reason": "validates a manager's reason; writes nothing",
    "groups.actions.expire_memberships": (
        "system action run by beat: ends memberships past their own or their "
        "group's end date and warns a week ahead; nobody acts, each end is audited"
    ),
    "groups.actions.check_group_mentions": (
        "asks policy.check(MENTION_GROUP) for each mentioned group and turns a "
        "refusal into a form message that keeps the post's text; writes nothing"
    ),
    "groups.actions.record_group_mentions": (
        "called inside start_topic/reply_to_topic after they asked the policy "
        "and check_group_mentions passed; records the mentions and the event"
    ),
    # Peers first and recognition (issue 17): system bookkeeping, no member acts.
    "forum.actions.peer_first_hours": "reads a category's window; writes nothing",
    "forum.actions.route_unanswered_questions": (
        "system action run by beat: opens one brand request per unanswered "
        "question after its peer-first window, exactly once; no member acts"
    ),
    "recognition.actions.help_facts": "a queryset of replies that helped; writes nothing",
    "recognition.actions.recompute_awards": (
        "system bookkeeping after an action committed (and nightly): derives "
        "awards from the facts the policy-checked actions wrote"
    ),
    "recognition.actions.recompute_topic_awards": (
        "system bookkeeping: recompute_awards for the people who posted in a topic"
    ),
    # insights: beat's weekly report acts for nobody and changes no content.
    "insights.actions.iso_week": "formats a date; writes nothing",
    "insights.actions.send_weekly_reports": (
        "system action run by beat: emits one insights.weekly event per brand and "
        "week, heard only by that brand's own representatives; no member acts"
    ),
    # Pure helpers: validate, compute or look up; they change no state.
    "forum.actions.clean_title": "normalises and validates a title (forms too)",
    "forum.actions.resolve_tags": "looks up existing tags by name; writes nothing",
    "forum.actions.render_body": "renders Markdown and finds mentions; writes nothing",
    "forum.actions.snapshot_role": "computes the role label a post records",
    "forum.actions.clean_bookmark_note": "validates a bookmark note",
    "forum.actions.max_post_length": "reads a setting",
    "polls.actions.parse_options": "splits a poll's options text into lines",
    "polls.actions.clean_poll": "validates a poll's question and options (forms too)",
    # The images app copies images a post already shows; no member acts here.
    "images.actions.enqueue_post_images": (
        "called inside start_topic/reply_to_topic/edit_post, after they asked the "
        "policy; only schedules the copy on commit"
    ),
    "images.actions.localize_post_images": (
        "system action run by the images task for a post already written; reads "
        "and re-renders that post's own text, changes nobody's words"
    ),
    "forum.actions.show_image_copies": (
        "system step run by the images task: the post's own text rendered again "
        "with Hearth's copies of its images; nobody's words change"
    ),
    # The ideas board.
    "ideas.actions.check_decision_owner": (
        "validates who may be named a decision owner (the admin form too); writes nothing"
    ),
    "ideas.actions.clean_rationale": "validates and renders a rationale; writes nothing",
    "ideas.actions.notify_responses_due": (
        "system action run by the beat task: tells the decision owners the policy "
        "names (policy.decision_owner_ids) that an idea is due a response"
    ),
    "ideas.actions.carry_votes_on_merge": (
        "bookkeeping inside moderation merge_topics, which asked the policy "
        "(MERGE_TOPIC) for both topics"
    ),
    "images.actions.fetch_image": "system step of localize_post_images (one URL)",
    "images.actions.store_copy": (
        "system step: stores an image's bytes (also seed_demo's chart); no member input"
    ),
    "forum.actions.deletes_topic": (
        "answers whether deleting a post takes its topic too (the confirmation page "
        "and delete_post, which asks the policy, share it); writes nothing"
    ),
    "accounts.actions.ensure_can_become_brand_rep": (
        "validation shared with the admin forms; raises ValidationError, writes "
        "nothing (verify_brand_rep asks the policy, then calls it)"
    ),
    "accounts.actions.ensure_can_moderate": (
        "validation shared with the admin forms; raises ValidationError, writes "
        "nothing (assign_moderator asks the policy, then calls it)"
    ),
    "notifications.actions.preference_kinds": "lists the kinds a member chooses for",
    "moderation.actions.appeals.reversals": (
        "the table of undo functions; decide_appeal calls them after Perm.DECIDE_APPEAL"
    ),
    "moderation.actions.appeals.clean_statement": "validates an appeal's text",
    "moderation.actions.appeals.clean_decision_reason": "validates a reason",
    "moderation.actions.flags.flag_weight": "computes a flag's weight",
    "moderation.actions.flags.open_flag_weight": "sums open flags; writes nothing",
    "moderation.actions.sanctions.clean_duration": "validates a duration",
    # support: escalations handed to a desk, and the desk's signed callbacks.
    # The read API and outgoing webhooks (issue 24)
    "api.actions.touch_token": "bookkeeping of a token its owner's request just "
    "used (api.auth checked it); writes only its last-used time",
    "api.actions.webhook_payload": "builds a webhook's JSON; writes nothing",
    "api.actions.record_webhook_deliveries": (
        "a system step of notifications.dispatch_event for events actions "
        "already authorised; sends only what a visitor may read"
    ),
    "api.actions.enqueue_delivery": "queues a task; writes nothing",
    "api.actions.deliver_webhook": (
        "a system step of the api.deliver_webhook task: nobody acts; records "
        "the attempt"
    ),
    "api.actions.record_attempt": "records a delivery attempt for the task (and "
    "the demo); nobody acts",
    "api.actions.stale_deliveries": "lists deliveries the sweep queues; writes nothing",
    "support.actions.already_escalated": "formats the refusal message; writes nothing",
    "support.actions.enqueue_delivery": (
        "queues the delivery task for a delivery escalate_to_support or send_again "
        "wrote after asking the policy (and the beat sweep re-queues lost ones)"
    ),
    "support.actions.deliver_escalation": (
        "system step run by the support.deliver_escalation task: hands an "
        "escalation a representative made to the brand's desk and records the "
        "attempt; nobody acts here"
    ),
    "support.actions.outbound_payload": "builds the webhook JSON; writes nothing",
    "support.actions.escalation_email": "builds the desk's email; writes nothing",
    "support.actions.receive_status_update": (
        "acts for the brand's support desk, not a member: the HMAC signature over "
        "timestamp and body is the only credential and is verified (with the "
        "timestamp window and event id) before anything changes"
    ),
    "support.actions.status_note": "formats the public status line; writes nothing",
    # uploads (issue 22)
    "uploads.actions.limits_for": "reads the member's limits from settings; writes nothing",
    "uploads.actions.attach_post_uploads": (
        "system step inside forum.actions' post writes, after their "
        "policy.require: records which of the post author's own uploads the "
        "text shows (never someone else's)"
    ),
    "uploads.actions.remove_orphan_uploads": (
        "system step run by the uploads.remove_orphan_uploads beat task: "
        "deletes uploads no post shows, after the grace period"
    ),
    "drafts.actions.discard_posted_draft": (
        "system step inside create_topic and reply_to_topic, after their "
        "policy.require: deletes the author's own draft of what was just posted"
    ),
    # System bookkeeping inside actions that asked.
    "moderation.actions.sanctions.recompute_sanction_state": (
        "re-derives silenced_until / suspended_until from the Sanction rows, "
        "inside sanction_user's and lift_sanction's transactions after their "
        "policy.require; decides nothing"
    ),
}


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _body(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    body = list(function.body)
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    return body


def _is_require(call: ast.expr) -> bool:
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "require"
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "policy"
    )


def _called_name(call: ast.expr) -> str | None:
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
        return call.func.id
    return None


def unguarded_functions(source: str) -> list[str]:
    """The public functions of *source* whose first statement doesn't ask the policy."""
    tree = ast.parse(source)
    functions = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }

    def guarded(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if name in seen or name not in functions:
            return False
        body = _body(functions[name])
        if not body:
            return False
        first = body[0]
        # `policy.require(...)`, or `return helper(...)` / `helper(...)` where
        # the helper starts with it.
        value = first.value if isinstance(first, ast.Expr | ast.Return) else None
        if value is None:
            return False
        if _is_require(value):
            return True
        callee = _called_name(value)
        return callee is not None and guarded(callee, seen | {name})

    return sorted(
        name for name in functions if not name.startswith("_") and not guarded(name)
    )


def _all_unguarded() -> set[str]:
    found = set()
    for path in ACTION_MODULES:
        module = _module_name(path)
        for name in unguarded_functions(path.read_text()):
            found.add(f"{module}.{name}")
    return found


def test_the_walk_finds_the_action_modules():
    names = {_module_name(path) for path in ACTION_MODULES}

    assert {
        "forum.actions",
        "accounts.actions",
        "notifications.actions",
        "moderation.actions.posts",
        "moderation.actions.sanctions",
        "moderation.actions.appeals",
        "moderation.actions.flags",
        "moderation.actions.topics",
    } <= names


def test_every_public_action_asks_the_policy_first():
    unguarded = _all_unguarded() - set(ALLOWLIST)

    assert not unguarded, (
        "These public functions of action modules don't call policy.require "
        "first: ask the policy, or add them to ALLOWLIST with the reason: "
        f"{sorted(unguarded)}"
    )


def test_the_allowlist_has_no_stale_entries():
    # An entry that now asks the policy, or no longer exists, must go.
    assert set(ALLOWLIST) <= _all_unguarded()


def test_the_walk_tells_guarded_from_unguarded():
    source = '''
def _require_admin(actor):
    policy.require(actor, Perm.ACCESS_ADMIN, None)

def through_helper(actor):
    """Docstring first is fine."""
    _require_admin(actor)
    do_it()

def asks(actor, post):
    policy.require(actor, Perm.HIDE_POST, post)

def returns_helper(actor):
    return _require_admin(actor)

def checks_later(actor, post):
    if post is None:
        return
    policy.require(actor, Perm.HIDE_POST, post)

def because_the_caller_checked(actor, post):
    post.save()

def _private(actor):
    pass
'''
    assert unguarded_functions(source) == [
        "because_the_caller_checked",
        "checks_later",
    ]


# --- The effects: the actions that trusted their caller now refuse -------------------------


@pytest.fixture
def removed_post(db):
    category = make_category("General", slug="general")
    moderator = make_moderator(category, "mod")
    topic = make_topic(category, make_user("author"))
    post = make_post(topic, make_user("replier"), body="Buy cheap watches.")
    rule = Rule.objects.create(number=1, title="No spam")
    remove_post(moderator, post, kind="spam", rule=rule, reason="Spam")
    return post


@pytest.mark.parametrize("who", ["member", "brand_rep", "moderator_elsewhere"])
def test_restore_removed_post_refuses_who_may_not_remove(removed_post, who):
    actor = {
        "member": lambda: make_user("member"),
        "brand_rep": lambda: make_brand_rep("rep"),
        "moderator_elsewhere": lambda: make_moderator(
            make_category("Elsewhere", slug="elsewhere"), "mod_elsewhere"
        ),
    }[who]()

    with pytest.raises(PermissionDenied):
        restore_removed_post(actor, removed_post)

    # Still removed for everyone reading the topic.
    assert Post.objects.get(pk=removed_post.pk).removed_at is not None


def test_restore_removed_post_works_for_an_admin(removed_post):
    restore_removed_post(make_admin("admin"), removed_post)

    assert Post.objects.get(pk=removed_post.pk).removed_at is None


@pytest.fixture
def silenced(db):
    category = make_category("General", slug="general")
    moderator = make_moderator(category, "mod")
    member = make_user("member")
    rule = Rule.objects.create(number=1, title="Be kind")
    action = sanction_user(
        moderator,
        member,
        kind="silence",
        rule=rule,
        reason="Insults",
        duration=timedelta(days=3),
    )
    return member, action


@pytest.mark.parametrize("who", ["member", "brand_rep", "themself"])
def test_lift_sanction_refuses_who_may_not_sanction(silenced, who):
    member, action = silenced
    actor = {
        "member": lambda: make_user("other"),
        "brand_rep": lambda: make_brand_rep("rep"),
        "themself": lambda: member,
    }[who]()

    with pytest.raises(PermissionDenied):
        lift_sanction(actor, action)

    assert User.objects.get(pk=member.pk).is_silenced
    assert Sanction.objects.get().revoked_at is None


def test_lift_sanction_works_for_an_admin(silenced):
    member, action = silenced

    lift_sanction(make_admin("admin"), action)

    assert not User.objects.get(pk=member.pk).is_silenced


# --- preview_view asks the policy ---------------------------------------------------------


def test_preview_is_refused_to_visitors_and_silenced_members(client, silenced):
    member, _action = silenced
    url = reverse("forum:preview")

    assert client.post(url, {"body": "**hi**"}).status_code == 403
    client.force_login(member)
    assert client.post(url, {"body": "**hi**"}).status_code == 403
    client.force_login(make_user("speaker"))
    response = client.post(url, {"body": "**hi**"})
    assert response.status_code == 200
    assert b"<strong>hi</strong>" in response.content
