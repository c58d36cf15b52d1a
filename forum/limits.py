"""Limits for new members (rate of posting, links, images and mentions).

The limits per trust level live in ``settings.FORUM_NEW_MEMBER_LIMITS``,
read on every call: ``{level: {"posts_per_hour": n, "links": n, "images": n,
"mentions": n}}``. A level without an entry, or a key left out, is not
limited. Which limits apply to whom is the policy's answer
(``policy.posting_limits``, ``Perm.SKIP_POSTING_LIMITS``): administrators,
verified brand representatives and anyone who moderates a category are exempt.

Trust levels lift the limits; they never grant moderation powers.

One limit holds at every trust level and for everyone:
``settings.MAX_MENTIONS_PER_POST`` (``check_mention_count``), checked on the
names found in the text before any of them is looked up, so a post of
thousands of mentions costs one parse, not thousands of lookups, links and
notifications.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.roles import TrustLevel
from forum.models import Post, Topic
from permissions import policy
from permissions.policy import Perm

RATE_WINDOW = timedelta(hours=1)
# The stored HTML comes from forum.markup (bleach), so tags are regular:
# lowercase names, double-quoted attribute values.
ANCHOR_TAG = re.compile(r"<a\s[^>]*>")
IMAGE_TAG = re.compile(r"<img\s")
HREF = re.compile(r'\shref="([^"]*)"')
MENTION_CLASS = re.compile(r'\sclass="[^"]*\bmention\b[^"]*"')
# An image from another site is shown as a link until it is copied (images
# app); it counts as an image, not as a link.
REMOTE_IMAGE = re.compile(r'<(?:a|span) class="remote-image"')


def check_posting_limits(author: User, body_html: str, mentioned: list[User]) -> None:
    """Raise ValidationError (code "limits") when *author* may not post this now:
    the posting rate and the content limits."""
    limits = _limits_for(author)
    if not limits:
        return
    per_hour = limits.get("posts_per_hour")
    if per_hour is not None:
        _check_rate(author, per_hour)
    _check_content(author, limits, body_html, mentioned)


def check_content_limits(author: User, body_html: str, mentioned: list[User]) -> None:
    """Raise ValidationError (code "limits") when the text has more links,
    images or mentions than *author*'s trust level allows (also on edits)."""
    limits = _limits_for(author)
    if not limits:
        return
    _check_content(author, limits, body_html, mentioned)


def count_links(body_html: str) -> int:
    """Links a post adds, leaving out mentions and links within the site
    (quote attributions, links to topics), which carry no spam."""
    count = 0
    for tag in ANCHOR_TAG.findall(body_html):
        href = HREF.search(tag)
        if href is None:
            continue
        if MENTION_CLASS.search(tag) or REMOTE_IMAGE.match(tag):
            continue
        if _is_site_relative(href.group(1)):
            continue
        count += 1
    return count


def count_images(body_html: str) -> int:
    return len(IMAGE_TAG.findall(body_html)) + len(REMOTE_IMAGE.findall(body_html))


def _is_site_relative(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//")


def _limits_for(author: User) -> Mapping[str, int] | None:
    """The limits that apply to *author*, or None when nothing limits them."""
    return policy.posting_limits(author)


def _check_rate(author: User, per_hour: int) -> None:
    now = timezone.now()
    recent = list(
        Post.objects.filter(author=author, created_at__gt=now - RATE_WINDOW)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:per_hour]
    )
    if len(recent) < per_hour:
        return
    # A slot frees up when the oldest of the last *per_hour* posts is an
    # hour old. Deleted posts count too: deleting doesn't refund a post.
    wait = recent[-1] + RATE_WINDOW - now
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    rate = ngettext(
        "%(who)s can post %(n)d time an hour.",
        "%(who)s can post %(n)d times an hour.",
        per_hour,
    ) % {"who": _who(author), "n": per_hour}
    again = ngettext(
        "You can post again in %(minutes)d minute — or take part a little "
        "longer to lift the limit.",
        "You can post again in %(minutes)d minutes — or take part a little "
        "longer to lift the limit.",
        minutes,
    ) % {"minutes": minutes}
    raise ValidationError(f"{rate} {again}", code="limits")


def _check_content(
    author: User,
    limits: Mapping[str, int],
    body_html: str,
    mentioned: list[User],
) -> None:
    """Raise one ValidationError naming every content limit the text exceeds."""
    problems: list[str] = []
    who = _who(author)
    links = limits.get("links")
    if links is not None:
        count = count_links(body_html)
        if count > links:
            problems.append(
                ngettext(
                    "%(who)s can include at most %(n)d link in a post "
                    "(this one has %(count)d).",
                    "%(who)s can include at most %(n)d links in a post "
                    "(this one has %(count)d).",
                    links,
                )
                % {"who": who, "n": links, "count": count}
            )
    images = limits.get("images")
    if images is not None:
        count = count_images(body_html)
        if count > images:
            problems.append(
                ngettext(
                    "%(who)s can include at most %(n)d image in a post "
                    "(this one has %(count)d).",
                    "%(who)s can include at most %(n)d images in a post "
                    "(this one has %(count)d).",
                    images,
                )
                % {"who": who, "n": images, "count": count}
            )
    mentions = limits.get("mentions")
    if mentions is not None:
        count = len(mentioned)
        if count > mentions:
            problems.append(
                ngettext(
                    "%(who)s can mention at most %(n)d person in a post "
                    "(this one mentions %(count)d).",
                    "%(who)s can mention at most %(n)d people in a post "
                    "(this one mentions %(count)d).",
                    mentions,
                )
                % {"who": who, "n": mentions, "count": count}
            )
    if not problems:
        return
    problems.append(
        ngettext(
            "The limit lifts as you take part a little longer.",
            "The limits lift as you take part a little longer.",
            len(problems),
        )
    )
    raise ValidationError(" ".join(problems), code="limits")


def _who(author: User) -> str:
    if author.trust_level == TrustLevel.NEW:
        return _("New members")
    if author.trust_level == TrustLevel.BASIC:
        return _("Basic members")
    return _("Members at your trust level")


DEFAULT_MAX_MENTIONS_PER_POST = 20


def max_mentions_per_post() -> int:
    return int(
        getattr(settings, "MAX_MENTIONS_PER_POST", DEFAULT_MAX_MENTIONS_PER_POST)
    )


def check_mention_count(names: Sequence[str]) -> None:
    """Refuse text mentioning more people than MAX_MENTIONS_PER_POST (every
    trust level, every role). *names* are the distinct names mentioned."""
    cap = max_mentions_per_post()
    if len(names) <= cap:
        return
    raise ValidationError(
        ngettext(
            "A post can mention at most %(n)d person (this one mentions %(count)d). "
            "Mention fewer people, or put names that aren't mentions in `backticks`.",
            "A post can mention at most %(n)d people (this one mentions %(count)d). "
            "Mention fewer people, or put names that aren't mentions in `backticks`.",
            cap,
        )
        % {"n": cap, "count": len(names)},
        code="mentions",
    )


DUPLICATE_WINDOW = timedelta(hours=24)


def check_duplicate(author: User, body: str) -> None:
    """Refuse the same text posted twice within a day by a new or basic member
    (the commonest spam pattern: one message pasted across topics)."""
    if author.trust_level >= TrustLevel.MEMBER or policy.can(
        author, Perm.SKIP_POSTING_LIMITS, None
    ):
        return
    normalized = " ".join(body.split())
    since = timezone.now() - DUPLICATE_WINDOW
    recent = Post.objects.filter(
        author=author, created_at__gte=since, deleted_at__isnull=True
    ).values_list("body_source", flat=True)[:50]
    if any(" ".join(text.split()) == normalized for text in recent):
        raise ValidationError(
            _(
                "You already posted exactly this text in the last day. "
                "Write something new, or link to your earlier post."
            ),
            code="limits",
        )


def check_slow_mode(author: User, topic: Topic) -> None:
    """In a topic with slow mode, a member waits between their posts there.
    Moderators of the category are not slowed down."""
    if not topic.slow_mode_seconds or policy.moderates(author, topic.category):
        return
    last = (
        Post.objects.filter(topic=topic, author=author)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None:
        return
    wait = timedelta(seconds=topic.slow_mode_seconds) - (timezone.now() - last)
    if wait > timedelta(0):
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        raise ValidationError(
            ngettext(
                "This topic is in slow mode: you can post here again in %(n)d minute.",
                "This topic is in slow mode: you can post here again in %(n)d minutes.",
                minutes,
            )
            % {"n": minutes},
            code="limits",
        )
