"""Copying images from other sites into Hearth's storage.

A post is rendered with every image from another site as a plain link
(forum.markup), so no reader's browser contacts that site. The post write
actions call ``enqueue_post_images``; after the commit a task
(images.tasks) runs ``localize_post_images``: each image URL is fetched once
through the safe fetcher (images.fetch), validated and re-encoded by Pillow
(images.encode), stored in the default storage under its sha256, and the
post is rendered again to show the copies. An image that cannot be fetched
stays a link; why is kept on its row (admin).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from functools import partial

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from forum.markup import has_remote_images, image_urls
from forum.models import Post
from images import queries
from images.encode import CONTENT_TYPES, Encoded, ImageRefused, reencode
from images.fetch import FetchError, fetch
from images.models import RemoteImage

logger = logging.getLogger(__name__)

MAX_IMAGES_PER_POST = queries.MAX_IMAGES_PER_POST


def enqueue_post_images(post: Post) -> None:
    """Inside a post write's transaction: once it commits, copy the images
    from other sites the post shows as links. A broker outage leaves them
    links; it never fails the write."""
    if has_remote_images(post.body_html):
        transaction.on_commit(partial(_enqueue, post.pk), robust=True)


LOCALIZE_TASK = "images.localize_post_images"


def _enqueue(post_id: int) -> None:
    # By name: an action must not import the tasks layer (pyproject.toml
    # [tool.importlinter]); images.tasks registers the task under this name.
    current_app.signature(LOCALIZE_TASK, args=(post_id,)).delay()


def localize_post_images(post_id: int) -> bool:
    """Fetch the post's images not fetched yet, then show every copy.

    Returns False when another worker is still fetching one of them (the
    task looks again later), True when there is nothing left to wait for.
    """
    post = Post.objects.filter(pk=post_id).only("body_source", "body_html").first()
    if post is None or not has_remote_images(post.body_html):
        return True
    urls = image_urls(post.body_source)[:MAX_IMAGES_PER_POST]
    waiting = False
    for url in urls:
        image, _created = RemoteImage.objects.get_or_create(
            url_hash=queries.url_hash(url), defaults={"url": url}
        )
        if image.status in (RemoteImage.Status.STORED, RemoteImage.Status.FAILED):
            continue
        if _claim(image):
            fetch_image(image)
        else:
            waiting = True
    return not waiting


def _lease() -> timedelta:
    # A fetch never takes longer than three timeouts (images.fetch).
    return timedelta(seconds=3 * settings.IMAGES_FETCH_TIMEOUT + 30)


def _claim(image: RemoteImage) -> bool:
    """Take the fetch of *image*: pending, or claimed by a worker that died."""
    now = timezone.now()
    claimed = (
        RemoteImage.objects.filter(pk=image.pk)
        .filter(
            Q(status=RemoteImage.Status.PENDING)
            | Q(status=RemoteImage.Status.FETCHING, claimed_at__lt=now - _lease())
        )
        .update(status=RemoteImage.Status.FETCHING, claimed_at=now)
    )
    return claimed == 1


def fetch_image(image: RemoteImage) -> None:
    """Download, check, re-encode and store one claimed image."""
    try:
        fetched = fetch(
            image.url,
            max_bytes=settings.IMAGES_MAX_BYTES,
            timeout=settings.IMAGES_FETCH_TIMEOUT,
            content_types=CONTENT_TYPES,
            allow_private=settings.IMAGES_ALLOW_PRIVATE_ADDRESSES,
        )
        encoded = reencode(fetched.body, max_pixels=settings.IMAGES_MAX_PIXELS)
    except (FetchError, ImageRefused) as exc:
        logger.info("Image %s not copied: %s", image.url, exc)
        RemoteImage.objects.filter(pk=image.pk).update(
            status=RemoteImage.Status.FAILED,
            error=f"{exc.code}: {exc}"[:300],
            fetched_at=timezone.now(),
            claimed_at=None,
        )
        return
    _store(image, encoded)


def store_copy(url: str, data: bytes) -> RemoteImage:
    """Keep *data* as the copy of the image at *url*, without fetching it
    (the demo community's pictures: seed_demo needs no network)."""
    encoded = reencode(data, max_pixels=settings.IMAGES_MAX_PIXELS)
    image, _created = RemoteImage.objects.get_or_create(
        url_hash=queries.url_hash(url), defaults={"url": url}
    )
    _store(image, encoded)
    image.refresh_from_db()
    return image


def _store(image: RemoteImage, encoded: Encoded) -> None:
    digest = hashlib.sha256(encoded.data).hexdigest()
    name = queries.storage_name(digest, encoded.extension)
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(encoded.data))
        if saved != name:  # stored meanwhile by another worker: same bytes
            default_storage.delete(saved)
    RemoteImage.objects.filter(pk=image.pk).update(
        status=RemoteImage.Status.STORED,
        sha256=digest,
        storage_name=name,
        content_type=encoded.content_type,
        width=encoded.width,
        height=encoded.height,
        bytes=len(encoded.data),
        error="",
        fetched_at=timezone.now(),
        claimed_at=None,
    )
