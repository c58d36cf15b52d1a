"""Demo data for uploads (demo/uploads.toml), called by seed_demo.

Each photo is drawn with Pillow here, with a camera's GPS position in its
EXIF as a phone would write it, then goes through ``uploads.actions
.upload_file`` (which strips it) and is shown in a reply posted through
``forum.actions.reply_to_topic``, as a member's would be.
"""

from __future__ import annotations

import io
import tomllib
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from accounts.models import User
from forum import actions as forum_actions
from forum.models import Topic
from uploads import actions, queries

DATA = Path(settings.BASE_DIR) / "demo" / "uploads.toml"
GPS_IFD = 0x8825


def seed(now: datetime) -> str:
    """Upload and post the photos of demo/uploads.toml; a one-line summary."""
    data = tomllib.loads(DATA.read_text())
    posted = 0
    for item in data.get("photos", []):
        author = User.objects.filter(username=item["author"]).first()
        topic = Topic.objects.filter(title=item["topic"]).first()
        if author is None or topic is None:
            continue
        upload = actions.upload_file(
            author,
            name=item["filename"],
            content=ContentFile(_photo(item["drawing"])),
            now=now,
        )
        markdown = queries.markdown_for(upload)
        if topic.posts.filter(uploads=upload).exists():
            continue
        forum_actions.reply_to_topic(
            author, topic, body=item["body"].format(photo=markdown)
        )
        posted += 1
    return f"uploads: {posted} post(s) with an uploaded photo"


def _photo(drawing: str) -> bytes:
    """A JPEG of a spent espresso puck from below (the only drawing so far)."""
    if drawing != "puck":
        raise ValueError(f"No drawing called {drawing!r}.")
    image = Image.new("RGB", (960, 720), (214, 206, 192))
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, 30, 810, 690), fill=(150, 150, 155))  # the basket's rim
    draw.ellipse((190, 70, 770, 650), fill=(92, 60, 38))  # the puck
    for ring in range(0, 240, 24):
        shade = 70 + ring // 8
        draw.ellipse(
            (240 + ring, 120 + ring, 720 - ring, 600 - ring),
            outline=(shade, shade - 25, shade - 45),
            width=3,
        )
    for box in ((600, 180, 650, 230), (280, 470, 340, 525), (612, 205, 640, 240)):
        draw.ellipse(box, fill=(38, 24, 16))  # where it channeled
    exif = Image.Exif()
    exif[0x010F] = "Phone camera"  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (45.0, 28.0, 12.0)
    gps[3], gps[4] = "E", (9.0, 11.0, 24.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88, exif=exif)
    return out.getvalue()
