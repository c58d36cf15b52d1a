"""Polls on topics: the only code that writes them (README "Polls").

Every public action asks the policy first. Voting, closing and editing lock
the poll's row (select_for_update), so a vote and a close, or a vote and an
edit, never interleave: a vote lands before the close or is refused after
it, and an edit never changes options someone has just voted for. One vote
per member per option is a unique constraint as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from forum import actions as forum_actions
from forum.cache import bump_on_commit
from forum.models import Category, Topic
from permissions import policy
from permissions.policy import Perm
from polls.models import (
    MAX_OPTIONS,
    MIN_OPTIONS,
    OPTION_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    Poll,
    PollOption,
    PollVote,
)

# A poll closes at most this far ahead: a forgotten date must not leave a
# poll open for ever by mistake (no closing date at all is the way to that).
MAX_CLOSE_AHEAD = timedelta(days=366)

HAS_VOTES_MESSAGE = gettext_lazy(
    "This poll already has votes, so it can no longer be edited: changing it "
    "would change what those votes meant. You can close it, and start a new "
    "topic with a new poll."
)


@dataclass(frozen=True)
class PollSpec:
    """A poll as its author described it, validated by clean_poll."""

    question: str
    options: tuple[str, ...]
    kind: str = Poll.Kind.SINGLE
    max_choices: int | None = None
    closes_at: datetime | None = None
    show_results: str = Poll.ShowResults.AFTER_VOTE


def parse_options(text: str) -> list[str]:
    """One option per line; blank lines and surrounding spaces dropped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def clean_poll(
    *,
    question: str,
    options: Iterable[str],
    kind: str = Poll.Kind.SINGLE,
    max_choices: int | None = None,
    closes_at: datetime | None = None,
    show_results: str = Poll.ShowResults.AFTER_VOTE,
    now: datetime | None = None,
) -> PollSpec:
    """Validate a poll; raise ValidationError listing every problem, each
    with a code naming the field it is about (poll_question, poll_options,
    poll_kind, poll_max_choices, poll_closes_at, poll_show_results)."""
    now = now or timezone.now()
    errors: list[ValidationError] = []
    question = " ".join(question.split())
    if not question:
        errors.append(
            ValidationError(_("Write the poll's question."), code="poll_question")
        )
    elif len(question) > QUESTION_MAX_LENGTH:
        errors.append(
            ValidationError(
                _("Keep the question under %(max)d characters.")
                % {"max": QUESTION_MAX_LENGTH},
                code="poll_question",
            )
        )
    cleaned = [" ".join(option.split()) for option in options if option.strip()]
    if len(cleaned) < MIN_OPTIONS:
        errors.append(
            ValidationError(
                _("Give at least %(min)d options, one per line.")
                % {"min": MIN_OPTIONS},
                code="poll_options",
            )
        )
    elif len(cleaned) > MAX_OPTIONS:
        errors.append(
            ValidationError(
                _("A poll has at most %(max)d options; this one has %(count)d.")
                % {"max": MAX_OPTIONS, "count": len(cleaned)},
                code="poll_options",
            )
        )
    too_long = [option for option in cleaned if len(option) > OPTION_MAX_LENGTH]
    if too_long:
        errors.append(
            ValidationError(
                _("Keep each option under %(max)d characters.")
                % {"max": OPTION_MAX_LENGTH},
                code="poll_options",
            )
        )
    seen: set[str] = set()
    repeated = [
        option
        for option in cleaned
        if option.casefold() in seen or seen.add(option.casefold())  # type: ignore[func-returns-value]
    ]
    if repeated:
        errors.append(
            ValidationError(
                _("Each option must be different: “%(option)s” is there twice.")
                % {"option": repeated[0]},
                code="poll_options",
            )
        )
    if kind not in Poll.Kind.values:
        errors.append(ValidationError(_("Choose a kind of poll."), code="poll_kind"))
    if show_results not in Poll.ShowResults.values:
        errors.append(
            ValidationError(
                _("Choose when the results are shown."), code="poll_show_results"
            )
        )
    if max_choices is not None:
        if kind != Poll.Kind.MULTIPLE:
            max_choices = None  # meaningless for one choice; not an error
        elif max_choices < 1:
            errors.append(
                ValidationError(
                    _("Allow at least one choice."), code="poll_max_choices"
                )
            )
        elif cleaned and max_choices > len(cleaned):
            errors.append(
                ValidationError(
                    _(
                        "At most %(count)d choices can be made: there are only "
                        "%(count)d options."
                    )
                    % {"count": len(cleaned)},
                    code="poll_max_choices",
                )
            )
    if closes_at is not None:
        if closes_at <= now:
            errors.append(
                ValidationError(
                    _("Choose a closing time in the future."), code="poll_closes_at"
                )
            )
        elif closes_at > now + MAX_CLOSE_AHEAD:
            errors.append(
                ValidationError(
                    _(
                        "A poll closes within a year; leave the date empty to keep it open."
                    ),
                    code="poll_closes_at",
                )
            )
    if errors:
        raise ValidationError(errors)
    return PollSpec(
        question=question,
        options=tuple(cleaned),
        kind=kind,
        max_choices=max_choices,
        closes_at=closes_at,
        show_results=show_results,
    )


def _revalidate(spec: PollSpec) -> PollSpec:
    return clean_poll(
        question=spec.question,
        options=spec.options,
        kind=spec.kind,
        max_choices=spec.max_choices,
        closes_at=spec.closes_at,
        show_results=spec.show_results,
    )


def start_topic_with_poll(
    author: User,
    category: Category,
    *,
    title: str,
    body: str,
    tags: Sequence[str] = (),
    poll: PollSpec,
) -> Topic:
    """Start a topic carrying a poll, in one transaction. A brand
    representative's poll makes the topic a concept of their brand."""
    policy.require(author, Perm.START_POLL, category)
    spec = _revalidate(poll)
    concept_brand_id = author.brand_id if policy.is_brand_rep(author) else None
    with transaction.atomic():
        topic = forum_actions.create_topic(
            author, category, title=title, body=body, tags=tags
        )
        created = Poll.objects.create(
            topic=topic,
            author=author,
            question=spec.question,
            kind=spec.kind,
            max_choices=spec.max_choices,
            closes_at=spec.closes_at,
            show_results=spec.show_results,
        )
        _write_options(created, spec.options)
        Topic.objects.filter(pk=topic.pk).update(
            has_poll=True, concept_brand_id=concept_brand_id
        )
        topic.has_poll = True
        topic.concept_brand_id = concept_brand_id
        bump_on_commit()
    return topic


def _write_options(poll: Poll, options: Sequence[str]) -> None:
    PollOption.objects.bulk_create(
        PollOption(poll=poll, position=position, text=text)
        for position, text in enumerate(options, start=1)
    )


def _lock(poll: Poll) -> Poll:
    """The poll's row, locked until the transaction ends, with the topic the
    caller loaded (the policy reads its category and state)."""
    locked = Poll.objects.select_for_update().get(pk=poll.pk)
    locked.topic = poll.topic
    return locked


def vote(actor: User, poll: Poll, option_ids: Iterable[int]) -> Poll:
    """Record *actor*'s choice, replacing any earlier one (a vote may be
    changed until the poll closes)."""
    policy.require(actor, Perm.VOTE_POLL, poll)
    chosen = set(option_ids)
    with transaction.atomic():
        locked = _lock(poll)
        # Asked again under the lock: a close that committed meanwhile wins.
        policy.require(actor, Perm.VOTE_POLL, locked)
        valid = set(PollOption.objects.filter(poll=locked).values_list("pk", flat=True))
        if not chosen:
            raise ValidationError(_("Choose an option to vote."), code="poll_choice")
        if not chosen <= valid:
            raise ValidationError(
                _("That option is not in this poll any more; reload and vote again."),
                code="poll_choice",
            )
        limit = locked.choice_limit
        if len(chosen) > limit:
            raise ValidationError(
                _("Choose one option.")
                if limit == 1
                else _("Choose at most %(count)d options.") % {"count": limit},
                code="poll_choice",
            )
        mine = PollVote.objects.filter(poll=locked, voter=actor)
        before = set(mine.values_list("option_id", flat=True))
        if before != chosen:
            mine.exclude(option_id__in=chosen).delete()
            PollVote.objects.bulk_create(
                PollVote(poll=locked, option_id=option_id, voter=actor)
                for option_id in sorted(chosen - before)
            )
            bump_on_commit()  # the number of voters is public
    return locked


def close_poll(actor: User, poll: Poll) -> Poll:
    """Close a poll before its date (or one without a date): its author or a
    moderator. The results are then shown to everyone."""
    policy.require(actor, Perm.CLOSE_POLL, poll)
    with transaction.atomic():
        locked = _lock(poll)
        policy.require(actor, Perm.CLOSE_POLL, locked)
        locked.closed_at = timezone.now()
        locked.closed_by = actor
        locked.save(update_fields=["closed_at", "closed_by"])
        bump_on_commit()
    return locked


def edit_poll(actor: User, poll: Poll, spec: PollSpec) -> Poll:
    """Change a poll that nobody voted in yet. Once a vote exists the poll is
    fixed: changed options would change what the votes cast meant."""
    policy.require(actor, Perm.EDIT_POLL, poll)
    spec = _revalidate(spec)
    with transaction.atomic():
        locked = _lock(poll)
        policy.require(actor, Perm.EDIT_POLL, locked)
        if PollVote.objects.filter(poll=locked).exists():
            raise ValidationError(HAS_VOTES_MESSAGE, code="poll_has_votes")
        locked.question = spec.question
        locked.kind = spec.kind
        locked.max_choices = spec.max_choices
        locked.closes_at = spec.closes_at
        locked.show_results = spec.show_results
        locked.save(
            update_fields=[
                "question",
                "kind",
                "max_choices",
                "closes_at",
                "show_results",
            ]
        )
        PollOption.objects.filter(poll=locked).delete()
        _write_options(locked, spec.options)
        bump_on_commit()
    return locked
