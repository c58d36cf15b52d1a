"""Reads for accounts: a member's invitations (issue 23)."""

from __future__ import annotations

from accounts.models import CommunityGroup, Invitation, JoinPolicy, User

INVITATIONS_SHOWN = 50


def invitations_by(user: User) -> list[Invitation]:
    """*user*'s invitations, newest first, with their group (one query)."""
    return list(
        Invitation.objects.filter(created_by=user)
        .select_related("group")
        .order_by("-created_at", "-pk")[:INVITATIONS_SHOWN]
    )


def invitation_or_none(code: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("created_by", "group")
        .filter(code=code)
        .first()
    )


def group_by_slug(slug: str) -> CommunityGroup | None:
    return CommunityGroup.objects.filter(
        slug=slug, join_policy=JoinPolicy.INVITATION
    ).first()
