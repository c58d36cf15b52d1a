"""Every change to community groups: joining, applying, deciding, recommending,
adding and removing members, the end of memberships, and @group mentions.

Each action asks the policy first, writes inside one transaction, records an
audit row for every manager's decision (moderation.audit) and tells the
member through the events contract (group.membership). Ending a beta lives in
groups.beta (it moves topics with moderation's actions).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import CommunityGroup, GroupMembership, JoinPolicy, User
from forum.cache import bump_on_commit
from forum.markup import extract_mentions
from forum.models import Post
from groups.models import (
    ApplicationStatus,
    GroupApplication,
    GroupMention,
    GroupRecommendation,
)
from groups.queries import mentionable_groups
from moderation.audit import record
from moderation.models import AuditEntry
from notifications.events import (
    EventKind,
    GroupApplied,
    GroupMembershipChanged,
    GroupMentioned,
    emit,
)
from permissions import policy
from permissions.policy import Perm

ANSWER_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 1000
NOTE_MAX_LENGTH = 500
EXPIRY_NOTICE = timedelta(days=7)


class AuditVerb:
    """The audit verbs of managers' and admins' decisions and of the ends of
    memberships (moderation.models.AuditEntry.verb). Joining, applying and
    recommending are recorded by their own rows (membership, application,
    recommendation), with their times."""

    ACCEPTED = "group.application_accepted"
    DECLINED = "group.application_declined"
    ADDED = "group.member_added"
    REMOVED = "group.member_removed"
    ENDED = "group.membership_ended"
    BETA_OPENED = "group.beta_opened"
    BETA_MOVED = "group.beta_moved"


# --- Validation ---------------------------------------------------------------------------


def clean_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            _("Write the reason: the member will read it."), code="reason"
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX_LENGTH},
            code="reason",
        )
    return reason


def _clean_answers(
    group: CommunityGroup, answers: Sequence[str]
) -> list[dict[str, str]]:
    questions = group.question_list()
    given = [answer.strip() for answer in answers] + [""] * len(questions)
    rows = []
    for question, answer in zip(questions, given, strict=False):
        if not answer:
            raise ValidationError(
                _("Answer every question: “%(question)s” has no answer yet.")
                % {"question": question},
                code="answers",
            )
        if len(answer) > ANSWER_MAX_LENGTH:
            raise ValidationError(
                _("Keep each answer under %(n)d characters.")
                % {"n": ANSWER_MAX_LENGTH},
                code="answers",
            )
        rows.append({"question": question, "answer": answer})
    return rows


def _tell(
    actor: User | None,
    group: CommunityGroup,
    member_id: int,
    change: str,
    text: str,
) -> None:
    emit(
        EventKind.GROUP_MEMBERSHIP,
        GroupMembershipChanged(
            group_id=group.pk,
            group_slug=group.slug,
            change=change,
            text=text[:300],
            user_ids=[member_id],
        ),
        actor=actor,
    )


def _ends_text(when: datetime) -> str:
    return date_format(timezone.localtime(when), "j F Y")


# --- Joining and applying ----------------------------------------------------------------


def join_group(actor: User, group: CommunityGroup) -> GroupMembership:
    """Join an open group at once (a group with terms asks to apply instead)."""
    policy.require(actor, Perm.JOIN_GROUP, group)
    if group.join_policy != JoinPolicy.OPEN or group.terms:
        raise ValidationError(
            _(
                "This group asks you to apply: answer its questions and accept its terms."
            ),
            code="policy",
        )
    with transaction.atomic():
        membership, created = GroupMembership.objects.get_or_create(
            group=group, user=actor
        )
        if created:
            bump_on_commit()
    return membership


def apply_to_group(
    actor: User,
    group: CommunityGroup,
    *,
    answers: Sequence[str] = (),
    accept_terms: bool = False,
    now: datetime | None = None,
) -> GroupApplication:
    """Apply to a group: the answers to its questions and, when it has
    terms, their acceptance (the version and the time are recorded)."""
    policy.require(actor, Perm.JOIN_GROUP, group)
    if group.join_policy == JoinPolicy.INVITATION:
        raise ValidationError(_("This group is by invitation only."), code="policy")
    rows = _clean_answers(group, answers)
    if group.terms and not accept_terms:
        raise ValidationError(
            _("Read and accept the group's terms to apply."), code="terms"
        )
    now = now or timezone.now()
    with transaction.atomic():
        if GroupApplication.objects.filter(
            group=group, applicant=actor, status=ApplicationStatus.PENDING
        ).exists():
            raise ValidationError(
                _("Your application is already waiting for the group's managers."),
                code="pending",
            )
        try:
            with transaction.atomic():
                application = GroupApplication.objects.create(
                    group=group,
                    applicant=actor,
                    answers=rows,
                    terms_version=group.terms_version if group.terms else None,
                    terms_accepted_at=now if group.terms else None,
                    created_at=now,
                )
        except IntegrityError as exc:  # a double submit
            raise ValidationError(
                _("Your application is already waiting for the group's managers."),
                code="pending",
            ) from exc
        emit(
            EventKind.GROUP_APPLIED,
            GroupApplied(
                group_id=group.pk,
                group_slug=group.slug,
                group_name=group.name,
                application_id=application.pk,
            ),
            actor=actor,
        )
    return application


def recommend_applicant(
    actor: User, application: GroupApplication, *, note: str = ""
) -> GroupRecommendation:
    """A brand representative vouches for an applicant; managers see it."""
    policy.require(actor, Perm.RECOMMEND_APPLICANT, application.group)
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            _("Keep the note under %(n)d characters.") % {"n": NOTE_MAX_LENGTH},
            code="note",
        )
    if application.status != ApplicationStatus.PENDING:
        raise ValidationError(
            _("This application was already decided."), code="decided"
        )
    with transaction.atomic():
        recommendation, _created = GroupRecommendation.objects.update_or_create(
            application=application,
            representative=actor,
            defaults={
                "representative_name": actor.name,
                "brand_name": actor.brand.name if actor.brand else "",
                "note": note,
                "created_at": timezone.now(),
            },
        )
    return recommendation


# --- Managers' decisions ---------------------------------------------------------------------


def decide_application(
    actor: User,
    application: GroupApplication,
    *,
    accept: bool,
    reason: str,
    expires_at: datetime | None = None,
) -> GroupApplication:
    """Accept (optionally until *expires_at*) or decline, with a reason the
    applicant reads; audited, and the applicant is told."""
    policy.require(actor, Perm.MANAGE_GROUP, application.group)
    group = application.group
    reason = clean_reason(reason)
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError(
            _("The membership's end must be in the future."), code="expires_at"
        )
    with transaction.atomic():
        locked = GroupApplication.objects.select_for_update().get(pk=application.pk)
        if locked.status != ApplicationStatus.PENDING:
            raise ValidationError(
                _("This application was already decided."), code="decided"
            )
        locked.status = (
            ApplicationStatus.ACCEPTED if accept else ApplicationStatus.DECLINED
        )
        locked.decided_by = actor
        locked.decided_at = now
        locked.decision_reason = reason
        locked.save(
            update_fields=["status", "decided_by", "decided_at", "decision_reason"]
        )
        if accept:
            GroupMembership.objects.update_or_create(
                group=group,
                user_id=locked.applicant_id,
                defaults={"expires_at": expires_at, "expiry_notice_sent_at": None},
            )
            text = _("Your application to %(group)s was accepted.") % {
                "group": group.name
            }
            if expires_at is not None:
                text += " " + _("Your membership runs until %(date)s.") % {
                    "date": _ends_text(expires_at)
                }
            if reason:
                text += " " + reason
            bump_on_commit()
        else:
            text = _("Your application to %(group)s was declined: %(reason)s") % {
                "group": group.name,
                "reason": reason,
            }
        record(
            actor,
            AuditVerb.ACCEPTED if accept else AuditVerb.DECLINED,
            locked,
            reason=reason,
            user_id=locked.applicant_id,
            group_id=group.pk,
        )
        _tell(actor, group, locked.applicant_id, locked.status, text)
    return locked


def add_member(
    actor: User,
    group: CommunityGroup,
    member: User,
    *,
    expires_at: datetime | None = None,
) -> GroupMembership:
    """Invite: a manager adds a member directly (any join policy)."""
    policy.require(actor, Perm.MANAGE_GROUP, group)
    if not member.is_active:
        raise ValidationError(_("This account is closed."), code="user")
    with transaction.atomic():
        membership, created = GroupMembership.objects.get_or_create(
            group=group, user=member, defaults={"expires_at": expires_at}
        )
        if not created:
            raise ValidationError(
                _("%(name)s is already a member.") % {"name": member.username},
                code="user",
            )
        record(actor, AuditVerb.ADDED, group, user_id=member.pk)
        _tell(
            actor,
            group,
            member.pk,
            "added",
            _("You were added to %(group)s.") % {"group": group.name},
        )
        bump_on_commit()
    return membership


def remove_member(
    actor: User, group: CommunityGroup, member: User, *, reason: str
) -> None:
    """A manager ends someone's membership, with a reason they read; audited."""
    policy.require(actor, Perm.MANAGE_GROUP, group)
    reason = clean_reason(reason)
    with transaction.atomic():
        deleted, _rows = GroupMembership.objects.filter(
            group=group, user=member
        ).delete()
        if not deleted:
            raise ValidationError(
                _("%(name)s is not a member.") % {"name": member.username},
                code="user",
            )
        record(actor, AuditVerb.REMOVED, group, reason=reason, user_id=member.pk)
        _tell(
            actor,
            group,
            member.pk,
            "removed",
            _("You were removed from %(group)s: %(reason)s")
            % {"group": group.name, "reason": reason},
        )
        bump_on_commit()


# --- The end of memberships (beat) ------------------------------------------------------------


def _end_of(membership: GroupMembership) -> datetime | None:
    ends = [
        when
        for when in (membership.expires_at, membership.group.ends_at)
        if when is not None
    ]
    return min(ends) if ends else None


def expire_memberships(now: datetime | None = None) -> tuple[int, int]:
    """End every membership past its own or its group's end, and warn the
    members whose membership ends within a week (once). Returns (ended,
    warned). A system action, run by beat: nobody acts, so nothing asks the
    policy; each end is audited and the member told."""
    now = now or timezone.now()
    soon = now + EXPIRY_NOTICE
    due = Q(expires_at__lte=soon) | Q(group__ends_at__lte=soon)
    ended = warned = 0
    with transaction.atomic():
        rows = list(
            GroupMembership.objects.select_for_update(of=("self",))
            .select_related("group")
            .filter(due)
            .order_by("pk")
        )
        for membership in rows:
            end = _end_of(membership)
            if end is None:
                continue
            group = membership.group
            if end <= now:
                membership.delete()
                AuditEntry.objects.create(
                    actor=None,
                    actor_name="system",
                    verb=AuditVerb.ENDED,
                    target_type_id=_group_type_id(),
                    target_id=group.pk,
                    details={
                        "user_id": membership.user_id,
                        "ended_at": end.isoformat(),
                    },
                )
                _tell(
                    None,
                    group,
                    membership.user_id,
                    "ended",
                    _("Your membership in %(group)s has ended.")
                    % {"group": group.name},
                )
                ended += 1
            elif membership.expiry_notice_sent_at is None:
                membership.expiry_notice_sent_at = now
                membership.save(update_fields=["expiry_notice_sent_at"])
                _tell(
                    None,
                    group,
                    membership.user_id,
                    "ending",
                    _("Your membership in %(group)s ends on %(date)s.")
                    % {"group": group.name, "date": _ends_text(end)},
                )
                warned += 1
        if ended:
            bump_on_commit()
    return ended, warned


def _group_type_id() -> int:
    return ContentType.objects.get_for_model(CommunityGroup).pk


# --- @group mentions ------------------------------------------------------------------------


def check_group_mentions(
    author: User, body: str, *, now: datetime | None = None
) -> list[CommunityGroup]:
    """The mentionable groups *body* mentions, once each, after checking
    that *author* may mention each one (the group's setting) and stays within
    settings.GROUP_MENTIONS_PER_DAY. Raises ValidationError with a message
    for the author, whose text the form keeps."""
    groups = list(mentionable_groups(extract_mentions(body)).values())
    if not groups:
        return []
    # A member's username wins over a group's slug (the link goes to them).
    people = set(
        User.objects.annotate(lower_name=Lower("username"))
        .filter(lower_name__in=[g.slug.lower() for g in groups], is_active=True)
        .values_list("lower_name", flat=True)
    )
    groups = [group for group in groups if group.slug.lower() not in people]
    for group in groups:
        decision = policy.check(author, Perm.MENTION_GROUP, group)
        if not decision:
            raise ValidationError(
                decision.reason
                or _("You can't mention @%(slug)s.") % {"slug": group.slug},
                code="mentions",
            )
    now = now or timezone.now()
    limit = settings.GROUP_MENTIONS_PER_DAY
    used = GroupMention.objects.filter(
        author=author, created_at__gt=now - timedelta(days=1)
    ).count()
    if used + len(groups) > limit:
        raise ValidationError(
            ngettext(
                "You can mention groups %(n)d time a day, and you have reached it. "
                "Your text is kept: take the @group out, or post it tomorrow.",
                "You can mention groups %(n)d times a day, and you have reached it. "
                "Your text is kept: take the @group out, or post it tomorrow.",
                limit,
            )
            % {"n": limit},
            code="mentions",
        )
    return groups


def record_group_mentions(
    author: User, post: Post, groups: Sequence[CommunityGroup]
) -> None:
    """Inside start_topic/reply_to_topic's transaction, after they asked the
    policy and check_group_mentions passed: record the mentions and tell
    each member of the groups once (fan-out drops who may not read the topic)."""
    if not groups:
        return
    now = post.created_at
    GroupMention.objects.bulk_create(
        GroupMention(group=group, post=post, author=author, created_at=now)
        for group in groups
    )
    members = sorted(
        set(
            GroupMembership.objects.filter(group__in=groups)
            .exclude(user_id=author.pk)
            .values_list("user_id", flat=True)
        )
    )
    emit(
        EventKind.GROUP_MENTIONED,
        GroupMentioned(group_slugs=[g.slug for g in groups], user_ids=members),
        actor=author,
        topic=post.topic,
        post=post,
    )
