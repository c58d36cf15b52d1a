"""Moderator actions on posts: hide and unhide, remove spam or illegal
content, redact personal data.

Each action asks the policy first (brand representatives are always
refused), locks the post, changes it in one transaction and writes the
public record with moderation.log.record_action(), which also notifies the
author. Nobody rewrites someone else's words: a redaction only replaces the
cited text with "[redacted]", in the post and in its whole history.

REVERSALS maps an ActionKind to the function that undoes its state change
when an appeal is upheld; those functions write no ModerationAction (the
appeal records the outcome).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Value
from django.db.models.expressions import CombinedExpression
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from forum.actions import render_body
from forum.markup import MarkupError, html_to_text, render_post_body
from forum.models import Post, PostRevision
from moderation.log import clean_rule_and_reason, record_action
from moderation.models import ActionKind, ModerationAction, Redaction, Rule
from permissions import policy
from permissions.policy import Perm
from uploads.actions import attach_post_uploads

REDACTED = "[redacted]"
REDACT_MIN_LENGTH = 3


class RemovalKind:
    SPAM = "spam"
    ILLEGAL = "illegal"
    ALL = (SPAM, ILLEGAL)


def _locked(post: Post) -> Post:
    """Re-read *post* under a row lock, with what the record needs."""
    return (
        Post.objects.select_related("topic__category", "author")
        .select_for_update(of=("self",))
        .get(pk=post.pk)
    )


def _copy_state(source: Post, target: Post) -> None:
    """Give the caller's instance the state written through the locked copy."""
    for field in (
        "is_hidden",
        "hidden_at",
        "hidden_by_id",
        "hide_reason",
        "pending_review",
        "removed_at",
        "removal_kind",
        "body_source",
        "body_html",
        "body_text",
    ):
        setattr(target, field, getattr(source, field))


def _record(
    actor: User,
    kind: str,
    post: Post,
    *,
    rule: Rule | None,
    reason: str,
    followed_brand_flag: bool = False,
    **details: object,
) -> ModerationAction:
    return record_action(
        actor,
        kind,
        rule=rule,
        reason=reason,
        category=post.topic.category,
        topic=post.topic,
        post=post,
        target_user=post.author,
        followed_brand_flag=followed_brand_flag,
        **details,
    )


def _index(post: Post) -> None:
    """Keep the search index in step with the post's public text."""
    if connection.vendor != "postgresql":
        return  # SQLite searches body_text with LIKE; see forum.search
    if not post.body_text:
        Post.objects.filter(pk=post.pk).update(search_vector=None)
        return
    vector: SearchVector | CombinedExpression = SearchVector(
        "body_text", weight="B", config="english"
    )
    if post.number == 1:
        title = SearchVector(Value(post.topic.title), weight="A", config="english")
        vector = title + vector
    Post.objects.filter(pk=post.pk).update(search_vector=vector)


def _render(source: str) -> tuple[str, str]:
    """HTML and plain text of *source*, rendered as a member's post is.

    A mention of someone who has since left can't be linked any more; the
    text is then rendered without mention links rather than refused.
    """
    try:
        html, _mentioned = render_body(source)
    except ValidationError:
        try:
            html = render_post_body(source)
        except MarkupError as exc:
            raise ValidationError(str(exc), code="body") from exc
    return html, html_to_text(html)


# --- Hide and unhide -------------------------------------------------------------------


def hide_post(
    actor: User,
    post: Post,
    *,
    rule: Rule | None,
    reason: str,
    followed_brand_flag: bool = False,
) -> ModerationAction | None:
    """Hide *post* behind a tombstone that cites the rule and the reason.

    The text stays readable on click. Hiding a post that flags hid
    automatically (pending review) confirms the hide. Idempotent: a post a
    moderator already hid is left alone and nothing is recorded (None).
    """
    policy.require(actor, Perm.HIDE_POST, post)
    rule, reason = clean_rule_and_reason(rule, reason)

    with transaction.atomic():
        locked = _locked(post)
        if locked.is_hidden and not locked.pending_review:
            return None
        locked.is_hidden = True
        locked.hidden_at = timezone.now()
        locked.hidden_by = actor
        locked.hide_reason = reason
        locked.pending_review = False
        locked.save(
            update_fields=[
                "is_hidden",
                "hidden_at",
                "hidden_by",
                "hide_reason",
                "pending_review",
            ]
        )
        action = _record(
            actor,
            ActionKind.POST_HIDDEN,
            locked,
            rule=rule,
            reason=reason,
            followed_brand_flag=followed_brand_flag,
        )
    _copy_state(locked, post)
    return action


def unhide_post(
    actor: User, post: Post, *, rule: Rule | None, reason: str
) -> ModerationAction | None:
    """Show a hidden post again (also one hidden pending review).

    Idempotent: a visible post writes nothing (None). A removed post can't be
    unhidden: its removal is undone only by an upheld appeal.
    """
    policy.require(actor, Perm.HIDE_POST, post)
    rule, reason = clean_rule_and_reason(rule, reason)

    with transaction.atomic():
        locked = _locked(post)
        if locked.removed_at is not None:
            raise ValidationError(
                _(
                    "This post was removed as spam or illegal content; only an upheld appeal restores it."
                ),
                code="removed",
            )
        if not locked.is_hidden and not locked.pending_review:
            return None
        _clear_hidden(locked)
        action = _record(
            actor, ActionKind.POST_UNHIDDEN, locked, rule=rule, reason=reason
        )
    _copy_state(locked, post)
    return action


def _clear_hidden(post: Post) -> None:
    post.is_hidden = False
    post.hidden_at = None
    post.hidden_by = None
    post.hide_reason = ""
    post.pending_review = False
    post.save(
        update_fields=[
            "is_hidden",
            "hidden_at",
            "hidden_by",
            "hide_reason",
            "pending_review",
        ]
    )


# --- Removal ---------------------------------------------------------------------------


def remove_post(
    actor: User,
    post: Post,
    *,
    kind: str,
    rule: Rule | None,
    reason: str,
    followed_brand_flag: bool = False,
) -> ModerationAction | None:
    """Remove *post* as spam or illegal content: the text goes, the record stays.

    - "spam": the public text (body_source, body_html, body_text) is blanked;
      the original stays in the revision history only (which the public
      can't open for a removed post), so an upheld appeal restores it.
    - "illegal": the text is purged from the post *and* every revision,
      irreversibly, and dropped from the search index.

    The post stays in the thread as a "Removed" tombstone. Idempotent:
    removing a removed post again writes nothing (None), except that spam
    may be escalated to illegal, which purges the history.
    """
    policy.require(actor, Perm.REMOVE_POST, post)
    if kind not in RemovalKind.ALL:
        raise ValidationError(
            _("Choose whether the post is spam or illegal content."), code="kind"
        )
    rule, reason = clean_rule_and_reason(rule, reason)

    with transaction.atomic():
        locked = _locked(post)
        if locked.removed_at is not None and (
            locked.removal_kind == kind or locked.removal_kind == RemovalKind.ILLEGAL
        ):
            return None
        now = timezone.now()
        locked.removed_at = locked.removed_at or now
        locked.removal_kind = kind
        locked.is_hidden = True
        locked.hidden_at = locked.hidden_at or now
        locked.hidden_by = locked.hidden_by or actor
        locked.pending_review = False
        locked.body_source = ""
        locked.body_html = ""
        locked.body_text = ""
        locked.save(
            update_fields=[
                "removed_at",
                "removal_kind",
                "is_hidden",
                "hidden_at",
                "hidden_by",
                "pending_review",
                "body_source",
                "body_html",
                "body_text",
            ]
        )
        purged = 0
        if kind == RemovalKind.ILLEGAL:
            # Irreversible by design: illegal content must not survive in
            # the history either.
            purged = PostRevision.objects.filter(post=locked).update(body_source="")
        _index(locked)
        details: dict[str, object] = {"removal_kind": kind}
        if kind == RemovalKind.ILLEGAL:
            details["revisions_purged"] = purged
        action = _record(
            actor,
            ActionKind.POST_REMOVED,
            locked,
            rule=rule,
            reason=reason,
            followed_brand_flag=followed_brand_flag,
            **details,
        )
    _copy_state(locked, post)
    return action


def restore_removed_post(actor: User, post: Post) -> Post:
    """Undo a removal (an upheld appeal); writes no ModerationAction.

    A spam removal gets its text back from the latest revision. Illegal
    content was purged for good, so only the "Removed" label goes; the post
    stays empty. Undoing a removal takes the power to remove (Perm.REMOVE_POST),
    asked here whatever the caller checked.
    """
    policy.require(actor, Perm.REMOVE_POST, post)
    with transaction.atomic():
        locked = _locked(post)
        if locked.removed_at is None:
            return locked
        if locked.removal_kind == RemovalKind.SPAM:
            latest = locked.revisions.order_by("-number").first()
            if latest is not None and latest.body_source:
                locked.body_source = latest.body_source
                locked.body_html, locked.body_text = _render(latest.body_source)
        locked.removed_at = None
        locked.removal_kind = ""
        locked.is_hidden = False
        locked.hidden_at = None
        locked.hidden_by = None
        locked.hide_reason = ""
        locked.save(
            update_fields=[
                "removed_at",
                "removal_kind",
                "is_hidden",
                "hidden_at",
                "hidden_by",
                "hide_reason",
                "body_source",
                "body_html",
                "body_text",
            ]
        )
        _index(locked)
    _copy_state(locked, post)
    return post


# --- Redaction of personal data ----------------------------------------------------------


def redact_post(
    actor: User, post: Post, *, text: str, rule: Rule | None, reason: str
) -> ModerationAction:
    """Replace every occurrence of *text* with "[redacted]" in the post and in
    every one of its revisions, then re-render the post.

    For personal data only: nothing else of the author's words changes. The
    match is exact and case-sensitive; text shorter than three characters,
    or found nowhere, is refused. Leaves a Redaction row and a public
    tombstone; the redacted text itself is never written to the record, the
    audit trail or the event. Irreversible.
    """
    policy.require(actor, Perm.REDACT_POST, post)
    rule, reason = clean_rule_and_reason(rule, reason)
    if len(text.strip()) < REDACT_MIN_LENGTH:
        raise ValidationError(
            _("Paste the exact text to redact (at least %(n)d characters).")
            % {"n": REDACT_MIN_LENGTH},
            code="text",
        )
    if text in reason:
        raise ValidationError(
            _("Don't repeat the redacted text in the reason: the reason is public."),
            code="reason",
        )

    with transaction.atomic():
        locked = _locked(post)
        revisions = list(
            PostRevision.objects.select_for_update()
            .filter(post=locked)
            .order_by("number")
        )
        in_post = text in locked.body_source
        affected = [revision for revision in revisions if text in revision.body_source]
        if not in_post and not affected:
            raise ValidationError(
                _(
                    "That text isn't in this post or its history. Copy it exactly: the match is case-sensitive."
                ),
                code="text",
            )
        if in_post:
            locked.body_source = locked.body_source.replace(text, REDACTED)
            locked.body_html, locked.body_text = _render(locked.body_source)
            locked.save(update_fields=["body_source", "body_html", "body_text"])
            _index(locked)
            # A redacted picture or file is no longer served to the post's readers.
            attach_post_uploads(locked)
        for revision in affected:
            revision.body_source = revision.body_source.replace(text, REDACTED)
        PostRevision.objects.bulk_update(affected, ["body_source"])
        action = _record(
            actor,
            ActionKind.POST_REDACTED,
            locked,
            rule=rule,
            reason=reason,
            revisions_affected=len(affected),
        )
        Redaction.objects.create(
            post=locked, action=action, revisions_affected=len(affected)
        )
    _copy_state(locked, post)
    return action


# --- Reversal on an upheld appeal ----------------------------------------------------------


def _reverse_hide(actor: User, action: ModerationAction) -> None:
    post = action.post
    if post is None:
        return
    with transaction.atomic():
        locked = _locked(post)
        if locked.removed_at is not None or not locked.is_hidden:
            return  # a later removal stands on its own
        _clear_hidden(locked)


def _reverse_unhide(actor: User, action: ModerationAction) -> None:
    post = action.post
    if post is None:
        return
    with transaction.atomic():
        locked = _locked(post)
        if locked.is_hidden:
            return
        last_hide = (
            ModerationAction.objects.filter(
                post_id=locked.pk, kind=ActionKind.POST_HIDDEN
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        locked.is_hidden = True
        locked.hidden_at = timezone.now()
        locked.hidden_by_id = last_hide.actor_id if last_hide else action.actor_id
        locked.hide_reason = last_hide.reason if last_hide else action.reason
        locked.save(
            update_fields=["is_hidden", "hidden_at", "hidden_by", "hide_reason"]
        )


def _reverse_removal(actor: User, action: ModerationAction) -> None:
    post = action.post
    if post is None:
        return
    restore_removed_post(actor, post)


REVERSALS: dict[str, Callable[[User, ModerationAction], None]] = {
    ActionKind.POST_HIDDEN: _reverse_hide,
    ActionKind.POST_UNHIDDEN: _reverse_unhide,
    ActionKind.POST_REMOVED: _reverse_removal,
    # A redaction of personal data is never undone.
}
