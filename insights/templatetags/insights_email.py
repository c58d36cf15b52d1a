"""The listening report inside the weekly email, built for its recipient
when the email is sent (so it shows only what they may read then)."""

from __future__ import annotations

from django import template

from accounts.models import User
from insights import queries
from insights.queries import ListeningReport
from notifications.emails import absolute_url
from permissions import policy
from permissions.policy import Perm

register = template.Library()

EMAIL_LIST_LENGTH = 5


@register.simple_tag
def weekly_report(recipient: User) -> ListeningReport | None:
    """The report of *recipient*'s brand, or None when they may not read it."""
    brand = recipient.brand
    if brand is None or not policy.can(recipient, Perm.VIEW_LISTENING_REPORT, brand):
        return None
    report = queries.listening_report(recipient, brand)
    report.recurring = report.recurring[:EMAIL_LIST_LENGTH]
    report.unsolved = report.unsolved[:EMAIL_LIST_LENGTH]
    report.ideas_by_recent_support = report.ideas_by_recent_support[:EMAIL_LIST_LENGTH]
    report.discussed_without_brand = report.discussed_without_brand[:EMAIL_LIST_LENGTH]
    report.helpers = report.helpers[:EMAIL_LIST_LENGTH]
    return report


@register.filter
def absolute(path: str) -> str:
    """An absolute link for an email (SITE_URL + path)."""
    return absolute_url(path)
