"""`{% hole "kind" arg %}`: a personal part of a page, filled at the end of the
request by forum.holes.HoleMiddleware (forum/holes.py lists the kinds).

`{% personal_page %}`: what follows on this page belongs to one viewer and is
not cut out as a hole, so the page is never kept in the per-class cache
(forum/cache.py) for a signed-in viewer.
"""

from __future__ import annotations

from typing import Any

from django import template

from forum import holes

register = template.Library()


@register.simple_tag(takes_context=True)
def hole(context: template.Context, kind: str, *args: Any) -> str:
    if kind not in holes.FILLERS:
        raise template.TemplateSyntaxError(f"Unknown hole kind {kind!r}")
    arg = ".".join(str(int(a)) for a in args)
    # Digits, dots, colons, "@" and hex: nothing autoescaping changes.
    return holes.marker(context["request"], kind, arg)


@register.simple_tag(takes_context=True)
def personal_page(context: template.Context) -> str:
    request = context.get("request")
    if request is not None:
        setattr(request, holes.PERSONAL_ATTR, True)
    return ""
