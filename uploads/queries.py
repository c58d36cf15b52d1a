"""Reading uploads: their addresses, the Markdown that shows them, who sent what."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse

from accounts.models import User
from forum.markup import LocalImage
from uploads.models import Upload

__all__ = [
    "absolute_url",
    "markdown_for",
    "referenced_ids",
    "storage_name",
    "upload_for_serving",
    "uploaded_images",
    "uploads_since",
]


def storage_name(digest: str, extension: str) -> str:
    """Where a file with this content lives in the uploads storage."""
    return f"{digest[:2]}/{digest}.{extension}"


def path(upload: Upload) -> str:
    return reverse("uploads:file", args=[upload.pk, upload.filename])


def thumbnail_path(upload: Upload) -> str:
    return reverse("uploads:thumbnail", args=[upload.pk, upload.filename])


def absolute_url(upload: Upload) -> str:
    """The address written into posts: absolute, as forum.markup wants images."""
    return settings.SITE_URL.rstrip("/") + path(upload)


def markdown_for(upload: Upload) -> str:
    """What the composer inserts: an image, or a link to download the file."""
    stem = upload.filename.rsplit(".", 1)[0].replace("-", " ").replace("_", " ")
    alt = re.sub(r"[\[\]\\]", "", stem).strip() or "file"
    if upload.kind == Upload.Kind.IMAGE:
        return f"![{alt}]({absolute_url(upload)})"
    return f"[{upload.filename}]({absolute_url(upload)})"


def _url_re() -> re.Pattern[str]:
    prefix = re.escape(settings.SITE_URL.rstrip("/") + "/uploads/")
    return re.compile(prefix + r"([0-9]{1,18})/")


def referenced_ids(source: str) -> list[int]:
    """The uploads Markdown *source* links to or shows, in order."""
    seen: dict[int, None] = {}
    for match in _url_re().finditer(source):
        seen.setdefault(int(match[1]), None)
    return list(seen)


def uploaded_images(urls: Iterable[str]) -> dict[str, LocalImage]:
    """Of image *urls* (forum.markup.image_urls), those of uploaded images,
    mapped to what a post shows (one query; none when no URL is an upload)."""
    pattern = _url_re()
    by_id: dict[int, list[str]] = {}
    for url in urls:
        match = pattern.match(url)
        if match:
            by_id.setdefault(int(match[1]), []).append(url)
    if not by_id:
        return {}
    images: dict[str, LocalImage] = {}
    for upload in Upload.objects.filter(pk__in=by_id, kind=Upload.Kind.IMAGE):
        if upload.thumbnail_name:
            local = LocalImage(
                thumbnail_path(upload), upload.thumbnail_width, upload.thumbnail_height
            )
        else:
            local = LocalImage(path(upload), upload.width, upload.height)
        for url in by_id[upload.pk]:
            if url == absolute_url(upload):
                images[url] = local
    return images


def upload_for_serving(upload_id: int) -> Upload | None:
    """An upload with what the policy needs to decide who sees it."""
    return (
        Upload.objects.filter(pk=upload_id)
        .prefetch_related("posts__topic__category__parent")
        .first()
    )


def uploads_since(user: User, since: datetime) -> int:
    return Upload.objects.filter(uploader=user, created_at__gte=since).count()


def day_start(now: datetime) -> datetime:
    return now - timedelta(hours=24)
