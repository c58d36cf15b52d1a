"""Path converters that refuse what a segment can't hold, so such URLs answer
404 before a view or the database sees them.

Django's `str` converter takes anything but "/", NUL and control characters
included; PostgreSQL rejects a NUL in a query parameter with an error (a
500), SQLite just misses. `username` takes exactly what a username may hold
(Django's UnicodeUsernameValidator, which sign-up, the admin and the
importer all enforce: letters, digits and ``. @ + - _``, at most 150).
`topic_slug` is the slug part of topic URLs: any slug other than the current
one still redirects (old titles, hand-typed links), so it takes any
printable text but no whitespace or control characters, at most 200.
Category and tag slugs use Django's `slug` ([-a-zA-Z0-9_]), ids `int`.

Importing this module registers the converters; the URLconfs that use them
import it.
"""

from __future__ import annotations

from django.urls import register_converter

USERNAME_MAX_LENGTH = 150
TOPIC_SLUG_MAX_LENGTH = 200


class UsernameConverter:
    regex = rf"[\w.@+-]{{1,{USERNAME_MAX_LENGTH}}}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class TopicSlugConverter:
    # No "/", whitespace, C0/C1 control characters or DEL.
    regex = rf"[^/\s\x00-\x1f\x7f-\x9f]{{1,{TOPIC_SLUG_MAX_LENGTH}}}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UsernameConverter, "username")
register_converter(TopicSlugConverter, "topic_slug")
