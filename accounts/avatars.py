"""Avatar uploads: validated and re-encoded server-side with Pillow.

Re-encoding drops whatever the upload carried besides pixels (metadata,
trailing payloads) and gives every avatar the same small square size.
"""

from __future__ import annotations

import re
import unicodedata
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
MAX_SOURCE_PIXELS = 40_000_000  # well above any camera, far below a decompression bomb

# An aside in brackets is a note about the person, not part of their name:
# "Ines (admin)", "Tom [Brevetto]".
_ASIDE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}")
FALLBACK_INITIAL = "?"


def _first_alnum(word: str) -> str:
    """The first letter or digit of *word* (any script), upper-cased; "" if none."""
    for char in word:
        if char.isalnum():
            upper = char.upper()
            # "ß".upper() is "SS": one initial stays one character.
            return upper if len(upper) == 1 else char
    return ""


def initials(name: str, username: str = "") -> str:
    """Up to two initials for the generated avatar, from letters and digits only.

    The first letter or digit of each of the first two words of *name* that
    have one, ignoring punctuation, symbols, emoji and bracketed asides
    ("Ines (admin)" gives "I", "Jean-Luc Picard" "JP", "Émile Zola" "ÉZ"). With
    none in the name, the first letter or digit of *username*; with none
    there either, "?".
    """
    text = unicodedata.normalize("NFC", _ASIDE.sub(" ", name))
    letters = [c for c in map(_first_alnum, text.split()) if c][:2]
    if letters:
        return "".join(letters)
    return _first_alnum(unicodedata.normalize("NFC", username)) or FALLBACK_INITIAL


def process_avatar(upload: UploadedFile) -> ContentFile[bytes]:
    """Return *upload* cropped to a centred square and resized, as PNG.

    Raises ValidationError with a message for the person uploading when the
    file is too large, not an image, or an image format we do not accept.
    """
    max_bytes = settings.FORUM_AVATAR_MAX_BYTES
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("That image is too large; the limit is %(mb)s MB.")
            % {"mb": max_bytes // (1024 * 1024)}
        )
    try:
        with Image.open(upload) as image:
            if image.format not in ACCEPTED_FORMATS:
                raise ValidationError(_("Upload a JPEG, PNG, GIF or WebP image."))
            width, height = image.size
            if width * height > MAX_SOURCE_PIXELS:
                raise ValidationError(_("That image has too many pixels."))
            image.seek(0)  # first frame of an animation
            upright = ImageOps.exif_transpose(image).convert("RGBA")
            side = settings.FORUM_AVATAR_SIZE
            square = ImageOps.fit(upright, (side, side), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationError(
            _("That file is not an image we can read. Upload a JPEG, PNG, GIF or WebP.")
        ) from None

    buffer = BytesIO()
    square.save(buffer, format="PNG", optimize=True)
    return ContentFile(buffer.getvalue(), name=f"{get_random_string(12)}.png")
