"""Validate and re-encode a downloaded image with Pillow.

Only the pixels survive: EXIF (camera, GPS position, owner), comments, XMP
and colour profiles are dropped, and the orientation EXIF asked for is
applied to the pixels first. The pixel count (width × height × frames) is
checked from the header, before anything is decoded, so a small file that
would expand to gigabytes is refused cheaply.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["CONTENT_TYPES", "EXTENSIONS", "Encoded", "ImageRefused", "reencode"]

# Pillow format -> (content type, file extension)
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
CONTENT_TYPES = frozenset(content_type for content_type, _ext in FORMATS.values())
EXTENSIONS = {ext: content_type for content_type, ext in FORMATS.values()}
# What an animation needs to play as it did; every other info key is dropped.
_KEPT_INFO = ("transparency", "duration", "loop", "background")


class ImageRefused(Exception):
    """Not an image Hearth will show; ``code`` is "format", "too_many_pixels"
    or "broken"."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Encoded:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def reencode(data: bytes, *, max_pixels: int) -> Encoded:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return _reencode(image, max_pixels)
    except ImageRefused:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise ImageRefused("format", f"Not an image Hearth can read: {exc}") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRefused("broken", f"The image is damaged: {exc}") from exc


def _reencode(image: Image.Image, max_pixels: int) -> Encoded:
    fmt = image.format or ""
    if fmt not in FORMATS:
        raise ImageRefused("format", f"{fmt or 'This'} images are not accepted.")
    width, height = image.size
    frames = getattr(image, "n_frames", 1)
    if width * height * frames > max_pixels:
        raise ImageRefused(
            "too_many_pixels",
            f"The image has {width}×{height} pixels in {frames} frame(s), "
            f"over the limit of {max_pixels}.",
        )
    content_type, extension = FORMATS[fmt]
    out = io.BytesIO()
    animated = frames > 1 and fmt in ("GIF", "WEBP")
    if animated:
        image.load()
        image.info = {key: image.info[key] for key in _KEPT_INFO if key in image.info}
        image.save(out, format=fmt, save_all=True)
    else:
        image.load()
        clean = ImageOps.exif_transpose(image)
        clean.info = {key: clean.info[key] for key in _KEPT_INFO if key in clean.info}
        if fmt == "JPEG":
            if clean.mode not in ("RGB", "L"):
                clean = clean.convert("RGB")
            clean.save(out, format="JPEG", quality=85, optimize=True)
        elif fmt == "WEBP":
            clean.save(out, format="WEBP", quality=85)
        else:
            clean.save(out, format=fmt, optimize=True)
        width, height = clean.size
    return Encoded(out.getvalue(), content_type, extension, width, height)
