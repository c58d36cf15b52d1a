"""Suggestions for the composer's @ autocomplete (a read; no rows change).

Offered: members whose profile anyone may open (active accounts; the author
left out), matched on the start of their username or name, and the groups the
author may mention (``Perm.MENTION_GROUP``: visible to them, mentionable, and
the group's own rule). Nobody appears here who could not be found on a
profile page, the member directory or the groups page already. Lookups are
rate-limited per member (``settings.MENTION_LOOKUPS_PER_MINUTE``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Q

from accounts.models import CommunityGroup, User
from config import ratelimit
from permissions import policy
from permissions.policy import Perm

SHOWN = 8
# What may follow "@" (forum.markup's mention syntax, without the dots).
_PREFIX_RE = re.compile(r"[A-Za-z0-9_.+-]{1,40}")


@dataclass(frozen=True)
class Suggestion:
    insert: str  # what goes after "@"
    label: str
    detail: str
    kind: str  # "member" or "group"


def may_look_up(user: User, now: datetime | None = None) -> bool:
    """Count one lookup against the member's per-minute allowance."""
    return ratelimit.hit(
        f"mention-lookups:{user.pk}", settings.MENTION_LOOKUPS_PER_MINUTE, now=now
    ).allowed


def suggestions(author: User, prefix: str) -> list[Suggestion]:
    """Members and groups *author* may mention whose name starts with *prefix*."""
    if not _PREFIX_RE.fullmatch(prefix):
        return []
    groups = policy.visible_groups(
        author,
        CommunityGroup.objects.filter(
            Q(slug__istartswith=prefix) | Q(name__istartswith=prefix),
            mentionable=True,
        ),
    ).order_by("slug")[:SHOWN]
    offered_groups = [
        Suggestion(group.slug, group.name, f"@{group.slug} · group", "group")
        for group in groups
        if policy.can(author, Perm.MENTION_GROUP, group)
    ]
    members = (
        User.objects.filter(is_active=True)
        .filter(Q(username__istartswith=prefix) | Q(display_name__istartswith=prefix))
        .exclude(pk=author.pk)
        .order_by("username")
        .only("username", "display_name")[: SHOWN - min(len(offered_groups), 3)]
    )
    offered = [
        Suggestion(user.username, user.name, f"@{user.username}", "member")
        for user in members
    ]
    return (offered + offered_groups)[:SHOWN]
