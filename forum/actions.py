"""Every state change in the forum. Views, the admin, commands and tasks call these.

Each action asks the policy first, changes rows inside one transaction,
keeps the denormalized counters in step with F() updates, and emits an
outbox event that is dispatched after commit.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Greatest, Lower
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Brand, CommunityGroup, User
from accounts.roles import PostRole, Role
from drafts.actions import discard_posted_draft
from forum.cache import bump_on_commit
from forum.limits import (
    check_content_limits,
    check_duplicate,
    check_mention_count,
    check_posting_limits,
    check_slow_mode,
)
from forum.markup import (
    LocalImage,
    MarkupError,
    extract_mentions,
    html_to_text,
    image_urls,
    render_post_body,
)
from forum.models import (
    BOOKMARK_NOTE_MAX_LENGTH,
    Bookmark,
    BrandRequest,
    BrandStatus,
    Category,
    CategoryKind,
    Escalation,
    Like,
    Post,
    PostRevision,
    ReadState,
    RequestReason,
    Tag,
    Topic,
    peer_reply_q,
)
from forum.queries import newest_public_topic
from groups.actions import check_group_mentions, record_group_mentions
from groups.queries import mentionable_groups
from images.actions import enqueue_post_images
from images.queries import MAX_IMAGES_PER_POST, local_copies
from notifications.events import (
    BrandRequested,
    EventKind,
    PostCreated,
    ToUsers,
    emit,
)
from notifications.models import TopicWatch, WatchLevel
from permissions import policy
from permissions.policy import Perm
from recognition.enqueue import recompute_topic_awards_on_commit
from support import actions as support_actions
from uploads.actions import attach_post_uploads
from uploads.queries import uploaded_images

MAX_TAGS_PER_TOPIC = 4
TITLE_MIN_LENGTH = 5
TITLE_MAX_LENGTH = 150
QUOTE_LINK = re.compile(r"^\s*>.*\]\(/p/(\d+)/?\)", re.MULTILINE)
# The posts a reply may point to with reply_to: those shown with their text
# (not hidden, removed or deleted). The reply page offers only these too.
REPLYABLE_POSTS = Q(is_hidden=False, removed_at__isnull=True, deleted_at__isnull=True)

logger = logging.getLogger(__name__)


# --- Validation shared by the actions ---------------------------------------------------


def _image_copies(urls: list[str]) -> dict[str, LocalImage]:
    """Where a post shows its images from: Hearth's copies of images from
    other sites (images app) and members' uploaded pictures (uploads app)."""
    return local_copies(urls) | uploaded_images(urls)


def clean_title(title: str) -> str:
    title = " ".join(title.split())
    if len(title) < TITLE_MIN_LENGTH:
        raise ValidationError(
            _("The title needs at least %(n)d characters.") % {"n": TITLE_MIN_LENGTH},
            code="title",
        )
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError(
            _("The title can be at most %(n)d characters (it has %(count)d).")
            % {"n": TITLE_MAX_LENGTH, "count": len(title)},
            code="title",
        )
    if not slugify(title) and not any(ch.isalnum() for ch in title):
        raise ValidationError(
            _("The title needs some letters or digits."), code="title"
        )
    return title


def resolve_tags(names: Iterable[str]) -> list[Tag]:
    """Existing tags named in *names*; unknown names are an error, not a new tag."""
    slugs: list[str] = []
    for name in names:
        slug = slugify(name.strip())
        if slug and slug not in slugs:
            slugs.append(slug)
    if len(slugs) > MAX_TAGS_PER_TOPIC:
        raise ValidationError(
            _("Choose at most %(n)d tags.") % {"n": MAX_TAGS_PER_TOPIC}, code="tags"
        )
    tags = {tag.slug: tag for tag in Tag.objects.filter(slug__in=slugs)}
    unknown = [slug for slug in slugs if slug not in tags]
    if unknown:
        raise ValidationError(
            ngettext(
                "There is no tag called “%(tags)s”.",
                "There are no tags called %(tags)s.",
                len(unknown),
            )
            % {"tags": ", ".join(f"“{slug}”" for slug in unknown)},
            code="tags",
        )
    return [tags[slug] for slug in slugs]


def render_body(
    body: str, *, images: Mapping[str, LocalImage] | None = None
) -> tuple[str, list[User]]:
    """Render *body* to sanitized HTML, linking mentions of existing members.

    *images* maps image URLs to Hearth's copies (images app); by default the
    copies already made are used. Any other image renders as a link
    (forum.markup) until ``images.actions.enqueue_post_images`` has it copied.

    Raises ValidationError for text the markup layer rejects and for
    mentions of people who don't exist.
    """
    names = extract_mentions(body)
    check_mention_count(names)  # before any name is looked up
    mentioned: list[User] = []
    groups: dict[str, CommunityGroup] = {}
    if names:
        lowered = {name.lower() for name in names}
        mentioned = list(
            User.objects.select_related("brand")
            .annotate(lower_name=Lower("username"))
            .filter(lower_name__in=lowered, is_active=True)
        )
        found = {user.username.lower() for user in mentioned}
        missing = [name for name in names if name.lower() not in found]
        # groups: a mentionable group's slug is a mention too.
        groups = mentionable_groups(missing) if missing else {}
        missing = [name for name in missing if name.lower() not in groups]
        if missing:
            raise ValidationError(
                ngettext(
                    "Nobody here is called @%(names)s. Check the spelling, or put it in `backticks` if it isn't a mention.",
                    "Nobody here is called %(names)s. Check the spelling, or put them in `backticks` if they aren't mentions.",
                    len(missing),
                )
                % {"names": _name_list(missing)},
                code="mentions",
            )
    if images is None and "![" in body:
        images = _image_copies(image_urls(body))
    try:
        html = render_post_body(
            body,
            mentions={
                user.username.lower(): user.get_absolute_url() for user in mentioned
            }
            | {slug: group.get_absolute_url() for slug, group in groups.items()},
            mention_labels={
                user.username.lower(): _("%(brand)s · peer resource")
                % {"brand": user.brand.name}
                for user in mentioned
                if user.role == Role.BRAND_REP and user.brand is not None
            },
            images=images,
        )
    except MarkupError as exc:
        raise ValidationError(str(exc), code="body") from exc
    return html, mentioned


UNKNOWN_MENTIONS_SHOWN = 10


def _name_list(missing: Sequence[str]) -> str:
    """ "a" alone; "@a, @b" up to ten; the first ten and "… and N more"."""
    if len(missing) == 1:
        return missing[0]
    shown = ", ".join(f"@{name}" for name in missing[:UNKNOWN_MENTIONS_SHOWN])
    rest = len(missing) - UNKNOWN_MENTIONS_SHOWN
    if rest <= 0:
        return shown
    return ngettext(
        "%(names)s … and %(n)d more", "%(names)s … and %(n)d more", rest
    ) % {
        "names": shown,
        "n": rest,
    }


def snapshot_role(author: User, category: Category) -> PostRole:
    """The role label a post carries for its whole life."""
    if author.role == Role.BRAND_REP:
        return PostRole.BRAND_REP
    if policy.is_admin(author):
        return PostRole.ADMIN
    if policy.moderates(author, category):
        return PostRole.MODERATOR
    return PostRole.MEMBER


def _quoted_post_ids(body: str) -> list[int]:
    return sorted({int(match) for match in QUOTE_LINK.findall(body)})


def _update_search_vector(post: Post, title: str = "") -> None:
    if connection.vendor != "postgresql":
        return  # SQLite searches with LIKE; see forum.search
    vector: SearchVector | CombinedExpression = SearchVector(
        "body_text", weight="B", config="english"
    )
    if title:
        vector = SearchVector(Value(title), weight="A", config="english") + vector
    Post.objects.filter(pk=post.pk).update(search_vector=vector)


def _new_post(
    author: User,
    topic: Topic,
    *,
    number: int,
    body: str,
    body_html: str,
    now: datetime,
    reply_to: Post | None = None,
) -> Post:
    post = Post.objects.create(
        topic=topic,
        number=number,
        author=author,
        author_name=author.name,
        author_role=snapshot_role(author, topic.category),
        author_brand_id=author.brand_id if author.role == Role.BRAND_REP else None,
        reply_to=reply_to,
        body_source=body,
        body_html=body_html,
        body_text=html_to_text(body_html),
        created_at=now,
    )
    PostRevision.objects.create(
        post=post,
        number=1,
        title=topic.title if number == 1 else "",
        body_source=body,
        author=author,
        author_name=author.name,
        created_at=now,
    )
    return post


# --- Topics and posts ---------------------------------------------------------------------


def create_topic(
    author: User,
    category: Category,
    *,
    title: str,
    body: str,
    tags: Sequence[str] = (),
) -> Topic:
    """Start a topic with its first post; update the category's counters."""
    policy.require(author, Perm.START_TOPIC, category)
    title = clean_title(title)
    tag_objects = resolve_tags(tags)
    body_html, mentioned = render_body(body)
    check_posting_limits(author, body_html, mentioned)
    check_duplicate(author, body)
    mentioned_groups = check_group_mentions(author, body)
    now = timezone.now()

    with transaction.atomic():
        topic = Topic.objects.create(
            category=category,
            title=title,
            slug=slugify(title)[:160] or "topic",
            author=author,
            author_name=author.name,
            created_at=now,
            last_posted_at=now,
            last_poster_name=author.name,
            last_post_number=1,
        )
        post = _new_post(
            author, topic, number=1, body=body, body_html=body_html, now=now
        )
        enqueue_post_images(post)
        attach_post_uploads(post)
        discard_posted_draft(author, category=category)
        Topic.objects.filter(pk=topic.pk).update(first_post=post, last_post=post)
        topic.first_post = topic.last_post = post
        if tag_objects:
            topic.tags.set(tag_objects)
            Tag.objects.filter(pk__in=[t.pk for t in tag_objects]).update(
                topic_count=F("topic_count") + 1
            )
        Category.objects.filter(pk=category.pk).update(
            topic_count=F("topic_count") + 1,
            post_count=F("post_count") + 1,
            last_topic=topic,
            last_posted_at=now,
        )
        _update_search_vector(post, title)
        _mark_read(author, topic, 1)
        _auto_watch(author, topic)
        emit(EventKind.TOPIC_CREATED, actor=author, topic=topic, post=post)
        _emit_mentions(author, post, mentioned)
        record_group_mentions(author, post, mentioned_groups)
        bump_on_commit()
    return topic


def reply_to_topic(
    author: User,
    topic: Topic,
    *,
    body: str,
    reply_to: Post | None = None,
    official: bool = False,
) -> Post:
    """Add a reply, optionally in reply to a specific post; update counters.

    A brand representative's reply answers the topic's open ask-the-brand
    requests for their brand; with *official* it is labeled an official
    answer (never accepted automatically: the asker decides).
    """
    policy.require(author, Perm.REPLY, topic)
    if official:
        policy.require(author, Perm.POST_OFFICIAL_ANSWER, topic)
    if reply_to is not None and reply_to.topic_id != topic.pk:
        raise ValidationError(_("You can only reply to a post in the same topic."))
    body_html, mentioned = render_body(body)
    check_slow_mode(author, topic)
    check_posting_limits(author, body_html, mentioned)
    check_duplicate(author, body)
    mentioned_groups = check_group_mentions(author, body)
    now = timezone.now()

    with transaction.atomic():
        locked = Topic.objects.select_for_update().get(pk=topic.pk)
        if locked.category_id == topic.category_id:
            locked.category = topic.category  # loaded for the check above
        # Asked again under the lock: a moderator may have locked or closed
        # the topic since the check above.
        policy.require(author, Perm.REPLY, locked)
        if reply_to is not None and not (
            Post.objects.select_for_update()
            .filter(REPLYABLE_POSTS, pk=reply_to.pk, topic_id=topic.pk)
            .exists()
        ):
            raise ValidationError(
                _(
                    "The post you were replying to has been hidden or deleted, so "
                    "your reply can't point to it. Your text is kept: post it as a "
                    "reply to the topic."
                ),
                code="reply_to",
            )
        number = locked.last_post_number + 1
        post = _new_post(
            author,
            topic,
            number=number,
            body=body,
            body_html=body_html,
            now=now,
            reply_to=reply_to,
        )
        enqueue_post_images(post)
        attach_post_uploads(post)
        discard_posted_draft(author, topic=topic)
        if official:
            Post.objects.filter(pk=post.pk).update(is_official_answer=True)
            post.is_official_answer = True
        if author.role == Role.BRAND_REP:
            _answer_brand_requests(author, topic, post, now)
        Topic.objects.filter(pk=topic.pk).update(
            reply_count=F("reply_count") + 1,
            last_post_number=number,
            last_post=post,
            last_posted_at=now,
            last_poster_name=author.name,
        )
        # A category's "latest" names public topics only (forum.queries.roll_up).
        latest = {} if topic.is_hidden else {"last_topic": topic, "last_posted_at": now}
        Category.objects.filter(pk=topic.category_id).update(
            post_count=F("post_count") + 1, **latest
        )
        _update_search_vector(post)
        _mark_read(author, topic, number)
        _auto_watch(author, topic)
        emit(
            EventKind.POST_CREATED,
            PostCreated(
                reply_to_post_id=reply_to.pk if reply_to else None,
                quoted_post_ids=_quoted_post_ids(body),
                official=official,
                mentioned_ids=[user.pk for user in mentioned],
            ),
            actor=author,
            topic=topic,
            post=post,
        )
        _emit_mentions(author, post, mentioned)
        record_group_mentions(author, post, mentioned_groups)
        bump_on_commit()
    topic.refresh_from_db()
    return post


def edit_post(actor: User, post: Post, *, body: str, title: str | None = None) -> Post:
    """Change the text of one's own post, keeping every earlier revision.

    A title is accepted only for the first post of a topic (it retitles the
    topic; the old slug keeps redirecting). Saving identical text is a no-op.
    """
    policy.require(actor, Perm.EDIT_POST, post)
    topic = post.topic
    new_title = clean_title(title) if title is not None and post.number == 1 else None
    title_changed = new_title is not None and new_title != topic.title
    if body == post.body_source and not title_changed:
        return post
    body_html, mentioned = render_body(body)
    check_content_limits(actor, body_html, mentioned)
    now = timezone.now()

    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        revision_number = locked.revision_count + 1
        PostRevision.objects.create(
            post=post,
            number=revision_number,
            title=new_title or (topic.title if post.number == 1 else ""),
            body_source=body,
            author=actor,
            author_name=actor.name,
            created_at=now,
        )
        post.body_source = body
        post.body_html = body_html
        post.body_text = html_to_text(body_html)
        post.edited_at = now
        post.revision_count = revision_number
        post.save(
            update_fields=[
                "body_source",
                "body_html",
                "body_text",
                "edited_at",
                "revision_count",
            ]
        )
        enqueue_post_images(post)
        attach_post_uploads(post)
        if new_title is not None and title_changed:
            topic.title = new_title
            topic.slug = slugify(new_title)[:160] or "topic"
            topic.save(update_fields=["title", "slug"])
        _update_search_vector(post, topic.title if post.number == 1 else "")
        _emit_mentions(actor, post, mentioned)
        bump_on_commit()
    return post


def deletes_topic(post: Post) -> bool:
    """Whether deleting *post* deletes its whole topic: only a first post
    nobody else answered. Once anyone else has posted in the topic (even a
    post since deleted, hidden or removed), the topic and their posts stay and
    only the first post becomes a placeholder (docs/decisions.md)."""
    if post.number != 1:
        return False
    others = Post.objects.filter(topic_id=post.topic_id).exclude(pk=post.pk)
    if post.author_id is None:
        return not others.exists()
    # exclude() keeps posts whose author is NULL (an erased account): others.
    return not others.exclude(author_id=post.author_id).exists()


def delete_post(actor: User, post: Post) -> Post:
    """Soft-delete one's own post: a placeholder stays, the history is kept.

    Deleting the first post deletes the topic the same way only while nobody
    else has posted in it (deletes_topic); otherwise the topic, its title and
    everyone's replies stay, and the first post shows "deleted by its author"
    like any other. Nobody's own deletion makes other people's posts
    disappear; removing those takes a moderator, one post at a time, in the
    open. Counters follow resync_counters: replies and posts count live posts.
    """
    policy.require(actor, Perm.DELETE_POST, post)
    now = timezone.now()
    with transaction.atomic():
        # Locking the topic serializes this with replies, so a reply can't
        # slip in between "nobody else posted" and deleting the topic.
        topic = Topic.objects.select_for_update().get(pk=post.topic_id)
        whole_topic = deletes_topic(post)
        updated = Post.objects.filter(pk=post.pk, deleted_at__isnull=True).update(
            deleted_at=now
        )
        if not updated:
            return post
        post.deleted_at = now
        if whole_topic:
            _delete_topic(topic, now, post)
        else:
            _count_deleted_post(topic, post)
        recompute_topic_awards_on_commit(topic.pk)
        bump_on_commit()
    return post


def _delete_topic(topic: Topic, now: datetime, first: Post) -> None:
    """Soft-delete *topic* (its first post already is): out of lists, counts,
    tags and its category's "latest"."""
    live_posts = Post.objects.filter(topic=topic, deleted_at__isnull=True).count()
    Topic.objects.filter(pk=topic.pk).update(deleted_at=now)
    Category.objects.filter(pk=topic.category_id).update(
        topic_count=Greatest(F("topic_count") - 1, 0),
        post_count=Greatest(F("post_count") - live_posts - 1, 0),
    )
    Tag.objects.filter(topics=topic).update(
        topic_count=Greatest(F("topic_count") - 1, 0)
    )
    newest = newest_public_topic(topic.category_id)
    Category.objects.filter(pk=topic.category_id, last_topic=topic).update(
        last_topic_id=newest[0] if newest else None,
        last_posted_at=newest[1] if newest else None,
    )
    first.topic.deleted_at = now


def _count_deleted_post(topic: Topic, post: Post) -> None:
    """One post became a placeholder in a topic that stays."""
    Category.objects.filter(pk=topic.category_id).update(
        post_count=Greatest(F("post_count") - 1, 0)
    )
    changes: dict[str, object] = {}
    if post.number > 1:
        changes["reply_count"] = Greatest(F("reply_count") - 1, 0)
    if topic.last_post_id == post.pk:
        changes["last_post"] = (
            Post.objects.filter(topic=topic, deleted_at__isnull=True)
            .order_by("-number")
            .first()
        )
    if changes:
        Topic.objects.filter(pk=topic.pk).update(**changes)


def like_post(actor: User, post: Post) -> Post:
    """Like a post once. Liking twice is a no-op."""
    policy.require(actor, Perm.LIKE_POST, post)
    with transaction.atomic():
        try:
            with transaction.atomic():
                Like.objects.create(post=post, user=actor)
        except IntegrityError:
            return post
        Post.objects.filter(pk=post.pk).update(like_count=F("like_count") + 1)
        Topic.objects.filter(pk=post.topic_id).update(like_count=F("like_count") + 1)
        emit(EventKind.POST_LIKED, actor=actor, topic=post.topic, post=post)
        recompute_topic_awards_on_commit(post.topic_id)
        bump_on_commit()
    post.like_count += 1
    return post


def unlike_post(actor: User, post: Post) -> Post:
    """Take a like back. Without a like, nothing happens."""
    policy.require(actor, Perm.VIEW_TOPIC, post.topic)
    with transaction.atomic():
        deleted, _detail = Like.objects.filter(post=post, user=actor).delete()
        if not deleted:
            return post
        Post.objects.filter(pk=post.pk).update(
            like_count=Greatest(F("like_count") - 1, 0)
        )
        Topic.objects.filter(pk=post.topic_id).update(
            like_count=Greatest(F("like_count") - 1, 0)
        )
        recompute_topic_awards_on_commit(post.topic_id)
        bump_on_commit()
    post.like_count = max(post.like_count - 1, 0)
    return post


def accept_answer(actor: User, post: Post) -> Topic:
    """Mark *post* as the accepted answer of its question (replacing any other)."""
    policy.require(actor, Perm.ACCEPT_ANSWER, post)
    topic = post.topic
    with transaction.atomic():
        Topic.objects.filter(pk=topic.pk).update(accepted_post=post, is_solved=True)
        topic.accepted_post = post
        topic.is_solved = True
        emit(EventKind.ANSWER_ACCEPTED, actor=actor, topic=topic, post=post)
        recompute_topic_awards_on_commit(topic.pk)
        bump_on_commit()
    return topic


def unaccept_answer(actor: User, topic: Topic) -> Topic:
    """Clear the accepted answer; allowed to whoever could accept it."""
    policy.require(actor, Perm.VIEW_TOPIC, topic)
    if topic.accepted_post is None:
        return topic
    previous = topic.accepted_post
    policy.require(actor, Perm.ACCEPT_ANSWER, previous)
    with transaction.atomic():
        Topic.objects.filter(pk=topic.pk).update(accepted_post=None, is_solved=False)
        topic.accepted_post = None
        topic.is_solved = False
        recompute_topic_awards_on_commit(topic.pk)
        bump_on_commit()
    return topic


# --- Bookmarks (private: nothing is emitted, nobody else learns of them) -----------------------


def clean_bookmark_note(note: str) -> str:
    note = " ".join(note.split())
    if len(note) > BOOKMARK_NOTE_MAX_LENGTH:
        raise ValidationError(
            _("Keep the note to %(n)d characters or fewer (it has %(count)d).")
            % {"n": BOOKMARK_NOTE_MAX_LENGTH, "count": len(note)},
            code="note",
        )
    return note


def bookmark_post(user: User, post: Post, note: str | None = None) -> Bookmark:
    """Bookmark *post* for *user*, with an optional private note.

    Idempotent: bookmarking again keeps the one bookmark (and its date) and
    replaces the note when one is given; *note* None leaves it as it is, so a
    double-clicked Bookmark button never wipes a note.
    """
    policy.require(user, Perm.BOOKMARK_POST, post)
    cleaned = None if note is None else clean_bookmark_note(note)
    with transaction.atomic():
        bookmark, created = Bookmark.objects.get_or_create(
            user=user, post=post, defaults={"note": cleaned or ""}
        )
        if not created and cleaned is not None and bookmark.note != cleaned:
            bookmark.note = cleaned
            bookmark.save(update_fields=["note"])
    return bookmark


def remove_bookmark(user: User, post: Post) -> bool:
    """Take a bookmark back; True when there was one.

    Your own bookmark can always go, even on a post you can no longer see
    (/bookmarks/ keeps listing it, marked). Without one, the policy answers as
    for adding it, so a post you cannot see is a 404 rather than a quiet no.
    """
    policy.require(user, Perm.KEEP_OWN_STATE, None)
    own = Bookmark.objects.filter(user=user, post=post)
    if not own.exists():
        policy.require(user, Perm.BOOKMARK_POST, post)
        return False
    deleted, _detail = own.delete()
    return deleted > 0


# --- The brand as a peer resource -------------------------------------------------------------


def ask_brand(
    actor: User, topic: Topic, brand: Brand, *, note: str = ""
) -> BrandRequest:
    """Ask *brand*'s representatives to respond on *topic*.

    The topic shows "brand response requested" until a representative of
    that brand replies. Asking twice while a request is open is a no-op.
    """
    policy.require(actor, Perm.ASK_BRAND, topic)
    note = " ".join(note.split())
    if len(note) > 300:
        raise ValidationError(_("Keep the note under 300 characters."), code="note")
    with transaction.atomic():
        existing = BrandRequest.objects.filter(
            topic=topic, brand=brand, requested_by=actor, answered_at__isnull=True
        ).first()
        if existing is not None:
            return existing
        return _open_brand_request(
            topic, brand, requested_by=actor, reason=RequestReason.MEMBER, note=note
        )


def route_to_brand(
    actor: User, topic: Topic, brand: Brand, *, note: str = ""
) -> BrandRequest:
    """A moderator hands *topic* to *brand*'s representatives.

    The same request a member's "ask the brand" opens, labeled "routed by a
    moderator" in the queue. Routing twice while a request is open is a no-op.
    """
    policy.require(actor, Perm.ROUTE_TO_BRAND, topic)
    note = " ".join(note.split())
    if len(note) > 300:
        raise ValidationError(_("Keep the note under 300 characters."), code="note")
    with transaction.atomic():
        existing = BrandRequest.objects.filter(
            topic=topic, brand=brand, answered_at__isnull=True
        ).first()
        if existing is not None:
            return existing
        return _open_brand_request(
            topic, brand, requested_by=actor, reason=RequestReason.MODERATOR, note=note
        )


def _open_brand_request(
    topic: Topic,
    brand: Brand,
    *,
    requested_by: User | None,
    reason: RequestReason,
    note: str = "",
    now: datetime | None = None,
) -> BrandRequest:
    """Write the request, label the topic and tell the brand's representatives
    (inside the caller's transaction)."""
    request = BrandRequest.objects.create(
        topic=topic,
        brand=brand,
        requested_by=requested_by,
        reason=reason,
        note=note,
        created_at=now or timezone.now(),
    )
    Topic.objects.filter(pk=topic.pk).update(brand_status=BrandStatus.REQUESTED)
    topic.brand_status = BrandStatus.REQUESTED
    emit(
        EventKind.BRAND_REQUESTED,
        BrandRequested(brand_id=brand.pk, request_id=request.pk),
        actor=requested_by,
        topic=topic,
    )
    bump_on_commit()
    return request


# Questions whose peer-first window ended longer ago than this are left alone:
# turning routing on (or lowering a category's hours) must not flood the
# representatives with the archive.
PEER_FIRST_LOOKBACK = timedelta(days=7)


def peer_first_hours(category: Category) -> int:
    """The category's peer-first window in hours (0: never routed)."""
    if category.peer_first_hours is not None:
        return category.peer_first_hours
    hours: int = settings.PEER_FIRST_HOURS
    return hours


def route_unanswered_questions(now: datetime | None = None) -> int:
    """Open a system brand request for each question that had no community
    answer within its category's peer-first window; return how many topics.

    Run by beat (forum.route_unanswered_questions). Exactly once per topic and
    brand (a partial unique constraint, and topics already routed are skipped).
    A topic the brand was already asked about (a member asked, a moderator
    routed) or spoke in is left alone. Every brand with an active
    representative is asked.
    """
    now = now or timezone.now()
    brands = list(
        Brand.objects.filter(
            representatives__role=Role.BRAND_REP, representatives__is_active=True
        ).distinct()
    )
    if not brands:
        return 0
    peer_answer = Post.objects.filter(peer_reply_q(), topic_id=OuterRef("pk")).exclude(
        author_id=OuterRef("author_id")
    )
    # A topic the brand was already asked about (by anyone, open or answered)
    # or already spoke in is not routed again.
    asked = BrandRequest.objects.filter(topic_id=OuterRef("pk"))
    brand_spoke = Post.objects.filter(
        topic_id=OuterRef("pk"), author_role=PostRole.BRAND_REP
    )
    routed = 0
    for category in Category.objects.filter(kind=CategoryKind.QUESTIONS):
        hours = peer_first_hours(category)
        if hours <= 0:
            continue
        due = now - timedelta(hours=hours)
        topics = (
            Topic.objects.filter(
                category=category,
                created_at__lte=due,
                created_at__gt=due - PEER_FIRST_LOOKBACK,
                deleted_at__isnull=True,
                merged_into__isnull=True,
                is_hidden=False,
                is_locked=False,
                is_closed=False,
                is_solved=False,
            )
            .exclude(Exists(asked))
            .exclude(Exists(brand_spoke))
            .exclude(Exists(peer_answer))
            .select_related("category")
            .order_by("created_at", "pk")
        )
        for topic in topics:
            if _route_unanswered(topic, brands, now=now):
                routed += 1
    return routed


def _route_unanswered(topic: Topic, brands: Sequence[Brand], *, now: datetime) -> bool:
    with transaction.atomic():
        locked = Topic.objects.select_for_update().filter(pk=topic.pk).first()
        if (
            locked is None
            or locked.brand_requests.filter(reason=RequestReason.PEER_FIRST).exists()
        ):
            return False
        locked.category = topic.category
        for brand in brands:
            _open_brand_request(
                locked,
                brand,
                requested_by=None,
                reason=RequestReason.PEER_FIRST,
                now=now,
            )
    return True


def _answer_brand_requests(rep: User, topic: Topic, post: Post, now: datetime) -> None:
    if rep.brand_id is None:  # no brand, no requests of its own to answer
        return
    open_requests = BrandRequest.objects.filter(
        topic=topic, brand_id=rep.brand_id, answered_at__isnull=True
    )
    requested_by = list(open_requests.values_list("requested_by_id", flat=True))
    if not requested_by:
        return
    # Requests peer-first routing opened have nobody who asked: the asker
    # hears of the answer as the topic's author, like any reply.
    requester_ids = sorted({pk for pk in requested_by if pk is not None})
    open_requests.update(answered_at=now, answered_by=rep, answer=post)
    still_open = BrandRequest.objects.filter(
        topic=topic, answered_at__isnull=True
    ).exists()
    status = BrandStatus.REQUESTED if still_open else BrandStatus.ANSWERED
    Topic.objects.filter(pk=topic.pk).update(brand_status=status)
    topic.brand_status = status
    if requester_ids:
        emit(
            EventKind.BRAND_ANSWERED,
            ToUsers(user_ids=requester_ids),
            actor=rep,
            topic=topic,
            post=post,
        )


def escalate_to_support(
    actor: User, topic: Topic, *, brand: Brand | None = None, note: str = ""
) -> Escalation:
    """Hand *topic* to the brand's formal support, once (support.actions
    does it: the ticket, the delivery to the desk, the status coming back).

    The topic shows a public "escalated to <Brand> support" note; the member
    who asked gets a private notice with the support link and a reference.
    Nothing is removed or hidden.
    """
    policy.require(actor, Perm.ESCALATE_TO_SUPPORT, topic)
    return support_actions.escalate_to_support(actor, topic, brand=brand, note=note)


# --- Read state --------------------------------------------------------------------------


def mark_read(user: User, topic: Topic, number: int) -> None:
    """Record that *user* has read *topic* up to post *number* (never backwards)."""
    policy.require(user, Perm.VIEW_TOPIC, topic)
    if not user.is_authenticated:
        return
    number = max(0, min(number, topic.last_post_number))
    _mark_read(user, topic, number)


def record_read(user: User, topic_id: int, number: int) -> None:
    """mark_read for a topic page served from the per-class cache
    (forum/cache.py): the page was rendered for the reader's viewer class,
    which passed the policy's VIEW_TOPIC, and *number* is the last post on it."""
    _mark_read(user, Topic(pk=topic_id), number)


def _mark_read(user: User, topic: Topic, number: int) -> None:
    updated = ReadState.objects.filter(
        user=user, topic=topic, last_read_number__lt=number
    ).update(last_read_number=number, updated_at=timezone.now())
    if updated:
        return
    try:
        with transaction.atomic():
            ReadState.objects.get_or_create(
                user=user, topic=topic, defaults={"last_read_number": number}
            )
    except IntegrityError:
        pass  # a parallel request created it; it is at least as far along


def _auto_watch(user: User, topic: Topic) -> None:
    """Quiet default: watch topics you start or reply to, unless you already
    chose a level for this topic (muting included)."""
    TopicWatch.objects.bulk_create(
        [TopicWatch(user=user, topic=topic, level=WatchLevel.WATCHING)],
        ignore_conflicts=True,
    )


def _emit_mentions(actor: User, post: Post, mentioned: list[User]) -> None:
    recipients = [user.pk for user in mentioned if user.pk != actor.pk]
    if recipients:
        emit(
            EventKind.USER_MENTIONED,
            ToUsers(user_ids=recipients),
            actor=actor,
            topic=post.topic,
            post=post,
        )


def max_post_length() -> int:
    return getattr(settings, "FORUM_MAX_POST_LENGTH", 30000)


def show_image_copies(post_id: int) -> bool:
    """Render a post again with Hearth's copies of its images from other sites.

    A system step run by the images task once the copies exist (it changes no
    words, only where an image is shown from). Only if the text is still the
    one rendered: an edit meanwhile has its own task. Returns whether the post
    changed.
    """
    post = Post.objects.filter(pk=post_id).only("body_source", "body_html").first()
    if post is None:
        return False
    copies = _image_copies(image_urls(post.body_source)[:MAX_IMAGES_PER_POST])
    if not copies:
        return False
    try:
        html, _mentioned = render_body(post.body_source, images=copies)
    except ValidationError:
        # A mentioned member has left since: keep the post as it was written
        # rather than drop its mention links.
        logger.info("Post %s not re-rendered: its text no longer renders.", post.pk)
        return False
    if html == post.body_html:
        return False
    with transaction.atomic():
        changed = Post.objects.filter(pk=post.pk, body_source=post.body_source).update(
            body_html=html, body_text=html_to_text(html)
        )
        if changed:
            bump_on_commit()
    return bool(changed)
