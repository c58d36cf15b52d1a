"""The award rules, as data: the code that grants awards (recognition.actions)
reads its thresholds from here, and /how-it-works/ renders this list, so the
page can never say something the code does not do.

Every rule rewards help that other community members validated. Nothing is
awarded for signing up, a profile photo, likes given, visit streaks or post
counts, and brand representatives neither earn awards nor count as validators.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from recognition.models import AwardKind

# A reply earns PEER_LIKED at this many likes from distinct community members
# (not its author, not brand-affiliated).
PEER_LIKES_NEEDED = 3
# A member earns HELPFUL_MONTH for a calendar month in which they helped this
# many distinct askers.
ASKERS_PER_MONTH = 5


@dataclass(frozen=True)
class AwardRule:
    kind: AwardKind
    name: Promise
    # What grants it, said to members; {n} is the rule's threshold.
    grants: Promise
    revoked_when: Promise
    threshold: int | None = None

    @property
    def grants_text(self) -> str:
        return str(self.grants).format(n=self.threshold)

    @property
    def revoked_text(self) -> str:
        return str(self.revoked_when).format(n=self.threshold)


RULES: tuple[AwardRule, ...] = (
    AwardRule(
        AwardKind.ACCEPTED_ANSWER,
        _("Accepted answer"),
        _("Your reply was accepted as the answer by someone other than you."),
        _("the acceptance is withdrawn, or the reply is deleted, hidden or removed"),
    ),
    AwardRule(
        AwardKind.PEER_LIKED,
        _("Found helpful by peers"),
        _(
            "Your reply was liked by at least {n} different community members "
            "(not you, not brand representatives or brand staff)."
        ),
        _("likes are taken back below the threshold, or the reply goes"),
        threshold=PEER_LIKES_NEEDED,
    ),
    AwardRule(
        AwardKind.FIRST_REPLY_SOLVED,
        _("First to help"),
        _("You gave the first community reply to a question that was later solved."),
        _("the question is no longer solved, or the reply goes"),
    ),
    AwardRule(
        AwardKind.HELPFUL_MONTH,
        _("Helpful month"),
        _(
            "In one calendar month you helped {n} or more different askers: "
            "they accepted your reply or liked it."
        ),
        _("that help is undone and the month falls below {n} askers"),
        threshold=ASKERS_PER_MONTH,
    ),
)

NEVER_REWARDED: tuple[Promise, ...] = (
    _("signing up or visiting"),
    _("adding a profile photo"),
    _("likes you give"),
    _("visit streaks"),
    _("how many posts you write"),
)

RULE_BY_KIND = {rule.kind: rule for rule in RULES}
