from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("accounts/_avatar.html")
def avatar(user: Any, size: int = 40) -> dict[str, Any]:
    """An uploaded avatar, or a generated one (initials on a colour from the username)."""
    return {"avatar_user": user, "size": size}
