"""What "download my data" puts in the zip: everything Hearth holds about
one member, readable (JSON, posts as their Markdown) and complete.

Read-only; privacy.actions.build_data_export writes the result. The
member's own words and records come whole; other people appear only where
the member took part with them (the messages of their own conversations,
the topic a post belongs to), never their private data.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable
from datetime import datetime
from typing import IO, Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount

from accounts.models import GroupMembership, User
from conversations.models import Message, Participant
from drafts.models import Draft
from forum.models import Bookmark, Like, Post, PostRevision
from groups.models import GroupApplication
from ideas.models import IdeaVote
from moderation.models import Appeal, Flag, Sanction
from notifications.models import Notification
from polls.models import PollVote
from uploads.models import Upload
from uploads.storage import upload_storage

FORMAT_VERSION = 1

README = """Your data from {site}, as of {when} (format version {version}).

profile.json        your account: names, email addresses, sign-in accounts, role, groups
posts.json          every post you wrote, as the Markdown you typed, with its history
drafts.json         replies and topics you were writing
bookmarks.json      your bookmarks and their notes
votes.json          your votes on ideas and in polls
likes.json          the posts you liked
notifications.json  what Hearth told you
messages.json       your private conversations, every message in them
consents.json       group terms you accepted and your applications' answers
moderation.json     your flags and appeals, and sanctions you received
uploads.json        the files and pictures you uploaded; the files are in uploads/
"""


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def profile(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "bio": user.bio,
        "role": user.role,
        "trust_level": user.trust_level,
        "brand": user.brand.name if user.brand_id and user.brand else None,
        "date_joined": _when(user.date_joined),
        "last_login": _when(user.last_login),
        "has_avatar": bool(user.avatar),
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "sign_in_accounts": [
            {"provider": a.provider, "uid": a.uid, "date_joined": _when(a.date_joined)}
            for a in SocialAccount.objects.filter(user=user).order_by("pk")
        ],
        "groups": [
            {
                "group": m.group.name,
                "joined_at": _when(m.joined_at),
                "expires_at": _when(m.expires_at),
            }
            for m in GroupMembership.objects.filter(user=user)
            .select_related("group")
            .order_by("pk")
        ],
    }


def posts(user: User) -> list[dict[str, Any]]:
    history: dict[int, list[dict[str, Any]]] = {}
    for revision in PostRevision.objects.filter(post__author=user).order_by(
        "post_id", "number"
    ):
        history.setdefault(revision.post_id, []).append(
            {
                "number": revision.number,
                "title": revision.title,
                "markdown": revision.body_source,
                "created_at": _when(revision.created_at),
            }
        )
    return [
        {
            "id": post.pk,
            "topic": post.topic.title,
            "topic_id": post.topic_id,
            "url": post.get_absolute_url(),
            "number": post.number,
            "created_at": _when(post.created_at),
            "edited_at": _when(post.edited_at),
            "deleted": post.deleted_at is not None,
            "markdown": post.body_source,
            "revisions": history.get(post.pk, []),
        }
        for post in Post.objects.filter(author=user)
        .select_related("topic")
        .order_by("created_at", "pk")
    ]


def drafts(user: User) -> list[dict[str, Any]]:
    return [
        {
            "key": d.key,
            "title": d.title,
            "markdown": d.body,
            "updated_at": _when(d.updated_at),
        }
        for d in Draft.objects.filter(user=user).order_by("pk")
    ]


def bookmarks(user: User) -> list[dict[str, Any]]:
    return [
        {
            "post_id": b.post_id,
            "topic": b.post.topic.title,
            "note": b.note,
            "created_at": _when(b.created_at),
        }
        for b in Bookmark.objects.filter(user=user)
        .select_related("post__topic")
        .order_by("pk")
    ]


def votes(user: User) -> dict[str, list[dict[str, Any]]]:
    return {
        "ideas": [
            {"topic": v.topic.title, "topic_id": v.topic_id, "at": _when(v.created_at)}
            for v in IdeaVote.objects.filter(user=user)
            .select_related("topic")
            .order_by("pk")
        ],
        "polls": [
            {
                "question": v.poll.question,
                "option": v.option.text,
                "at": _when(v.created_at),
            }
            for v in PollVote.objects.filter(voter=user)
            .select_related("poll", "option")
            .order_by("pk")
        ],
    }


def likes(user: User) -> list[dict[str, Any]]:
    return [
        {
            "post_id": like.post_id,
            "topic": like.post.topic.title,
            "at": _when(like.created_at),
        }
        for like in Like.objects.filter(user=user)
        .select_related("post__topic")
        .order_by("pk")
    ]


def notifications(user: User) -> list[dict[str, Any]]:
    return [
        {
            "kind": n.kind,
            "text": n.text,
            "url": n.url,
            "created_at": _when(n.created_at),
            "read_at": _when(n.read_at),
        }
        for n in Notification.objects.filter(recipient=user).order_by("pk")
    ]


def messages(user: User) -> list[dict[str, Any]]:
    conversation_ids = Participant.objects.filter(user=user).values("conversation_id")
    conversations: dict[int, dict[str, Any]] = {}
    for message in (
        Message.objects.filter(conversation_id__in=conversation_ids)
        .select_related("conversation")
        .order_by("conversation_id", "created_at", "pk")
    ):
        conversation = conversations.setdefault(
            message.conversation_id,
            {
                "subject": message.conversation.subject,
                "started_at": _when(message.conversation.created_at),
                "messages": [],
            },
        )
        conversation["messages"].append(
            {
                "author": message.author_name,
                "mine": message.author_id == user.pk,
                "markdown": "" if message.deleted_at else message.body_source,
                "deleted": message.deleted_at is not None,
                "at": _when(message.created_at),
            }
        )
    return list(conversations.values())


def consents(user: User) -> list[dict[str, Any]]:
    return [
        {
            "group": a.group.name,
            "terms_version": a.terms_version,
            "terms_accepted_at": _when(a.terms_accepted_at),
            "answers": a.answers,
            "status": a.status,
            "applied_at": _when(a.created_at),
        }
        for a in GroupApplication.objects.filter(applicant=user)
        .select_related("group")
        .order_by("pk")
    ]


def moderation(user: User) -> dict[str, list[dict[str, Any]]]:
    return {
        "flags": [
            {
                "post_id": f.post_id,
                "kind": f.kind,
                "message": f.message,
                "status": f.status,
            }
            for f in Flag.objects.filter(flagger=user).order_by("pk")
        ],
        "appeals": [
            {
                "statement": a.statement,
                "status": a.status,
                "decision_reason": a.decision_reason,
                "at": _when(a.created_at),
            }
            for a in Appeal.objects.filter(appellant=user).order_by("pk")
        ],
        "sanctions": [
            {
                "kind": s.kind,
                "reason": s.reason,
                "starts_at": _when(s.starts_at),
                "ends_at": _when(s.ends_at),
            }
            for s in Sanction.objects.filter(user=user).order_by("pk")
        ],
    }


def _uploads(user: User) -> list[Upload]:
    return list(Upload.objects.filter(uploader=user).order_by("pk"))


def upload_path(upload: Upload) -> str:
    return f"uploads/{upload.pk}-{upload.filename}"


def write_archive(user: User, out: IO[bytes], *, site: str, now: datetime) -> None:
    """Write the member's archive, a zip, to *out*."""
    uploads = _uploads(user)
    parts: Iterable[tuple[str, Any]] = (
        ("profile.json", profile(user)),
        ("posts.json", posts(user)),
        ("drafts.json", drafts(user)),
        ("bookmarks.json", bookmarks(user)),
        ("votes.json", votes(user)),
        ("likes.json", likes(user)),
        ("notifications.json", notifications(user)),
        ("messages.json", messages(user)),
        ("consents.json", consents(user)),
        ("moderation.json", moderation(user)),
        (
            "uploads.json",
            [
                {
                    "file": upload_path(u),
                    "filename": u.filename,
                    "kind": u.kind,
                    "bytes": u.bytes,
                    "uploaded_at": _when(u.created_at),
                }
                for u in uploads
            ],
        ),
    )
    storage = upload_storage()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            README.format(site=site, when=now.isoformat(), version=FORMAT_VERSION),
        )
        for name, data in parts:
            archive.writestr(name, _json(data))
        for upload in uploads:
            try:
                with storage.open(upload.storage_name, "rb") as handle:
                    archive.writestr(upload_path(upload), handle.read())
            except OSError:
                continue  # the listing still names it
