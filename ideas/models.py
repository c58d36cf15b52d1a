"""The ideas board: votes, the accounts that decide, and their decisions.

A topic in an ideas category is an idea. Its current status is kept on
``Topic.idea_status`` (denormalized for topic lists, written only by
``ideas.actions.decide``); every change of it is an ``IdeaDecision`` row with
a public rationale. ``Idea`` holds the per-idea counters and the
accountability clock, maintained by ``ideas.actions``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from forum.markup import stored_html
from forum.models import IdeaStatus

# Statuses after which no response is due any more.
FINAL_STATUSES = frozenset(
    {IdeaStatus.SHIPPED, IdeaStatus.NOT_PLANNED, IdeaStatus.ALREADY_EXISTS}
)


class Idea(models.Model):
    """Counters and the response clock of one idea (one row per ideas topic
    that has had a vote or a decision)."""

    topic = models.OneToOneField(
        "forum.Topic", on_delete=models.CASCADE, primary_key=True, related_name="idea"
    )
    # Votes of members; representatives' and admins' votes are counted apart
    # and never in the community total.
    community_votes = models.PositiveIntegerField(default=0, db_index=True)
    staff_votes = models.PositiveIntegerField(default=0)
    # When community_votes first reached settings.IDEAS_RESPONSE_VOTES.
    threshold_reached_at = models.DateTimeField(null=True, blank=True)
    # When the decision owners were told the idea is due a response (once).
    due_notified_at = models.DateTimeField(null=True, blank=True)
    last_response_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["threshold_reached_at"])]

    def __str__(self) -> str:
        return f"Idea {self.topic_id}"


class IdeaVote(models.Model):
    """One member's vote for one idea; withdrawing deletes the row."""

    topic = models.ForeignKey(
        "forum.Topic", on_delete=models.CASCADE, related_name="idea_votes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idea_votes"
    )
    # A brand representative's or an admin's vote (at the time of voting):
    # shown apart, never in the community total.
    is_staff_vote = models.BooleanField(default=False)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "user"], name="one_idea_vote_per_member"
            )
        ]
        indexes = [models.Index(fields=["topic", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.topic_id}"


class DecisionOwner(models.Model):
    """An account that decides on ideas for a brand: everywhere, or in one
    ideas category (and its subcategories). Brand representatives of that
    brand or admins; never a volunteer moderator in that role."""

    brand = models.ForeignKey(
        "accounts.Brand", on_delete=models.CASCADE, related_name="decision_owners"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="decision_ownerships",
    )
    category = models.ForeignKey(
        "forum.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="decision_owners",
        help_text=_("Leave empty for every ideas category."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "user", "category"], name="one_decision_owner_row"
            )
        ]
        ordering = ["brand__name", "created_at", "pk"]

    def __str__(self) -> str:
        where = self.category.name if self.category is not None else _("all ideas")
        return f"{self.user} decides for {self.brand} ({where})"


class IdeaDecision(models.Model):
    """One public change of an idea's status, with its rationale."""

    topic = models.ForeignKey(
        "forum.Topic", on_delete=models.CASCADE, related_name="idea_decisions"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Snapshots: the record keeps the name and label the owner had then.
    owner_name = models.CharField(max_length=150)
    brand = models.ForeignKey(
        "accounts.Brand", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    brand_label = models.CharField(max_length=120)
    previous_status = models.CharField(
        max_length=16, choices=IdeaStatus.choices, blank=True
    )
    status = models.CharField(max_length=16, choices=IdeaStatus.choices, blank=True)
    rationale_source = models.TextField()
    rationale_html = models.TextField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.topic_id}: {self.status}"

    @property
    def rationale(self) -> SafeString:
        """The rationale as rendered (and sanitized) by forum.markup at write time."""
        return stored_html(self.rationale_html)
