"""Community health figures, precomputed per calendar month and category.

One row per (month, category) and one site-wide row per month (category
NULL). Rows hold counts and durations only; shares are computed when read,
so a row can be summed or checked by hand. Definitions: docs/health.md.
Only categories anonymous visitors can read are measured: the community and
the brand see the same figures.
"""

from __future__ import annotations

from django.db import models


class HealthMonth(models.Model):
    month = models.DateField(help_text="First day of the calendar month (UTC).")
    category = models.ForeignKey(
        "forum.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    computed_at = models.DateTimeField()

    # Questions (topics outside announcement categories) opened this month.
    questions = models.PositiveIntegerField(default=0)
    # Accepted answers on this month's questions, by the answer's role snapshot.
    accepted_member = models.PositiveIntegerField(default=0)
    accepted_brand = models.PositiveIntegerField(default=0)
    accepted_staff = models.PositiveIntegerField(default=0)
    # First reply by someone other than the author, by role snapshot.
    first_reply_member = models.PositiveIntegerField(default=0)
    first_reply_brand = models.PositiveIntegerField(default=0)
    first_reply_staff = models.PositiveIntegerField(default=0)
    # Time to the first reply by a community member other than the asker.
    peer_replied = models.PositiveIntegerField(default=0)
    peer_reply_median_s = models.PositiveIntegerField(null=True, blank=True)
    peer_reply_p90_s = models.PositiveIntegerField(null=True, blank=True)
    # Questions at least 48 h old, and those without a reply in their first 48 h.
    questions_48h = models.PositiveIntegerField(default=0)
    unanswered_48h = models.PositiveIntegerField(default=0)
    # Solved questions, and those solved with no brand involvement.
    solved = models.PositiveIntegerField(default=0)
    solved_without_brand = models.PositiveIntegerField(default=0)
    # Member-to-member conversation (replies written this month).
    member_pairs = models.PositiveIntegerField(default=0)
    member_pairs_both_ways = models.PositiveIntegerField(default=0)
    askers = models.PositiveIntegerField(default=0)
    asker_helpers = models.PositiveIntegerField(default=0)
    # Community or audience (topics opened this month with replies by others).
    topics_replied = models.PositiveIntegerField(default=0)
    community_topics = models.PositiveIntegerField(default=0)
    audience_topics = models.PositiveIntegerField(default=0)
    # Newcomers: members whose first topic was opened this month.
    newcomers = models.PositiveIntegerField(default=0)
    newcomers_welcomed = models.PositiveIntegerField(default=0)
    newcomers_returned = models.PositiveIntegerField(default=0)
    # The brand's side.
    brand_requests = models.PositiveIntegerField(default=0)
    brand_requests_answered = models.PositiveIntegerField(default=0)
    brand_answer_median_s = models.PositiveIntegerField(null=True, blank=True)
    escalations = models.PositiveIntegerField(default=0)
    escalations_resolved = models.PositiveIntegerField(default=0)
    # Ideas whose response deadline fell in this month and has passed (the
    # month of the deadline, not of the votes): answered by a decision in
    # time, late, not yet; the median time from the threshold to the first
    # decision, over those answered.
    ideas_due = models.PositiveIntegerField(default=0)
    ideas_in_time = models.PositiveIntegerField(default=0)
    ideas_late = models.PositiveIntegerField(default=0)
    ideas_unanswered = models.PositiveIntegerField(default=0)
    idea_response_median_s = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "category"],
                condition=models.Q(category__isnull=False),
                name="health_month_category",
            ),
            models.UniqueConstraint(
                fields=["month"],
                condition=models.Q(category__isnull=True),
                name="health_month_site",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.category_id or 'site'}"
