"""Read side of recognition: profiles, the member directory and the public
record of confirmations. Every function costs a fixed number of queries and
shows only what the viewer may read (the policy's queryset forms)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import CommunityGroup, User
from accounts.roles import Role
from forum.models import Category, Post, Topic
from permissions import policy
from permissions.policy import Actor
from recognition.actions import help_facts
from recognition.models import Award, AwardKind, ConfirmationEntry

RECENT_TOPICS = 5
RECENT_ACCEPTED = 5
RECENT_AWARDS = 10
POSTS_PER_PAGE = 20
MEMBERS_PER_PAGE = 30

PERIODS: dict[str, tuple[str, timedelta | None]] = {
    "30d": (str(_("Last 30 days")), timedelta(days=30)),
    "year": (str(_("Last year")), timedelta(days=365)),
    "all": (str(_("All time")), None),
}
DEFAULT_PERIOD = "30d"


def _shown_posts(viewer: Actor, user: User) -> QuerySet[Post]:
    """*user*'s posts the viewer may read, shown with their text."""
    return policy.visible_posts(
        viewer,
        Post.objects.filter(
            author=user,
            deleted_at__isnull=True,
            is_hidden=False,
            removed_at__isnull=True,
        ),
    )


def _visible_awards(viewer: Actor, user: User) -> QuerySet[Award]:
    """*user*'s awards, those for a post only when the viewer may read it."""
    posts = _shown_posts(viewer, user).values("pk")
    return Award.objects.filter(user=user).filter(
        Q(post__isnull=True) | Q(post_id__in=posts)
    )


def _profile_groups(viewer: Actor, user: User) -> QuerySet[CommunityGroup]:
    """*user*'s groups whose membership the viewer may see (the rule of a
    group page's member list); the owner sees all of their own."""
    groups = user.community_groups.all()
    if viewer.is_authenticated and viewer.pk == user.pk:
        return groups
    return policy.groups_with_visible_members(viewer, groups)


@dataclass
class Profile:
    recent_topics: list[Topic]
    posts: QuerySet[Post]
    accepted: list[Post]
    accepted_count: int
    awards: list[Award]
    award_counts: list[tuple[str, int]]
    helped: int
    groups: list[CommunityGroup]


def profile(viewer: Actor, user: User) -> Profile:
    """What *user* did, as *viewer* may see it. *posts* is a queryset for the
    view to paginate (two queries); the rest is read here in seven."""
    shown = _shown_posts(viewer, user)
    recent_topics = list(
        policy.visible_topics(
            viewer, Topic.objects.filter(author=user, deleted_at__isnull=True)
        )
        .select_related("category")
        .order_by("-created_at", "-pk")[:RECENT_TOPICS]
    )
    posts = (
        shown.select_related("topic", "topic__category")
        .defer("body_html", "body_source", "search_vector")
        .order_by("-created_at", "-pk")
    )
    # Answers accepted by the asker (someone else), as the award counts them.
    accepted_qs = shown.filter(
        topic__accepted_post_id=F("pk"), number__gt=1, topic__author__isnull=False
    ).exclude(topic__author_id=F("author_id"))
    # The few shown are picked by key first (indexes only), then read whole.
    newest_accepted = accepted_qs.order_by("-created_at", "-pk").values("pk")
    accepted = list(
        accepted_qs.filter(pk__in=newest_accepted[:RECENT_ACCEPTED])
        .select_related("topic", "topic__category")
        .defer("body_html", "body_source", "search_vector")
        .order_by("-created_at", "-pk")[:RECENT_ACCEPTED]
    )
    accepted_count = accepted_qs.count()
    awards_qs = _visible_awards(viewer, user)
    awards = list(
        awards_qs.select_related("post", "post__topic", "category")
        .defer("post__body_html", "post__body_source", "post__search_vector")
        .order_by("-earned_at", "-pk")[:RECENT_AWARDS]
    )
    labels = dict(AwardKind.choices)
    award_counts = [
        (str(labels[row["kind"]]), row["n"])
        for row in awards_qs.values("kind").annotate(n=Count("pk")).order_by("kind")
    ]
    helped = (
        help_facts([user.pk])
        .filter(pk__in=shown.values("pk"))
        .values("topic__author_id")
        .distinct()
        .count()
    )
    groups = list(_profile_groups(viewer, user).order_by("name"))
    return Profile(
        recent_topics=recent_topics,
        posts=posts,
        accepted=accepted,
        accepted_count=accepted_count,
        awards=awards,
        award_counts=award_counts,
        helped=helped,
        groups=groups,
    )


def period_start(period: str, now: datetime | None = None) -> datetime | None:
    delta = PERIODS.get(period, PERIODS[DEFAULT_PERIOD])[1]
    if delta is None:
        return None
    return (now or timezone.now()) - delta


def directory(
    viewer: Actor, *, period: str, group: CommunityGroup | None = None
) -> QuerySet[User]:
    """Community members (brand representatives are on /roster/) ordered by
    peer-validated help in the period: the awards they earned then, counting
    only awards the viewer could see the evidence of (a category they read)."""
    readable = policy.visible_categories(viewer, Category.objects.all()).values("pk")
    counted = Q(awards__category__isnull=True) | Q(awards__category_id__in=readable)
    since = period_start(period)
    if since is not None:
        counted &= Q(awards__earned_at__gte=since)
    members = User.objects.filter(is_active=True).exclude(role=Role.BRAND_REP)
    if group is not None:
        members = members.filter(group_memberships__group=group)
    return members.annotate(help=Count("awards", filter=counted)).order_by(
        "-help", "username"
    )


def directory_groups(viewer: Actor) -> list[CommunityGroup]:
    """The groups the directory may be filtered by: those whose membership
    the viewer may see (a beta's membership is not published)."""
    return list(
        policy.groups_with_visible_members(
            viewer, CommunityGroup.objects.all()
        ).order_by("name")
    )


def confirmation_record(viewer: Actor) -> QuerySet[ConfirmationEntry]:
    """The public record of confirmations and withdrawals, newest first, in
    topics the viewer may read."""
    visible = policy.visible_posts(viewer, Post.objects.all()).values("pk")
    return (
        ConfirmationEntry.objects.filter(post_id__in=visible)
        .select_related("brand", "post", "post__topic")
        .defer("post__body_html", "post__body_source", "post__search_vector")
        .order_by("-created_at", "-pk")
    )
