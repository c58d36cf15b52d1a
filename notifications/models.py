from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    """Everything that can happen, as written to the outbox.

    The one vocabulary of events: actions emit these (notifications.events
    re-exports it with emit() and each kind's payload type), Event.kind
    takes its choices from it, and notifications.fanout.REGISTRY gives each
    one its recipients or says why it is recorded only. Defined here, next
    to the model, because the model's choices need it and notifications.events
    needs the model.
    """

    TOPIC_CREATED = "topic.created", _("Topic started")
    POST_CREATED = "post.created", _("Reply posted")
    POST_LIKED = "post.liked", _("Post liked")
    ANSWER_ACCEPTED = "answer.accepted", _("Answer accepted")
    USER_MENTIONED = "user.mentioned", _("Members mentioned")
    BRAND_REQUESTED = "brand.requested", _("Brand asked to respond")
    BRAND_ANSWERED = "brand.answered", _("Brand answered")
    TOPIC_ESCALATED = "topic.escalated", _("Topic escalated to support")
    IDEA_STATUS_SET = "idea.status_set", _("Idea decided by its decision owner")
    IDEA_RESPONSE_DUE = "idea.response_due", _("Idea due a decision-owner response")
    FLAG_CREATED = "flag.created", _("Post flagged")
    FLAG_RESOLVED = "flag.resolved", _("Flags decided")
    POST_PENDING_REVIEW = "post.pending_review", _("Post hidden pending review")
    POST_REVIEW_CLEARED = "post.review_cleared", _("Post cleared after review")
    REVIEW_REQUESTED = "review.requested", _("Author asked for another review")
    APPEAL_CREATED = "appeal.created", _("Appeal filed")
    APPEAL_DECIDED = "appeal.decided", _("Appeal decided")
    MODERATION_ACTION = "moderation.action", _("Moderation action taken")
    # insights
    INSIGHTS_WEEKLY = "insights.weekly", _("Weekly listening report sent")
    # groups
    GROUP_APPLIED = "group.applied", _("Application to a group received")
    GROUP_MEMBERSHIP = "group.membership", _("Group membership decided or ended")
    GROUP_MENTIONED = "group.mentioned", _("Groups mentioned")
    # recognition: a representative confirmed a member's answer, or withdrew it
    ANSWER_CONFIRMED = "answer.confirmed", _("Answer confirmed by a brand")
    # support: a support desk's status update on an escalated topic
    SUPPORT_STATUS_CHANGED = (
        "support.status_changed",
        _("Support desk updated an escalation"),
    )
    # conversations: a private message to the other participants
    MESSAGE_SENT = "message.sent", _("Private message sent")
    # privacy: a member's "download my data" archive was built
    DATA_EXPORT_READY = "privacy.export_ready", _("Data archive ready")


class Event(models.Model):
    """The transactional outbox: one row per thing that happened, written in
    the same transaction as the change, dispatched to workers on commit.

    A periodic sweep re-dispatches rows whose dispatched_at is still empty,
    so a broker outage delays delivery but loses nothing.
    """

    kind = models.CharField(max_length=40, choices=EventKind.choices, db_index=True)
    # The events one transaction wrote share a batch: they are dispatched
    # and planned together, so a member hears once per post of what one
    # action did (notifications.fanout). Empty on rows older than batches.
    batch = models.UUIDField(null=True, blank=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    topic = models.ForeignKey(
        "forum.Topic", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    post = models.ForeignKey(
        "forum.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(dispatched_at__isnull=True),
                name="event_undispatched",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class WatchLevel(models.IntegerChoices):
    MUTED = 0, _("Muted: never notify me")
    NORMAL = 1, _("Normal: only when someone replies to me or mentions me")
    TRACKING = 2, _("Tracking: count new posts, notify when mentioned or replied to")
    WATCHING = 3, _("Watching: notify me of every new post")


class TopicWatch(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="topic_watches"
    )
    topic = models.ForeignKey(
        "forum.Topic", on_delete=models.CASCADE, related_name="watches"
    )
    level = models.PositiveSmallIntegerField(choices=WatchLevel.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "user"], name="unique_topic_watch")
        ]
        indexes = [models.Index(fields=["topic", "level"], name="topicwatch_level")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.get_level_display()} {self.topic_id}"


class CategoryWatch(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="category_watches",
    )
    category = models.ForeignKey(
        "forum.Category", on_delete=models.CASCADE, related_name="watches"
    )
    level = models.PositiveSmallIntegerField(choices=WatchLevel.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category", "user"], name="unique_category_watch"
            )
        ]
        indexes = [
            models.Index(fields=["category", "level"], name="categorywatch_level")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.get_level_display()} {self.category_id}"


class NotificationKind(models.TextChoices):
    REPLIED = "replied", _("Replies to your topics and posts")
    MENTIONED = "mentioned", _("Mentions of you")
    QUOTED = "quoted", _("Quotes of your posts")
    LIKED = "liked", _("Likes on your posts")
    WATCHED_TOPIC_POST = "watched_topic_post", _("New posts in topics you watch")
    WATCHED_CATEGORY_TOPIC = (
        "watched_category_topic",
        _("New topics in categories you watch"),
    )
    ANSWER_ACCEPTED = "answer_accepted", _("Your answer was accepted")
    BRAND_ANSWERED = "brand_answered", _("A brand representative answered your request")
    OFFICIAL_ANSWER = "official_answer", _("Official answers in your topics")
    ESCALATED = "escalated", _("Your topic was escalated to support")
    MODERATION = "moderation", _("Moderation of your content or account")
    FLAG_RESOLVED = "flag_resolved", _("Outcomes of your flags")
    APPEAL_DECIDED = "appeal_decided", _("Outcomes of your appeals")
    BRAND_REQUEST = "brand_request", _("New ask-the-brand requests (representatives)")
    IDEA_STATUS = "idea_status", _("Decisions on ideas you started, voted for or watch")
    IDEA_RESPONSE_DUE = (
        "idea_response_due",
        _("Ideas due your response (decision owners)"),
    )
    REVIEW_CLEARED = "review_cleared", _("Your posts cleared after review")
    FLAGGED = "flagged", _("Flagged posts to review (moderators)")
    REVIEW_REQUESTED = (
        "review_requested",
        _("Authors asking for another review (moderators)"),
    )
    APPEAL_CREATED = "appeal_created", _("Appeals for you to decide (moderators)")
    # insights
    INSIGHTS_WEEKLY = (
        "insights_weekly",
        _("The weekly listening report (representatives)"),
    )
    # groups
    GROUP_APPLICATION = (
        "group_application",
        _("Applications to groups you manage (moderators)"),
    )
    GROUP_MEMBERSHIP = "group_membership", _("Your group applications and memberships")
    GROUP_MENTIONED = "group_mentioned", _("Mentions of groups you belong to")
    EXPERT_QUESTION = "expert_question", _("New questions for your expert groups")
    # recognition
    ANSWER_CONFIRMED = (
        "answer_confirmed",
        _("A brand confirmed your answer, or withdrew its confirmation"),
    )
    # support
    SUPPORT_STATUS = (
        "support_status",
        _("Status updates from support on your escalated topics"),
    )
    # conversations
    PRIVATE_MESSAGE = "private_message", _("Private messages to you")
    # privacy
    DATA_EXPORT = "data_export", _("Your data archive is ready to download")


class Notification(models.Model):
    """One in-app notification. Unique per (event, recipient): a retried
    fan-out never creates a second one. Likes on one post are batched into
    one unread row ("3 members liked your post")."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    topic = models.ForeignKey(
        "forum.Topic", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    post = models.ForeignKey(
        "forum.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    url = models.CharField(max_length=300)
    text = models.CharField(max_length=300)
    count = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"], name="notification_recipient"
            ),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class Delivery(models.Model):
    """Exactly-once bookkeeping per (event, recipient, channel).

    An email goes pending -> claimed (a worker holds it under a lease and
    loads and renders the message; nothing has left) -> sending (the
    backend call has begun: it may have been sent) -> sent, skipped or
    failed. notifications.emails has the rules.
    """

    class Channel(models.TextChoices):
        IN_APP = "app", _("In the app")
        EMAIL = "email", _("Email")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CLAIMED = "claimed", _("Claimed")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=5, choices=Channel.choices)
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    notification = models.ForeignKey(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    detail = models.CharField(max_length=200, blank=True)
    # The lease of the worker holding a claimed or sending row: past it the
    # sweep puts a claimed row back to pending (nothing was sent) and marks
    # a sending row failed, "may have been sent" (it is never sent again).
    claimed_until = models.DateTimeField(null=True, blank=True)
    # Which claim holds the row: a worker that lost its lease (the sweep
    # re-queued the row and another worker claimed it) can no longer move it.
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "channel"], name="unique_delivery"
            )
        ]
        indexes = [
            # The sweep's expired-lease lookup touches only rows in flight.
            models.Index(
                fields=["claimed_until"],
                name="delivery_lease_idx",
                condition=models.Q(status__in=["claimed", "sending"]),
            )
        ]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.channel} {self.status} {self.event_id}->{self.recipient_id}"


class EmailFrequency(models.TextChoices):
    IMMEDIATELY = "immediately", _("As things happen")
    DAILY = "daily", _("A daily digest")
    WEEKLY = "weekly", _("A weekly digest")
    NEVER = "never", _("Never")


class KindPreference(models.TextChoices):
    IMMEDIATELY = "immediately", _("Email me right away")
    DIGEST = "digest", _("Include in my digest")
    OFF = "off", _("Don't email me")


class NotificationPreferences(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    email_frequency = models.CharField(
        max_length=12,
        choices=EmailFrequency.choices,
        default=EmailFrequency.IMMEDIATELY,
    )
    # {kind: KindPreference}; a kind left out uses DEFAULT_KIND_PREFERENCES.
    per_kind = models.JSONField(default=dict, blank=True)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "notification preferences"

    def __str__(self) -> str:
        return f"Preferences of {self.user_id}"
