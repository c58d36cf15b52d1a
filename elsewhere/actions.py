"""Writes of the elsewhere app: listing opted-in communities, fetching their
feeds into links, withdrawing them, and the highlights feed switch.

Administrators act through the policy (Perm.MANAGE_ELSEWHERE). Fetching,
expiring and emailing are system steps run by Celery tasks; withdrawal is
authorised by the signed link sent to the source's contact address, not by
an account (tests/permissions/test_actions_ask_the_policy.py lists them).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from celery import current_app
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import EmailValidator
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from elsewhere.models import HighlightsFeed, Item, Source, url_hash
from elsewhere.parse import FEED_CONTENT_TYPES, Entry, FeedError, parse_feed
from forum.cache import bump_on_commit
from forum.models import Category
from images.fetch import FetchError, fetch
from permissions import policy
from permissions.policy import Perm

logger = logging.getLogger(__name__)
WITHDRAW_SALT = "elsewhere.withdraw"
USER_AGENT = "Hearth (community forum; reads the feeds of communities that opted in)"
# A claim older than this belongs to a fetch task that was lost.
CLAIM_MINUTES = 15


def _clean_http_url(value: str, field: str) -> str:
    value = (value or "").strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({field: _("Enter an http or https address.")})
    return value


def clean_source(
    *,
    name: str,
    site_url: str,
    feed_url: str,
    contact_email: str,
    fetch_interval_minutes: int,
) -> dict[str, object]:
    """Validate a source's fields (the admin form too); writes nothing."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the community's name.")})
    email = (contact_email or "").strip()
    try:
        EmailValidator()(email)
    except ValidationError as exc:
        raise ValidationError(
            {"contact_email": _("Enter the address the withdrawal link goes to.")}
        ) from exc
    if not 15 <= fetch_interval_minutes <= 24 * 60:
        raise ValidationError(
            {
                "fetch_interval_minutes": _(
                    "Fetch between every 15 minutes and once a day (1440)."
                )
            }
        )
    return {
        "name": name[:120],
        "site_url": _clean_http_url(site_url, "site_url"),
        "feed_url": _clean_http_url(feed_url, "feed_url"),
        "contact_email": email,
        "fetch_interval_minutes": fetch_interval_minutes,
    }


def clean_opt_in(
    *,
    requested_by: str,
    requested_at: datetime | None,
    request_note: str,
    request_link: str,
    now: datetime,
) -> dict[str, object]:
    """Validate an opt-in record: who asked, when, how; writes nothing."""
    errors: dict[str, str] = {}
    if not (requested_by or "").strip():
        errors["requested_by"] = _("Say who asked for the community to be listed.")
    if requested_at is None or requested_at > now:
        errors["requested_at"] = _("Say when they asked (not in the future).")
    if not (request_note or "").strip():
        errors["request_note"] = _(
            "Say how they asked: what was said, where and by whom."
        )
    if errors:
        raise ValidationError(errors)
    return {
        "requested_by": requested_by.strip()[:120],
        "requested_at": requested_at,
        "request_note": request_note.strip(),
        "request_link": _clean_http_url(request_link, "request_link"),
    }


def register_source(
    actor: User,
    *,
    name: str,
    site_url: str,
    feed_url: str,
    contact_email: str,
    requested_by: str,
    requested_at: datetime | None,
    request_note: str,
    request_link: str,
    description: str = "",
    categories: Iterable[Category] = (),
    fetch_interval_minutes: int = 60,
    send_link: bool = True,
    now: datetime | None = None,
) -> Source:
    """List a community that asked to be listed, with its opt-in record.

    The source is due at once (the next beat run fetches it), and the
    contact address gets the withdrawal link (unless *send_link* is off:
    seeding).
    """
    policy.require(actor, Perm.MANAGE_ELSEWHERE, None)
    now = now or timezone.now()
    fields = clean_source(
        name=name,
        site_url=site_url,
        feed_url=feed_url,
        contact_email=contact_email,
        fetch_interval_minutes=fetch_interval_minutes,
    )
    opt_in = clean_opt_in(
        requested_by=requested_by,
        requested_at=requested_at,
        request_note=request_note,
        request_link=request_link,
        now=now,
    )
    with transaction.atomic():
        source = Source.objects.create(
            **fields,
            **opt_in,
            description=(description or "").strip()[:300],
            approved_by=actor,
            approved_at=now,
            next_fetch_at=now,
        )
        source.categories.set(list(categories))
        bump_on_commit()
        if send_link:
            _enqueue("elsewhere.email_withdrawal_link", source.pk)
    return source


def update_source(
    actor: User,
    source: Source,
    *,
    name: str,
    site_url: str,
    feed_url: str,
    contact_email: str,
    description: str = "",
    categories: Iterable[Category] = (),
    fetch_interval_minutes: int = 60,
) -> Source:
    """Change a listed source's details; its opt-in record never changes."""
    policy.require(actor, Perm.MANAGE_ELSEWHERE, source)
    fields = clean_source(
        name=name,
        site_url=site_url,
        feed_url=feed_url,
        contact_email=contact_email,
        fetch_interval_minutes=fetch_interval_minutes,
    )
    with transaction.atomic():
        locked = Source.objects.select_for_update().get(pk=source.pk)
        if locked.feed_url != fields["feed_url"]:
            locked.etag = locked.last_modified = ""
        for key, value in fields.items():
            setattr(locked, key, value)
        locked.description = (description or "").strip()[:300]
        locked.save()
        locked.categories.set(list(categories))
        bump_on_commit()
    return locked


def send_withdrawal_link(actor: User, source: Source) -> None:
    """Send the source's contact address a fresh withdrawal link."""
    policy.require(actor, Perm.MANAGE_ELSEWHERE, source)
    if not source.is_active:
        raise ValidationError(_("This community has withdrawn already."))
    _enqueue("elsewhere.email_withdrawal_link", source.pk)


def withdrawal_token(source: Source) -> str:
    """The signed, expiring token of *source*'s withdrawal link."""
    return signing.dumps({"source": source.pk}, salt=WITHDRAW_SALT)


def withdrawal_url(source: Source) -> str:
    return settings.SITE_URL + reverse(
        "elsewhere:withdraw", args=[withdrawal_token(source)]
    )


def source_for_token(token: str) -> tuple[Source | None, str]:
    """The source a withdrawal token names, or None and why not."""
    try:
        data = signing.loads(
            token,
            salt=WITHDRAW_SALT,
            max_age=timedelta(days=settings.ELSEWHERE_WITHDRAW_LINK_DAYS),
        )
    except signing.SignatureExpired:
        return None, _(
            "This link has expired. Write to the administrators for a new one, "
            "or use the newest link they sent."
        )
    except signing.BadSignature:
        return None, _("This link is not valid. Check that it was copied whole.")
    source = Source.objects.filter(pk=data.get("source")).first()
    if source is None:
        return None, _("This link is not valid. Check that it was copied whole.")
    return source, ""


def email_withdrawal_link(source_id: int) -> bool:
    """Email the withdrawal link to a listed source's contact (a task's step)."""
    source = Source.objects.filter(pk=source_id, status=Source.Status.ACTIVE).first()
    if source is None:
        return False
    context = {
        "source": source,
        "url": withdrawal_url(source),
        "days": settings.ELSEWHERE_WITHDRAW_LINK_DAYS,
        "SITE_NAME": settings.SITE_NAME,
        "sources_url": settings.SITE_URL + reverse("elsewhere:sources"),
    }
    send_mail(
        render_to_string("elsewhere/email/withdrawal_link_subject.txt", context)
        .strip()
        .replace("\n", " "),
        render_to_string("elsewhere/email/withdrawal_link.txt", context),
        None,
        [source.contact_email],
    )
    return True


def withdraw_source(token: str, *, now: datetime | None = None) -> Source:
    """Withdraw the source a valid withdrawal link names: its items go at once.

    The opt-in record stays, marked withdrawn, on the public sources page.
    Withdrawing twice is harmless.
    """
    source, problem = source_for_token(token)
    if source is None:
        raise ValidationError(problem)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Source.objects.select_for_update().get(pk=source.pk)
        if locked.status == Source.Status.WITHDRAWN:
            return locked
        locked.status = Source.Status.WITHDRAWN
        locked.withdrawn_at = now
        locked.etag = locked.last_modified = ""
        locked.claimed_at = None
        locked.save()
        Item.objects.filter(source=locked).delete()
        bump_on_commit()
    return locked


def set_highlights_feed(
    actor: User, *, enabled: bool, now: datetime | None = None
) -> HighlightsFeed:
    """Turn the public highlights feed on or off."""
    policy.require(actor, Perm.MANAGE_ELSEWHERE, None)
    with transaction.atomic():
        row, _created = HighlightsFeed.objects.select_for_update().get_or_create(pk=1)
        row.enabled = enabled
        row.changed_by = actor
        row.changed_at = now or timezone.now()
        row.save()
        bump_on_commit()
        _forget_highlights_switch()
        transaction.on_commit(_forget_highlights_switch, robust=True)
    return row


HIGHLIGHTS_KEY = "elsewhere:highlights-enabled"  # elsewhere.queries reads it


def _forget_highlights_switch() -> None:
    try:
        cache.delete(HIGHLIGHTS_KEY)
    except Exception:  # the key expires within the hour anyway
        logger.warning("Could not forget the cached highlights feed switch.")


# --- Fetching (system steps run by elsewhere.tasks) ---------------------------------


def _enqueue(task: str, source_id: int) -> None:
    transaction.on_commit(lambda: current_app.signature(task, args=[source_id]).delay())


def enqueue_due_sources(*, now: datetime | None = None) -> list[int]:
    """Claim every listed source due for a fetch and enqueue one task each."""
    now = now or timezone.now()
    stale = now - timedelta(minutes=CLAIM_MINUTES)
    with transaction.atomic():
        due = list(
            Source.objects.select_for_update(skip_locked=True)
            .filter(status=Source.Status.ACTIVE, next_fetch_at__lte=now)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
            .values_list("pk", flat=True)
        )
        if due:
            Source.objects.filter(pk__in=due).update(claimed_at=now)
            for source_id in due:
                _enqueue("elsewhere.fetch_source", source_id)
    return due


def backoff(source: Source, failures: int) -> timedelta:
    """The wait before the next attempt after *failures* failures in a row."""
    minutes = source.fetch_interval_minutes * 2 ** min(failures, 12)
    return min(
        timedelta(minutes=minutes),
        timedelta(hours=settings.ELSEWHERE_MAX_BACKOFF_HOURS),
    )


def _record_failure(source_id: int, error: str, now: datetime) -> None:
    with transaction.atomic():
        source = Source.objects.select_for_update().filter(pk=source_id).first()
        if source is None:
            return
        source.failure_count += 1
        source.last_error = error[:300]
        source.last_fetched_at = now
        source.claimed_at = None
        source.next_fetch_at = now + backoff(source, source.failure_count)
        source.save(
            update_fields=[
                "failure_count",
                "last_error",
                "last_fetched_at",
                "claimed_at",
                "next_fetch_at",
            ]
        )


def fetch_source(source_id: int, *, now: datetime | None = None) -> str:
    """Fetch one listed source's feed and store its new entries as links.

    Returns what happened: "stored N", "not modified", "failed: …" or
    "skipped". A failure is recorded on the source (with back-off) and never
    raised: one broken community never stops the others.
    """
    now = now or timezone.now()
    source = Source.objects.filter(pk=source_id, status=Source.Status.ACTIVE).first()
    if source is None:
        return "skipped"
    try:
        fetched = fetch(
            source.feed_url,
            max_bytes=settings.ELSEWHERE_MAX_BYTES,
            timeout=settings.ELSEWHERE_FETCH_TIMEOUT,
            content_types=FEED_CONTENT_TYPES,
            max_redirects=settings.ELSEWHERE_MAX_REDIRECTS,
            allow_private=settings.ELSEWHERE_ALLOW_PRIVATE_ADDRESSES,
            etag=source.etag,
            last_modified=source.last_modified,
            user_agent=USER_AGENT,
        )
        entries: Sequence[Entry] = ()
        if not fetched.not_modified:
            entries = parse_feed(
                fetched.body, content_type=fetched.content_type, base=fetched.url
            )
    except FetchError as exc:
        _record_failure(source.pk, f"{exc.code}: {exc}", now)
        return f"failed: {exc.code}"
    except FeedError as exc:
        _record_failure(source.pk, f"parse: {exc}", now)
        return "failed: parse"
    with transaction.atomic():
        locked = Source.objects.select_for_update().get(pk=source.pk)
        if locked.status != Source.Status.ACTIVE:
            return "skipped"  # withdrawn while we fetched: store nothing
        stored = 0 if fetched.not_modified else store_items(locked, entries, now=now)
        locked.etag = fetched.etag
        locked.last_modified = fetched.last_modified
        locked.failure_count = 0
        locked.last_error = ""
        locked.last_fetched_at = locked.last_success_at = now
        locked.claimed_at = None
        locked.next_fetch_at = now + timedelta(minutes=locked.fetch_interval_minutes)
        locked.save()
    return "not modified" if fetched.not_modified else f"stored {stored}"


def store_items(source: Source, entries: Sequence[Entry], *, now: datetime) -> int:
    """Store *entries* of *source* that are new (by GUID and by URL) and not
    older than ELSEWHERE_ITEM_MAX_AGE_DAYS; returns how many were stored.

    A system step inside fetch_source (and seeding, which has no network).
    """
    oldest = now - timedelta(days=settings.ELSEWHERE_ITEM_MAX_AGE_DAYS)
    candidates: list[Item] = []
    seen: set[str] = set()
    for entry in entries[: settings.ELSEWHERE_MAX_ITEMS_PER_FETCH]:
        published = min(entry.published or now, now)
        if published < oldest:
            continue
        guid, link = url_hash(entry.guid), url_hash(entry.url)
        if guid in seen or link in seen:
            continue
        seen.update((guid, link))
        candidates.append(
            Item(
                source=source,
                guid_hash=guid,
                url=entry.url,
                url_hash=link,
                title=entry.title[:300],
                author=entry.author[:120],
                published_at=published,
                excerpt=entry.excerpt[:300],
                fetched_at=now,
            )
        )
    if not candidates:
        return 0
    known = set(
        Item.objects.filter(source=source)
        .filter(Q(guid_hash__in=seen) | Q(url_hash__in=seen))
        .values_list("guid_hash", "url_hash")
    )
    known_hashes = {value for pair in known for value in pair}
    new = [
        item
        for item in candidates
        if item.guid_hash not in known_hashes and item.url_hash not in known_hashes
    ]
    if new:
        Item.objects.bulk_create(new, ignore_conflicts=True)
        bump_on_commit()
    return len(new)


def expire_items(*, now: datetime | None = None) -> int:
    """Delete items older than ELSEWHERE_ITEM_MAX_AGE_DAYS; returns how many."""
    now = now or timezone.now()
    oldest = now - timedelta(days=settings.ELSEWHERE_ITEM_MAX_AGE_DAYS)
    deleted, _rows = Item.objects.filter(published_at__lt=oldest).delete()
    if deleted:
        bump_on_commit()
    return deleted
