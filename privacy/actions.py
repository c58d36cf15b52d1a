"""A member's own data (issue 24): "download my data" and "delete my account".

- request_data_export: at most one archive per PRIVACY_EXPORT_INTERVAL_HOURS;
  the task privacy.build_data_export builds the zip (privacy.archive) and
  writes a DATA_EXPORT_READY event, which reaches the member in the app and
  by email with the signed, expiring link (privacy.links).
- delete_account: after the view re-authenticated the member, deactivates
  the account and erases its personal data in one transaction. What is kept
  and what is erased, and why, is in docs/decisions.md ("Your data").
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
from collections.abc import Iterable
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from celery import current_app
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchVector
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.core.mail import send_mail
from django.db import connection, models, transaction
from django.db.models import Q, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import GroupMembership, InvitedSignup, User, UserVisit
from accounts.roles import PostRole, Role
from api.models import ApiToken
from conversations.models import Ignore, Message, MessageReport
from drafts.models import Draft
from forum.actions import QUOTE_LINK, delete_post
from forum.cache import bump_on_commit
from forum.models import Bookmark, Post, PostRevision, ReadState, Topic
from groups.models import GroupApplication, GroupRecommendation
from ideas.models import DecisionOwner, IdeaDecision
from moderation.models import (
    Appeal,
    AuditEntry,
    Flag,
    ModerationAction,
    ModeratorAssignment,
)
from notifications.events import DataExportReady, EventKind, emit
from notifications.models import (
    CategoryWatch,
    Delivery,
    Notification,
    NotificationPreferences,
    TopicWatch,
)
from permissions import policy
from permissions.policy import Perm
from privacy import archive
from privacy.models import DataExport, ErasedAccount
from recognition.models import Confirmation, ConfirmationEntry
from uploads.models import Upload
from uploads.storage import upload_storage

logger = logging.getLogger(__name__)

BUILD_TASK = "privacy.build_data_export"
DELETED_MESSAGE = "deleted"


# --- Download my data -----------------------------------------------------------------------


def next_export_at(user: User) -> datetime | None:
    """When *user* may ask for another archive, or None if they may now."""
    last = (
        DataExport.objects.filter(user=user)
        .exclude(status=DataExport.Status.FAILED)
        .order_by("-requested_at")
        .values_list("requested_at", flat=True)
        .first()
    )
    if last is None:
        return None
    allowed = last + timedelta(hours=settings.PRIVACY_EXPORT_INTERVAL_HOURS)
    return allowed if allowed > timezone.now() else None


def request_data_export(actor: User, *, now: datetime | None = None) -> DataExport:
    """Ask for an archive of one's data; built after commit by a task.

    Raises ValidationError when the member asked less than
    PRIVACY_EXPORT_INTERVAL_HOURS ago (the message says when they may again).
    """
    policy.require(actor, Perm.REQUEST_DATA_EXPORT, None)
    now = now or timezone.now()
    with transaction.atomic():
        # One request at a time per member: two clicks make one archive.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        again = next_export_at(actor)
        if again is not None:
            raise ValidationError(
                _(
                    "You asked for your data recently. You can ask again after "
                    "%(when)s UTC; the link in the last email still works until it "
                    "expires."
                )
                % {"when": date_format(again, "DATETIME_FORMAT")},
                code="rate_limited",
            )
        export = DataExport.objects.create(user=actor, requested_at=now)
        transaction.on_commit(lambda: _enqueue_build(export.pk))
    return export


def _enqueue_build(export_id: int) -> None:
    try:
        current_app.signature(BUILD_TASK, args=(export_id,)).delay()
    except Exception:  # the broker is down; the hourly task picks it up
        logger.warning("Could not enqueue data export %s.", export_id)


def build_data_export(
    export_id: int, *, now: datetime | None = None
) -> DataExport | None:
    """Build the archive of a pending export and tell its owner it is ready.

    Idempotent: an export that is no longer pending is left alone. The file
    is written before the row is marked ready, so a crash between the two
    leaves a pending export that the next run builds again (overwriting).
    """
    now = now or timezone.now()
    export = (
        DataExport.objects.select_related("user")
        .filter(pk=export_id, status=DataExport.Status.PENDING)
        .first()
    )
    if export is None:
        return None
    user = export.user
    if not user.is_active:
        DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.FAILED)
        return None
    # On disk while it is written: a member's uploads may not fit in memory.
    storage = upload_storage()
    name = f"exports/{user.pk}/hearth-data-{export.pk}.zip"
    with tempfile.TemporaryFile() as buffer:
        archive.write_archive(user, buffer, site=settings.SITE_NAME, now=now)
        size = buffer.tell()
        buffer.seek(0)
        if storage.exists(name):
            storage.delete(name)
        stored = storage.save(name, File(buffer))
    with transaction.atomic():
        updated = DataExport.objects.filter(
            pk=export.pk, status=DataExport.Status.PENDING
        ).update(
            status=DataExport.Status.READY,
            finished_at=now,
            storage_name=stored,
            bytes=size,
        )
        if not updated:
            return None
        emit(
            EventKind.DATA_EXPORT_READY,
            DataExportReady(export_id=export.pk, user_ids=[user.pk]),
        )
    export.refresh_from_db()
    return export


def build_pending_exports() -> int:
    """Hourly: exports still pending (the broker was down), and expired
    archives' files removed. Returns how many were built."""
    built = 0
    for export_id in DataExport.objects.filter(
        status=DataExport.Status.PENDING
    ).values_list("pk", flat=True):
        if build_data_export(export_id) is not None:
            built += 1
    expire_data_exports()
    return built


def expire_data_exports(*, now: datetime | None = None) -> int:
    """Delete the files of archives whose links have expired."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.PRIVACY_EXPORT_LINK_HOURS)
    expired = list(
        DataExport.objects.filter(
            status=DataExport.Status.READY, finished_at__lt=cutoff
        )
    )
    storage = upload_storage()
    for export in expired:
        if export.storage_name:
            storage.delete(export.storage_name)
    DataExport.objects.filter(pk__in=[e.pk for e in expired]).update(
        status=DataExport.Status.EXPIRED, storage_name=""
    )
    return len(expired)


# --- Delete my account ------------------------------------------------------------------------


def anonymous_username(user_id: int) -> str:
    return f"former-member-{user_id}"


def anonymous_name(user_id: int) -> str:
    return _("former member %(id)d") % {"id": user_id}


def send_deletion_link(actor: User, *, confirm_url: str) -> None:
    """Email the confirmation link of an account without a password (signed
    in through another site): following it while signed in re-authenticates."""
    policy.require(actor, Perm.DELETE_ACCOUNT, actor)
    if not actor.email:
        raise ValidationError(
            _("Your account has no email address to send the link to."), code="email"
        )
    send_mail(
        _("Confirm deleting your account"),
        _(
            "Someone signed in as %(name)s asked to delete this account on %(site)s.\n\n"
            "If it was you, open this link within %(minutes)d minutes while signed in, "
            "and confirm:\n\n%(url)s\n\nIf it was not you, ignore this email: nothing "
            "happens without the link."
        )
        % {
            "name": actor.username,
            "site": settings.SITE_NAME,
            "minutes": settings.PRIVACY_DELETE_LINK_MINUTES,
            "url": confirm_url,
        },
        None,
        [actor.email],
    )


def _posts_with_replies(user: User) -> set[int]:
    """Ids of *user*'s posts someone else answered: a live reply to it, a
    live post quoting it, or (for a topic's first post) anyone else's live
    post in the topic."""
    replied = set(
        Post.objects.filter(reply_to__author=user, deleted_at__isnull=True)
        .exclude(author=user)
        .values_list("reply_to_id", flat=True)
    )
    first_posts = Post.objects.filter(author=user, number=1).values_list(
        "pk", "topic_id"
    )
    topic_ids = {topic_id: pk for pk, topic_id in first_posts}
    answered_topics = set(
        Post.objects.filter(topic_id__in=list(topic_ids), deleted_at__isnull=True)
        .exclude(author=user)
        .values_list("topic_id", flat=True)
    )
    replied |= {topic_ids[t] for t in answered_topics}
    # Quoted by someone else: the quote carries the post's text into theirs.
    mine = set(Post.objects.filter(author=user).values_list("pk", flat=True))
    quoting = (
        Post.objects.filter(
            topic__posts__author=user,
            deleted_at__isnull=True,
            body_source__contains="](/p/",
        )
        .exclude(author=user)
        .distinct()
        .values_list("body_source", flat=True)
    )
    for body in quoting:
        replied |= {int(pk) for pk in QUOTE_LINK.findall(body)} & mine
    return replied


def delete_account(
    actor: User, *, keep_posts: bool, now: datetime | None = None
) -> User:
    """Deactivate *actor*'s account and erase its personal data.

    The caller re-authenticated the member (password, or the emailed link).
    keep_posts: the posts stay under "former member <id>"; otherwise each
    post nobody replied to becomes "deleted by its author" (text and history
    erased) and the others stay under the anonymous name. A brand
    representative's posts stay attributed to the brand. Irreversible.
    """
    policy.require(actor, Perm.DELETE_ACCOUNT, actor)
    now = now or timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update(of=("self",)).get(pk=actor.pk)
        if not user.is_active:
            return user
        old_names = _identifiers(user)
        anon_username = anonymous_username(user.pk)
        anon = anonymous_name(user.pk)
        brand_name = user.brand.name if user.brand_id and user.brand else ""

        if not keep_posts:
            _delete_unanswered_posts(user)
        _anonymise_authorship(user, anon, now)
        _erase_private_rows(user, now)
        _erase_uploads(user)
        _erase_sessions(user)
        _erase_profile(user, anon_username, anon)
        ErasedAccount.objects.create(user=user, erased_at=now, kept_posts=keep_posts)
        # Whatever still names the member: snapshots in other people's
        # rows, mentions, notification texts, event payloads, logs.
        changed_posts = _sweep_identifiers(
            old_names, anon_username, exclude_user_id=user.pk, brand_name=brand_name
        )
        _reindex(changed_posts)
    bump_on_commit()
    return user


# How a name is swept (privacy.actions._sweep_identifiers):
ANYWHERE = "anywhere"  # every whole-word occurrence, in every column
MENTION = (
    "mention"  # in free text only as "@name" or "/u/name/"; whole words in name columns
)
NAMES = "names"  # only in name columns (snapshots such as author_name)


def _distinctive(username: str) -> bool:
    """A username unlike an ordinary word: other people's words can't
    contain it by chance ("olive_t", "barista42", "olivetreebarista")."""
    return len(username) >= 8 or not username.isalpha()


def _identifiers(user: User, *, every_name: bool = False) -> list[tuple[str, str]]:
    """(text, how it is swept) for each way the member is named.

    Email addresses go everywhere. The username everywhere when it is
    distinctive, else as a mention or profile link only: deleting "marco"
    must not rewrite every "marco" others wrote. A display name everywhere
    when it has two words or more, else only from snapshots of names: a
    one-word name ("Ana") would rewrite other people's ordinary words.
    """
    names: list[tuple[str, str]] = []
    emails = {user.email} | set(
        EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    )
    for email in sorted(e for e in emails if e):
        names.append((email, ANYWHERE))
    names.append(
        (
            user.username,
            ANYWHERE if every_name or _distinctive(user.username) else MENTION,
        )
    )
    display = user.display_name.strip()
    if display and display.lower() != user.username.lower():
        wide = every_name or len(display.split()) > 1
        names.append((display, ANYWHERE if wide else NAMES))
    return names


def _delete_unanswered_posts(user: User) -> None:
    answered = _posts_with_replies(user)
    official = Q(is_official_answer=True)
    doomed = list(
        Post.objects.filter(author=user)
        .exclude(pk__in=answered)
        .exclude(official)
        .select_related("topic")
        .order_by("-number")
    )
    for post in doomed:
        if post.deleted_at is None:
            try:
                delete_post(user, post)
            except PermissionDenied:
                # A locked topic: the post still goes, without its counters.
                Post.objects.filter(pk=post.pk).update(deleted_at=timezone.now())
    ids = [p.pk for p in doomed]
    Post.objects.filter(pk__in=ids).update(
        body_source="", body_html="", body_text="", search_vector=None
    )
    PostRevision.objects.filter(post_id__in=ids).update(body_source="")


def _anonymise_authorship(user: User, anon: str, now: datetime) -> None:
    """Posts, topics, revisions, messages and logs keep an author that names
    no one: the anonymous name, or the brand for a representative's posts."""
    brand_posts = Q(author_role=PostRole.BRAND_REP, author_brand__isnull=False)
    brand_posts_of = Post.objects.filter(author=user).filter(brand_posts)
    for pk, brand in brand_posts_of.values_list("pk", "author_brand__name"):
        Post.objects.filter(pk=pk).update(author_name=brand)
        PostRevision.objects.filter(post_id=pk, author=user).update(author_name=brand)
    Post.objects.filter(author=user).exclude(brand_posts).update(author_name=anon)
    PostRevision.objects.filter(author=user).exclude(
        post__author_role=PostRole.BRAND_REP, post__author_brand__isnull=False
    ).update(author_name=anon)
    Topic.objects.filter(author=user).update(author_name=anon)
    for topic_id, name in Topic.objects.filter(last_post__author=user).values_list(
        "pk", "last_post__author_name"
    ):
        Topic.objects.filter(pk=topic_id).update(last_poster_name=name)
    Message.objects.filter(author=user).update(
        author_name=anon,
        author_label="",
        body_source="",
        body_html=DELETED_MESSAGE,
        deleted_at=now,
    )
    MessageReport.objects.filter(message__author=user).update(body_html="")
    Notification.objects.filter(actor=user).update(actor_name=anon)
    # Their texts name the actor by display name, one word or more.
    names = _pattern(_identifiers(user, every_name=True), name_column=True)
    if names is not None:
        for pk, text in Notification.objects.filter(actor=user).values_list(
            "pk", "text"
        ):
            Notification.objects.filter(pk=pk).update(text=names.sub(anon, text))
    ModerationAction.objects.filter(actor=user).update(actor_name=anon)
    ModerationAction.objects.filter(target_user=user).update(target_name=anon)
    AuditEntry.objects.filter(actor=user).update(actor_name=anon)
    IdeaDecision.objects.filter(owner=user).update(owner_name=anon)
    brand = user.brand.name if user.brand_id and user.brand else anon
    Confirmation.objects.filter(confirmed_by=user).update(confirmed_by_name=brand)
    ConfirmationEntry.objects.filter(actor=user).update(actor_name=brand)
    GroupRecommendation.objects.filter(representative=user).update(
        representative_name=brand
    )


def _erase_private_rows(user: User, now: datetime) -> None:
    """Rows that only ever mattered to the member."""
    Draft.objects.filter(user=user).delete()
    Bookmark.objects.filter(user=user).delete()
    Delivery.objects.filter(recipient=user).delete()
    Notification.objects.filter(recipient=user).delete()
    NotificationPreferences.objects.filter(user=user).delete()
    TopicWatch.objects.filter(user=user).delete()
    CategoryWatch.objects.filter(user=user).delete()
    ReadState.objects.filter(user=user).delete()
    UserVisit.objects.filter(user=user).delete()
    Ignore.objects.filter(Q(user=user) | Q(ignored=user)).delete()
    GroupMembership.objects.filter(user=user).delete()
    ModeratorAssignment.objects.filter(user=user).delete()
    DecisionOwner.objects.filter(user=user).delete()
    InvitedSignup.objects.filter(user=user).delete()
    GroupApplication.objects.filter(applicant=user).update(answers=[])
    Flag.objects.filter(flagger=user).update(message="")
    Appeal.objects.filter(appellant=user).update(statement="")
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()  # their tokens cascade
    ApiToken.objects.filter(user=user).delete()  # the read API's tokens
    storage = upload_storage()
    for export in DataExport.objects.filter(user=user):
        if export.storage_name:
            storage.delete(export.storage_name)
    DataExport.objects.filter(user=user).delete()


def _erase_uploads(user: User) -> None:
    """Uploads no live post shows go, with their bytes unless someone else
    uploaded the same file; those in live posts stay for the discussion."""
    shown = Q(
        posts__isnull=False,
        posts__deleted_at__isnull=True,
        posts__removed_at__isnull=True,
    )
    kept = set(
        Upload.objects.filter(uploader=user).filter(shown).values_list("pk", flat=True)
    )
    doomed = list(Upload.objects.filter(uploader=user).exclude(pk__in=kept))
    storage = upload_storage()
    for upload in doomed:
        shared = Upload.objects.filter(sha256=upload.sha256).exclude(pk=upload.pk)
        if not shared.exists():
            for name in (upload.storage_name, upload.thumbnail_name):
                if name:
                    storage.delete(name)
        upload.delete()


def _erase_sessions(user: User) -> None:
    """Sign the member out everywhere. Changing the password hash (below)
    already ends every session at its next request; stored sessions that
    name the account are deleted too."""
    engine = import_module(settings.SESSION_ENGINE)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded()
        if str(data.get("_auth_user_id")) == str(user.pk):
            engine.SessionStore(session_key=session.session_key).delete()


def _erase_profile(user: User, anon_username: str, anon: str) -> None:
    if user.avatar:
        user.avatar.delete(save=False)
    user.username = anon_username
    user.display_name = anon
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.bio = ""
    user.avatar = ""
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.role = Role.MEMBER
    user.brand = None
    user.brand_since = None
    user.last_seen_at = None
    user.welcome_pending = False
    user.save()


# --- The sweep ------------------------------------------------------------------------------

# Columns the sweep leaves alone: hashes and keys, never names.
SKIPPED = {
    ("accounts", "user", "password"),
    ("sessions", "session", "session_data"),
}


def _pattern(
    names: Iterable[tuple[str, str]], *, name_column: bool
) -> re.Pattern[str] | None:
    parts: list[tuple[int, str]] = []
    for text, how in names:
        if not text:
            continue
        word = re.escape(text)
        if how == ANYWHERE or name_column:
            parts.append((len(text), rf"(?<![\w]){word}(?![\w])"))
        elif how == MENTION:
            parts.append((len(text), rf"(?<=@){word}(?![\w])"))
            parts.append((len(text), rf"(?<=/u/){word}(?=/)"))
    if not parts:
        return None
    # Longest first, so an email goes before the username inside it.
    parts.sort(key=lambda part: part[0], reverse=True)
    return re.compile("|".join(p for _n, p in parts), re.IGNORECASE)


def _replace(value: Any, pattern: re.Pattern[str], anon: str) -> Any:
    if isinstance(value, str):
        return pattern.sub(anon, value)
    if isinstance(value, list):
        return [_replace(v, pattern, anon) for v in value]
    if isinstance(value, dict):
        return {
            _replace(k, pattern, anon): _replace(v, pattern, anon)
            for k, v in value.items()
        }
    return value


def _sweep_identifiers(
    names: list[tuple[str, str]],
    anon: str,
    *,
    exclude_user_id: int | None = None,
    brand_name: str = "",
) -> set[int]:
    """Replace every whole-word occurrence of *names* in every text, char
    and JSON column of every model with *anon*. Returns the ids of posts
    whose text changed (their search index is rebuilt).

    Name columns (username and those ending in "_name", which hold
    snapshots of names) lose every form of the name; free text loses what
    _identifiers says is safe to replace there.
    """
    everywhere = _pattern(names, name_column=False)
    in_names = _pattern(names, name_column=True)
    changed_posts: set[int] = set()
    user_model = get_user_model()
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        label = (model._meta.app_label, model._meta.model_name)
        for field in model._meta.concrete_fields:
            if not isinstance(
                field, (models.CharField, models.TextField, models.JSONField)
            ):
                continue
            if (*label, field.name) in SKIPPED:
                continue
            name_column = field.name.endswith("_name") or field.name == "username"
            pattern = in_names if name_column else everywhere
            if pattern is None:
                continue
            needles = [
                text for text, how in names if text and (name_column or how != NAMES)
            ]
            rows = _rows_containing(model, field, needles)
            if model is user_model and exclude_user_id is not None:
                rows = rows.exclude(pk=exclude_user_id)
            updates = []
            for pk, value in rows.values_list("pk", field.attname):
                new = _replace(value, pattern, anon)
                if new != value:
                    updates.append((pk, new))
            for pk, new in updates:
                model._default_manager.filter(pk=pk).update(**{field.attname: new})
                if model is Post:
                    changed_posts.add(pk)
                if model is Topic:  # the title is in its first post's index
                    changed_posts.update(
                        Post.objects.filter(topic_id=pk, number=1).values_list(
                            "pk", flat=True
                        )
                    )
    return changed_posts


def _rows_containing(
    model: type[models.Model], field: models.Field[Any, Any], needles: list[str]
) -> models.QuerySet[Any]:
    manager: models.Manager[Any] = model._default_manager
    qs: models.QuerySet[Any]
    if isinstance(field, models.JSONField):
        qs = manager.annotate(_as_text=Cast(field.attname, models.TextField()))
        lookup = "_as_text__icontains"
    else:
        qs = manager.all()
        lookup = f"{field.attname}__icontains"
    condition = Q()
    for needle in needles:
        condition |= Q(**{lookup: needle})
        if isinstance(field, models.JSONField):
            # JSON text escapes non-ASCII characters and quotes.
            escaped = json.dumps(needle)[1:-1]
            if escaped != needle:
                condition |= Q(**{lookup: escaped})
    if not needles:
        return qs.none()
    return qs.filter(condition)


def _reindex(post_ids: set[int]) -> None:
    """Rebuild the search index of posts whose text changed."""
    if connection.vendor != "postgresql" or not post_ids:
        return
    for post in Post.objects.filter(pk__in=post_ids).select_related("topic"):
        if not post.body_text:
            Post.objects.filter(pk=post.pk).update(search_vector=None)
            continue
        vector: SearchVector | CombinedExpression = SearchVector(
            "body_text", weight="B", config="english"
        )
        if post.number == 1:
            vector = (
                SearchVector(Value(post.topic.title), weight="A", config="english")
                + vector
            )
        Post.objects.filter(pk=post.pk).update(search_vector=vector)
