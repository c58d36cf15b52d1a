"""``{{ time|ago }}``: "3 hours, 5 minutes ago", or "just now" under a minute.

The words hearth.js uses when it recounts a cached page's times
(static/js/hearth.js, timesince); keep the two in step.
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def ago(value: datetime | None) -> str:
    if not isinstance(value, datetime):
        return ""
    if (timezone.now() - value).total_seconds() < 60:
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(value)}
