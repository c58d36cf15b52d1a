"""Serve the copies of images from other sites that posts show."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from images.encode import EXTENSIONS
from images.queries import storage_name

# A file's name is its content's sha256: it never changes.
CACHE_CONTROL = "public, max-age=31536000, immutable"


@require_safe
def image_view(request: HttpRequest, digest: str, extension: str) -> FileResponse:
    try:
        stored = default_storage.open(storage_name(digest, extension), "rb")
    except (FileNotFoundError, OSError):
        raise Http404("No such image.") from None
    response = FileResponse(stored, content_type=EXTENSIONS[extension])
    response["Cache-Control"] = CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    return response
