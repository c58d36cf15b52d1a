from typing import Any

from django import template

from conversations.queries import header_counts

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_conversation_count(context: dict[str, Any]) -> int:
    """`{% unread_conversation_count as unread %}`: the signed-in member's
    conversations with unread messages. One query per request, which also
    fills the bell's count (notification_tags reads it from the request), so
    the header costs no more queries than before."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return 0
    cached: int | None = getattr(request, "_hearth_unread_conversations", None)
    if cached is None:
        notifications, cached = header_counts(user)
        request._hearth_unread_conversations = cached
        request._hearth_unread_notifications = notifications
    return cached
