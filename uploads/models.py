"""Images and files members attach to their posts (uploads app)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Upload(models.Model):
    """One file a member uploaded, shown in posts through its own URL.

    The bytes are content-addressed (``<sha256[:2]>/<sha256>.<ext>`` in
    ``storages["uploads"]``, uploads.storage): the same file uploaded twice, by anyone, is
    stored once. Who may fetch it follows the posts it is attached to
    (``posts``, kept by ``uploads.actions.attach_post_uploads``) and is
    decided by the policy (``Perm.VIEW_UPLOAD``).
    """

    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        FILE = "file", "File"

    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads"
    )
    kind = models.CharField(max_length=5, choices=Kind.choices)
    # As the member named it, made safe for a URL and a download.
    filename = models.CharField(max_length=120)
    sha256 = models.CharField(max_length=64, db_index=True)
    storage_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    bytes = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    # A smaller copy shown in posts when the image is large.
    thumbnail_name = models.CharField(max_length=200, blank=True)
    thumbnail_width = models.PositiveIntegerField(null=True, blank=True)
    thumbnail_height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    posts = models.ManyToManyField("forum.Post", related_name="uploads", blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["uploader", "sha256"], name="upload_once_per_member"
            )
        ]

    def __str__(self) -> str:
        return self.filename
