"""Every state change of the ideas board: votes, decision owners, decisions,
the response clock and the votes a merge carries over.

Each public action asks the policy first, changes rows in one transaction,
keeps the Idea counters in step, emits its events inside the transaction and
bumps the page cache on commit.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Brand, User
from accounts.roles import Role
from forum.cache import bump_on_commit
from forum.markup import MarkupError, render_post_body
from forum.models import Category, CategoryKind, IdeaStatus, Topic
from ideas.models import FINAL_STATUSES, DecisionOwner, Idea, IdeaDecision, IdeaVote
from notifications.events import EventKind, IdeaStatusSet, ToUsers, emit
from permissions import policy
from permissions.policy import Perm

RATIONALE_MAX_LENGTH = 5000


def _is_staff_voter(user: User) -> bool:
    return user.role in (Role.BRAND_REP, Role.ADMIN) or user.is_superuser


def _locked_idea(topic: Topic) -> Idea:
    Idea.objects.get_or_create(topic_id=topic.pk)
    return Idea.objects.select_for_update().get(topic_id=topic.pk)


def _recount(idea: Idea, now: datetime) -> None:
    """Recount *idea*'s votes from the rows and start its clock at the threshold."""
    counts = IdeaVote.objects.filter(topic_id=idea.topic_id).aggregate(
        community=Count("pk", filter=Q(is_staff_vote=False)),
        staff=Count("pk", filter=Q(is_staff_vote=True)),
    )
    idea.community_votes = counts["community"]
    idea.staff_votes = counts["staff"]
    if (
        idea.threshold_reached_at is None
        and idea.community_votes >= settings.IDEAS_RESPONSE_VOTES
    ):
        idea.threshold_reached_at = now
    idea.save(update_fields=["community_votes", "staff_votes", "threshold_reached_at"])


# --- Votes --------------------------------------------------------------------------------


def vote(actor: User, topic: Topic) -> Idea:
    """Vote for *topic* (an idea). Idempotent: a second vote changes nothing."""
    policy.require(actor, Perm.VOTE_IDEA, topic)
    now = timezone.now()
    with transaction.atomic():
        idea = _locked_idea(topic)
        _, created = IdeaVote.objects.get_or_create(
            topic_id=topic.pk,
            user=actor,
            defaults={"is_staff_vote": _is_staff_voter(actor), "created_at": now},
        )
        if created:
            _recount(idea, now)
            bump_on_commit()
    return idea


def unvote(actor: User, topic: Topic) -> Idea:
    """Withdraw *actor*'s vote for *topic*. Idempotent. The clock, once
    started, keeps running: a response stays due."""
    policy.require(actor, Perm.VOTE_IDEA, topic)
    with transaction.atomic():
        idea = _locked_idea(topic)
        deleted, _rows = IdeaVote.objects.filter(topic_id=topic.pk, user=actor).delete()
        if deleted:
            _recount(idea, timezone.now())
            bump_on_commit()
    return idea


# --- Decision owners ------------------------------------------------------------------------


def name_decision_owner(
    actor: User, user: User, brand: Brand, category: Category | None = None
) -> DecisionOwner:
    """Name *user* a decision owner of *brand*'s ideas (in *category* and its
    subcategories, or everywhere). Refuses volunteer moderators."""
    policy.require(actor, Perm.NAME_DECISION_OWNER, None)
    check_decision_owner(user, brand, category)
    with transaction.atomic():
        owner, _created = DecisionOwner.objects.get_or_create(
            brand=brand, user=user, category=category
        )
        bump_on_commit()
    return owner


def check_decision_owner(
    user: User, brand: Brand, category: Category | None = None
) -> None:
    """Raise ValidationError unless *user* may be named a decision owner of
    *brand* (in *category*): never a volunteer moderator, never another
    brand's representative. Writes nothing (the admin form validates with it)."""
    if user.role == Role.BRAND_REP and user.brand_id != brand.pk:
        raise ValidationError(
            _("%(name)s represents another brand.") % {"name": user.name},
            code="user",
        )
    if not policy.may_own_decisions(user):
        if user.assigned_category_ids:
            message = _(
                "%(name)s is a volunteer moderator; moderators never decide on "
                "ideas. Remove their moderator assignments first."
            )
        else:
            message = _(
                "Only active brand representatives and administrators can decide "
                "on ideas; %(name)s is neither."
            )
        raise ValidationError(message % {"name": user.name}, code="user")
    if category is not None and category.kind != CategoryKind.IDEAS:
        raise ValidationError(
            _("“%(name)s” is not an ideas category.") % {"name": category.name},
            code="category",
        )


def remove_decision_owner(actor: User, owner: DecisionOwner) -> None:
    """Take a decision owner off the roster; their past decisions stay public."""
    policy.require(actor, Perm.NAME_DECISION_OWNER, None)
    with transaction.atomic():
        DecisionOwner.objects.filter(pk=owner.pk).delete()
        bump_on_commit()


# --- Decisions ----------------------------------------------------------------------------


def clean_rationale(rationale: str) -> tuple[str, str]:
    """The rationale's source and its rendered HTML; ValidationError when
    empty, too long or rejected by the markup layer."""
    source = rationale.strip()
    if not source:
        raise ValidationError(
            _("Every decision needs a public rationale: say why."), code="rationale"
        )
    if len(source) > RATIONALE_MAX_LENGTH:
        raise ValidationError(
            _("The rationale can be at most %(n)d characters (it has %(count)d).")
            % {"n": RATIONALE_MAX_LENGTH, "count": len(source)},
            code="rationale",
        )
    try:
        html = render_post_body(source, images={})
    except MarkupError as exc:
        raise ValidationError(str(exc), code="rationale") from exc
    return source, str(html)


def decide(actor: User, topic: Topic, *, status: str, rationale: str) -> IdeaDecision:
    """Record a decision owner's decision on *topic*: its status (may be the
    same as before, as an update) and the public rationale. Tells voters, the
    author and watchers. "Not planned" leaves the topic open."""
    policy.require(actor, Perm.SET_IDEA_STATUS, topic)
    if status not in IdeaStatus.values:
        raise ValidationError(_("Choose one of the listed statuses."), code="status")
    source, html = clean_rationale(rationale)
    now = timezone.now()
    brand = _acting_brand(actor, topic)
    with transaction.atomic():
        idea = _locked_idea(topic)
        previous = (
            Topic.objects.filter(pk=topic.pk)
            .values_list("idea_status", flat=True)
            .get()
        )
        decision = IdeaDecision.objects.create(
            topic_id=topic.pk,
            owner=actor,
            owner_name=actor.name,
            brand=brand,
            brand_label=_("%(brand)s · decision owner") % {"brand": brand.name}
            if brand is not None
            else _("Administrator · decision owner"),
            previous_status=previous,
            status=status,
            rationale_source=source,
            rationale_html=html,
            created_at=now,
        )
        Topic.objects.filter(pk=topic.pk).update(idea_status=status)
        topic.idea_status = status
        idea.last_response_at = now
        idea.save(update_fields=["last_response_at"])
        emit(
            EventKind.IDEA_STATUS_SET,
            IdeaStatusSet(decision_id=decision.pk, status=status),
            actor=actor,
            topic=topic,
        )
        bump_on_commit()
    return decision


def _acting_brand(actor: User, topic: Topic) -> Brand | None:
    if actor.role == Role.BRAND_REP:
        return actor.brand
    row = (
        DecisionOwner.objects.filter(user=actor)
        .filter(
            Q(category__isnull=True)
            | Q(category_id=topic.category_id)
            | Q(category_id=topic.category.parent_id)
        )
        .select_related("brand")
        .first()
    )
    return row.brand if row is not None else None


# --- The response clock ---------------------------------------------------------------------


def notify_responses_due(now: datetime | None = None) -> int:
    """Tell the decision owners of each idea that has just become due a
    response (its community votes reached IDEAS_RESPONSE_VOTES), once per
    idea. Returns how many ideas were announced. Run by the beat task."""
    now = now or timezone.now()
    announced = 0
    due = (
        Idea.objects.filter(
            threshold_reached_at__isnull=False, due_notified_at__isnull=True
        )
        .filter(topic__deleted_at__isnull=True, topic__merged_into__isnull=True)
        .values_list("topic_id", flat=True)
    )
    for topic_id in list(due[:500]):
        with transaction.atomic():
            idea = (
                Idea.objects.select_for_update()
                .filter(pk=topic_id, due_notified_at__isnull=True)
                .first()
            )
            if idea is None:
                continue
            topic = Topic.objects.select_related("category__parent").get(pk=topic_id)
            idea.due_notified_at = now
            idea.save(update_fields=["due_notified_at"])
            answered = (
                idea.last_response_at is not None
                and idea.threshold_reached_at is not None
                and idea.last_response_at >= idea.threshold_reached_at
            )
            if answered or topic.idea_status in FINAL_STATUSES:
                continue
            owners = sorted(policy.decision_owner_ids(topic))
            if owners:
                emit(
                    EventKind.IDEA_RESPONSE_DUE,
                    ToUsers(user_ids=owners),
                    topic=topic,
                )
                announced += 1
    return announced


# --- Merging duplicates ---------------------------------------------------------------------


def carry_votes_on_merge(source: Topic, into: Topic) -> int:
    """Move *source*'s votes to *into* inside a merge (moderation.actions.
    topics.merge_topics, which asked the policy): a member who voted for
    both keeps one vote. Returns the number of votes moved."""
    now = timezone.now()
    already = set(
        IdeaVote.objects.filter(topic_id=into.pk).values_list("user_id", flat=True)
    )
    moving = IdeaVote.objects.filter(topic_id=source.pk).exclude(user_id__in=already)
    moved = moving.update(topic_id=into.pk)
    IdeaVote.objects.filter(topic_id=source.pk).delete()
    if moved or Idea.objects.filter(pk__in=[source.pk, into.pk]).exists():
        for topic in (source, into):
            _recount(_locked_idea(topic), now)
    return moved
