"""Reading polls: a topic's poll in two queries, whatever its size."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from forum.models import Topic
from permissions import policy
from permissions.policy import Actor, Decision, Perm
from polls.models import Poll, PollOption, PollVote


@dataclass
class PollView:
    """What the poll fragment shows to one reader. Counts only: who voted
    for what is never read here."""

    poll: Poll
    topic: Topic
    concept_brand_name: str | None
    options: list[PollOption]
    voters: int
    has_voted: bool
    show_results: bool
    vote_check: Decision
    can_close: bool
    can_edit: bool

    @property
    def is_closed(self) -> bool:
        return self.poll.is_closed()


def _voters() -> Subquery:
    distinct = (
        PollVote.objects.filter(poll=OuterRef("pk"))
        .order_by()
        .values("poll")
        .annotate(n=Count("voter", distinct=True))
        .values("n")
    )
    return Subquery(distinct, output_field=IntegerField())


def poll_view(actor: Actor, topic: Topic) -> PollView | None:
    """The topic's poll as *actor* sees it: one query for the poll and its
    number of voters, one for the options with their counts and the reader's
    own choices. None (and no query) when the topic has no poll."""
    if not topic.has_poll:
        return None
    poll = (
        Poll.objects.filter(topic=topic)
        .annotate(
            voter_total=Coalesce(_voters(), Value(0)),
            concept_brand_name=F("topic__concept_brand__name"),
        )
        .first()
    )
    if poll is None:
        return None
    voters: int = poll.voter_total
    poll.topic = topic
    reader = actor.pk if actor.is_authenticated else None
    options: list[PollOption] = list(
        PollOption.objects.filter(poll=poll)
        .annotate(
            n=Count("votes"),
            mine=Count("votes", filter=Q(votes__voter_id=reader))
            if reader is not None
            else Value(0),
        )
        .order_by("position")
    )
    has_voted = False
    for option in options:
        option.vote_count = option.n  # type: ignore[attr-defined,unused-ignore]
        option.chosen = bool(option.mine)  # type: ignore[attr-defined,unused-ignore]
        option.percent = round(100 * option.vote_count / voters) if voters else 0
        has_voted = has_voted or option.chosen
    return PollView(
        poll=poll,
        topic=topic,
        concept_brand_name=poll.concept_brand_name,
        options=options,
        voters=voters,
        has_voted=has_voted,
        show_results=policy.may_see_poll_results(actor, poll, has_voted=has_voted),
        vote_check=policy.check(actor, Perm.VOTE_POLL, poll),
        can_close=policy.can(actor, Perm.CLOSE_POLL, poll),
        can_edit=policy.can(actor, Perm.EDIT_POLL, poll),
    )
