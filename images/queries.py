"""Reading images: local copies of image URLs, names and addresses."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.urls import reverse

from forum.markup import LocalImage
from images.encode import FORMATS
from images.models import RemoteImage

_EXTENSION_OF = dict(FORMATS.values())

# Images of one post fetched at most; any further ones stay links.
MAX_IMAGES_PER_POST = 20


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def storage_name(digest: str, extension: str) -> str:
    """Where a file with this content lives in the default storage."""
    return f"images/{digest[:2]}/{digest}.{extension}"


def local_url(image: RemoteImage) -> str:
    return reverse(
        "images:image", args=[image.sha256, _EXTENSION_OF[image.content_type]]
    )


def local_copies(urls: Iterable[str]) -> dict[str, LocalImage]:
    """Hearth's copies of those of *urls* that were fetched (one query)."""
    by_hash = {url_hash(url): url for url in urls}
    if not by_hash:
        return {}
    stored = RemoteImage.objects.filter(
        url_hash__in=list(by_hash), status=RemoteImage.Status.STORED
    ).only("url_hash", "sha256", "content_type", "width", "height")
    return {
        by_hash[image.url_hash]: LocalImage(local_url(image), image.width, image.height)
        for image in stored
    }
