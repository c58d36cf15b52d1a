"""Who may do what in the forum.

Every permission question is answered here: views, actions, templates and
Celery tasks ask this module and never re-implement a rule. Rules deny by
default, apply hard denials first, and keep one condition per line so that
coverage shows which branches the tests exercise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, TypeAlias, TypeGuard

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext as _

from accounts.models import CommunityGroup, JoinPolicy, MentionPolicy, User
from accounts.roles import PostRole, Role, TrustLevel
from config.sql import many_ids
from conversations.models import Conversation, Message
from forum.models import BrandRequest, Category, CategoryKind, Escalation, Post, Topic
from ideas.models import DecisionOwner
from moderation.models import Appeal, ModerationAction
from polls.models import Poll
from privacy.models import DataExport
from support.models import TicketStatus
from uploads.models import Upload

Actor: TypeAlias = User | AnonymousUser


class Perm(StrEnum):
    VIEW_CATEGORY = "view_category"
    VIEW_TOPIC = "view_topic"
    START_TOPIC = "start_topic"
    REPLY = "reply"
    EDIT_POST = "edit_post"
    DELETE_POST = "delete_post"
    LIKE_POST = "like_post"
    # Private bookmarks on posts; a peer action, brand representatives too.
    BOOKMARK_POST = "bookmark_post"
    ACCEPT_ANSWER = "accept_answer"
    VIEW_POST_HISTORY = "view_post_history"
    FLAG_POST = "flag_post"
    # Rendering the composer's text; the same hard denials as posting.
    PREVIEW_POST = "preview_post"
    # Posting without the new-member limits (rate, links, images, mentions).
    SKIP_POSTING_LIMITS = "skip_posting_limits"
    # One's own account and private state: the profile, read marks, watches,
    # notification settings, taking back one's bookmarks.
    EDIT_PROFILE = "edit_profile"
    KEEP_OWN_STATE = "keep_own_state"
    # Moderation of someone else's content: category moderators and admins,
    # never brand representatives.
    HIDE_POST = "hide_post"
    REMOVE_POST = "remove_post"
    REDACT_POST = "redact_post"
    LOCK_TOPIC = "lock_topic"
    CLOSE_TOPIC = "close_topic"
    PIN_TOPIC = "pin_topic"
    MOVE_TOPIC = "move_topic"
    MERGE_TOPIC = "merge_topic"
    SPLIT_TOPIC = "split_topic"
    RETITLE_TOPIC = "retitle_topic"
    SLOW_MODE = "slow_mode"
    VIEW_REVIEW_QUEUE = "view_review_queue"
    # Deciding the flags on one post (agree, disagree, defer).
    REVIEW_FLAGS = "review_flags"
    VIEW_FLAGGERS = "view_flaggers"
    SANCTION_USER = "sanction_user"
    REQUEST_REVIEW = "request_review"
    APPEAL_ACTION = "appeal_action"
    DECIDE_APPEAL = "decide_appeal"
    VIEW_MODERATOR_NAMES = "view_moderator_names"
    # The brand's peer-resource tools: representatives and admins.
    ASK_BRAND = "ask_brand"
    ANSWER_BRAND_REQUESTS = "answer_brand_requests"
    POST_OFFICIAL_ANSWER = "post_official_answer"
    ESCALATE_TO_SUPPORT = "escalate_to_support"
    # Peers first (issue 17): a moderator hands a topic to the brand; a
    # representative marks a member's answer "Confirmed by <brand>" (a label
    # under the member's words) and may withdraw it, in public.
    ROUTE_TO_BRAND = "route_to_brand"
    CONFIRM_ANSWER = "confirm_answer"
    WITHDRAW_CONFIRMATION = "withdraw_confirmation"
    # Ideas: voting is a member's (representatives' and admins' votes are
    # counted apart); deciding an idea's status is its decision owners' only.
    VOTE_IDEA = "vote_idea"
    SET_IDEA_STATUS = "set_idea_status"
    NAME_DECISION_OWNER = "name_decision_owner"
    # Polls on topics (polls app): starting one with a new topic (asked of
    # the category), voting, closing early and editing (asked of the poll).
    START_POLL = "start_poll"
    VOTE_POLL = "vote_poll"
    CLOSE_POLL = "close_poll"
    EDIT_POLL = "edit_poll"
    # Administration.
    ACCESS_ADMIN = "access_admin"
    ASSIGN_MODERATOR = "assign_moderator"
    MANAGE_BRAND_REPS = "manage_brand_reps"
    SET_TRUST_LEVEL = "set_trust_level"
    # Elsewhere (issue 19): registering opted-in communities, sending their
    # withdrawal links, turning the highlights feed on or off.
    MANAGE_ELSEWHERE = "manage_elsewhere"
    # Full export of the public community (exports app): starting one from
    # the admin and downloading its archive.
    EXPORT_COMMUNITY = "export_community"
    # --- insights: listening report and give-and-get (read-only pages) ---
    # The brand's listening report: its verified representatives (their own
    # brand only) and admins (any brand). Reading only; no power over a post.
    VIEW_LISTENING_REPORT = "view_listening_report"
    # A member's private give-and-get page: that member only.
    VIEW_GIVE_GET = "view_give_get"
    # --- groups: joining, managing, recommending, mentioning, ending a beta ---
    VIEW_GROUP = "view_group"
    # Who belongs to a group: its member list, the groups on a profile, the
    # directory's group filter. Mentionable groups to everyone; managers.
    VIEW_GROUP_MEMBERS = "view_group_members"
    # Join an open group, or apply to one that takes applications.
    JOIN_GROUP = "join_group"
    # Decide applications, add and remove members: moderators of the
    # group's categories and admins, never brand representatives.
    MANAGE_GROUP = "manage_group"
    # A representative vouches for an applicant; managers still decide.
    RECOMMEND_APPLICANT = "recommend_applicant"
    MENTION_GROUP = "mention_group"
    # Open a finished beta's category to everyone or move its topics.
    END_BETA = "end_beta"
    # --- conversations: private messages between members (issue 23) ---
    # Start a conversation with a member (asked of the recipient): a brand
    # representative only with a member who has an open request or
    # escalation with their brand.
    START_CONVERSATION = "start_conversation"
    # Read, reply, mute, leave: the participants only (admins and
    # moderators too are refused a conversation they are not in).
    VIEW_CONVERSATION = "view_conversation"
    REPLY_CONVERSATION = "reply_conversation"
    DELETE_MESSAGE = "delete_message"
    REPORT_MESSAGE = "report_message"
    # The reported messages (each alone): administrators.
    VIEW_MESSAGE_REPORTS = "view_message_reports"
    # Write to a member about a moderation action, linking its public log entry.
    WRITE_ABOUT_ACTION = "write_about_action"
    # Ignore a member: their messages and mentions stop reaching you.
    IGNORE_MEMBER = "ignore_member"
    # Invitations (issue 23): members of trust level 2 or more make invite
    # links (asked of the group it joins, or None); into a group that takes
    # members by invitation only its managers.
    CREATE_INVITATION = "create_invitation"
    # uploads (issue 22): attaching files to posts, and fetching them
    UPLOAD_FILE = "upload_file"
    # The read API (issue 24): a member's own personal tokens.
    MANAGE_API_TOKENS = "manage_api_tokens"
    VIEW_UPLOAD = "view_upload"
    # privacy (issue 24): a member's own data. Asking for an archive and
    # deleting one's account: the member themself (asked of themself);
    # downloading an archive: its owner only, everyone else a 404.
    REQUEST_DATA_EXPORT = "request_data_export"
    DOWNLOAD_DATA_EXPORT = "download_data_export"
    DELETE_ACCOUNT = "delete_account"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    conceal: bool = False  # deny with 404: the actor must not learn the object exists

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(allowed=True)
NOT_FOUND = Decision(allowed=False, conceal=True)


def deny(reason: str) -> Decision:
    return Decision(allowed=False, reason=reason)


def _unwrap(actor: Actor) -> Actor:
    """The real user behind ``request.user``'s lazy proxy.

    Every attribute read through a ``SimpleLazyObject`` costs a Python call; a
    topic page asks the policy a hundred times and reads a dozen attributes
    each time.
    """
    if isinstance(actor, LazyObject):
        # django-stubs leaves out LazyObject's private _wrapped and _setup.
        lazy: Any = actor
        if lazy._wrapped is empty:
            lazy._setup()
        user: Actor = lazy._wrapped
        return user
    return actor


def unwrap(actor: Actor) -> Actor:
    """The real user behind ``request.user`` (forum.cache primes it)."""
    return _unwrap(actor)


def check(actor: Actor, perm: Perm | str, obj: Any) -> Decision:
    return _RULES[Perm(perm)](_unwrap(actor), obj)


def can(actor: Actor, perm: Perm | str, obj: Any) -> bool:
    return check(actor, perm, obj).allowed


def require(actor: Actor, perm: Perm | str, obj: Any) -> None:
    """Return if *actor* may do *perm* to *obj*, else raise Http404 or PermissionDenied."""
    decision = check(actor, perm, obj)
    if decision.allowed:
        return
    if decision.conceal:
        raise Http404
    raise PermissionDenied(decision.reason)


# --- Who the actor is ------------------------------------------------------------------


def is_brand_rep(actor: Actor) -> TypeGuard[User]:
    return actor.is_authenticated and actor.role == Role.BRAND_REP


def is_admin(actor: Actor) -> bool:
    if not actor.is_authenticated:
        return False
    if actor.is_banned:
        return False
    if actor.role == Role.BRAND_REP:
        return False  # never while a brand representative
    return actor.role == Role.ADMIN or actor.is_superuser


def moderated_category_ids(actor: Actor) -> frozenset[int] | None:
    """Return the categories *actor* moderates directly; None means every category.

    None fails closed: a caller that mistakes it for "no categories" denies.
    """
    if not actor.is_authenticated:
        return frozenset()
    if actor.is_banned:
        return frozenset()
    if actor.role == Role.BRAND_REP:
        # Peer resources answer questions and never moderate, even when a
        # moderator assignment exists for them by mistake.
        return frozenset()
    if is_admin(actor):
        return None
    return actor.assigned_category_ids


def moderates(actor: Actor, category: Category) -> bool:
    """True when *actor* moderates *category*; an assignment covers subcategories."""
    category_ids = moderated_category_ids(actor)
    if category_ids is None:
        return True
    if category.pk in category_ids:
        return True
    return category.parent_id is not None and category.parent_id in category_ids


def _is_author(actor: Actor, obj: Topic | Post) -> bool:
    # Anonymous pk and a deleted author are both None; None == None is not authorship.
    return (
        actor.is_authenticated
        and obj.author_id is not None
        and obj.author_id == actor.pk
    )


def _group_ids(actor: Actor) -> frozenset[int]:
    if not actor.is_authenticated:
        return frozenset()
    return actor.group_ids


# --- Rules ------------------------------------------------------------------------------


def _view_category(actor: Actor, category: Category) -> Decision:
    if moderates(actor, category):
        return ALLOW
    groups = _group_ids(actor)
    if (
        category.restricted_to_id is not None
        and category.restricted_to_id not in groups
    ):
        return NOT_FOUND
    parent = category.parent
    if (
        parent is not None
        and parent.restricted_to_id is not None
        and parent.restricted_to_id not in groups
    ):
        return NOT_FOUND
    return ALLOW


def _view_topic(actor: Actor, topic: Topic) -> Decision:
    if not _view_category(actor, topic.category):
        return NOT_FOUND
    if moderates(actor, topic.category):
        return ALLOW
    if topic.deleted_at is not None:
        return NOT_FOUND
    if topic.is_hidden and not _is_author(actor, topic):
        return NOT_FOUND
    return ALLOW


def _silenced(actor: User) -> Decision | None:
    if actor.is_silenced:
        return deny(
            _("You are silenced until %(date)s: you can read, but not post.")
            % {
                "date": date_format(
                    timezone.localtime(actor.silenced_until), "j F Y, H:i"
                )
            }
        )
    return None


def _start_topic(actor: Actor, category: Category) -> Decision:
    if not _view_category(actor, category):
        return NOT_FOUND
    if not actor.is_authenticated:
        return deny(_("Sign in to start a discussion."))
    if actor.is_banned:
        return deny(_("Your account is suspended."))
    if (silenced := _silenced(actor)) is not None:
        return silenced
    if category.kind == CategoryKind.ANNOUNCEMENTS and not (
        moderates(actor, category) or is_brand_rep(actor)
    ):
        return deny(
            _(
                "Only moderators, administrators and brand representatives post announcements."
            )
        )
    if actor.trust_level < category.min_trust_level and not moderates(actor, category):
        return deny(_("Take part a little more to start discussions here."))
    return ALLOW


def _reply(actor: Actor, topic: Topic) -> Decision:
    if not _view_topic(actor, topic):
        return NOT_FOUND
    if not actor.is_authenticated:
        return deny(_("Sign in to reply."))
    if actor.is_banned:
        return deny(_("Your account is suspended."))
    if (silenced := _silenced(actor)) is not None:
        return silenced
    if topic.deleted_at is not None:
        return deny(_("This topic was deleted."))
    if topic.merged_into_id is not None:
        return deny(_("This topic was merged into another one; reply there."))
    if topic.is_locked and not moderates(actor, topic.category):
        return deny(_("This topic is locked."))
    if topic.is_closed and not moderates(actor, topic.category):
        return deny(_("This topic is closed to new replies."))
    return ALLOW  # every trust level may answer, brand representatives included


NEW_MEMBER_EDIT_WINDOW = timedelta(minutes=30)


def _edit_post(actor: Actor, post: Post) -> Decision:
    if not _view_topic(actor, post.topic):
        return NOT_FOUND
    if not actor.is_authenticated:
        return deny(_("Sign in to edit posts."))
    if actor.is_banned:
        return deny(_("Your account is suspended."))
    if (silenced := _silenced(actor)) is not None:
        return silenced
    if not _is_author(actor, post):
        # Nobody rewrites someone else's words. Moderators may only redact
        # personal data, which leaves a visible record.
        return deny(_("You can only edit your own posts."))
    if post.deleted_at is not None:
        return deny(_("This post was deleted."))
    if post.topic.is_locked:
        return deny(_("This topic is locked."))
    if post.removed_at is not None:
        return deny(_("This post was removed by a moderator."))
    if post.is_hidden:
        # A post hidden *pending review* (by flags) stays editable, so its
        # author can fix it and ask for another review.
        return deny(_("A moderator hid this post, so it can't be edited."))
    if (
        actor.trust_level == TrustLevel.NEW
        and timezone.now() - post.created_at > NEW_MEMBER_EDIT_WINDOW
    ):
        return deny(_("New members can edit a post only shortly after posting it."))
    return ALLOW


def _delete_post(actor: Actor, post: Post) -> Decision:
    if not _view_topic(actor, post.topic):
        return NOT_FOUND
    if not actor.is_authenticated:
        return deny(_("Sign in to delete posts."))
    if actor.is_banned:
        return deny(_("Your account is suspended."))
    if not _is_author(actor, post):
        return deny(_("You can only delete your own posts."))
    if post.deleted_at is not None:
        return deny(_("This post is already deleted."))
    if post.topic.is_locked:
        return deny(_("This topic is locked."))
    return ALLOW


def _like_post(actor: Actor, post: Post) -> Decision:
    if not _view_topic(actor, post.topic):
        return NOT_FOUND
    if not actor.is_authenticated:
        return deny(_("Sign in to like posts."))
    if actor.is_banned:
        return deny(_("Your account is suspended."))
    if _is_author(actor, post):
        return deny(_("You can't like your own post."))
    if post.deleted_at is not None or post.is_hidden:
        return deny(_("This post can't be liked."))
    return ALLOW


def _bookmark_post(actor: Actor, post: Post) -> Decision:
    if not _view_topic(actor, post.topic):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if post.deleted_at is not None:
        return deny(_("This post was deleted."))
    # Silenced members may still bookmark: a bookmark is private, not a post.
    return ALLOW


def _accept_answer(actor: Actor, post: Post) -> Decision:
    topic = post.topic
    if not _view_topic(actor, topic):
        return NOT_FOUND
    if not actor.is_authenticated:
        return deny(_("Sign in to mark answers."))
    if actor.is_banned:
        return deny(_("Your account is suspended."))
    if topic.category.kind != CategoryKind.QUESTIONS:
        return deny(_("Only questions have accepted answers."))
    if post.number == 1:
        return deny(_("The question can't be its own answer."))
    if post.deleted_at is not None or post.is_hidden:
        return deny(_("This post can't be marked as the answer."))
    if moderates(actor, topic.category):
        return ALLOW
    if is_brand_rep(actor):
        # Reps may post a labeled official answer; the asker decides.
        return deny(_("Only the person who asked marks the accepted answer."))
    if _is_author(actor, topic):
        return ALLOW
    return deny(_("Only the person who asked marks the accepted answer."))


def _view_post_history(actor: Actor, post: Post) -> Decision:
    if not _view_topic(actor, post.topic):
        return NOT_FOUND
    if post.removed_at is not None and not moderates(actor, post.topic.category):
        # Removed as spam or illegal content: the text is gone from public view,
        # history included.
        return NOT_FOUND
    if post.is_hidden and not (
        _is_author(actor, post) or moderates(actor, post.topic.category)
    ):
        return NOT_FOUND
    return ALLOW


def _active_member(actor: Actor) -> Decision | None:
    """The hard denials every write starts with; None when they pass."""
    if not actor.is_authenticated:
        return deny(_("Sign in first."))
    if actor.is_banned:
        return deny(_("Your account is suspended."))
    return None


def _flag_post(actor: Actor, post: Post) -> Decision:
    if not _view_topic(actor, post.topic):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if _is_author(actor, post):
        return deny(_("You can't flag your own post."))
    if post.deleted_at is not None:
        return deny(_("This post was deleted."))
    return ALLOW  # brand representatives too; their flags carry no weight


def _moderate_post(actor: Actor, post: Post) -> Decision:
    if not _view_topic(actor, post.topic):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if is_brand_rep(actor):
        return deny(_("Brand representatives never moderate members' content."))
    if moderates(actor, post.topic.category):
        return ALLOW
    return deny(_("Only moderators of this category can do that."))


def _moderate_topic(actor: Actor, topic: Topic) -> Decision:
    if not _view_topic(actor, topic):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if is_brand_rep(actor):
        return deny(_("Brand representatives never moderate members' content."))
    if moderates(actor, topic.category):
        return ALLOW
    return deny(_("Only moderators of this category can do that."))


def _view_review_queue(actor: Actor, category: Category | None) -> Decision:
    """*category* None asks about the queue as a whole (any moderated category)."""
    if (denial := _active_member(actor)) is not None:
        return denial
    if is_brand_rep(actor):
        return deny(_("Brand representatives don't see the review queue."))
    if category is None:
        moderated = moderated_category_ids(actor)
        if moderated is None or moderated:
            return ALLOW
        return deny(_("Only moderators see the review queue."))
    if moderates(actor, category):
        return ALLOW
    return deny(_("Only moderators of this category see its review queue."))


def _sanction_user(actor: Actor, target: User | None) -> Decision:
    if (denial := _active_member(actor)) is not None:
        return denial
    if target is None:
        return deny(_("This account no longer exists."))
    if is_brand_rep(actor):
        return deny(_("Brand representatives never sanction members."))
    if actor.pk == target.pk:
        return deny(_("You can't sanction yourself."))
    if is_admin(target):
        return deny(_("Administrators can't be sanctioned by moderators."))
    if is_admin(actor):
        return ALLOW
    if not moderated_category_ids(actor):
        return deny(_("Only moderators can sanction members."))
    if target.is_authenticated and moderated_category_ids(target):
        return deny(_("Only an administrator can sanction a moderator."))
    return ALLOW


def _brand_requester_denial(actor: Actor, topic: Topic) -> Decision | None:
    """Who may put a topic in a brand's queue at all (asking or routing): a
    reader of the topic, active, and not a representative."""
    if not _view_topic(actor, topic):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if is_brand_rep(actor):
        return deny(_("You represent a brand; answer the question instead."))
    return None


def _closed_to_brand_requests(topic: Topic) -> Decision | None:
    if (
        topic.deleted_at is not None
        or topic.merged_into_id is not None
        or topic.is_locked
        or topic.is_closed  # representatives could not reply to answer it
    ):
        return deny(_("This topic is closed to new requests."))
    return None


def _ask_brand(actor: Actor, topic: Topic) -> Decision:
    if (denial := _brand_requester_denial(actor, topic)) is not None:
        return denial
    closed = _closed_to_brand_requests(topic)
    return ALLOW if closed is None else closed


def _route_to_brand(actor: Actor, topic: Topic) -> Decision:
    if (denial := _brand_requester_denial(actor, topic)) is not None:
        return denial
    if not moderates(actor, topic.category):
        return deny(_("Only moderators of this category route topics to the brand."))
    closed = _closed_to_brand_requests(topic)
    return ALLOW if closed is None else closed


def _confirm_answer(actor: Actor, post: Post) -> Decision:
    """A representative stands behind a member's answer: a label under it."""
    if not _view_topic(actor, post.topic):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if not (is_brand_rep(actor) and actor.brand_id is not None):
        return deny(_("Only brand representatives confirm answers."))
    if post.number == 1:
        return deny(_("Only answers can be confirmed, not the question."))
    if post.author_id is None or post.author_role == PostRole.BRAND_REP:
        return deny(_("Only a community member's answer can be confirmed."))
    if (
        post.deleted_at is not None
        or post.is_hidden
        or post.removed_at is not None
        or post.topic.deleted_at is not None
    ):
        return deny(_("This answer is not shown, so it can't be confirmed."))
    return ALLOW


def _withdraw_confirmation(actor: Actor, confirmation: Any) -> Decision:
    """*confirmation* is a recognition.Confirmation: its brand's
    representatives may withdraw it (the withdrawal is shown too)."""
    if not _view_topic(actor, confirmation.post.topic):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if not (is_brand_rep(actor) and actor.brand_id == confirmation.brand_id):
        return deny(_("Only the brand's representatives withdraw its confirmation."))
    return ALLOW


def _brand_tool(actor: Actor, topic: Topic | None) -> Decision:
    if topic is not None and not _view_topic(actor, topic):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if is_brand_rep(actor) and actor.brand_id is not None:
        return ALLOW
    if is_admin(actor):
        return ALLOW
    return deny(_("Only brand representatives can do that."))


def _post_official_answer(actor: Actor, topic: Topic) -> Decision:
    if not _view_topic(actor, topic):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if not (is_brand_rep(actor) and actor.brand_id is not None):
        return deny(_("Only brand representatives post official answers."))
    if topic.category.kind != CategoryKind.QUESTIONS:
        return deny(_("Official answers are for questions."))
    return _reply(actor, topic)


def _is_idea(topic: Topic) -> bool:
    return topic.category.kind == CategoryKind.IDEAS


def may_own_decisions(user: User) -> bool:
    """Who an admin may name a decision owner: an active brand representative
    with a brand, or an admin who moderates no category as a volunteer."""
    if not user.is_active:
        return False
    if user.role == Role.BRAND_REP:
        return user.brand_id is not None
    if not (user.role == Role.ADMIN or user.is_superuser):
        return False
    return not user.assigned_category_ids


def _owner_scope(topic: Topic) -> Q:
    """DecisionOwner rows that cover *topic*'s category."""
    scope = Q(category__isnull=True) | Q(category_id=topic.category_id)
    if topic.category.parent_id is not None:
        scope |= Q(category_id=topic.category.parent_id)
    return scope


def _decision_scopes(actor: User) -> list[tuple[int, int | None]]:
    """(brand id, category id or None) of *actor*'s DecisionOwner rows, read
    once per request and kept on the user object."""
    cached = actor.__dict__.get("decision_scopes")
    if cached is None:
        cached = list(
            DecisionOwner.objects.filter(user_id=actor.pk).values_list(
                "brand_id", "category_id"
            )
        )
        actor.__dict__["decision_scopes"] = cached
    return cached


def decision_scopes(actor: User) -> list[tuple[int, int | None]]:
    """*actor*'s decision ownerships, for what a cached page's viewer class
    must hold (forum/cache.py)."""
    return _decision_scopes(actor)


def _owns_decisions(actor: User, topic: Topic) -> bool:
    if not may_own_decisions(actor):
        return False
    in_scope = {None, topic.category_id, topic.category.parent_id}
    return any(
        category_id in in_scope
        and (actor.role != Role.BRAND_REP or actor.brand_id == brand_id)
        for brand_id, category_id in _decision_scopes(actor)
    )


def decision_owner_ids(topic: Topic) -> set[int]:
    """The accounts that may decide on *topic* now, in two queries (the bulk
    form of SET_IDEA_STATUS, for telling them an idea is due a response;
    tests check the two agree)."""
    if not _is_idea(topic) or topic.deleted_at is not None:
        return set()
    if topic.merged_into_id is not None:
        return set()
    rep_of_brand = Q(user__role=Role.BRAND_REP, user__brand_id=F("brand_id"))
    unassigned_admin = (
        ~Q(user__role=Role.BRAND_REP)
        & (Q(user__role=Role.ADMIN) | Q(user__is_superuser=True))
        & ~Q(user__moderator_assignments__isnull=False)
    )
    candidates = (
        DecisionOwner.objects.filter(_owner_scope(topic))
        .filter(user__is_active=True)
        .exclude(user__suspended_until__gt=timezone.now())
        .filter(rep_of_brand | unassigned_admin)
        .values_list("user_id", flat=True)
    )
    return users_who_can_view_topic(topic, candidates)


def _vote_idea(actor: Actor, topic: Topic) -> Decision:
    if not _view_topic(actor, topic):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if not _is_idea(topic):
        return deny(_("Only ideas take votes."))
    if topic.deleted_at is not None or topic.merged_into_id is not None:
        return deny(_("This idea was removed or merged; vote on the one it went into."))
    return ALLOW


def _set_idea_status(actor: Actor, topic: Topic) -> Decision:
    if not _view_topic(actor, topic):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if not _is_idea(topic):
        return deny(_("Only ideas have a status."))
    if topic.deleted_at is not None or topic.merged_into_id is not None:
        return deny(_("This idea was removed or merged."))
    if not (actor.is_authenticated and _owns_decisions(actor, topic)):
        return deny(
            _("Only the idea's decision owners, named on the roster, set its status.")
        )
    return ALLOW


def _admin_only(actor: Actor, obj: Any) -> Decision:
    if (denial := _active_member(actor)) is not None:
        return denial
    if is_admin(actor):
        return ALLOW
    return deny(_("Only administrators can do that."))


# --- insights ---------------------------------------------------------------------------


def _view_listening_report(actor: Actor, brand: Any) -> Decision:
    """*brand* is an accounts.Brand, or None for "the actor's own brand"."""
    if (denial := _active_member(actor)) is not None:
        return denial
    if is_brand_rep(actor) and actor.brand_id is not None:
        if brand is None or brand.pk == actor.brand_id:
            return ALLOW
        return NOT_FOUND  # another brand's report: not theirs to learn about
    if is_admin(actor):
        return ALLOW
    return deny(_("Only the brand's representatives and administrators see this."))


def _view_give_get(actor: Actor, member: User) -> Decision:
    """Private to the member; everyone else (admins too) gets a 404."""
    if not actor.is_authenticated or not actor.is_active:
        return NOT_FOUND
    if actor.pk != member.pk:
        return NOT_FOUND
    return ALLOW


def _view_flaggers(actor: Actor, post: Post) -> Decision:
    return _moderate_post(actor, post)


def _request_review(actor: Actor, post: Post) -> Decision:
    if not _view_topic(actor, post.topic):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if not _is_author(actor, post):
        return deny(_("Only the author can ask for another review."))
    if not post.pending_review:
        return deny(_("This post is not waiting for review."))
    return ALLOW


APPEAL_WINDOW = timedelta(days=30)


def _appeal_action(actor: Actor, action: ModerationAction) -> Decision:
    if not actor.is_authenticated:
        return deny(_("Sign in first."))
    if not actor.is_active:
        return deny(_("This account is closed."))
    # A suspended member may still appeal: the suspension may be the very
    # action they contest (they reach the form through the emailed link).
    if action.target_user_id is None or action.target_user_id != actor.pk:
        return deny(_("Only the member affected by an action can appeal it."))
    if action.reversed_at is not None:
        return deny(_("This action was already reversed."))
    if _has_appeal(action):
        return deny(_("Each action can be appealed once, and this one was."))
    if timezone.now() - action.created_at > APPEAL_WINDOW:
        return deny(_("Appeals are possible for 30 days after an action."))
    return ALLOW


def _has_appeal(action: ModerationAction) -> bool:
    try:
        return action.appeal is not None
    except Appeal.DoesNotExist:
        return False


def _decide_appeal(actor: Actor, appeal: Appeal) -> Decision:
    """A different moderator of the category (never a brand representative,
    never the one who acted, never the appellant), or an admin."""
    if (denial := _active_member(actor)) is not None:
        return denial
    if is_brand_rep(actor):
        return deny(_("Brand representatives never decide appeals."))
    action = appeal.action
    if action.actor_id is not None and action.actor_id == actor.pk:
        return deny(_("A different moderator decides appeals against your actions."))
    if appeal.appellant_id == actor.pk:
        return deny(_("You can't decide your own appeal."))
    if is_admin(actor):
        return ALLOW
    if action.category is not None and moderates(actor, action.category):
        return ALLOW
    return deny(
        _("Only another moderator of this category or an admin decides this appeal.")
    )


def _view_moderator_names(actor: Actor, obj: Any) -> Decision:
    if (denial := _active_member(actor)) is not None:
        return denial
    if is_brand_rep(actor):
        return deny(_("Moderators' names are visible to staff only."))
    moderated = moderated_category_ids(actor)
    if moderated is None or moderated:
        return ALLOW
    return deny(_("Moderators' names are visible to staff only."))


def _preview_post(actor: Actor, obj: None) -> Decision:
    if not actor.is_authenticated:
        return deny(_("Sign in to write posts."))
    if actor.is_banned:
        return deny(_("Your account is suspended."))
    if (silenced := _silenced(actor)) is not None:
        return silenced
    return ALLOW


def _upload_file(actor: Actor, obj: None) -> Decision:
    """Attach an image or file to a post being written (the size and daily
    limits by trust level are the action's: uploads.actions)."""
    if not actor.is_authenticated or not actor.is_active:
        return deny(_("Sign in to attach files."))
    if actor.is_banned:
        return deny(_("Your account is suspended."))
    if (silenced := _silenced(actor)) is not None:
        return silenced
    return ALLOW


def _reads_post(actor: Actor, post: Post) -> bool:
    """Whether *actor* reads *post*'s words on its topic page."""
    if not _view_topic(actor, post.topic):
        return False
    if moderates(actor, post.topic.category):
        return True
    if post.deleted_at is not None or post.removed_at is not None:
        return False
    if post.is_hidden or post.pending_review:
        return _is_author(actor, post)
    return True


def _view_upload(actor: Actor, upload: Upload) -> Decision:
    """An upload is seen by its uploader, and by whoever reads one of the
    posts it is attached to: a file in a restricted category stays there."""
    if actor.is_authenticated and upload.uploader_id == actor.pk:
        return ALLOW
    # An unsaved upload (the explanation page's example) is in no post.
    posts = upload.posts.all() if upload.pk is not None else ()
    if any(_reads_post(actor, post) for post in posts):
        return ALLOW
    return NOT_FOUND


def _skip_posting_limits(actor: Actor, obj: None) -> Decision:
    """Posting without the new-member limits: trust levels that
    settings.FORUM_NEW_MEMBER_LIMITS leaves out, administrators, verified
    brand representatives and anyone who moderates a category."""
    if not actor.is_authenticated:
        return deny(_("Sign in first."))
    if actor.is_banned:
        return deny(_("Your account is suspended."))
    if not settings.FORUM_NEW_MEMBER_LIMITS.get(actor.trust_level):
        return ALLOW
    if is_admin(actor):
        return ALLOW
    if is_brand_rep(actor):
        # Only an administrator makes someone a representative of a brand.
        if actor.brand_id is not None:
            return ALLOW
        return deny(_("Representatives not yet verified for a brand are limited."))
    moderated = moderated_category_ids(actor)
    if moderated is None or moderated:
        return ALLOW
    return deny(
        _(
            "New members post a few times an hour, with few links, images and "
            "mentions; the limits lift as they take part a little longer."
        )
    )


def _edit_profile(actor: Actor, user: User) -> Decision:
    if not actor.is_authenticated or not actor.is_active:
        return deny(_("Sign in first."))
    if actor.pk != user.pk:
        return deny(_("You can only edit your own profile."))
    return ALLOW


def _keep_own_state(actor: Actor, obj: None) -> Decision:
    """Read marks, watches, notification settings: the member's own rows.
    Suspended members keep them too; closed accounts do not."""
    if not actor.is_authenticated or not actor.is_active:
        return deny(_("Sign in first."))
    return ALLOW


def _manage_api_tokens(actor: Actor, obj: None) -> Decision:
    """Create and revoke one's own API tokens. A token reads what its owner
    reads and nothing more, so every signed-in member may hold some; a
    suspended or closed account may not (and its tokens stop working)."""
    if not actor.is_authenticated or actor.is_banned:
        return deny(_("Sign in first."))
    return ALLOW


# --- Privacy: a member's own data (issue 24) ----------------------------------------------


def _request_data_export(actor: Actor, obj: None) -> Decision:
    """Any signed-in, active account, suspended ones too: their data is
    theirs whatever they did."""
    if not actor.is_authenticated or not actor.is_active:
        return deny(_("Sign in first."))
    return ALLOW


def _download_data_export(actor: Actor, export: DataExport) -> Decision:
    """The archive's owner only; to anyone else (admins too) it does not exist."""
    if not actor.is_authenticated or not actor.is_active:
        return NOT_FOUND
    if export.user_id != actor.pk:
        return NOT_FOUND
    return ALLOW


def _delete_account(actor: Actor, member: User) -> Decision:
    """A member deletes their own account, never someone else's (an
    administrator suspends; erasure is the member's choice)."""
    if not actor.is_authenticated or not actor.is_active:
        return deny(_("Sign in first."))
    if actor.pk != member.pk:
        return deny(_("Only the member can delete their account."))
    return ALLOW


def _review_flags(actor: Actor, post: Post) -> Decision:
    """Agree, disagree or defer on the flags of *post*: a moderator of its
    category or an admin, never a brand representative (docs/architecture.md: flags from
    representatives go to unaffiliated moderators, and no moderator is one)."""
    return _moderate_post(actor, post)


# --- Polls (polls app) -----------------------------------------------------------------


def _start_poll(actor: Actor, category: Category) -> Decision:
    """Members where the category allows polls; moderators anywhere they
    moderate; a verified brand representative in ideas categories only (the
    poll makes the topic a concept asked by their brand)."""
    decision = _start_topic(actor, category)
    if not decision:
        return decision
    if moderates(actor, category):
        return ALLOW
    if is_brand_rep(actor):
        if actor.brand_id is None:
            return deny(
                _("Representatives not yet verified for a brand can't ask polls.")
            )
        if category.kind == CategoryKind.IDEAS:
            return ALLOW
        return deny(
            _("Brand representatives ask concept polls in ideas categories only.")
        )
    if category.allow_polls:
        return ALLOW
    return deny(_("Polls are not enabled in this category."))


def _poll_topic_open(poll: Poll) -> Decision | None:
    topic = poll.topic
    if topic.deleted_at is not None or topic.merged_into_id is not None:
        return deny(_("This topic is gone; its poll is closed."))
    if topic.is_locked:
        return deny(_("This topic is locked; its poll is frozen."))
    return None


def _vote_poll(actor: Actor, poll: Poll) -> Decision:
    if not _view_topic(actor, poll.topic):
        return NOT_FOUND
    if not actor.is_authenticated:
        return deny(_("Sign in to vote."))
    if actor.is_banned:
        return deny(_("Your account is suspended."))
    if is_brand_rep(actor):
        return deny(
            _(
                "Brand representatives don't vote in polls: the results are the community's."
            )
        )
    if (denial := _poll_topic_open(poll)) is not None:
        return denial
    if poll.is_closed():
        return deny(_("This poll is closed."))
    return ALLOW


def _author_or_moderator_of_poll(actor: Actor, poll: Poll, what: str) -> Decision:
    if not _view_topic(actor, poll.topic):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if not (
        moderates(actor, poll.topic.category)
        or (poll.author_id is not None and poll.author_id == actor.pk)
    ):
        return deny(what)
    if (denial := _poll_topic_open(poll)) is not None:
        return denial
    if poll.is_closed():
        return deny(_("This poll is closed."))
    return ALLOW


def _close_poll(actor: Actor, poll: Poll) -> Decision:
    return _author_or_moderator_of_poll(
        actor, poll, _("Only the poll's author or a moderator can close it.")
    )


def _edit_poll(actor: Actor, poll: Poll) -> Decision:
    # Whether votes exist is checked by polls.actions.edit_poll under the
    # poll's row lock: a policy answer could be stale by the time it writes.
    return _author_or_moderator_of_poll(
        actor, poll, _("Only the poll's author or a moderator can edit it.")
    )


def may_see_poll_results(actor: Actor, poll: Poll, *, has_voted: bool) -> bool:
    """Counts are shown to everyone once the poll is closed; before that, to
    a member who voted (when the poll shows results after voting), and to
    whoever asked: the poll's author and, for a concept, its brand's
    representatives. Nobody else, moderators and admins included."""
    if poll.is_closed():
        return True
    if poll.author_id is not None and poll.author_id == actor.pk:
        return True
    if (
        is_brand_rep(actor)
        and poll.topic.concept_brand_id is not None
        and actor.brand_id == poll.topic.concept_brand_id
    ):
        return True
    return has_voted and poll.show_results == Poll.ShowResults.AFTER_VOTE


# --- groups ------------------------------------------------------------------------------


def manages_group(actor: Actor, group: CommunityGroup) -> bool:
    """True for admins and for moderators of a category restricted to the
    group or routing questions to it (or of its parent); never for a brand
    representative (moderated_category_ids denies them first)."""
    moderated = moderated_category_ids(actor)
    if moderated is None:
        return True
    return not moderated.isdisjoint(group.category_scope)


def _view_group(actor: Actor, group: CommunityGroup) -> Decision:
    if group.is_listed or group.mentionable:
        return ALLOW
    if group.pk in _group_ids(actor):
        return ALLOW
    if manages_group(actor, group):
        return ALLOW
    return NOT_FOUND


def _view_group_members(actor: Actor, group: CommunityGroup) -> Decision:
    if not _view_group(actor, group):
        return NOT_FOUND
    if group.mentionable:
        return ALLOW
    if manages_group(actor, group):
        return ALLOW
    return deny(_("This group's members are not published."))


def _group_ended(group: CommunityGroup) -> bool:
    return group.ends_at is not None and group.ends_at <= timezone.now()


def _join_group(actor: Actor, group: CommunityGroup) -> Decision:
    if not _view_group(actor, group):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if _group_ended(group):
        return deny(_("This group has ended."))
    if group.pk in _group_ids(actor):
        return deny(_("You are already a member of this group."))
    if group.join_policy == JoinPolicy.INVITATION:
        return deny(_("This group is by invitation: its managers add members."))
    return ALLOW


def _manage_group(actor: Actor, group: CommunityGroup) -> Decision:
    if not _view_group(actor, group):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if is_brand_rep(actor):
        return deny(
            _("Brand representatives never manage groups or remove their members.")
        )
    if manages_group(actor, group):
        return ALLOW
    return deny(
        _("Only moderators of the group's categories and administrators manage it.")
    )


def _recommend_applicant(actor: Actor, group: CommunityGroup) -> Decision:
    if not _view_group(actor, group):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if is_brand_rep(actor) and actor.brand_id is not None:
        return ALLOW
    return deny(_("Brand representatives may recommend applicants; managers decide."))


def _mention_group(actor: Actor, group: CommunityGroup) -> Decision:
    if not _view_group(actor, group):
        return NOT_FOUND
    if not actor.is_authenticated:
        return deny(_("Sign in first."))
    if actor.is_banned:
        return deny(_("Your account is suspended."))
    if (silenced := _silenced(actor)) is not None:
        return silenced
    if not group.mentionable:
        return deny(_("@%(slug)s can't be mentioned.") % {"slug": group.slug})
    if group.mention_policy == MentionPolicy.ANYONE:
        return ALLOW
    if group.mention_policy == MentionPolicy.MEMBERS:
        if group.pk in _group_ids(actor) or manages_group(actor, group):
            return ALLOW
        return deny(
            _("Only members of %(group)s can mention @%(slug)s.")
            % {"group": group.name, "slug": group.slug}
        )
    moderated = moderated_category_ids(actor)
    if moderated is None or moderated:
        return ALLOW
    return deny(_("Only moderators can mention @%(slug)s.") % {"slug": group.slug})


def _end_beta(actor: Actor, group: CommunityGroup) -> Decision:
    if not _view_group(actor, group):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if is_brand_rep(actor):
        return deny(_("Brand representatives never move or reopen members' topics."))
    if is_admin(actor):
        return ALLOW
    return deny(_("Only administrators end a beta."))


def visible_groups(
    actor: Actor, groups: QuerySet[CommunityGroup]
) -> QuerySet[CommunityGroup]:
    """Keep the groups _view_group allows; tests check the two agree."""
    moderated = moderated_category_ids(actor)
    if moderated is None:
        return groups
    condition = Q(is_listed=True) | Q(mentionable=True) | Q(pk__in=_group_ids(actor))
    if moderated:
        condition |= _managed_groups_q(moderated)
    return groups.filter(condition)


def _managed_groups_q(moderated: frozenset[int]) -> Q:
    """manages_group() as a filter on groups, for a moderator of *moderated*."""
    managed = CommunityGroup.objects.filter(
        Q(categories__pk__in=moderated)
        | Q(categories__parent_id__in=moderated)
        | Q(expert_routes__category_id__in=moderated)
        | Q(expert_routes__category__parent_id__in=moderated)
    ).values("pk")
    return Q(pk__in=managed)


def groups_with_visible_members(
    actor: Actor, groups: QuerySet[CommunityGroup]
) -> QuerySet[CommunityGroup]:
    """Keep the groups whose membership _view_group_members shows *actor*
    (profiles, the member directory's group filter); tests check the two
    agree. Every such group is one _view_group allows too."""
    moderated = moderated_category_ids(actor)
    if moderated is None:
        return groups
    condition = Q(mentionable=True)
    if moderated:
        condition |= _managed_groups_q(moderated)
    return groups.filter(condition)


def users_who_may_manage_group(group_id: int | None) -> set[int]:
    """Everyone _manage_group allows for the group *group_id*, in two
    queries (the bulk form, for telling managers of an application)."""
    if group_id is None:
        return set()
    group = CommunityGroup.objects.filter(pk=group_id).first()
    if group is None:
        return set()
    condition = Q(role=Role.ADMIN) | Q(is_superuser=True)
    condition |= Q(
        pk__in=User.objects.filter(
            moderator_assignments__category_id__in=group.category_scope
        ).values("pk")
    )
    return set(_acting_staff(None).filter(condition).values_list("pk", flat=True))


# --- Querysets that agree with the rules ----------------------------------------------


def visible_categories(
    actor: Actor, categories: QuerySet[Category]
) -> QuerySet[Category]:
    """Keep the categories _view_category allows."""
    moderated = moderated_category_ids(actor)
    if moderated is None:
        return categories
    groups = _group_ids(actor)
    own_ok = Q(restricted_to__isnull=True) | Q(restricted_to_id__in=groups)
    parent_ok = (
        Q(parent__isnull=True)
        | Q(parent__restricted_to__isnull=True)
        | Q(parent__restricted_to_id__in=groups)
    )
    moderated_q = Q(pk__in=moderated) | Q(parent_id__in=moderated)
    return categories.filter((own_ok & parent_ok) | moderated_q)


def _visible_topic_q(actor: Actor, prefix: str = "") -> Q | None:
    """The condition _view_topic checks, as a filter on a topic reached
    through *prefix* ("" for topics, "topic__" for posts); None: no condition."""
    moderated = moderated_category_ids(actor)
    if moderated is None:
        return None
    groups = _group_ids(actor)

    def q(**lookups: Any) -> Q:
        return Q(**{prefix + name: value for name, value in lookups.items()})

    category_ok = (
        q(category__restricted_to__isnull=True)
        | q(category__restricted_to_id__in=groups)
    ) & (
        q(category__parent__isnull=True)
        | q(category__parent__restricted_to__isnull=True)
        | q(category__parent__restricted_to_id__in=groups)
    )
    own = q(author_id=actor.pk) if actor.is_authenticated else q(pk__in=[])
    public = category_ok & q(deleted_at__isnull=True) & (q(is_hidden=False) | own)
    moderated_q = q(category_id__in=moderated) | q(category__parent_id__in=moderated)
    return public | moderated_q


def visible_topics(actor: Actor, topics: QuerySet[Topic]) -> QuerySet[Topic]:
    """Keep the topics _view_topic allows; tests check the two agree."""
    condition = _visible_topic_q(actor)
    return topics if condition is None else topics.filter(condition)


def visible_posts(actor: Actor, posts: QuerySet[Post]) -> QuerySet[Post]:
    """Keep posts in visible topics (hidden posts show as tombstones, so they stay).

    The condition joins each post's topic rather than testing membership in
    the set of visible topics: a search ranks a thousand posts, and the join
    reads their thousand topics where the set would read every topic.
    """
    condition = _visible_topic_q(actor, "topic__")
    return posts if condition is None else posts.filter(condition)


def reviewable_posts(actor: Actor, posts: QuerySet[Post]) -> QuerySet[Post]:
    """Keep the posts whose flags *actor* may review (Perm.REVIEW_FLAGS).

    The review queue's scope; tests check it agrees with the rule post by post.
    """
    if _active_member(actor) is not None or is_brand_rep(actor):
        return posts.none()
    moderated = moderated_category_ids(actor)
    if moderated is None:
        return posts
    return posts.filter(
        Q(topic__category_id__in=moderated)
        | Q(topic__category__parent_id__in=moderated)
    )


def decidable_appeals(actor: Actor, appeals: QuerySet[Appeal]) -> QuerySet[Appeal]:
    """Keep the appeals *actor* may decide (Perm.DECIDE_APPEAL): the appeals
    queue's scope; tests check it agrees with the rule appeal by appeal."""
    if _active_member(actor) is not None or is_brand_rep(actor):
        return appeals.none()
    others = appeals.exclude(action__actor_id=actor.pk).exclude(appellant_id=actor.pk)
    moderated = moderated_category_ids(actor)
    if moderated is None:
        return others
    return others.filter(
        Q(action__category_id__in=moderated)
        | Q(action__category__parent_id__in=moderated)
    )


def posting_limits(member: User) -> Mapping[str, int] | None:
    """The new-member limits that apply to *member*, or None when none do.

    ``settings.FORUM_NEW_MEMBER_LIMITS`` gives them per trust level (read on
    every call); Perm.SKIP_POSTING_LIMITS lifts them. The trust level is
    looked at first, so members at unlimited levels cost no query.
    """
    limits: Mapping[str, int] | None = settings.FORUM_NEW_MEMBER_LIMITS.get(
        member.trust_level
    )
    if not limits:
        return None
    if can(member, Perm.SKIP_POSTING_LIMITS, None):
        return None
    return limits


def members_under_posting_limits(users: QuerySet[User]) -> QuerySet[User]:
    """Keep the users posting_limits() limits, in one query; tests check the two agree."""
    levels = [
        level for level, limits in settings.FORUM_NEW_MEMBER_LIMITS.items() if limits
    ]
    not_rep = ~Q(role=Role.BRAND_REP)
    active = Q(is_active=True) & (
        Q(suspended_until__isnull=True) | Q(suspended_until__lte=timezone.now())
    )
    moderators = User.objects.filter(moderator_assignments__isnull=False).values("pk")
    exempt = active & (
        (not_rep & (Q(role=Role.ADMIN) | Q(is_superuser=True)))
        | (Q(role=Role.BRAND_REP) & Q(brand__isnull=False))
        | (not_rep & Q(pk__in=moderators))
    )
    return users.filter(trust_level__in=levels).exclude(exempt)


def topics_open_to_replies(actor: Actor, topics: QuerySet[Topic]) -> QuerySet[Topic]:
    """Keep the topics _reply lets *actor* reply to; tests check the two agree.

    The brand-request queue asks it: a request on a topic the representative
    can no longer reply to (locked, closed) is not work they can do.
    """
    if not actor.is_authenticated or actor.is_banned or actor.is_silenced:
        return topics.none()
    topics = visible_topics(actor, topics).filter(
        deleted_at__isnull=True, merged_into__isnull=True
    )
    moderated = moderated_category_ids(actor)
    if moderated is None:
        return topics
    return topics.filter(
        Q(is_locked=False, is_closed=False)
        | Q(category_id__in=moderated)
        | Q(category__parent_id__in=moderated)
    )


# --- conversations ------------------------------------------------------------------------


def brands_asked_by(member: User) -> frozenset[int]:
    """The brands *member* has an open request or escalation with: an
    unanswered ask-the-brand request, or an escalation whose ticket is not
    resolved. Cached on the member object."""
    cached: frozenset[int] | None = member.__dict__.get("brands_asked")
    if cached is not None:
        return cached
    asked = set(
        BrandRequest.objects.filter(
            requested_by_id=member.pk, answered_at__isnull=True
        ).values_list("brand_id", flat=True)
    )
    asked |= set(
        Escalation.objects.filter(member_id=member.pk)
        .exclude(ticket__status=TicketStatus.RESOLVED)
        .values_list("brand_id", flat=True)
    )
    found = frozenset(asked)
    member.__dict__["brands_asked"] = found
    return found


def _start_conversation(actor: Actor, recipient: User) -> Decision:
    if (denial := _active_member(actor)) is not None:
        return denial
    if not isinstance(actor, User):
        return deny(_("Sign in first."))
    if (silenced := _silenced(actor)) is not None:
        return silenced
    if recipient.pk == actor.pk:
        return deny(_("Write to someone other than yourself."))
    if not recipient.is_active or recipient.is_banned:
        return deny(_("This member can't receive messages."))
    if is_brand_rep(actor) and actor.brand_id not in brands_asked_by(recipient):
        return deny(
            _(
                "Brand representatives speak when spoken to: you can answer a "
                "conversation a member starts with you, and write first only to "
                "a member with an open request or escalation with your brand."
            )
        )
    return ALLOW


def _in_conversation(actor: Actor, conversation: Conversation) -> bool:
    return actor.is_authenticated and actor.pk in conversation.participant_ids


def _view_conversation(actor: Actor, conversation: Conversation) -> Decision:
    if not _in_conversation(actor, conversation):
        return NOT_FOUND  # not even an admin learns it exists
    return ALLOW


def _reply_conversation(actor: Actor, conversation: Conversation) -> Decision:
    if not _in_conversation(actor, conversation):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if len(conversation.participant_ids) < 2:
        return deny(_("Everyone else has left this conversation."))
    return ALLOW  # a representative in it was written to, or wrote by the rule


def _delete_message(actor: Actor, message: Message) -> Decision:
    if not _in_conversation(actor, message.conversation):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if message.author_id != actor.pk:
        return deny(_("You can only delete your own messages."))
    if message.deleted_at is not None:
        return deny(_("This message was already deleted."))
    return ALLOW


def _report_message(actor: Actor, message: Message) -> Decision:
    if not _in_conversation(actor, message.conversation):
        return NOT_FOUND
    if (denial := _active_member(actor)) is not None:
        return denial
    if message.author_id == actor.pk:
        return deny(_("You can't report your own message."))
    if message.deleted_at is not None:
        return deny(_("This message was deleted."))
    return ALLOW


def _write_about_action(actor: Actor, action: ModerationAction) -> Decision:
    if (denial := _active_member(actor)) is not None:
        return denial
    if is_brand_rep(actor):
        return deny(_("Brand representatives never moderate."))
    if is_admin(actor):
        return ALLOW
    if action.category is not None and moderates(actor, action.category):
        return ALLOW
    return deny(_("Only moderators of its category and administrators can."))


def _ignore_member(actor: Actor, target: User) -> Decision:
    if (denial := _active_member(actor)) is not None:
        return denial
    if target.pk == actor.pk:
        return deny(_("You can't ignore yourself."))
    if is_admin(target) or moderated_category_ids(target):
        return deny(
            _(
                "Moderators and administrators can't be ignored: what they "
                "send about moderation must reach you."
            )
        )
    return ALLOW


def _create_invitation(actor: Actor, group: CommunityGroup | None) -> Decision:
    if (denial := _active_member(actor)) is not None:
        return denial
    if not isinstance(actor, User):
        return deny(_("Sign in first."))
    if (silenced := _silenced(actor)) is not None:
        return silenced
    if is_brand_rep(actor):
        return deny(
            _("Members invite members; brand representatives don't recruit here.")
        )
    if actor.trust_level < TrustLevel.MEMBER and not is_admin(actor):
        return deny(_("Members of trust level 2 or more can invite people."))
    if group is None:
        return ALLOW
    if group.join_policy != JoinPolicy.INVITATION:
        return deny(_("This group doesn't take members by invitation."))
    if not manages_group(actor, group):
        return deny(_("Only the group's managers invite people into it."))
    return ALLOW


_RULES: dict[Perm, Callable[[Actor, Any], Decision]] = {
    Perm.VIEW_CATEGORY: _view_category,
    Perm.VIEW_TOPIC: _view_topic,
    Perm.START_TOPIC: _start_topic,
    Perm.REPLY: _reply,
    Perm.EDIT_POST: _edit_post,
    Perm.DELETE_POST: _delete_post,
    Perm.LIKE_POST: _like_post,
    Perm.BOOKMARK_POST: _bookmark_post,
    Perm.ACCEPT_ANSWER: _accept_answer,
    Perm.VIEW_POST_HISTORY: _view_post_history,
    Perm.FLAG_POST: _flag_post,
    Perm.PREVIEW_POST: _preview_post,
    Perm.SKIP_POSTING_LIMITS: _skip_posting_limits,
    Perm.EDIT_PROFILE: _edit_profile,
    Perm.KEEP_OWN_STATE: _keep_own_state,
    Perm.MANAGE_API_TOKENS: _manage_api_tokens,
    Perm.HIDE_POST: _moderate_post,
    Perm.REMOVE_POST: _moderate_post,
    Perm.REDACT_POST: _moderate_post,
    Perm.LOCK_TOPIC: _moderate_topic,
    Perm.CLOSE_TOPIC: _moderate_topic,
    Perm.PIN_TOPIC: _moderate_topic,
    Perm.MOVE_TOPIC: _moderate_topic,
    Perm.MERGE_TOPIC: _moderate_topic,
    Perm.SPLIT_TOPIC: _moderate_topic,
    Perm.RETITLE_TOPIC: _moderate_topic,
    Perm.SLOW_MODE: _moderate_topic,
    Perm.VIEW_REVIEW_QUEUE: _view_review_queue,
    Perm.REVIEW_FLAGS: _review_flags,
    Perm.VIEW_FLAGGERS: _view_flaggers,
    Perm.SANCTION_USER: _sanction_user,
    Perm.REQUEST_REVIEW: _request_review,
    Perm.APPEAL_ACTION: _appeal_action,
    Perm.DECIDE_APPEAL: _decide_appeal,
    Perm.VIEW_MODERATOR_NAMES: _view_moderator_names,
    Perm.ASK_BRAND: _ask_brand,
    Perm.ANSWER_BRAND_REQUESTS: _brand_tool,
    Perm.POST_OFFICIAL_ANSWER: _post_official_answer,
    Perm.ESCALATE_TO_SUPPORT: _brand_tool,
    Perm.ROUTE_TO_BRAND: _route_to_brand,
    Perm.CONFIRM_ANSWER: _confirm_answer,
    Perm.WITHDRAW_CONFIRMATION: _withdraw_confirmation,
    Perm.VOTE_IDEA: _vote_idea,
    Perm.SET_IDEA_STATUS: _set_idea_status,
    Perm.NAME_DECISION_OWNER: _admin_only,
    Perm.START_POLL: _start_poll,
    Perm.VOTE_POLL: _vote_poll,
    Perm.CLOSE_POLL: _close_poll,
    Perm.EDIT_POLL: _edit_poll,
    Perm.ACCESS_ADMIN: _admin_only,
    Perm.ASSIGN_MODERATOR: _admin_only,
    Perm.MANAGE_BRAND_REPS: _admin_only,
    Perm.SET_TRUST_LEVEL: _admin_only,
    Perm.MANAGE_ELSEWHERE: _admin_only,
    Perm.EXPORT_COMMUNITY: _admin_only,
    # insights
    Perm.VIEW_LISTENING_REPORT: _view_listening_report,
    Perm.VIEW_GIVE_GET: _view_give_get,
    # groups
    Perm.VIEW_GROUP: _view_group,
    Perm.VIEW_GROUP_MEMBERS: _view_group_members,
    Perm.JOIN_GROUP: _join_group,
    Perm.MANAGE_GROUP: _manage_group,
    Perm.RECOMMEND_APPLICANT: _recommend_applicant,
    Perm.MENTION_GROUP: _mention_group,
    Perm.END_BETA: _end_beta,
    # conversations
    Perm.START_CONVERSATION: _start_conversation,
    Perm.VIEW_CONVERSATION: _view_conversation,
    Perm.REPLY_CONVERSATION: _reply_conversation,
    Perm.DELETE_MESSAGE: _delete_message,
    Perm.REPORT_MESSAGE: _report_message,
    Perm.VIEW_MESSAGE_REPORTS: _admin_only,
    Perm.WRITE_ABOUT_ACTION: _write_about_action,
    Perm.IGNORE_MEMBER: _ignore_member,
    Perm.CREATE_INVITATION: _create_invitation,
    Perm.UPLOAD_FILE: _upload_file,
    Perm.VIEW_UPLOAD: _view_upload,
    # privacy
    Perm.REQUEST_DATA_EXPORT: _request_data_export,
    Perm.DOWNLOAD_DATA_EXPORT: _download_data_export,
    Perm.DELETE_ACCOUNT: _delete_account,
}


def users_who_can_view_topic(topic: Topic, user_ids: Iterable[int]) -> set[int]:
    """Of *user_ids*, those who may view *topic* now, in one query.

    The bulk form of _view_topic for notification fan-out (10,000 watchers
    must not mean 10,000 policy calls); tests check the two agree.
    """
    ids = set(user_ids)
    if not ids:
        return set()
    category = topic.category
    category_ids = [category.pk] + ([category.parent_id] if category.parent_id else [])
    people = User.objects.filter(pk__in=many_ids(ids), is_active=True).exclude(
        suspended_until__gt=timezone.now()
    )
    not_rep = ~Q(role=Role.BRAND_REP)
    admins = not_rep & (Q(role=Role.ADMIN) | Q(is_superuser=True))
    moderators = not_rep & Q(
        pk__in=User.objects.filter(
            moderator_assignments__category_id__in=category_ids
        ).values("pk")
    )
    # Everyone, narrowed below (an empty Q() would vanish from the OR).
    may_see = Q(pk__isnull=False)
    restricted = [
        c.restricted_to_id
        for c in (category, category.parent)
        if c is not None and c.restricted_to_id is not None
    ]
    for group_id in restricted:
        may_see &= Q(
            pk__in=User.objects.filter(group_memberships__group_id=group_id).values(
                "pk"
            )
        )
    if topic.deleted_at is not None:
        may_see &= Q(pk__in=[])
    elif topic.is_hidden:
        may_see &= Q(pk=topic.author_id) if topic.author_id else Q(pk__in=[])
    return set(
        people.filter(admins | moderators | may_see).values_list("pk", flat=True)
    )


# --- Bulk forms: who may act on a flag or an appeal (notification fan-out) -------------
#
# The set forms of DECIDE_APPEAL and of reviewing one flag, for telling the
# people concerned (tests/permissions/test_policy_bulk_forms.py checks each
# against the per-object rule on a generated population).


def _acting_staff(candidates: Iterable[int] | None) -> QuerySet[User]:
    """People past the hard denials of a moderation rule: active, not
    suspended, not a brand representative."""
    people = (
        User.objects.filter(is_active=True)
        .exclude(suspended_until__gt=timezone.now())
        .exclude(role=Role.BRAND_REP)
    )
    if candidates is not None:
        people = people.filter(pk__in=list(candidates))
    return people


def _moderates_q(category: Category | None) -> Q:
    """moderates() as a filter on people already past _acting_staff: admins,
    and moderators assigned to *category* or its parent."""
    condition = Q(role=Role.ADMIN) | Q(is_superuser=True)
    if category is not None:
        category_ids = [category.pk]
        if category.parent_id is not None:
            category_ids.append(category.parent_id)
        condition |= Q(
            pk__in=User.objects.filter(
                moderator_assignments__category_id__in=category_ids
            ).values("pk")
        )
    return condition


def users_who_may_decide_appeal(
    appeal: Any, candidates: Iterable[int] | None = None
) -> set[int]:
    """Of *candidates* (everyone when None), those who may decide *appeal*
    now (Perm.DECIDE_APPEAL), in one query."""
    action = appeal.action
    people = _acting_staff(candidates).exclude(
        pk__in=[pk for pk in (action.actor_id, appeal.appellant_id) if pk is not None]
    )
    return set(
        people.filter(_moderates_q(action.category)).values_list("pk", flat=True)
    )


def _affiliated(actor: Actor) -> bool:
    """Tied to a brand: a representative, or an account still linked to a brand."""
    return actor.is_authenticated and (
        actor.role == Role.BRAND_REP or actor.brand_id is not None
    )


def may_review_flag(actor: Actor, flag: Any) -> bool:
    """True when *actor* may decide *flag* from the review queue.

    A moderator of the post's category or an admin (Perm.VIEW_REVIEW_QUEUE);
    a brand representative's flag only by someone tied to no brand.
    """
    if not can(actor, Perm.VIEW_REVIEW_QUEUE, flag.post.topic.category):
        return False
    # A representative's flag goes to someone tied to no brand.
    return not (flag.from_brand_rep and _affiliated(actor))


def users_who_may_review_flag(
    flag: Any, candidates: Iterable[int] | None = None
) -> set[int]:
    """Of *candidates* (everyone when None), those may_review_flag allows,
    in one query."""
    people = _acting_staff(candidates).filter(_moderates_q(flag.post.topic.category))
    if flag.from_brand_rep:
        people = people.filter(brand__isnull=True)
    return set(people.values_list("pk", flat=True))


# --- The controls of a page of posts (bulk form) ------------------------------------------

# What the footer of a post on the topic page offers, asked once per page.
POST_CONTROLS: tuple[Perm, ...] = (
    Perm.LIKE_POST,
    Perm.BOOKMARK_POST,
    Perm.EDIT_POST,
    Perm.DELETE_POST,
    Perm.ACCEPT_ANSWER,
    Perm.CONFIRM_ANSWER,
    Perm.WITHDRAW_CONFIRMATION,
    Perm.FLAG_POST,
    Perm.REQUEST_REVIEW,
    Perm.HIDE_POST,
    Perm.REMOVE_POST,
    Perm.REDACT_POST,
)


def _post_shape(actor: Actor, post: Post) -> tuple[Any, ...]:
    """Everything about *post* the rules of POST_CONTROLS read, besides its
    topic (the same for the page) and the actor: posts of one shape get the
    same answers. The agreement test (tests/permissions) holds it to that."""
    own = _is_author(actor, post)
    confirmation = getattr(post, "confirmation", None)
    return (
        own,
        post.deleted_at is None,
        post.is_hidden,
        post.pending_review,
        post.removed_at is None,
        post.number == 1,
        post.author_id is None,
        post.author_role == PostRole.BRAND_REP,
        # The new member's edit window counts only on their own posts.
        own
        and isinstance(actor, User)
        and actor.trust_level == TrustLevel.NEW
        and timezone.now() - post.created_at > NEW_MEMBER_EDIT_WINDOW,
        confirmation.brand_id if confirmation is not None else None,
    )


def post_controls(
    actor: Actor, topic: Topic, posts: Iterable[Post]
) -> dict[int, frozenset[Perm]]:
    """For each post of one page of *topic*, the POST_CONTROLS *actor* may use.

    The rules run once per distinct shape of post (own or not, hidden,
    deleted …), not once per control per post: a page of twenty posts asks
    them two or three times. Each post is given *topic* as ``post.topic``
    (the rules read it), as queries.topic_posts does.
    """
    actor = _unwrap(actor)
    answers: dict[tuple[Any, ...], frozenset[Perm]] = {}
    controls: dict[int, frozenset[Perm]] = {}
    for post in posts:
        post.topic = topic
        shape = _post_shape(actor, post)
        allowed = answers.get(shape)
        if allowed is None:
            allowed = answers[shape] = frozenset(
                perm for perm in POST_CONTROLS if _post_control(actor, perm, post)
            )
        controls[post.pk] = allowed
    return controls


def _post_control(actor: Actor, perm: Perm, post: Post) -> bool:
    if perm == Perm.WITHDRAW_CONFIRMATION:
        confirmation = getattr(post, "confirmation", None)
        return (
            confirmation is not None
            and _withdraw_confirmation(actor, confirmation).allowed
        )
    return _RULES[perm](actor, post).allowed
