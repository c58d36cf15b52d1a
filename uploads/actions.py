"""Uploading images and files, attaching them to posts, removing orphans.

A member uploads while writing (``upload_file``): the bytes are checked
(uploads.checks: an image is re-encoded without its metadata, any other file
must be an allowed type and say so in its name), stored once by content in
the default storage, and the composer inserts the Markdown that shows them.
When a post is written, ``attach_post_uploads`` records which of the author's
uploads it shows: from then on, whoever may read the post may fetch them
(``Perm.VIEW_UPLOAD``). Uploads no post shows are removed after
``settings.UPLOADS_ORPHAN_HOURS`` by a beat task.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from forum.models import Post
from permissions import policy
from permissions.policy import Actor, Perm
from uploads import queries
from uploads.checks import UploadRefused, check_upload, thumbnail, too_large
from uploads.models import Upload
from uploads.storage import upload_storage

logger = logging.getLogger(__name__)


def limits_for(user: User) -> dict[str, int]:
    levels: dict[int, dict[str, int]] = settings.UPLOADS_LIMITS
    return levels.get(user.trust_level) or levels[max(levels)]


def upload_file(
    actor: Actor, *, name: str, content: File, now: datetime | None = None
) -> Upload:
    """Check and keep one file *actor* is attaching; raise ValidationError
    with a message for the member when it is refused. A file over the
    member's size limit is refused before it is read."""
    policy.require(actor, Perm.UPLOAD_FILE, None)
    assert isinstance(actor, User)  # noqa: S101 - the policy admits members only
    now = now or timezone.now()
    limits = limits_for(actor)
    max_bytes = limits["max_bytes"]
    try:
        if content.size is not None and content.size > max_bytes:
            raise too_large(content.size, max_bytes)
        content.seek(0)
        data = content.read(max_bytes + 1)
        checked = check_upload(
            name,
            data,
            max_bytes=max_bytes,
            max_pixels=settings.UPLOADS_MAX_PIXELS,
        )
    except UploadRefused as exc:
        raise ValidationError(str(exc), code=exc.code) from exc
    digest = hashlib.sha256(checked.data).hexdigest()
    existing = Upload.objects.filter(uploader=actor, sha256=digest).first()
    if existing is not None:
        return existing
    per_day = limits["per_day"]
    if queries.uploads_since(actor, queries.day_start(now)) >= per_day:
        raise ValidationError(
            f"You have uploaded {per_day} files in the last 24 hours, the most "
            "your trust level allows. Try again tomorrow, or link to the file.",
            code="per_day",
        )
    name_stored = _store(digest, checked.extension, checked.data)
    small = (
        thumbnail(checked.data, size=settings.UPLOADS_THUMBNAIL_SIZE)
        if (checked.kind == Upload.Kind.IMAGE)
        else None
    )
    thumb_name = ""
    if small is not None:
        thumb_digest = hashlib.sha256(small.data).hexdigest()
        thumb_name = _store(thumb_digest, small.extension, small.data)
    with transaction.atomic():
        upload, _created = Upload.objects.get_or_create(
            uploader=actor,
            sha256=digest,
            defaults={
                "kind": checked.kind,
                "filename": checked.filename,
                "storage_name": name_stored,
                "content_type": checked.content_type,
                "bytes": len(checked.data),
                "width": checked.width,
                "height": checked.height,
                "thumbnail_name": thumb_name,
                "thumbnail_width": small.width if small else None,
                "thumbnail_height": small.height if small else None,
                "created_at": now,
            },
        )
    return upload


def _store(digest: str, extension: str, data: bytes) -> str:
    name = queries.storage_name(digest, extension)
    if not upload_storage().exists(name):
        saved = upload_storage().save(name, ContentFile(data))
        if saved != name:  # stored meanwhile by another request: same bytes
            upload_storage().delete(saved)
    return name


def attach_post_uploads(post: Post) -> None:
    """Inside a post write: record which of its author's uploads the post
    shows (a system step of forum.actions' post writes; uploads by others
    that the text links to keep following their own posts)."""
    ids = queries.referenced_ids(post.body_source)
    if not ids and not post.uploads.exists():
        return
    mine = Upload.objects.filter(pk__in=ids, uploader_id=post.author_id)
    post.uploads.set(mine)


def remove_orphan_uploads(now: datetime | None = None) -> int:
    """Delete uploads no post shows, older than UPLOADS_ORPHAN_HOURS, and
    their files when no other upload has the same content. Returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.UPLOADS_ORPHAN_HOURS)
    orphans = list(
        Upload.objects.filter(created_at__lt=cutoff, posts__isnull=True).only(
            "pk", "sha256", "storage_name", "thumbnail_name"
        )
    )
    for upload in orphans:
        with transaction.atomic():
            deleted, _rows = Upload.objects.filter(
                pk=upload.pk, posts__isnull=True
            ).delete()
            if not deleted:
                continue
            if not Upload.objects.filter(sha256=upload.sha256).exists():
                names = [upload.storage_name, upload.thumbnail_name]
                transaction.on_commit(partial(_delete_files, names))
    return len(orphans)


def _delete_files(names: list[str]) -> None:
    for name in names:
        if name:
            upload_storage().delete(name)
