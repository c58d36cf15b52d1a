"""Images from other sites that posts show, copied to Hearth's own storage."""

from __future__ import annotations

from django.db import models


class RemoteImage(models.Model):
    """One image URL written in posts, fetched once (images.actions).

    Stored files are content-addressed (``images/<sha256[:2]>/<sha256>.<ext>``
    in the default storage): the same picture behind two URLs is one file.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        FETCHING = "fetching", "Fetching"
        STORED = "stored", "Stored"
        FAILED = "failed", "Failed"

    url = models.TextField()
    # sha256 of the URL: URLs may be longer than a unique index allows.
    url_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    storage_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    bytes = models.PositiveIntegerField(null=True, blank=True)
    # Why the image is shown as a link ("too_large: The file is larger ...").
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When a worker claimed the fetch: a claim older than the fetch's time
    # limit belongs to a worker that died, and may be taken over.
    claimed_at = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.url
