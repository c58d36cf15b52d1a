"""The listening report and give-and-get: read-only, set-based queries.

Everything here is built from what the reader may read anyway: every
queryset starts from permissions.policy.visible_topics / visible_posts for
the reader, and leaves out deleted, hidden, merged and removed content as
every reader sees it. Nothing here changes a row. Definitions: docs/insights.md.
"""

from __future__ import annotations

import contextlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts.models import Brand, User
from accounts.roles import PostRole, Role
from forum.models import (
    BrandRequest,
    CategoryKind,
    Escalation,
    Post,
    Topic,
)
from ideas.models import IdeaDecision, IdeaVote
from permissions import policy
from permissions.policy import Actor

# How far back "recent" reaches (the give-and-get page, the report's lists).
HELP_WINDOW = timedelta(days=90)
RECURRING_WINDOW = timedelta(days=90)
DISCUSSED_WINDOW = timedelta(days=30)
RECENT_SUPPORT_WINDOW = timedelta(days=30)
# The newest question titles compared for recurring questions: bounds the
# work (n² / 2 comparisons) whatever the forum's size.
RECURRING_SAMPLE = 300
# Trigram similarity (PostgreSQL pg_trgm) at or above which two titles are
# the same question asked again.
TRIGRAM_THRESHOLD = 0.45
# Shared significant words at or above which two titles are the same
# question (the fallback where pg_trgm is not available, e.g. SQLite).
SHARED_WORDS = 2
LIST_LENGTH = 10


# --- What every reader sees --------------------------------------------------------------


def readable_topics(actor: Actor) -> QuerySet[Topic]:
    """Topics *actor* may read, as readers see them: not deleted, hidden or merged
    (admins and moderators see those too, but they are not the community's)."""
    return policy.visible_topics(
        actor,
        Topic.objects.filter(
            deleted_at__isnull=True, is_hidden=False, merged_into__isnull=True
        ),
    )


def readable_posts(actor: Actor) -> QuerySet[Post]:
    """Posts shown as themselves (not tombstones) in readable_topics."""
    return policy.visible_posts(
        actor,
        Post.objects.filter(
            deleted_at__isnull=True,
            is_hidden=False,
            pending_review=False,
            removed_at__isnull=True,
            topic__deleted_at__isnull=True,
            topic__is_hidden=False,
            topic__merged_into__isnull=True,
        ),
    )


def help_posts(actor: Actor) -> QuerySet[Post]:
    """Posts that are help (docs/insights.md): a reply in a question topic by a
    community member (the role snapshotted on the post) to someone else's
    question. An accepted answer is such a reply. Counted as distinct
    (helper, question) pairs, however many replies the helper wrote."""
    return (
        readable_posts(actor)
        .filter(
            number__gt=1,
            topic__category__kind=CategoryKind.QUESTIONS,
            author_role=PostRole.MEMBER,
            author__isnull=False,
            topic__author__isnull=False,
        )
        .exclude(author_id=F("topic__author_id"))
    )


# --- Recurring questions -----------------------------------------------------------------

_STOPWORDS = frozenset(
    [
        "about",
        "after",
        "again",
        "also",
        "anyone",
        "because",
        "been",
        "before",
        "being",
        "does",
        "doesn",
        "doing",
        "dont",
        "each",
        "from",
        "have",
        "having",
        "here",
        "into",
        "just",
        "like",
        "make",
        "more",
        "most",
        "much",
        "need",
        "other",
        "over",
        "same",
        "should",
        "since",
        "some",
        "still",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "very",
        "want",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "with",
        "would",
        "your",
        "yours",
        "will",
        "cant",
        "wont",
        "isnt",
        "help",
        "please",
        "question",
        "problem",
        "issue",
        "thanks",
        "anybody",
        "someone",
        "something",
    ]
)
_WORD = re.compile(r"[^\W\d_]{4,}")


def significant_words(title: str) -> frozenset[str]:
    """Lower-cased words of four letters or more, not stopwords, plural s dropped."""
    words = set()
    for word in _WORD.findall(title.lower()):
        if word in _STOPWORDS:
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.add(word)
    return frozenset(words)


def _similar_pairs_by_words(titles: dict[int, str]) -> list[tuple[int, int]]:
    words = {pk: significant_words(title) for pk, title in titles.items()}
    ids = sorted(words)
    return [
        (a, b)
        for i, a in enumerate(ids)
        for b in ids[i + 1 :]
        if len(words[a] & words[b]) >= SHARED_WORDS
    ]


def _similar_pairs_by_trigrams(ids: list[int]) -> list[tuple[int, int]]:
    """One query: pairs of the given topics whose titles are trigram-similar."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, b.id FROM forum_topic a JOIN forum_topic b "
            "ON a.id < b.id AND similarity(a.title, b.title) >= %s "
            "WHERE a.id = ANY(%s) AND b.id = ANY(%s)",
            [TRIGRAM_THRESHOLD, ids, ids],
        )
        return [(a, b) for a, b in cursor.fetchall()]


def uses_trigrams() -> bool:
    return connection.vendor == "postgresql"


@dataclass
class QuestionGroup:
    """Questions asked again and again: similar titles, newest first."""

    topics: list[Topic]

    @property
    def size(self) -> int:
        return len(self.topics)

    @property
    def unsolved(self) -> int:
        return sum(1 for topic in self.topics if not topic.is_solved)


def recurring_questions(actor: Actor, now: datetime) -> list[QuestionGroup]:
    """Groups of two or more similar question titles among the newest
    RECURRING_SAMPLE questions of the last RECURRING_WINDOW; biggest first.
    One query (two on PostgreSQL)."""
    topics = list(
        readable_topics(actor)
        .filter(
            category__kind=CategoryKind.QUESTIONS,
            created_at__gte=now - RECURRING_WINDOW,
        )
        .select_related("category")
        .order_by("-created_at", "-pk")[:RECURRING_SAMPLE]
    )
    by_id = {topic.pk: topic for topic in topics}
    # Shared significant words everywhere; on PostgreSQL also trigram
    # similarity, which catches "Descaling the Brevetto" / "Descale my Brevetto".
    pairs = _similar_pairs_by_words({pk: t.title for pk, t in by_id.items()})
    if uses_trigrams() and by_id:
        pairs += _similar_pairs_by_trigrams(list(by_id))
    return _groups(topics, pairs)[:LIST_LENGTH]


def _groups(topics: list[Topic], pairs: list[tuple[int, int]]) -> list[QuestionGroup]:
    """Star groups, not chains: the title alike to the most others (newest
    first on ties) takes those still ungrouped, then the next; so A~B and
    B~C without A~C never drags unrelated A and C into one group."""
    neighbours: dict[int, set[int]] = defaultdict(set)
    for a, b in pairs:
        neighbours[a].add(b)
        neighbours[b].add(a)
    order = {topic.pk: index for index, topic in enumerate(topics)}  # newest first
    centres = sorted(neighbours, key=lambda pk: (-len(neighbours[pk]), order[pk]))
    by_id = {topic.pk: topic for topic in topics}
    grouped: set[int] = set()
    found: list[QuestionGroup] = []
    for centre in centres:
        if centre in grouped:
            continue
        members = [centre] + [pk for pk in neighbours[centre] if pk not in grouped]
        if len(members) < 2:
            continue
        grouped.update(members)
        found.append(
            QuestionGroup(
                sorted((by_id[pk] for pk in members), key=lambda t: order[t.pk])
            )
        )
    found.sort(key=lambda g: (-g.size, order[g.topics[0].pk]))
    return found


# --- Ideas: by support and by recent support -----------------------------------------------
#
# Support is the community's votes (ideas.IdeaVote): representatives' and
# admins' votes are shown apart on the board and never counted here either.
# These two functions are the only place that reads it; the report and the
# email take SUPPORT_LABEL for the column heading.

SUPPORT_LABEL = "votes"
SUPPORT_NOTE = (
    "Support is the community's votes; votes of representatives and admins "
    "are not counted."
)


def _ideas(actor: Actor) -> QuerySet[Topic]:
    return (
        readable_topics(actor)
        .filter(category__kind=CategoryKind.IDEAS)
        .select_related("category")
    )


def ideas_by_support(actor: Actor) -> list[Topic]:
    return list(
        _ideas(actor)
        .annotate(support=Coalesce(F("idea__community_votes"), 0))
        .filter(support__gt=0)
        .order_by("-support", "-created_at")[:LIST_LENGTH]
    )


def ideas_by_recent_support(actor: Actor, now: datetime) -> list[Topic]:
    recent = (
        IdeaVote.objects.filter(
            topic_id=OuterRef("pk"),
            is_staff_vote=False,
            created_at__gte=now - RECENT_SUPPORT_WINDOW,
        )
        .order_by()
        .values("topic_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return list(
        _ideas(actor)
        .annotate(
            support=Coalesce(F("idea__community_votes"), 0),
            recent_support=Coalesce(Subquery(recent, output_field=IntegerField()), 0),
        )
        .filter(recent_support__gt=0)
        .order_by("-recent_support", "-support", "-created_at")[:LIST_LENGTH]
    )


# --- Questions waiting, conversations without the brand, helpers to thank -----------------


def oldest_unsolved(actor: Actor) -> list[Topic]:
    """Open questions with no accepted answer, oldest first."""
    return list(
        readable_topics(actor)
        .filter(
            category__kind=CategoryKind.QUESTIONS,
            is_solved=False,
            is_closed=False,
            is_locked=False,
        )
        .select_related("category")
        .order_by("created_at", "pk")[:LIST_LENGTH]
    )


def discussed_without_brand(actor: Actor, brand: Brand, now: datetime) -> list[Topic]:
    """The most-replied topics active in the last DISCUSSED_WINDOW in which
    nobody speaking for *brand* has posted (a deleted or hidden brand post
    does not count as taking part)."""
    brand_posts = Post.objects.filter(
        topic_id=OuterRef("pk"),
        author_brand=brand,
        deleted_at__isnull=True,
        is_hidden=False,
        removed_at__isnull=True,
    )
    return list(
        readable_topics(actor)
        .filter(last_posted_at__gte=now - DISCUSSED_WINDOW, reply_count__gt=0)
        .exclude(category__kind=CategoryKind.ANNOUNCEMENTS)
        .filter(~Exists(brand_posts))
        .select_related("category")
        .order_by("-reply_count", "-last_posted_at")[:LIST_LENGTH]
    )


@dataclass(frozen=True)
class Helper:
    user_id: int
    username: str
    name: str
    helped: int  # distinct questions of others helped

    @property
    def url(self) -> str:
        return reverse("accounts:profile", args=[self.username])


def month_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def top_helpers(
    actor: Actor, since: datetime, limit: int = LIST_LENGTH
) -> list[Helper]:
    """Community members who helped on the most distinct questions since *since*."""
    rows = (
        help_posts(actor)
        .filter(created_at__gte=since, author__is_active=True)
        .values("author_id", "author__username", "author__display_name")
        .annotate(helped=Count("topic_id", distinct=True))
        .order_by("-helped", "author__username")[:limit]
    )
    return [
        Helper(
            user_id=row["author_id"],
            username=row["author__username"],
            name=row["author__display_name"] or row["author__username"],
            helped=row["helped"],
        )
        for row in rows
    ]


# --- The report --------------------------------------------------------------------------


@dataclass
class ListeningReport:
    brand: Brand
    generated_at: datetime
    recurring: list[QuestionGroup]
    unsolved: list[Topic]
    ideas_by_support: list[Topic]
    ideas_by_recent_support: list[Topic]
    discussed_without_brand: list[Topic]
    helpers: list[Helper]
    month: datetime
    trigrams: bool
    support_label: str = SUPPORT_LABEL
    support_note: str = SUPPORT_NOTE
    windows: dict[str, int] = field(
        default_factory=lambda: {
            "recurring_days": RECURRING_WINDOW.days,
            "discussed_days": DISCUSSED_WINDOW.days,
            "recent_support_days": RECENT_SUPPORT_WINDOW.days,
        }
    )

    @property
    def is_empty(self) -> bool:
        return not (
            self.recurring
            or self.unsolved
            or self.ideas_by_support
            or self.discussed_without_brand
            or self.helpers
        )


def listening_report(
    actor: Actor, brand: Brand, now: datetime | None = None
) -> ListeningReport:
    """What *brand* learns by listening, as *actor* may read it. A constant
    number of queries (one per list, one more for trigram pairs)."""
    now = now or timezone.now()
    month = month_start(now)
    return ListeningReport(
        brand=brand,
        generated_at=now,
        recurring=recurring_questions(actor, now),
        unsolved=oldest_unsolved(actor),
        ideas_by_support=ideas_by_support(actor),
        ideas_by_recent_support=ideas_by_recent_support(actor, now),
        discussed_without_brand=discussed_without_brand(actor, brand, now),
        helpers=top_helpers(actor, month),
        month=month,
        trigrams=uses_trigrams(),
    )


def brands_with_representatives() -> QuerySet[Brand]:
    """Brands with at least one active representative (the weekly email's)."""
    return (
        Brand.objects.filter(
            representatives__role=Role.BRAND_REP, representatives__is_active=True
        )
        .distinct()
        .order_by("name")
    )


def report_reader(brand: Brand) -> User | None:
    """Some active representative of *brand* (for tests and the admin's choice)."""
    return (
        User.objects.filter(role=Role.BRAND_REP, brand=brand, is_active=True)
        .order_by("pk")
        .first()
    )


# --- Give and get: one member --------------------------------------------------------------


@dataclass(frozen=True)
class GiveGet:
    helped_recent: int
    helped_overall: int
    was_helped_recent: int
    was_helped_overall: int
    unanswered: list[Topic]
    window_days: int = HELP_WINDOW.days


def give_get(member: User, now: datetime | None = None) -> GiveGet:
    """*member*'s give and get, counted on what *member* may read. Four queries."""
    now = now or timezone.now()
    since = now - HELP_WINDOW
    helps = help_posts(member)
    given = helps.filter(author=member).aggregate(
        overall=Count("topic_id", distinct=True),
        recent=Count("topic_id", distinct=True, filter=Q(created_at__gte=since)),
    )
    received = helps.filter(topic__author=member)
    pairs = received.values("topic_id", "author_id").distinct()
    recent_pairs = (
        received.filter(created_at__gte=since)
        .values("topic_id", "author_id")
        .distinct()
    )
    helped_categories = received.values("topic__category_id")
    unanswered = list(
        readable_topics(member)
        .filter(
            category__kind=CategoryKind.QUESTIONS,
            category_id__in=helped_categories,
            reply_count=0,
            is_solved=False,
            is_closed=False,
            is_locked=False,
        )
        .exclude(author=member)
        .select_related("category")
        .order_by("-created_at", "-pk")[:LIST_LENGTH]
    )
    return GiveGet(
        helped_recent=given["recent"],
        helped_overall=given["overall"],
        was_helped_recent=recent_pairs.count(),
        was_helped_overall=pairs.count(),
        unanswered=unanswered,
    )


# --- Give and get: the community ------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    recent: int | None  # None: no date to count the window by
    overall: int
    note: str = ""


@dataclass(frozen=True)
class CommunityGiveGet:
    brand_gave: list[Figure]
    community_gave: list[Figure]
    window_days: int = HELP_WINDOW.days


def _both(name: str, condition: Q, since: datetime, date: str) -> dict[str, Count]:
    return {
        f"{name}_overall": Count("pk", filter=condition),
        f"{name}_recent": Count("pk", filter=condition & Q(**{f"{date}__gte": since})),
    }


COMMUNITY_CACHE_KEY = "insights:community-give-get:v1"
COMMUNITY_CACHE_SECONDS = 300


def cached_community_give_get() -> CommunityGiveGet:
    """community_give_get, kept COMMUNITY_CACHE_SECONDS: it aggregates every
    public post (about a second at 200,000 posts), and 90-day and all-time
    totals may be five minutes old. A cache outage computes it afresh."""
    try:
        figures = cache.get(COMMUNITY_CACHE_KEY)
    except Exception:  # the cache is down; the page still answers
        figures = None
    if isinstance(figures, CommunityGiveGet):
        return figures
    figures = community_give_get()
    # A cache outage only costs the next request the same work.
    with contextlib.suppress(Exception):
        cache.set(COMMUNITY_CACHE_KEY, figures, COMMUNITY_CACHE_SECONDS)
    return figures


def community_give_get(now: datetime | None = None) -> CommunityGiveGet:
    """What the brand and the community gave, counted only in what an
    anonymous visitor may read (restricted categories stay out). Six queries."""
    now = now or timezone.now()
    since = now - HELP_WINDOW
    public = AnonymousUser()
    member = Q(author_role=PostRole.MEMBER)
    reply = Q(number__gt=1)
    posts = readable_posts(public).aggregate(
        **_both("official", Q(is_official_answer=True), since, "created_at"),
        **_both(
            "brand_replies",
            reply & Q(author_role=PostRole.BRAND_REP),
            since,
            "created_at",
        ),
        **_both(
            "peer_answers",
            member
            & Q(topic__accepted_post_id=F("pk"))
            & ~Q(author_id=F("topic__author_id")),
            since,
            "created_at",
        ),
        **_both(
            "ideas",
            member & Q(number=1, topic__category__kind=CategoryKind.IDEAS),
            since,
            "created_at",
        ),
        **_both(
            "feedback",
            member
            & reply
            & Q(
                topic__category__kind__in=(
                    CategoryKind.IDEAS,
                    CategoryKind.ANNOUNCEMENTS,
                )
            ),
            since,
            "created_at",
        ),
    )
    topics = readable_topics(public)
    requests = BrandRequest.objects.filter(
        topic__in=topics, answered_at__isnull=False
    ).aggregate(
        overall=Count("pk"), recent=Count("pk", filter=Q(answered_at__gte=since))
    )
    escalations = Escalation.objects.filter(topic__in=topics).aggregate(
        overall=Count("pk"), recent=Count("pk", filter=Q(created_at__gte=since))
    )
    decisions = IdeaDecision.objects.filter(
        topic__in=topics.filter(category__kind=CategoryKind.IDEAS)
    ).aggregate(
        overall=Count("pk"), recent=Count("pk", filter=Q(created_at__gte=since))
    )
    decided_overall, decided_recent = decisions["overall"], decisions["recent"]
    helps = help_posts(public)
    help_overall = helps.values("topic_id", "author_id").distinct().count()
    help_recent = (
        helps.filter(created_at__gte=since)
        .values("topic_id", "author_id")
        .distinct()
        .count()
    )
    return CommunityGiveGet(
        brand_gave=[
            Figure(
                "official_answers",
                "Official answers",
                posts["official_recent"],
                posts["official_overall"],
            ),
            Figure(
                "brand_replies",
                "Replies by brand representatives",
                posts["brand_replies_recent"],
                posts["brand_replies_overall"],
            ),
            Figure(
                "brand_requests_answered",
                "Ask-the-brand requests answered",
                requests["recent"],
                requests["overall"],
            ),
            Figure(
                "escalations",
                "Topics escalated to the brand's support",
                escalations["recent"],
                escalations["overall"],
                "Escalations have no recorded outcome yet, so this counts those opened.",
            ),
            Figure(
                "idea_decisions",
                "Decisions on ideas, each with a public rationale",
                decided_recent,
                decided_overall,
            ),
        ],
        community_gave=[
            Figure(
                "help",
                "Help given: a member replying to someone else's question",
                help_recent,
                help_overall,
            ),
            Figure(
                "peer_answers",
                "Accepted answers written by members",
                posts["peer_answers_recent"],
                posts["peer_answers_overall"],
            ),
            Figure(
                "ideas", "Ideas proposed", posts["ideas_recent"], posts["ideas_overall"]
            ),
            Figure(
                "feedback",
                "Feedback: member replies on ideas and announcements",
                posts["feedback_recent"],
                posts["feedback_overall"],
            ),
        ],
    )
