from typing import Any

from django import template
from django.utils.functional import Promise

from notifications.fanout import unread_count
from notifications.models import WatchLevel

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context: dict[str, Any]) -> int:
    """`{% unread_notification_count as unread %}`: the signed-in member's unread
    notifications, one indexed COUNT per request (0 and no query when signed out)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return 0
    cached: int | None = getattr(request, "_hearth_unread_notifications", None)
    if cached is None:
        cached = unread_count(user)
        request._hearth_unread_notifications = cached
    return cached


@register.simple_tag
def watch_level_options(level: int | None) -> list[tuple[int, str | Promise, bool]]:
    """`{% watch_level_options watch_level as options %}`: (value, label, selected)
    from Watching down to Muted; no saved level means Normal."""
    current = WatchLevel.NORMAL if level is None else level
    return [
        (value, label, value == current)
        for value, label in sorted(WatchLevel.choices, reverse=True)
    ]
