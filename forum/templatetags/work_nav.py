"""`{% work_nav user as work %}`: what the header offers each role.

A moderator gets their review queue with its count, the appeals and the
moderation log; an administrator, the admin site and delivery health as well;
a brand representative, the brand queue with its count. The counts cost one
query per page (none for members and visitors).
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from forum.queries import brand_queue_size
from moderation.queries import WaitingWork, waiting_work
from permissions import policy
from permissions.policy import Actor

register = template.Library()


@dataclass(frozen=True)
class WorkNav:
    moderation: WaitingWork | None  # None: not a moderator
    brand_requests: int | None  # None: not a representative
    is_admin: bool


@register.simple_tag
def work_nav(user: Actor) -> WorkNav:
    return WorkNav(
        moderation=waiting_work(user),
        brand_requests=brand_queue_size(user),
        is_admin=policy.is_admin(user),
    )
