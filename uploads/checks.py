"""What an uploaded file really is, decided from its bytes, never its name.

An image is anything Pillow reads as JPEG, PNG, GIF or WebP; it is re-encoded
(images.encode: metadata such as GPS positions dropped, pixel count checked
before decoding). Any other file must be one of ``FILE_TYPES``, recognized by
its content, and its name must say the same: a PDF called ``notes.txt`` or a
web page called ``photo.jpg`` is refused. SVG and HTML are never accepted,
whatever they are called: a browser runs the scripts inside them.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from PIL import Image

from images.encode import Encoded, ImageRefused, reencode

__all__ = ["Checked", "UploadRefused", "check_upload", "thumbnail", "too_large"]

# Extension -> content type of the files accepted besides images.
FILE_TYPES = {
    "pdf": "application/pdf",
    "txt": "text/plain",
    "log": "text/plain",
    "csv": "text/csv",
    "md": "text/markdown",
}
_TEXT_EXTENSIONS = {"txt", "log", "csv", "md"}
# Names a browser would render as a page, or run: refused even before sniffing.
_REFUSED_EXTENSIONS = {"svg", "svgz", "html", "htm", "xhtml", "xht", "xml", "js", "mjs"}
# Markup that makes text a page or a drawing in a browser's eyes.
_MARKUP_RE = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|\?xml)",
    re.IGNORECASE,
)
_SAFE_NAME_RE = re.compile(r"[^A-Za-z0-9._-]+")


class UploadRefused(Exception):
    """Not a file Hearth will keep; ``code`` says why ("empty", "too_large",
    "too_many_pixels", "markup", "type", "disguised", "broken")."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Checked:
    kind: str  # "image" or "file"
    data: bytes
    content_type: str
    extension: str
    filename: str
    width: int | None = None
    height: int | None = None


def safe_filename(name: str, extension: str) -> str:
    """A name for URLs and downloads: ASCII letters, digits, ``._-``."""
    stem = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if "." in stem:
        stem = stem.rsplit(".", 1)[0]
    stem = _SAFE_NAME_RE.sub("-", stem).strip(".-_")[:80] or "file"
    return f"{stem}.{extension}"


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _is_image(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            return bool(image.format)
    except Exception:
        return False


def check_upload(name: str, data: bytes, *, max_bytes: int, max_pixels: int) -> Checked:
    """Decide from *data* what the file is; raise UploadRefused otherwise."""
    if not data:
        raise UploadRefused("empty", "The file is empty.")
    if len(data) > max_bytes:
        raise too_large(len(data), max_bytes)
    extension = _extension(name)
    if extension in _REFUSED_EXTENSIONS:
        raise _markup()
    if _is_image(data):
        try:
            encoded: Encoded = reencode(data, max_pixels=max_pixels)
        except ImageRefused as exc:
            code = "too_many_pixels" if exc.code == "too_many_pixels" else "type"
            raise UploadRefused(code, str(exc)) from exc
        return Checked(
            "image",
            encoded.data,
            encoded.content_type,
            encoded.extension,
            safe_filename(name, encoded.extension),
            encoded.width,
            encoded.height,
        )
    # Re-encoding leaves nothing of an image but its pixels; any other file
    # is kept as it came, so it must not hold markup a browser would run.
    if _MARKUP_RE.search(data[:4096]):
        raise _markup()
    sniffed = _sniff_file(data)
    if sniffed is None:
        raise UploadRefused(
            "type",
            "Only pictures (JPEG, PNG, GIF, WebP), PDF and plain text files "
            "can be attached.",
        )
    if extension not in FILE_TYPES:
        raise UploadRefused(
            "type",
            "Only pictures (JPEG, PNG, GIF, WebP), PDF and plain text files "
            "(.txt, .log, .csv, .md) can be attached.",
        )
    if (sniffed == "pdf") != (extension == "pdf"):
        raise UploadRefused(
            "disguised",
            f"The file is called .{extension} but holds "
            f"{'a PDF' if sniffed == 'pdf' else 'text'}: name it for what it is.",
        )
    return Checked(
        "file", data, FILE_TYPES[extension], extension, safe_filename(name, extension)
    )


def too_large(size: int, max_bytes: int) -> UploadRefused:
    return UploadRefused(
        "too_large",
        f"The file is {_size(size) if size <= 100 * max_bytes else 'far too large'}; "
        f"you can upload files up to {_size(max_bytes)}.",
    )


def _markup() -> UploadRefused:
    return UploadRefused(
        "markup",
        "SVG, HTML and other web page files are not accepted: attach a "
        "PNG or JPEG picture, or a PDF.",
    )


def _sniff_file(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text"


def thumbnail(data: bytes, *, size: int) -> Encoded | None:
    """A copy at most *size* pixels wide and high, or None when the image is
    that small already (or animated: a still frame would mislead)."""
    with Image.open(io.BytesIO(data)) as image:
        if max(image.size) <= size or getattr(image, "n_frames", 1) > 1:
            return None
        fmt = image.format or "PNG"
        image.thumbnail((size, size))
        out = io.BytesIO()
        if fmt == "JPEG":
            image.save(out, format="JPEG", quality=85, optimize=True)
            content_type, extension = "image/jpeg", "jpg"
        elif fmt == "WEBP":
            image.save(out, format="WEBP", quality=85)
            content_type, extension = "image/webp", "webp"
        else:
            image.save(out, format="PNG", optimize=True)
            content_type, extension = "image/png", "png"
        width, height = image.size
    return Encoded(out.getvalue(), content_type, extension, width, height)


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB"
    return f"{max(1, count // 1024)} KB"
