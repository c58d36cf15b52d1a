from typing import Any

from django import template

from permissions import policy

register = template.Library()


@register.simple_tag
def can(user: Any, perm: str, obj: Any) -> bool:
    """`{% can request.user "edit_post" post as can_edit %}`: asks the policy,
    so templates never re-type a rule. The action enforces it again."""
    return policy.can(user, perm, obj)
