"""Polls on topics: concept feedback and member polls (README "Polls").

A topic carries at most one poll. Votes are rows, one per chosen option;
counts are read from them (polls.queries), never kept in a counter, so they
are exact whatever runs at the same time. Who voted for what is stored only
to keep one vote per member and let them change it: no page, feed, export
or admin screen shows it (docs/decisions.md, "Polls").
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MIN_OPTIONS = 2
MAX_OPTIONS = 20
OPTION_MAX_LENGTH = 200
QUESTION_MAX_LENGTH = 200


class Poll(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("One choice")
        MULTIPLE = "multiple", _("Several choices")

    class ShowResults(models.TextChoices):
        AFTER_VOTE = "after_vote", _("To each member once they voted")
        AT_CLOSE = "at_close", _("To everyone when the poll closes")

    topic = models.OneToOneField(
        "forum.Topic", on_delete=models.CASCADE, related_name="poll"
    )
    question = models.CharField(max_length=QUESTION_MAX_LENGTH)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    # Multiple choice only: at most this many options (None: any number).
    max_choices = models.PositiveSmallIntegerField(null=True, blank=True)
    show_results = models.CharField(
        max_length=12, choices=ShowResults.choices, default=ShowResults.AFTER_VOTE
    )
    # The poll closes by itself at this time, or earlier by hand (closed_at).
    closes_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_choices__isnull=True)
                | models.Q(kind="multiple", max_choices__gte=1),
                name="poll_max_choices_only_for_multiple",
            ),
        ]

    def __str__(self) -> str:
        return self.question

    def is_closed(self, now: datetime | None = None) -> bool:
        if self.closed_at is not None:
            return True
        moment = now or timezone.now()
        return self.closes_at is not None and self.closes_at <= moment

    @property
    def is_multiple(self) -> bool:
        return self.kind == Poll.Kind.MULTIPLE

    @property
    def choice_limit(self) -> int:
        """How many options a voter may choose."""
        if self.kind == Poll.Kind.SINGLE:
            return 1
        return self.max_choices or MAX_OPTIONS


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=OPTION_MAX_LENGTH)

    # Set by polls.queries on the instances handed to templates; not columns.
    vote_count: int
    percent: int
    chosen: bool

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "position"], name="poll_option_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.text


class PollVote(models.Model):
    """One chosen option of one member. Never shown with the voter's name."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    option = models.ForeignKey(
        PollOption, on_delete=models.CASCADE, related_name="votes"
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["option", "voter"], name="poll_vote_once_per_option"
            ),
        ]
        indexes = [models.Index(fields=["poll", "voter"], name="poll_vote_voter")]

    def __str__(self) -> str:
        return f"A vote in poll {self.poll_id}"  # never the voter's name
