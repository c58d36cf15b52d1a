"""`{% introductions_category user as intro %}`: where a newcomer says hello.

The welcome points to the category whose slug is "introductions" when the
newcomer can see it (one query, only while the welcome is shown).
"""

from __future__ import annotations

from django import template

from forum.models import Category
from permissions import policy
from permissions.policy import Actor

register = template.Library()

INTRODUCTIONS_SLUG = "introductions"


@register.simple_tag
def introductions_category(user: Actor) -> Category | None:
    return (
        policy.visible_categories(
            user, Category.objects.filter(slug=INTRODUCTIONS_SLUG)
        )
        .select_related("parent")
        .first()
    )
