"""`{% work_nav user as work %}`: what the header offers each role.

A moderator gets their review queue with its count, the appeals and the
moderation log; an administrator, the admin site and delivery health as well;
a brand representative, the brand queue with its count. The counts cost one
query per page (none for members and visitors): forum.queries.work_nav.
"""

from __future__ import annotations

from django import template

from forum.queries import WorkNav
from forum.queries import work_nav as _work_nav
from permissions.policy import Actor

register = template.Library()


@register.simple_tag
def work_nav(user: Actor) -> WorkNav:
    return _work_nav(user)
