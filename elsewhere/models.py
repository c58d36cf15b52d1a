"""Independent communities that opted in, and links to what they publish.

A ``Source`` is someone else's space (a forum, a blog, a board) whose owner
asked to be listed: the row records who asked, when, how (a note and a link
to their public statement) and which administrator approved. Its feed is
fetched on the source's own interval; each entry becomes an ``Item``, a
link with a title, an author, a date and a short plain-text excerpt, never a
copy of the page. A withdrawn source keeps its opt-in record (the public
sources page lists it as withdrawn) and loses every item at once.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models

from forum.models import Category


def url_hash(value: str) -> str:
    """sha256 of a URL or GUID: unique indexes cannot hold long URLs."""
    return hashlib.sha256(value.encode()).hexdigest()


class Source(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Listed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    name = models.CharField(max_length=120)
    site_url = models.URLField(max_length=500)
    feed_url = models.URLField(max_length=500)
    description = models.CharField(max_length=300, blank=True)
    # Where the withdrawal link is sent; never shown publicly.
    contact_email = models.EmailField()
    # Category pages that show this source's items in their stream.
    categories = models.ManyToManyField(
        Category, blank=True, related_name="elsewhere_sources"
    )

    # The opt-in record (public on the sources page, but for the approver's
    # account, shown by name only).
    requested_by = models.CharField(
        max_length=120, help_text="Who asked to be listed (a name or handle)."
    )
    requested_at = models.DateTimeField(help_text="When they asked.")
    request_note = models.TextField(
        help_text="How they asked: what was said, where, by whom."
    )
    request_link = models.URLField(
        max_length=500, help_text="A link to their public statement."
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField()

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    # Fetching (elsewhere.actions.fetch_source).
    fetch_interval_minutes = models.PositiveIntegerField(default=60)
    next_fetch_at = models.DateTimeField(db_index=True)
    # Set when the beat task enqueues a fetch, cleared when the fetch ends: a
    # claim older than ELSEWHERE_CLAIM_MINUTES belongs to a lost task.
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    # Consecutive failures; the next attempt backs off exponentially.
    failure_count = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Item(models.Model):
    """One entry of a source's feed: a link to the other site, not a copy."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="items")
    # sha256 of the entry's GUID (its link when it has none) and of its URL:
    # either one seen again is the same item.
    guid_hash = models.CharField(max_length=64)
    url = models.URLField(max_length=2000)
    url_hash = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    author = models.CharField(max_length=120, blank=True)
    published_at = models.DateTimeField(db_index=True)
    # Plain text, at most 300 characters; never markup.
    excerpt = models.CharField(max_length=300, blank=True)
    fetched_at = models.DateTimeField()

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "guid_hash"], name="elsewhere_item_unique_guid"
            ),
            models.UniqueConstraint(
                fields=["source", "url_hash"], name="elsewhere_item_unique_url"
            ),
        ]
        indexes = [models.Index(fields=["url_hash"], name="elsewhere_item_url")]

    def __str__(self) -> str:
        return self.title


class HighlightsFeed(models.Model):
    """The one row that says whether the public highlights feed is on.

    Off until an administrator turns it on (elsewhere.actions
    .set_highlights_feed); the row records who changed it and when.
    """

    enabled = models.BooleanField(default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "highlights feed"
        verbose_name_plural = "highlights feed"

    def __str__(self) -> str:
        return "Highlights feed: " + ("on" if self.enabled else "off")
