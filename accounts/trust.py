"""Trust levels earned from real activity.

A member climbs from New (0) to Basic (1), Member (2) and Regular (3) by
reading, visiting, writing, liking and helping; the requirements live in
``settings.FORUM_TRUST_LEVELS`` (read on every call, never at import).
Leader (4) is chosen by an administrator and never computed.

Recomputation (``recompute_trust_levels``, run daily by a Celery task):

* raises a level as soon as its requirements are met;
* takes Regular away again (back to Member) once its requirements are no
  longer met, as Discourse does; Basic and Member are never taken away;
* skips members whose level an administrator set by hand
  (``trust_level_locked``), inactive accounts and Leaders.

A silence or suspension that started recently blocks every promotion above
Basic and so also costs a Regular the level. Warnings don't count.

Trust levels lift new-member limits and weigh flags; they never grant
moderation powers. Nothing here touches roles or moderator assignments.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone

from accounts.models import User, UserVisit
from accounts.roles import TrustLevel
from forum.models import Like, Post, ReadState, Topic
from moderation.models import Sanction, SanctionKind

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# Window of "days_visited_in_last_100"; the stat's name states it.
RECENT_DAYS = 100
# Sanctions that block promotion; a warning is only a word.
BLOCKING_SANCTIONS = (SanctionKind.SILENCE, SanctionKind.SUSPENSION)
# Levels recomputation may give. Leader comes only from an administrator.
COMPUTED_LEVELS = (TrustLevel.BASIC, TrustLevel.MEMBER, TrustLevel.REGULAR)
# Requirement keys that are not a minimum of one stat.
SANCTION_FREE_DAYS = "sanction_free_days"
LIKES_WITHOUT_ANSWER = "likes_received_without_accepted_answer"


@dataclass(frozen=True)
class Stats:
    """Everything a member did that counts toward a trust level."""

    days_visited: int = 0
    days_visited_in_last_100: int = 0
    topics_entered: int = 0
    posts_read: int = 0
    posts: int = 0
    # Distinct active members who liked the member's visible posts.
    likes_received: int = 0
    likes_given: int = 0
    # Answers accepted on other people's questions.
    accepted_answers: int = 0
    # Start of the latest silence or suspension that was not revoked.
    last_sanction_at: datetime | None = None


def requirements() -> Mapping[int, Mapping[str, int]]:
    """The configured requirements per level (settings.FORUM_TRUST_LEVELS)."""
    return settings.FORUM_TRUST_LEVELS


def activity_stats(user_ids: Iterable[int]) -> dict[int, Stats]:
    """Return the Stats of every user in *user_ids*, keyed by id.

    Runs seven aggregate queries whatever the number of users; callers pass
    ids in batches (see BATCH_SIZE) to keep each IN list short.
    """
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    now = timezone.now()
    recent_day = timezone.localdate(now) - timedelta(days=RECENT_DAYS - 1)
    values: dict[int, dict[str, Any]] = {pk: {} for pk in ids}

    visits = (
        UserVisit.objects.filter(user_id__in=ids)
        .values("user_id")
        .annotate(
            total=Count("id"),
            recent=Count("id", filter=Q(day__gte=recent_day)),
        )
        .order_by()
    )
    for row in visits:
        values[row["user_id"]]["days_visited"] = row["total"]
        values[row["user_id"]]["days_visited_in_last_100"] = row["recent"]

    reading = (
        ReadState.objects.filter(user_id__in=ids)
        .values("user_id")
        .annotate(topics=Count("id"), posts=Sum("last_read_number"))
        .order_by()
    )
    for row in reading:
        values[row["user_id"]]["topics_entered"] = row["topics"]
        values[row["user_id"]]["posts_read"] = row["posts"] or 0

    posts = (
        Post.objects.filter(
            author_id__in=ids,
            deleted_at__isnull=True,
            is_hidden=False,
        )
        .values("author_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in posts:
        values[row["author_id"]]["posts"] = row["n"]

    likes_received = (
        Like.objects.filter(
            post__author_id__in=ids,
            post__deleted_at__isnull=True,
            post__is_hidden=False,
            user__is_active=True,
        )
        .exclude(user_id=F("post__author_id"))
        .values("post__author_id")
        .annotate(n=Count("user_id", distinct=True))
        .order_by()
    )
    for row in likes_received:
        values[row["post__author_id"]]["likes_received"] = row["n"]

    likes_given = (
        Like.objects.filter(user_id__in=ids)
        .values("user_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in likes_given:
        values[row["user_id"]]["likes_given"] = row["n"]

    accepted = (
        Topic.objects.filter(
            accepted_post__author_id__in=ids,
            accepted_post__deleted_at__isnull=True,
            deleted_at__isnull=True,
        )
        .exclude(author_id=F("accepted_post__author_id"))
        .values("accepted_post__author_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in accepted:
        values[row["accepted_post__author_id"]]["accepted_answers"] = row["n"]

    sanctions = (
        Sanction.objects.filter(
            user_id__in=ids,
            kind__in=BLOCKING_SANCTIONS,
            revoked_at__isnull=True,
            starts_at__lte=now,
        )
        .values("user_id")
        .annotate(last=Max("starts_at"))
        .order_by()
    )
    for row in sanctions:
        values[row["user_id"]]["last_sanction_at"] = row["last"]

    return {pk: Stats(**fields) for pk, fields in values.items()}


def meets(level: int, stats: Stats, *, now: datetime | None = None) -> bool:
    """True when *stats* meet the requirements of *level* alone (not the
    levels below it; earned_level() climbs them in order)."""
    required = requirements().get(int(level))
    if required is None:
        return False
    for key, minimum in required.items():
        if key == LIKES_WITHOUT_ANSWER:
            continue  # the alternative to accepted_answers, checked there
        if key == SANCTION_FREE_DAYS:
            if _sanctioned_within(stats, days=minimum, now=now):
                return False
            continue
        if key == "accepted_answers":
            if not _helped_enough(stats, required):
                return False
            continue
        if _stat(stats, key) < minimum:
            return False
    return True


def earned_level(stats: Stats, *, now: datetime | None = None) -> TrustLevel:
    """The highest level *stats* earn: each level needs the ones below it.

    Never Leader, which only an administrator gives.
    """
    earned = TrustLevel.NEW
    for level in COMPUTED_LEVELS:
        if not meets(level, stats, now=now):
            break
        earned = level
    return earned


def next_level(current: int, stats: Stats, *, now: datetime | None = None) -> int:
    """The level a member at *current* should have after recomputation.

    Levels only go up, except Regular, which falls back to Member when its
    requirements are no longer met (a recent sanction included). Leader is
    left as it is.
    """
    if current >= TrustLevel.LEADER:
        return current
    floor = min(current, TrustLevel.MEMBER)
    return max(floor, earned_level(stats, now=now))


def recompute_trust_levels(user_ids: Iterable[int] | None = None) -> int:
    """Bring trust levels in line with activity; return how many changed.

    *user_ids* limits the work to those users (None means everyone). Users
    whose level was set by hand, inactive users and Leaders are skipped.
    Works in id ranges of BATCH_SIZE: per batch, one query for the ids, the
    seven of activity_stats() and one UPDATE per (old, new) level pair.
    Idempotent: a second run right after the first changes nothing.
    """
    candidates = User.objects.filter(
        is_active=True,
        trust_level_locked=False,
        trust_level__lt=TrustLevel.LEADER,
    )
    if user_ids is not None:
        candidates = candidates.filter(pk__in=list(user_ids))
    changed = 0
    last_pk = 0
    while True:
        batch = list(
            candidates.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "trust_level")[:BATCH_SIZE]
        )
        if not batch:
            break
        last_pk = batch[-1][0]
        changed += _recompute_batch(dict(batch))
        if len(batch) < BATCH_SIZE:
            break
    if changed:
        logger.info("Trust levels recomputed: %d changed.", changed)
    return changed


def _recompute_batch(levels: dict[int, int]) -> int:
    now = timezone.now()
    stats = activity_stats(levels)
    moves: dict[tuple[int, int], list[int]] = {}
    for pk, current in levels.items():
        new = next_level(current, stats.get(pk, Stats()), now=now)
        if new != current:
            moves.setdefault((current, new), []).append(pk)
    changed = 0
    for (current, new), pks in sorted(moves.items()):
        # The filter re-checks what was read: a level an administrator set
        # in the meantime wins over this run.
        changed += User.objects.filter(
            pk__in=pks,
            trust_level=current,
            trust_level_locked=False,
            is_active=True,
        ).update(trust_level=new)
    return changed


def _stat(stats: Stats, key: str) -> int:
    try:
        value = getattr(stats, key)
    except AttributeError:
        raise ImproperlyConfigured(
            f"FORUM_TRUST_LEVELS names an unknown requirement {key!r}."
        ) from None
    if not isinstance(value, int):
        raise ImproperlyConfigured(
            f"FORUM_TRUST_LEVELS requirement {key!r} is not a count."
        )
    return value


def _helped_enough(stats: Stats, required: Mapping[str, int]) -> bool:
    """Accepted answers, or failing that, more likes from distinct members."""
    if stats.accepted_answers >= required["accepted_answers"]:
        return True
    alternative = required.get(LIKES_WITHOUT_ANSWER)
    if alternative is None:
        return False
    return stats.likes_received >= alternative


def _sanctioned_within(stats: Stats, *, days: int, now: datetime | None) -> bool:
    if stats.last_sanction_at is None:
        return False
    now = now or timezone.now()
    return stats.last_sanction_at > now - timedelta(days=days)
