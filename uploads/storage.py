"""Where uploads are kept: Django's ``storages["uploads"]`` (settings.STORAGES).

By default a directory of its own, ``settings.UPLOADS_ROOT``, outside
MEDIA_ROOT: MEDIA_ROOT may be served by a reverse proxy to anyone, and an
upload is only served by uploads.views, which asks the policy. With
``UPLOADS_S3_BUCKET`` set, an S3-compatible bucket (django-storages) that
several web servers share; it is read through the same view, never by a
public URL.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages


class PrivateFileSystemStorage(FileSystemStorage):
    """A FileSystemStorage rooted at settings.UPLOADS_ROOT, with no public URL."""

    @property
    def base_location(self) -> str:
        # Read on each use, so a changed setting (tests) takes effect.
        explicit = getattr(self, "_location", None)
        return str(self._value_or_setting(explicit, settings.UPLOADS_ROOT))

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Uploads are served by uploads.views only.")


def upload_storage() -> Storage:
    return storages["uploads"]
