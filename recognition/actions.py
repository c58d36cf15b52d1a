"""Every write of the recognition app: awards recomputed from the facts, and
the brand's confirmations of members' answers.

Awards are bookkeeping, not anyone's doing: ``recompute_awards`` derives the
awards a set of members should hold from the forum's facts (acceptances,
likes, solved questions) and writes the difference, so it is idempotent and
revokes an award as soon as its evidence is gone. It runs after the actions
that change those facts commit (recognition.enqueue) and nightly for
everyone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from forum.cache import bump_on_commit
from forum.models import CategoryKind, Like, Post, peer_reply_q
from notifications.events import AnswerConfirmed, EventKind, emit
from permissions import policy
from permissions.policy import Perm
from recognition.models import Award, AwardKind, Confirmation, ConfirmationEntry
from recognition.rules import ASKERS_PER_MONTH, PEER_LIKES_NEEDED

NOTE_MAX_LENGTH = 300

AwardKey = tuple[int, str, int | None, date | None]


# --- The facts ---------------------------------------------------------------------------


def _earning_replies(user_ids: Iterable[int] | None) -> QuerySet[Post]:
    """Replies that can earn an award: shown (not deleted, hidden or removed),
    in a live topic, by a community member (never a brand representative or
    anyone tied to a brand)."""
    posts = (
        Post.objects.filter(peer_reply_q())
        .filter(
            topic__deleted_at__isnull=True,
            topic__is_hidden=False,
            topic__merged_into__isnull=True,
            author__brand__isnull=True,
        )
        .exclude(author__role=Role.BRAND_REP)
    )
    if user_ids is not None:
        posts = posts.filter(author_id__in=list(user_ids))
    return posts


def _validating_likes() -> QuerySet[Like]:
    """Likes that count as validation: from active community members who are
    not brand-affiliated (representatives' likes never count)."""
    return Like.objects.filter(user__is_active=True, user__brand__isnull=True).exclude(
        user__role=Role.BRAND_REP
    )


def _month_start(moment: datetime) -> date:
    return moment.astimezone(UTC).date().replace(day=1)


def help_facts(user_ids: Iterable[int] | None) -> QuerySet[Post]:
    """Replies that helped an asker: in a question someone else asked, the
    asker accepted the reply or liked it. Values: author, asker, date."""
    asker_liked = Like.objects.filter(
        post_id=OuterRef("pk"), user_id=OuterRef("topic__author_id")
    )
    return (
        _earning_replies(user_ids)
        .filter(topic__category__kind=CategoryKind.QUESTIONS)
        .filter(topic__author__isnull=False)
        .exclude(author_id=F("topic__author_id"))
        .filter(Q(topic__accepted_post_id=F("pk")) | Exists(asker_liked))
    )


def _desired(
    user_ids: Iterable[int] | None,
) -> dict[AwardKey, tuple[int | None, datetime]]:
    """{award key: (category id, earned at)} for the awards the facts grant."""
    ids = list(user_ids) if user_ids is not None else None
    wanted: dict[AwardKey, tuple[int | None, datetime]] = {}
    replies = _earning_replies(ids)

    accepted = (
        replies.filter(topic__accepted_post_id=F("pk"), topic__author__isnull=False)
        .exclude(author_id=F("topic__author_id"))
        .values_list("pk", "author_id", "topic__category_id", "created_at")
    )
    for pk, author_id, category_id, created_at in accepted:
        wanted[(author_id, AwardKind.ACCEPTED_ANSWER, pk, None)] = (
            category_id,
            created_at,
        )

    liked = (
        _validating_likes()
        .filter(post__in=replies)
        .exclude(user_id=F("post__author_id"))
        .values("post_id", "post__author_id", "post__topic__category_id")
        .annotate(validators=Count("user_id", distinct=True), at=F("post__created_at"))
        .filter(validators__gte=PEER_LIKES_NEEDED)
    )
    for row in liked:
        wanted[(row["post__author_id"], AwardKind.PEER_LIKED, row["post_id"], None)] = (
            row["post__topic__category_id"],
            row["at"],
        )

    first_peer_reply = (
        Post.objects.filter(peer_reply_q(), topic_id=OuterRef("topic_id"))
        .exclude(author_id=OuterRef("topic__author_id"))
        .order_by("number")
        .values("pk")[:1]
    )
    first = (
        replies.filter(topic__is_solved=True)
        .filter(pk=Subquery(first_peer_reply))
        .values_list("pk", "author_id", "topic__category_id", "created_at")
    )
    for pk, author_id, category_id, created_at in first:
        wanted[(author_id, AwardKind.FIRST_REPLY_SOLVED, pk, None)] = (
            category_id,
            created_at,
        )

    askers: dict[tuple[int, date], set[int]] = defaultdict(set)
    for author_id, asker_id, created_at in help_facts(ids).values_list(
        "author_id", "topic__author_id", "created_at"
    ):
        askers[(author_id, _month_start(created_at))].add(asker_id)
    for (author_id, month), helped in askers.items():
        if len(helped) >= ASKERS_PER_MONTH:
            earned = datetime(month.year, month.month, 1, tzinfo=UTC)
            wanted[(author_id, AwardKind.HELPFUL_MONTH, None, month)] = (None, earned)
    return wanted


# --- Recomputing ---------------------------------------------------------------------------


def recompute_awards(user_ids: Iterable[int] | None = None) -> tuple[int, int]:
    """Bring the awards of *user_ids* (everyone when None) in line with the
    facts; return (granted, revoked). Idempotent, constant queries."""
    ids = sorted(set(user_ids)) if user_ids is not None else None
    if ids is not None and not ids:
        return 0, 0
    with transaction.atomic():
        wanted = _desired(ids)
        held = Award.objects.select_for_update()
        if ids is not None:
            held = held.filter(user_id__in=ids)
        existing = {
            (a.user_id, a.kind, a.post_id, a.month): a.pk
            for a in held.only("pk", "user_id", "kind", "post_id", "month")
        }
        stale = [pk for key, pk in existing.items() if key not in wanted]
        if stale:
            Award.objects.filter(pk__in=stale).delete()
        new = [
            Award(
                user_id=user_id,
                kind=kind,
                post_id=post_id,
                month=month,
                category_id=wanted[key][0],
                earned_at=wanted[key][1],
            )
            for key in wanted
            if key not in existing
            for user_id, kind, post_id, month in [key]
        ]
        if new:
            Award.objects.bulk_create(new, ignore_conflicts=True)
        if stale or new:
            bump_on_commit()  # profiles and the recognition under names change
    return len(new), len(stale)


def recompute_topic_awards(topic_id: int) -> tuple[int, int]:
    """Recompute the awards of everyone who posted in the topic (a like, an
    acceptance, a deletion or a moderator's action there changed the facts)."""
    authors = (
        Post.objects.filter(topic_id=topic_id, author__isnull=False)
        .values_list("author_id", flat=True)
        .distinct()
    )
    return recompute_awards(set(authors))


# --- "Confirmed by <brand>" --------------------------------------------------------------


def _clean_note(note: str) -> str:
    note = " ".join(note.split())
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            _("Keep the note to %(n)d characters or fewer (it has %(count)d).")
            % {"n": NOTE_MAX_LENGTH, "count": len(note)},
            code="note",
        )
    return note


def confirm_answer(actor: User, post: Post, *, note: str = "") -> Confirmation:
    """Mark a member's answer "Confirmed by <brand>", with the representative's
    name and an optional note. A label under the post: the member's words,
    their place in the topic and their credit stay as they are. Confirming
    again after a withdrawal confirms anew; confirming twice is a no-op."""
    policy.require(actor, Perm.CONFIRM_ANSWER, post)
    note = _clean_note(note)
    brand = actor.brand
    if brand is None:  # the policy asked for a representative with a brand
        raise ValidationError(_("Only brand representatives confirm answers."))
    now = timezone.now()
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        locked.topic = post.topic
        policy.require(actor, Perm.CONFIRM_ANSWER, locked)
        current = Confirmation.objects.filter(post=locked).first()
        if current is not None and not current.is_withdrawn:
            return current
        values = {
            "brand": brand,
            "confirmed_by": actor,
            "confirmed_by_name": actor.name,
            "note": note,
            "confirmed_at": now,
            "withdrawn_at": None,
            "withdrawn_by_name": "",
            "withdraw_note": "",
        }
        confirmation, _created = Confirmation.objects.update_or_create(
            post=locked, defaults=values
        )
        entry = ConfirmationEntry.objects.create(
            kind=ConfirmationEntry.Kind.CONFIRMED,
            post=locked,
            brand=brand,
            actor=actor,
            actor_name=actor.name,
            note=note,
            created_at=now,
        )
        emit(
            EventKind.ANSWER_CONFIRMED,
            AnswerConfirmed(entry_id=entry.pk, brand_name=brand.name, withdrawn=False),
            actor=actor,
            topic=post.topic,
            post=locked,
        )
        bump_on_commit()
    return confirmation


def withdraw_confirmation(actor: User, post: Post, *, note: str = "") -> Confirmation:
    """Withdraw the brand's confirmation of *post*, in public: the post then
    shows "confirmation withdrawn by <name>" and the record keeps both."""
    policy.require(actor, Perm.VIEW_TOPIC, post.topic)
    confirmation = (
        Confirmation.objects.select_related("brand").filter(post=post).first()
    )
    if confirmation is None:
        raise ValidationError(_("This answer has no confirmation to withdraw."))
    confirmation.post = post
    policy.require(actor, Perm.WITHDRAW_CONFIRMATION, confirmation)
    note = _clean_note(note)
    now = timezone.now()
    with transaction.atomic():
        locked = Confirmation.objects.select_for_update().get(pk=confirmation.pk)
        if locked.is_withdrawn:
            return locked
        locked.withdrawn_at = now
        locked.withdrawn_by_name = actor.name
        locked.withdraw_note = note
        locked.save(
            update_fields=["withdrawn_at", "withdrawn_by_name", "withdraw_note"]
        )
        entry = ConfirmationEntry.objects.create(
            kind=ConfirmationEntry.Kind.WITHDRAWN,
            post=post,
            brand=confirmation.brand,
            actor=actor,
            actor_name=actor.name,
            note=note,
            created_at=now,
        )
        emit(
            EventKind.ANSWER_CONFIRMED,
            AnswerConfirmed(
                entry_id=entry.pk, brand_name=confirmation.brand.name, withdrawn=True
            ),
            actor=actor,
            topic=post.topic,
            post=post,
        )
        bump_on_commit()
    return locked
