from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.roles import PostRole

if TYPE_CHECKING:
    from django.forms import Form

    from moderation.models import ModerationAction


class CategoryKind(models.TextChoices):
    DISCUSSION = "discussion", _("Discussion")
    QUESTIONS = "questions", _("Questions & answers")
    IDEAS = "ideas", _("Ideas")
    ANNOUNCEMENTS = "announcements", _("Announcements")


class Category(models.Model):
    """A place for topics. One level of subcategories (`parent`)."""

    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    colour = models.CharField(max_length=7, default="#3b6ea5")
    kind = models.CharField(
        max_length=16, choices=CategoryKind.choices, default=CategoryKind.DISCUSSION
    )
    position = models.PositiveIntegerField(default=0)
    # Segmentation: when set, only members of the group (and the category's
    # moderators and admins) can see the category at all.
    restricted_to = models.ForeignKey(
        "accounts.CommunityGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="categories",
    )
    min_trust_level = models.PositiveSmallIntegerField(default=0)
    # Polls (polls app): members may add a poll to the topics they start here.
    allow_polls = models.BooleanField(
        default=False,
        help_text=_(
            "Members may add a poll to a new topic. Moderators may anywhere; "
            "brand representatives ask concept polls in ideas categories."
        ),
    )

    # Peer-first routing (questions categories): hours a question waits for a
    # community answer before the brand's representatives are asked; empty:
    # the site default (settings.PEER_FIRST_HOURS); 0: never routed.
    peer_first_hours = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "Hours a question waits for a community answer before the brand's "
            "representatives are asked. Empty: the site default; 0: never."
        ),
    )

    # Denormalized for the home page; maintained by forum.actions.
    topic_count = models.PositiveIntegerField(default=0)
    post_count = models.PositiveIntegerField(default=0)
    last_topic = models.ForeignKey(
        "Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_posted_at = models.DateTimeField(null=True, blank=True)

    # Set on the instances that forum.queries and the views hand to templates; not columns.
    visible_children: list[Category]
    total_topics: int
    total_posts: int
    latest_topic: Topic | None
    latest_at: datetime | None

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("forum:category", args=[self.slug])

    @property
    def is_questions(self) -> bool:
        return self.kind == CategoryKind.QUESTIONS


def peer_reply_q() -> models.Q:
    """Live replies from the community: not a brand representative's (they
    are a resource, not a peer) and not deleted, hidden or removed. A filter
    on posts; callers leave out the asker's own replies. Peer-first routing
    and the awards both count help with it."""
    return models.Q(
        number__gt=1,
        deleted_at__isnull=True,
        is_hidden=False,
        removed_at__isnull=True,
        author_brand__isnull=True,
        author__isnull=False,
    ) & ~models.Q(author_role=PostRole.BRAND_REP)


class BrandStatus(models.TextChoices):
    NONE = "", _("None")
    REQUESTED = "requested", _("Brand response requested")
    ANSWERED = "answered", _("Brand responded")


class IdeaStatus(models.TextChoices):
    """An idea's status; changed only by its decision owners (ideas.actions.decide)."""

    NONE = "", _("New")
    UNDER_REVIEW = "under_review", _("Under review")
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    SHIPPED = "shipped", _("Shipped")
    NOT_PLANNED = "not_planned", _("Not planned")
    ALREADY_EXISTS = "already_exists", _("Already exists")


class Tag(models.Model):
    name = models.CharField(max_length=30, unique=True)
    slug = models.SlugField(max_length=30, unique=True)
    description = models.CharField(max_length=200, blank=True)
    topic_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("forum:tag", args=[self.slug])


class Topic(models.Model):
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="topics"
    )
    title = models.CharField(max_length=150)
    slug = models.SlugField(max_length=160, allow_unicode=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="topics",
    )
    author_name = models.CharField(max_length=150)
    created_at = models.DateTimeField(db_index=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="topics")

    # Denormalized for lists; maintained by forum.actions.
    first_post = models.ForeignKey(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_post = models.ForeignKey(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_posted_at = models.DateTimeField()
    last_poster_name = models.CharField(max_length=150, blank=True)
    reply_count = models.PositiveIntegerField(default=0)
    # Highest post number handed out; posts are numbered 1, 2, 3 … per topic
    # and keep their number forever, so a page is a range of numbers.
    last_post_number = models.PositiveIntegerField(default=0)
    like_count = models.PositiveIntegerField(default=0)

    is_pinned = models.BooleanField(default=False)
    # Locked: frozen (no replies, no edits). Closed: no new replies.
    is_locked = models.BooleanField(default=False)
    is_closed = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    # Slow mode: a member waits this long between posts in the topic.
    slow_mode_seconds = models.PositiveIntegerField(default=0)
    # Set when a moderator merged this topic into another; its URL redirects.
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    # Brand interaction, denormalized for list rows.
    brand_status = models.CharField(
        max_length=12, choices=BrandStatus.choices, default=BrandStatus.NONE, blank=True
    )
    escalated_to = models.ForeignKey(
        "accounts.Brand",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    idea_status = models.CharField(
        max_length=16, choices=IdeaStatus.choices, default=IdeaStatus.NONE, blank=True
    )

    # Polls (polls app): the topic carries a poll (read only then), and a
    # brand representative's poll makes it a concept asked by that brand.
    has_poll = models.BooleanField(default=False)
    concept_brand = models.ForeignKey(
        "accounts.Brand",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # Q&A
    accepted_post = models.ForeignKey(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_solved = models.BooleanField(default=False)

    # Set on the instances that forum.queries and the views hand to templates; not columns.
    unread_count: int
    is_new: bool
    last_read_number: int

    class Meta:
        ordering = ["-is_pinned", "-last_posted_at"]
        indexes = [
            # A category's list in its order, with the columns the visibility
            # rules and the solved filter test: a deep page skips over index
            # entries, not rows (forum.paging).
            models.Index(
                fields=[
                    "category",
                    "-is_pinned",
                    "-last_posted_at",
                    "-id",
                    "deleted_at",
                    "is_hidden",
                    "author",
                    "is_solved",
                ],
                name="topic_category_list",
            ),
            # A narrow copy of what joins from posts to their topic test (may
            # the viewer read it? is this post its accepted answer?): a
            # profile's counts read it instead of the topic rows.
            models.Index(
                fields=[
                    "id",
                    "category",
                    "deleted_at",
                    "is_hidden",
                    "author",
                    "accepted_post",
                ],
                name="topic_visibility",
            ),
            # /latest/ in its order, with the columns of the visibility rules.
            models.Index(
                fields=[
                    "-is_pinned",
                    "-last_posted_at",
                    "-id",
                    "category",
                    "deleted_at",
                    "is_hidden",
                    "author",
                ],
                name="topic_list_activity",
            ),
            models.Index(fields=["-last_posted_at"], name="topic_latest"),
            models.Index(
                fields=["category", "is_solved"], name="topic_category_solved"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = slugify(self.title)[:160] or "topic"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("forum:topic", args=[self.slug, self.pk])

    def get_post_url(self, number: int) -> str:
        return reverse("forum:topic_post", args=[self.slug, self.pk, number])


class Post(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="posts",
    )
    # Snapshots: the label on a post stays true after its author changes
    # name or role.
    author_name = models.CharField(max_length=150)
    author_role = models.CharField(
        max_length=16, choices=PostRole.choices, default=PostRole.MEMBER
    )
    author_brand = models.ForeignKey(
        "accounts.Brand",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )

    body_source = models.TextField()
    # Sanitized by forum.markup at write time; never rendered on read.
    body_html = models.TextField()
    # Plain text of body_html, for search, excerpts and feeds.
    body_text = models.TextField(blank=True)
    search_vector = SearchVectorField(null=True, editable=False)

    created_at = models.DateTimeField(db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    revision_count = models.PositiveIntegerField(default=1)
    like_count = models.PositiveIntegerField(default=0)
    is_official_answer = models.BooleanField(default=False)

    is_hidden = models.BooleanField(default=False)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    hide_reason = models.TextField(blank=True)
    # Hidden automatically because flags reached the threshold; a moderator
    # decides. The author may edit it and ask for another review.
    pending_review = models.BooleanField(default=False)
    # Removed as spam or illegal content: the text is gone, the record stays.
    removed_at = models.DateTimeField(null=True, blank=True)
    removal_kind = models.CharField(max_length=12, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    # Set on the instances that forum.queries and the views hand to templates; not columns.
    liked_by_me: bool
    my_bookmark_note: str | None
    bookmarked_by_me: bool
    flagged_by_me: bool  # a pending flag of the reader's (forum.queries.topic_posts)
    bookmark_note: str
    # The controls the viewer may use (permissions.policy.post_controls).
    controls: frozenset[str]
    tombstones: list[ModerationAction]
    content_html: str
    snippet: str
    title_html: str
    excerpt: str
    brand_flagged: bool
    decide_form: Form | None
    author_accepted_here: int

    class Meta:
        ordering = ["topic", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "number"], name="unique_post_number"
            )
        ]
        indexes = [
            # A member's posts newest first, with what the profile filters on:
            # its counts and deep pages read the index alone (forum.paging).
            models.Index(
                fields=[
                    "author",
                    "-created_at",
                    "-id",
                    "topic",
                    "deleted_at",
                    "is_hidden",
                    "removed_at",
                    "number",
                ],
                name="post_author_list",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic_id}#{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("forum:post", args=[self.pk])

    @property
    def body(self) -> SafeString:
        # body_html was sanitized at write time by forum.markup.render_post_body.
        return mark_safe(self.body_html)  # noqa: S308

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_first(self) -> bool:
        return self.number == 1


class PostRevision(models.Model):
    """One version of a post's text. Every edit adds one; none is ever purged
    (except by a logged redaction of personal data)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=150, blank=True)
    body_source = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    author_name = models.CharField(max_length=150)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["post", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "number"], name="unique_revision_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.post_id} r{self.number}"


class Like(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="unique_like")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.post_id}"


class ReadState(models.Model):
    """How far a member has read in a topic."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="read_states"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="read_states"
    )
    last_read_number = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="unique_read_state")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.topic_id} to {self.last_read_number}"


class RequestReason(models.TextChoices):
    """Why a brand request is in the representatives' queue."""

    MEMBER = "member", _("Asked by a member")
    MODERATOR = "moderator", _("Routed by a moderator")
    PEER_FIRST = "peer_first", _("No community answer in time")


class BrandRequest(models.Model):
    """A request for the brand to respond on a topic: a member asked ("ask the
    brand"), a moderator routed it, or a question had no community answer
    within its category's peer-first window (requested_by is then empty)."""

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="brand_requests"
    )
    brand = models.ForeignKey(
        "accounts.Brand", on_delete=models.CASCADE, related_name="requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(
        max_length=12, choices=RequestReason.choices, default=RequestReason.MEMBER
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answer = models.ForeignKey(
        Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            # One open request per member, topic and brand.
            models.UniqueConstraint(
                fields=["topic", "brand", "requested_by"],
                condition=models.Q(answered_at__isnull=True),
                name="one_open_brand_request",
            ),
            # Peer-first routing opens one request per topic and brand, ever.
            models.UniqueConstraint(
                fields=["topic", "brand"],
                condition=models.Q(reason="peer_first"),
                name="one_peer_first_request",
            ),
        ]
        indexes = [
            models.Index(
                fields=["brand", "created_at"],
                condition=models.Q(answered_at__isnull=True),
                name="open_brand_requests",
            )
        ]

    def __str__(self) -> str:
        return f"{self.brand} asked on {self.topic_id}"

    @property
    def waited_for_peers(self) -> timedelta:
        """How long the topic waited for a community answer before this request."""
        return max(self.created_at - self.topic.created_at, timedelta(0))

    @property
    def waited_text(self) -> str:
        """The wait, in words: "40 minutes", "12 hours", "3 days"."""
        minutes = int(self.waited_for_peers.total_seconds() // 60)
        if minutes < 60:
            return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
        hours = minutes // 60
        if hours < 48:
            return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
        days = hours // 24
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


class Escalation(models.Model):
    """A representative escalated a topic to the brand's formal support.

    Public: the topic shows "escalated to <Brand> support". Private: the
    member who asked gets the support link and the reference.
    """

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="escalations"
    )
    brand = models.ForeignKey(
        "accounts.Brand", on_delete=models.PROTECT, related_name="+"
    )
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reference = models.CharField(max_length=20, unique=True)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference


BOOKMARK_NOTE_MAX_LENGTH = 200


class Bookmark(models.Model):
    """A member's private bookmark on a post (the first post stands for the topic).

    Nobody else sees it and nothing is notified; the list at /bookmarks/ shows
    a member's bookmarks newest first.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks"
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="bookmarks")
    note = models.CharField(max_length=BOOKMARK_NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Annotated by forum.queries.user_bookmarks(); not a column.
    post_visible: bool

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "post"], name="unique_bookmark")
        ]
        indexes = [
            models.Index(
                fields=["user", "-created_at", "-id"], name="bookmark_user_recent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} bookmarked {self.post_id}"
