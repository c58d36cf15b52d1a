"""Personal holes: the parts of a page that belong to one viewer only.

A template marks such a part with ``{% hole "kind" arg %}`` (forum/templatetags/
holes.py) and the CSRF token is one too (the ``csrf`` context processor below
replaces Django's). A hole renders as a *marker*, ``@@<nonce>:<kind>:<arg>@@``,
and :class:`HoleMiddleware` replaces every marker of a response with its
content at the end of the request — every response, cached or not, goes
through the same filling code, so a page served from the per-class cache
(forum/cache.py) and a fresh render differ only where the viewer differs.

The nonce is random per render (16 hex digits), so no text a member writes
can pose as a marker: a marker is recognised only with the nonce of the
render that wrote it (kept with a cached page). Fillers read what they need
for all the holes of one kind in one query, and render small templates.

Kinds:

* ``nav``: the signed-in header's own part (name, menu, counts, bell),
  kept per member with their viewer entry (``_nav``);
* ``messages``: django.contrib.messages for this request;
* ``unread_class`` / ``unread_label``: a topic row's unread state
  (arg ``<topic pk>.<last post number>``; one ReadState query per page);
* ``csrf``: the CSRF token (filled last: other holes render it too).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject

NONCE_ATTR = "_hearth_hole_nonce"
# Set by {% personal_page %}: this render shows one viewer's state outside
# the holes, so the per-class cache never stores it (forum/cache.py).
PERSONAL_ATTR = "_hearth_personal_page"

Filler = Callable[[HttpRequest, list[str]], dict[str, str]]
FILLERS: dict[str, Filler] = {}


def nonce(request: HttpRequest) -> str:
    """This request's marker nonce (made on first use)."""
    value = getattr(request, NONCE_ATTR, None)
    if value is None:
        value = secrets.token_hex(8)
        setattr(request, NONCE_ATTR, value)
    return value


def marker(request: HttpRequest, kind: str, arg: str = "") -> str:
    return f"@@{nonce(request)}:{kind}:{arg}@@"


def filler(kind: str) -> Callable[[Filler], Filler]:
    def register(function: Filler) -> Filler:
        FILLERS[kind] = function
        return function

    return register


def _pattern(value: str) -> re.Pattern[str]:
    return re.compile(rf"@@{re.escape(value)}:([a-z_]+):([0-9.]*)@@")


def fill(request: HttpRequest, content: str, value: str) -> str:
    """Replace every marker written with nonce *value* by its content."""
    # Fillers render templates with holes of their own (the header's sign-out
    # form has the CSRF token): they use the same nonce, and the CSRF token
    # is filled last.
    setattr(request, NONCE_ATTR, value)
    pattern = _pattern(value)
    wanted: dict[str, set[str]] = {}
    for kind, arg in pattern.findall(content):
        wanted.setdefault(kind, set()).add(arg)
    if not wanted:
        return content
    filled: dict[tuple[str, str], str] = {}
    for kind, args in wanted.items():
        if kind == "csrf":
            continue
        for arg, text in FILLERS[kind](request, sorted(args)).items():
            filled[kind, arg] = text
    content = pattern.sub(lambda m: filled.get((m[1], m[2]), m[0]), content)
    if "csrf" in wanted or f"@@{value}:csrf:" in content:
        token = get_token(request)
        content = content.replace(f"@@{value}:csrf:@@", token)
    return content


class HoleMiddleware:
    """Fills the holes of every response whose render wrote markers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        value = getattr(response, NONCE_ATTR, None) or getattr(
            request, NONCE_ATTR, None
        )
        if value is None or response.streaming:
            return response
        charset = response.charset or "utf-8"
        content = response.content.decode(charset)
        if f"@@{value}:" in content:
            response.content = fill(request, content, value).encode(charset)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response


def csrf(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the CSRF token as a hole (replaces Django's own,
    which runs first; ``{% csrf_token %}`` and ``{{ csrf_token }}`` read it)."""
    return {"csrf_token": SimpleLazyObject(lambda: marker(request, "csrf"))}


# --- Fillers ---------------------------------------------------------------------------


@filler("nav")
def _nav(request: HttpRequest, args: list[str]) -> dict[str, str]:
    """The signed-in header, rendered once per variant and kept with the
    viewer's cache entry (forum.cache.load_viewer, one per member and
    generation) under everything it shows: name and avatar as this request
    read them, the viewer's class, every count in it (read fresh: with the
    user's row on a page served from the cache, else after the view), the
    page it is on (``aria-current``) and the language. Only its CSRF marker
    differs between two requests: the stored HTML carries the nonce of the
    render that made it, swapped for this request's."""
    from django.utils.translation import get_language

    from conversations.queries import header_counts
    from forum import cache as page_cache
    from forum.queries import work_nav

    user = request.user
    if not user.is_authenticated:
        return {"": render_to_string("_partials/nav_user.html", request=request)}
    counts = (
        getattr(user, "hearth_unread_notifications", None),
        getattr(user, "hearth_unread_conversations", None),
    )
    if getattr(request, page_cache.HIT_ATTR, False) and None not in counts:
        # Served from the cache: no view ran since the user's row and its
        # counts were read (accounts.backends), so they are current.
        notifications, conversations = int(counts[0]), int(counts[1])  # type: ignore[arg-type]
    else:
        notifications, conversations = header_counts(user)
    request._hearth_unread_conversations = conversations  # type: ignore[attr-defined]
    request._hearth_unread_notifications = notifications  # type: ignore[attr-defined]
    work = work_nav(user)
    viewer = page_cache.viewer_of(request)
    match = request.resolver_match
    where = (match.view_name, match.app_name) if match else ("", "")
    # Kept with the viewer (one entry per member and generation), under
    # everything else it shows: the name and avatar as this request read
    # them, the class, the counts, the page, the language.
    variant = hashlib.sha256(
        repr(
            (
                user.username,
                user.display_name,
                str(user.avatar),
                viewer.digest,
                notifications,
                conversations,
                work,
                where,
                get_language(),
            )
        ).encode()
    ).hexdigest()[:32]
    mine = nonce(request)
    stored = viewer.navs.get(variant)
    if stored is not None:
        their_nonce, html = stored
        return {"": html.replace(f"@@{their_nonce}:", f"@@{mine}:")}
    html = render_to_string("_partials/nav_user.html", {"work": work}, request=request)
    viewer.keep_nav(variant, (mine, html))
    return {"": html}


@filler("messages")
def _messages(request: HttpRequest, args: list[str]) -> dict[str, str]:
    return {"": render_to_string("_partials/messages.html", request=request)}


def _unread(request: HttpRequest, args: list[str]) -> dict[str, tuple[int, bool]]:
    """(unread count, is new) for each ``<topic pk>.<last post number>``."""
    from forum.models import ReadState

    user = request.user
    if not user.is_authenticated:
        return dict.fromkeys(args, (0, False))
    topics = {arg: tuple(int(n) for n in arg.split(".")) for arg in args}
    read = dict(
        ReadState.objects.filter(
            user=user, topic__in={pk for pk, _ in topics.values()}
        ).values_list("topic_id", "last_read_number")
    )
    state = {}
    for arg, (pk, last) in topics.items():
        if pk in read:
            state[arg] = (max(0, last - read[pk]), False)
        else:
            state[arg] = (0, True)
    return state


def _unread_state(request: HttpRequest, args: list[str]) -> dict[str, tuple[int, bool]]:
    # Both kinds of a page share the one query.
    cache: dict[str, tuple[int, bool]] = request.__dict__.setdefault(
        "_hearth_unread", {}
    )
    missing = [arg for arg in args if arg not in cache]
    if missing:
        cache.update(_unread(request, missing))
    return {arg: cache[arg] for arg in args}


@filler("unread_class")
def _unread_class(request: HttpRequest, args: list[str]) -> dict[str, str]:
    return {
        arg: " topic-row-unread" if count or new else ""
        for arg, (count, new) in _unread_state(request, args).items()
    }


@filler("unread_label")
def _unread_label(request: HttpRequest, args: list[str]) -> dict[str, str]:
    return {
        arg: render_to_string(
            "forum/_topic_row_unread.html",
            {"topic_id": arg.split(".")[0], "unread_count": count, "is_new": new},
        )
        for arg, (count, new) in _unread_state(request, args).items()
    }
