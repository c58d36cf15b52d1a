"""Reads for the groups pages, each in a constant number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from django.db.models.functions import Lower

from accounts.models import CommunityGroup, GroupMembership, User
from forum.models import CategoryKind, Post
from groups.models import ApplicationStatus, GroupApplication, GroupRecommendation
from moderation.models import AuditEntry
from permissions import policy
from permissions.policy import Actor

RECENT_ANSWERS = 10
MEMBERS_SHOWN = 60
AUDIT_SHOWN = 30


def mentionable_groups(names: Iterable[str]) -> dict[str, CommunityGroup]:
    """{lowercased slug: group} for the mentionable groups among *names*."""
    lowered = {name.lower() for name in names}
    if not lowered:
        return {}
    groups = CommunityGroup.objects.annotate(lower_slug=Lower("slug")).filter(
        lower_slug__in=lowered, mentionable=True
    )
    return {group.slug.lower(): group for group in groups}


def group_list(actor: Actor) -> list[CommunityGroup]:
    """The groups *actor* may see, with member counts and, for each, whether
    the actor belongs (one query)."""
    groups = policy.visible_groups(actor, CommunityGroup.objects.all()).annotate(
        member_count=Count("groupmembership", distinct=True)
    )
    return list(groups.order_by("name"))


def group_by_slug(slug: str) -> CommunityGroup | None:
    return CommunityGroup.objects.filter(slug=slug).first()


@dataclass
class GroupPage:
    group: CommunityGroup
    members: list[User]
    member_count: int
    recent_answers: list[Post]
    pending_application: GroupApplication | None
    pending_for_reps: list[GroupApplication]


def group_page(actor: Actor, group: CommunityGroup, *, show_members: bool) -> GroupPage:
    """The public page of a group: its members (when shown) and recent
    answers by members in question categories the viewer can read."""
    members: list[User] = []
    member_count = GroupMembership.objects.filter(group=group).count()
    answers: list[Post] = []
    if show_members:
        members = list(
            User.objects.filter(group_memberships__group=group).order_by(
                Lower("username")
            )[:MEMBERS_SHOWN]
        )
        member_ids = GroupMembership.objects.filter(group=group).values("user_id")
        answers = list(
            policy.visible_posts(
                actor,
                Post.objects.filter(
                    author_id__in=member_ids,
                    number__gt=1,
                    deleted_at__isnull=True,
                    is_hidden=False,
                    removed_at__isnull=True,
                    topic__category__kind=CategoryKind.QUESTIONS,
                    topic__deleted_at__isnull=True,
                ),
            )
            .select_related("topic")
            .order_by("-created_at", "-pk")[:RECENT_ANSWERS]
        )
    pending = None
    pending_for_reps: list[GroupApplication] = []
    if actor.is_authenticated:
        pending = GroupApplication.objects.filter(
            group=group, applicant_id=actor.pk, status=ApplicationStatus.PENDING
        ).first()
        if policy.can(actor, policy.Perm.RECOMMEND_APPLICANT, group):
            pending_for_reps = list(
                GroupApplication.objects.filter(
                    group=group, status=ApplicationStatus.PENDING
                )
                .select_related("applicant")
                .order_by("created_at", "pk")
            )
    return GroupPage(
        group=group,
        members=members,
        member_count=member_count,
        recent_answers=answers,
        pending_application=pending,
        pending_for_reps=pending_for_reps,
    )


@dataclass
class ManagePage:
    applications: list[GroupApplication]
    memberships: list[GroupMembership]
    audit: list[AuditEntry]


def manage_page(group: CommunityGroup) -> ManagePage:
    """Waiting applications with their recommendations, members, decisions."""
    recommendations = GroupRecommendation.objects.order_by("created_at", "pk")
    applications = list(
        GroupApplication.objects.filter(group=group, status=ApplicationStatus.PENDING)
        .select_related("applicant")
        .prefetch_related(Prefetch("recommendations", queryset=recommendations))
        .order_by("created_at", "pk")
    )
    memberships = list(
        GroupMembership.objects.filter(group=group)
        .select_related("user")
        .order_by(Lower("user__username"))
    )
    application_ids = GroupApplication.objects.filter(group=group).values("pk")
    audit = list(
        AuditEntry.objects.filter(verb__startswith="group.")
        .filter(
            Q(target_type__model="communitygroup", target_id=group.pk)
            | Q(target_type__model="groupapplication", target_id__in=application_ids)
        )
        .order_by("-created_at", "-pk")[:AUDIT_SHOWN]
    )
    return ManagePage(applications=applications, memberships=memberships, audit=audit)
