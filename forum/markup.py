"""Markdown rendering and HTML sanitizing for posts.

This is the only module in the project that turns user text into HTML or marks
HTML safe. Posts are rendered once, when they are written, and the stored HTML
is shown as is; nothing else may build HTML from user input.

Pipeline, in ``render_post_body``:

1. ``validate_post_source`` rejects empty, over-long and pathologically nested
   input with a ``MarkupError`` whose text can be shown to the author.
2. markdown-it-py renders CommonMark plus tables and strikethrough with raw
   HTML disabled, so any HTML in the source is shown as text.
3. ``bleach.Cleaner`` removes every tag, attribute and URL outside a strict
   allowlist. The Markdown renderer is trusted to emit only known markup, but
   the allowlist still holds if it ever does not.
4. bleach's linkify filter turns bare ``http(s)://`` and ``www.`` URLs into
   links and sets ``rel`` on every link.

Decisions other code and stylesheets rely on:

* Headings move down two levels: ``#`` renders as ``<h3>``, ``##`` as ``<h4>``
  and anything deeper as ``<h5>``/``<h6>``, so a post never competes with the
  page's own ``<h1>`` (topic title) and ``<h2>`` (page sections).
* A single newline inside a paragraph is a line break (``<br>``), as people
  expect when they type into a forum's text box.
* Fenced code whose info string names one of ``HIGHLIGHT_LANGUAGES`` (or an
  alias, e.g. ``py``, ``js``, ``sh``) renders as
  ``<div class="highlight"><pre><code>`` with Pygments' short token classes
  (``k``, ``s2``, ...), coloured by ``static/css/highlight.css``. Any other
  code, a block over ``MAX_HIGHLIGHT_CHARS``, or one that would overrun the
  post's highlighting time budget renders as plain ``<pre><code>``.
* Table cell alignment becomes a class (``align-left``, ``align-center``,
  ``align-right``) because ``style`` attributes are never allowed.
* A mention of a known user renders as
  ``<a class="mention" href="...">@name</a>``. A mention ends before trailing
  dots, and ``@name@host`` (a handle on another server) or ``@name/...``
  (e.g. a package scope) is not a mention.
* Images must have an absolute ``http(s)`` URL; an image whose URL is refused
  is replaced by its alt text. Readers' browsers never load an image from
  another site: an image is shown only from Hearth's own copy, given in the
  ``images`` mapping (URL to ``LocalImage``), with ``loading="lazy"`` and its
  size. Any other image renders as a plain link to its URL,
  ``<a class="remote-image" href="URL">alt text (or the URL)</a>`` (a
  ``<span class="remote-image">`` inside a link), until the images app has
  fetched it and the post is rendered again (``image_urls`` lists them).
* ``:shortcode:`` (the emoji library's names and aliases: ``:coffee:``, ``:+1:``)
  outside code becomes the emoji, written as
  ``<span role="img" aria-label="coffee" title=":coffee:">☕</span>`` so it keeps
  its words for screen readers; an unknown shortcode stays text.
* Links to any host other than ``site_host`` get
  ``rel="nofollow ugc noopener"``; relative links and links to ``site_host``
  get no ``rel``.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache, lru_cache, partial
from html import unescape
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote

import bleach
import emoji
from bleach.linkifier import LinkifyFilter
from django.conf import settings
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_all_lexers, get_lexer_by_name
from pygments.token import STANDARD_TYPES

if TYPE_CHECKING:
    # types-bleach types bleach's vendored html5lib as html5lib itself.
    from html5lib.filters.base import Filter
else:
    from bleach.html5lib_shim import Filter

__all__ = [
    "LocalImage",
    "MarkupError",
    "excerpt",
    "extract_mentions",
    "has_remote_images",
    "highlight_terms",
    "html_to_text",
    "image_urls",
    "render_post_body",
    "validate_post_source",
]

DEFAULT_MAX_POST_LENGTH = 30_000
# Quotes and lists together; real posts rarely go past four or five.
MAX_NESTING_DEPTH = 10
MAX_TABLE_COLUMNS = 50
MAX_TABLE_ROWS = 1_000
# Django's username field allows 150 characters.
MAX_USERNAME_LENGTH = 150
HEADING_SHIFT = 2
# A list level costs markdown-it two nesting levels (list + item), so this
# lets the parser reach one level past MAX_NESTING_DEPTH, where the structure
# check sees it, while still bounding recursion. Beyond maxNesting markdown-it
# silently drops content, which the depth check turns into an error instead.
_PARSER_MAX_NESTING = 2 * MAX_NESTING_DEPTH + 4

REL_EXTERNAL = "nofollow ugc noopener"
ALIGN_CLASSES = frozenset({"align-left", "align-center", "align-right"})
HIGHLIGHT_CLASS = "highlight"
MENTION_CLASS = "mention"
MENTION_LABEL_CLASS = "mention-label"
REMOTE_IMAGE_CLASS = "remote-image"
_TOKEN_CLASSES = frozenset(name for name in STANDARD_TYPES.values() if name)


class MarkupError(ValueError):
    """Input rejected; ``str(exc)`` is a clear message for the author.

    ``code`` is a short machine-readable reason ("empty", "too_long",
    "too_deep", "table_too_wide", "table_too_long"), handy for form errors.
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


# --- Mentions -------------------------------------------------------------------

_MENTION_NAME_RE = re.compile(r"[\w.-]+")
# Characters that may not come right before the "@": word characters (so
# emails like a@b.com do not count) and what precedes "@" inside URLs.
_MENTION_BLOCKER_RE = re.compile(r"[\w/:.@+=&?#%]")


def _mention_at(src: str, pos: int, end: int) -> str | None:
    """The username mentioned by the "@" at src[pos], or None."""
    # Not in emails (a@b.com) nor URL paths (https://example.social/@name).
    if pos > 0 and _MENTION_BLOCKER_RE.match(src, pos - 1):
        return None
    match = _MENTION_NAME_RE.match(src, pos + 1, end)
    if match is None:
        return None
    # "@name@host" is someone on another server, "@scope/package" a package.
    if match.end() < end and src[match.end()] in "@/":
        return None
    # Sentence punctuation: "thanks @alice." mentions "alice".
    name = match.group().rstrip(".")
    if not name or len(name) > MAX_USERNAME_LENGTH:
        return None
    return name


def _mention_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: "@name" outside links becomes a "mention" token."""
    pos = state.pos
    if state.src[pos] != "@" or state.linkLevel > 0:
        return False
    name = _mention_at(state.src, pos, state.posMax)
    if name is None:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.content = "@" + name
        token.meta = {"username": name}
    state.pos = pos + 1 + len(name)
    return True


def _render_mention(
    self: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    token = tokens[idx]
    text = escapeHtml(token.content)
    username = token.meta["username"].lower()
    url = env.get("mentions", {}).get(username)
    if not url:
        return text
    link = f'<a class="{MENTION_CLASS}" href="{escapeHtml(url)}">{text}</a>'
    label = env.get("mention_labels", {}).get(username)
    if label:
        # Brand representatives are labeled wherever they appear.
        link += f' <span class="{MENTION_LABEL_CLASS}">{escapeHtml(label)}</span>'
    return link


# --- Emoji ------------------------------------------------------------------------

_SHORTCODE_RE = re.compile(r":([a-z0-9_+-]{1,40}):")


@lru_cache(maxsize=4096)
def _emoji_for(shortcode: str) -> str | None:
    """The emoji a ``:shortcode:`` stands for (the emoji library's names and
    aliases, e.g. ``:coffee:``, ``:+1:``), or None."""
    text = f":{shortcode}:"
    found = emoji.emojize(text, language="alias")
    return None if found == text else found


def _emoji_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: ":shortcode:" becomes an "emoji" token (never in code,
    which markdown-it has taken before this rule sees the text)."""
    pos = state.pos
    if state.src[pos] != ":":
        return False
    if pos > 0 and state.src[pos - 1].isalnum():  # "12:30:00", "a:b:"
        return False
    match = _SHORTCODE_RE.match(state.src, pos, state.posMax)
    if match is None:
        return False
    character = _emoji_for(match[1])
    if character is None:
        return False
    if not silent:
        token = state.push("emoji", "", 0)
        token.content = character
        token.meta = {"shortcode": match[1]}
    state.pos = match.end()
    return True


def _render_emoji(
    self: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    """An emoji keeps its words for screen readers and on hover."""
    token = tokens[idx]
    shortcode = token.meta["shortcode"]
    words = shortcode.replace("_", " ").replace("-", " ")
    if not any(letter.isalpha() for letter in words):  # ":+1:" says "thumbs up"
        words = emoji.demojize(token.content).strip(":").replace("_", " ")
    label = escapeHtml(words)
    return (
        f'<span role="img" aria-label="{label}" title=":{escapeHtml(shortcode)}:">'
        f"{escapeHtml(token.content)}</span>"
    )


# --- Markdown ---------------------------------------------------------------------


def _adjust_tokens(state: StateCore) -> None:
    """Core rule: heading shift, table alignment classes, alt-text mentions."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = int(token.tag[1:])
            token.tag = f"h{min(level + HEADING_SHIFT, 6)}"
        elif token.type in ("th_open", "td_open"):
            style = token.attrs.pop("style", None)
            if isinstance(style, str) and style.startswith("text-align:"):
                token.attrs["class"] = "align-" + style.removeprefix("text-align:")
        elif token.type == "inline":
            for child in token.children or []:
                if child.type == "image" and child.children:
                    _unmention(child.children)


def _unmention(tokens: list[Token]) -> None:
    # Alt text is plain text: a mention there would vanish from the alt
    # attribute and notify someone who is not visibly mentioned.
    for token in tokens:
        if token.type == "mention":
            token.type = "text"
        elif token.children:
            _unmention(token.children)


# Pygments lexers are not built for hostile input: many popular ones take
# quadratic time or worse on crafted text (C++ and Java need over five seconds
# for 10,000 blank lines, C# for 3,000 one-letter lines) and some get stuck in
# a single step (systemd, matlab, lilypond, shell sessions). So only these
# languages are highlighted, each seen to make steady progress on adversarial
# input and none handing text to a lexer of the author's choosing (as the
# Markdown, HTTP and PostgreSQL lexers do); blocks over MAX_HIGHLIGHT_CHARS
# are not highlighted; and lexing runs token by token against a per-post
# budget of time and tokens. Anything else renders as plain code.
HIGHLIGHT_LANGUAGES = frozenset(
    {
        "bash",
        "batch",
        "c",
        "clojure",
        "cmake",
        "cpp",
        "css",
        "dart",
        "diff",
        "django",
        "docker",
        "elixir",
        "fsharp",
        "go",
        "graphql",
        "groovy",
        "haskell",
        "html",
        "java",
        "javascript",
        "json",
        "json5",
        "jsx",
        "julia",
        "kotlin",
        "less",
        "lua",
        "mysql",
        "nginx",
        "objective-c",
        "ocaml",
        "perl",
        "php",
        "powershell",
        "properties",
        "protobuf",
        "pycon",
        "python",
        "ruby",
        "rust",
        "scala",
        "scss",
        "splus",
        "sql",
        "sqlite3",
        "swift",
        "tex",
        "text",
        "toml",
        "tsx",
        "typescript",
        "vue",
        "xml",
        "yaml",
    }
)
MAX_HIGHLIGHT_CHARS = 5_000
# Each token becomes a <span>, and sanitizing spans is what costs most.
MAX_HIGHLIGHT_TOKENS = 5_000
HIGHLIGHT_BUDGET_SECONDS = 0.3


@cache
def _highlight_aliases() -> dict[str, str]:
    """Every alias of the allowed lexers ("py", "js", ...) to its main name."""
    # Read from Pygments' table of lexers, which imports no lexer module:
    # only the languages posts actually use get loaded. Mapping to the main
    # name keeps an alias another lexer also claims from picking that one.
    return {
        alias.lower(): aliases[0]
        for _name, aliases, _files, _mimetypes in get_all_lexers(plugins=False)
        if aliases and aliases[0] in HIGHLIGHT_LANGUAGES
        for alias in aliases
    }


def _lexer_for(language: str) -> Lexer | None:
    name = _highlight_aliases().get(language.lower())
    if name is None:
        return None
    return get_lexer_by_name(name, stripnl=False, ensurenl=False)


_FORMATTER = HtmlFormatter(nowrap=True)


def _highlight(code: str, lexer: Lexer, env: EnvType) -> str | None:
    """Pygments HTML for ``code``, or None when the post's budget runs out.

    The budget (time and tokens) is shared by every block of one post and
    kept in the render ``env``.
    """
    deadline = env.setdefault(
        "highlight_deadline", time.monotonic() + HIGHLIGHT_BUDGET_SECONDS
    )
    tokens_left = env.get("highlight_tokens_left", MAX_HIGHLIGHT_TOKENS)
    tokens: list[tuple[Any, str]] = []
    for token in lexer.get_tokens(code):
        if len(tokens) >= tokens_left or time.monotonic() > deadline:
            return None
        tokens.append(token)
    env["highlight_tokens_left"] = tokens_left - len(tokens)
    out = io.StringIO()
    _FORMATTER.format(tokens, out)
    return out.getvalue()


def _render_fence(
    self: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    token = tokens[idx]
    info = unescapeAll(token.info).strip()
    lexer = _lexer_for(info.split(maxsplit=1)[0] if info else "")
    body = None
    if lexer is not None and len(token.content) <= MAX_HIGHLIGHT_CHARS:
        body = _highlight(token.content, lexer, env)
    if body is None:
        return f"<pre><code>{escapeHtml(token.content)}</code></pre>\n"
    return f'<div class="{HIGHLIGHT_CLASS}"><pre><code>{body}</code></pre></div>\n'


def _build_markdown() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark",
        {"html": False, "breaks": True, "maxNesting": _PARSER_MAX_NESTING},
    ).enable(["table", "strikethrough"])
    md.inline.ruler.push("mention", _mention_rule)
    md.inline.ruler.push("emoji", _emoji_rule)
    md.core.ruler.before("text_join", "hearth_adjust", _adjust_tokens)
    md.add_render_rule("mention", _render_mention)
    md.add_render_rule("emoji", _render_emoji)
    md.add_render_rule("fence", _render_fence)
    return md


# Parsing and rendering keep their state per call, so one instance serves
# every thread.
_MARKDOWN = _build_markdown()


# --- Validation -------------------------------------------------------------------

_TABLE_DELIMITER_CHARS_RE = re.compile(r"[-:| \t]+")


def _fmt(number: int) -> str:
    return number_format(number, force_grouping=True)


def _precheck_tables(source: str) -> None:
    # Checked on the text, before parsing, because markdown-it pads every body
    # row to the header's width: a wide header over many short lines is the
    # cheapest way to make the parser work hard. A table's width is set by its
    # delimiter row ("|---|:--:|"), and every non-blank line after it is a
    # body row at most, so both limits can be bounded without parsing. The
    # exact counts are checked again on the parsed tokens.
    rows = -1  # body rows after the last delimiter row; -1 outside a table
    # Only the line breaks Markdown knows: str.splitlines() also breaks at
    # characters that would let a table hide behind fake blank lines.
    for line in source.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        row = line.lstrip(" \t>").rstrip(" \t")
        if not row:
            rows = -1
            continue
        if rows >= 0:
            rows += 1
            if rows > MAX_TABLE_ROWS:
                raise _table_too_long()
        if "|" in row and "-" in row and _TABLE_DELIMITER_CHARS_RE.fullmatch(row):
            cells = row.removeprefix("|").removesuffix("|").split("|")
            if len(cells) > MAX_TABLE_COLUMNS:
                raise _table_too_wide()
            if rows < 0:
                rows = 0


def _table_too_wide() -> MarkupError:
    return MarkupError(
        gettext("A table has too many columns: at most %(limit)s are allowed.")
        % {"limit": _fmt(MAX_TABLE_COLUMNS)},
        code="table_too_wide",
    )


def _table_too_long() -> MarkupError:
    return MarkupError(
        gettext("A table has too many rows: at most %(limit)s are allowed.")
        % {"limit": _fmt(MAX_TABLE_ROWS)},
        code="table_too_long",
    )


def _check_structure(tokens: Sequence[Token]) -> None:
    depth = 0
    columns = rows = 0
    in_body = False
    for token in tokens:
        if token.type in ("blockquote_open", "bullet_list_open", "ordered_list_open"):
            depth += 1
            if depth > MAX_NESTING_DEPTH:
                raise MarkupError(
                    gettext(
                        "Quotes and lists are nested too deeply: at most "
                        "%(limit)s levels are allowed."
                    )
                    % {"limit": _fmt(MAX_NESTING_DEPTH)},
                    code="too_deep",
                )
        elif token.type in (
            "blockquote_close",
            "bullet_list_close",
            "ordered_list_close",
        ):
            depth -= 1
        elif token.type == "table_open":
            columns = rows = 0
        elif token.type == "th_open":
            columns += 1
            if columns > MAX_TABLE_COLUMNS:
                raise _table_too_wide()
        elif token.type in ("tbody_open", "tbody_close"):
            in_body = token.nesting == 1
        elif token.type == "tr_open" and in_body:
            rows += 1
            if rows > MAX_TABLE_ROWS:
                raise _table_too_long()


def _precheck(source: str) -> None:
    """The checks on the raw text, cheap enough to run on input of any size."""
    if not source.strip():
        raise MarkupError(
            gettext("Write something first: the post is empty."), code="empty"
        )
    limit = getattr(settings, "FORUM_MAX_POST_LENGTH", DEFAULT_MAX_POST_LENGTH)
    # Browsers count a line break in a text box as one character but submit
    # it as two.
    length = len(source.replace("\r\n", "\n"))
    if length > limit:
        raise MarkupError(
            gettext(
                "The post is too long: %(length)s characters, the limit is %(limit)s."
            )
            % {"length": _fmt(length), "limit": _fmt(limit)},
            code="too_long",
        )
    _precheck_tables(source)


def _checked_tokens(source: str) -> list[Token]:
    """Validate the source and return its parsed tokens."""
    _precheck(source)
    # Parsing is bounded by the length limit and maxNesting; the structure
    # check then turns content markdown-it would silently drop into an error.
    tokens = _MARKDOWN.parse(source)
    _check_structure(tokens)
    return tokens


def validate_post_source(source: str) -> None:
    """Check that ``source`` may be rendered as a post.

    Raises ``MarkupError`` for empty or whitespace-only text, text longer than
    ``settings.FORUM_MAX_POST_LENGTH`` characters (30,000 by default), quotes
    and lists nested more than ``MAX_NESTING_DEPTH`` levels, and tables with
    more than ``MAX_TABLE_COLUMNS`` columns or ``MAX_TABLE_ROWS`` body rows.
    """
    _checked_tokens(source)


# --- Sanitizing -------------------------------------------------------------------

ALLOWED_TAGS = frozenset(
    {
        "a",
        "blockquote",
        "br",
        "code",
        "del",
        "div",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "img",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "span",
        "strong",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

# Browsers ignore ASCII whitespace and control characters inside URLs, which
# is how "java\tscript:" still runs.
_URL_NOISE_RE = re.compile(r"[\x00-\x20\x7f]+")
_ORDERED_LIST_START_RE = re.compile(r"[0-9]{1,9}")
_SCHEME_RE = re.compile(r"([a-z][a-z0-9+.-]*):", re.IGNORECASE)


def _is_safe_href(value: str) -> bool:
    # bleach checks the scheme as a browser reads it; this also refuses a
    # scheme hidden behind percent-escapes ("java%09script:"), which browsers
    # treat as a harmless relative path but which nobody writes on purpose.
    decoded = _URL_NOISE_RE.sub("", unquote(value))
    scheme = _SCHEME_RE.match(decoded)
    return scheme is None or scheme[1].lower() in ALLOWED_PROTOCOLS


def _is_http_url(value: str) -> bool:
    cleaned = _URL_NOISE_RE.sub("", value).lower()
    return cleaned.startswith(("http://", "https://"))


def _any_value(value: str) -> bool:
    return True


def _is_token_classes(value: str) -> bool:
    classes = value.split()
    return bool(classes) and all(name in _TOKEN_CLASSES for name in classes)


_ATTRIBUTE_RULES: dict[str, dict[str, Callable[[str], bool]]] = {
    # bleach checks href against ALLOWED_PROTOCOLS after these rules.
    "a": {"href": _is_safe_href, "title": _any_value, "class": MENTION_CLASS.__eq__},
    "img": {"src": _is_http_url, "alt": _any_value, "title": _any_value},
    "ol": {"start": lambda value: bool(_ORDERED_LIST_START_RE.fullmatch(value))},
    "th": {"class": ALIGN_CLASSES.__contains__},
    "td": {"class": ALIGN_CLASSES.__contains__},
    "span": {
        "class": lambda value: value == MENTION_LABEL_CLASS or _is_token_classes(value),
        # emoji (":coffee:"): the character with its name for screen readers
        "role": "img".__eq__,
        "aria-label": _any_value,
        "title": _any_value,
    },
    "div": {"class": HIGHLIGHT_CLASS.__eq__},
}


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    check = _ATTRIBUTE_RULES.get(tag, {}).get(name)
    return check is not None and check(value)


class LocalImage(NamedTuple):
    """Hearth's own copy of an image from another site (images app)."""

    src: str
    width: int | None = None
    height: int | None = None


_HTML_NAMESPACE = "http://www.w3.org/1999/xhtml"


class _ImageFilter(Filter):
    """Point images at Hearth's own copies; any other image becomes a link.

    Runs after the allowlist, so ``src`` is an absolute http(s) URL or gone.
    An image left without a source is replaced by its alt text.
    """

    def __init__(
        self, source: Any, images: Mapping[str, LocalImage] | None = None
    ) -> None:
        super().__init__(source)
        self.images = images or {}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        links = 0
        for token in super().__iter__():
            kind, name = token["type"], token.get("name")
            if name == "a" and kind == "StartTag":
                links += 1
            elif name == "a" and kind == "EndTag":
                links = max(0, links - 1)
            if kind in ("StartTag", "EmptyTag") and name == "img":
                attrs = token["data"]
                src = attrs.get((None, "src"))
                alt = attrs.get((None, "alt"), "")
                if src is None:
                    if alt:
                        yield {"type": "Characters", "data": alt}
                    continue
                # bleach keeps attribute values as written ("&amp;" for "&").
                local = self.images.get(unescape(src))
                if local is None:
                    yield from _remote_image_link(
                        src, alt, attrs, inside_link=links > 0
                    )
                    continue
                attrs[(None, "src")] = local.src
                if local.width and local.height:
                    attrs[(None, "width")] = str(local.width)
                    attrs[(None, "height")] = str(local.height)
                attrs[(None, "loading")] = "lazy"
            yield token


def _remote_image_link(
    src: str, alt: str, attrs: Mapping[Any, str], *, inside_link: bool
) -> Iterator[dict[str, Any]]:
    """A plain link to an image not (yet) copied to Hearth: no request to
    another site until a reader chooses to follow it."""
    tag = "span" if inside_link else "a"  # links do not nest
    data: dict[Any, str] = {(None, "class"): REMOTE_IMAGE_CLASS}
    if not inside_link:
        data[(None, "href")] = src
    title = attrs.get((None, "title"))
    if title:
        data[(None, "title")] = title
    yield {"type": "StartTag", "name": tag, "namespace": _HTML_NAMESPACE, "data": data}
    yield {"type": "Characters", "data": alt or src}
    yield {"type": "EndTag", "name": tag, "namespace": _HTML_NAMESPACE, "data": {}}


_SCHEME_AND_SLASHES_RE = re.compile(
    r"(?:(?P<scheme>[a-z][a-z0-9+.-]*):)?(?P<slashes>[/\\]*)", re.IGNORECASE
)
_AUTHORITY_END_RE = re.compile(r"[/?#\\]")


def _normalize_host(host: str) -> str:
    host = host.rpartition("@")[2].lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.partition(":")[0].rstrip(".")


def _is_external(href: str, site_host: str | None) -> bool:
    """Whether a browser would take ``href`` to a host other than site_host."""
    cleaned = _URL_NOISE_RE.sub("", href)
    match = _SCHEME_AND_SLASHES_RE.match(cleaned)
    if match is None:  # cannot happen: every part of the pattern is optional
        return True
    scheme = (match["scheme"] or "").lower()
    if scheme and scheme not in ("http", "https"):
        return False
    # Browsers read "//host", "\\host" and "https:/host" as absolute, so only a
    # path without scheme or leading double slash stays on this site.
    if not scheme and len(match["slashes"]) < 2:
        return False
    if not site_host:
        return True
    authority = _AUTHORITY_END_RE.split(cleaned[match.end() :], maxsplit=1)[0]
    return _normalize_host(authority) != _normalize_host(site_host)


# Bare web addresses for the linkify filter. bleach's default pattern
# backtracks catastrophically on text such as "a-a.a-a." repeated (minutes for
# one 30 kB post) and links bare names like "setup.py" (.py is a country
# domain). This one starts only at "http://", "https://" or "www.", cannot
# backtrack further than its last character, and stops after 2,000 characters.
# Trailing sentence punctuation is not part of the address; an unbalanced
# closing parenthesis is dropped by bleach itself.
_LINKIFY_URL_RE = re.compile(
    r"\b(?:https?://|www\.)[^\s<>\"'`]{0,2000}[^\s<>\"'`.,;:!?*_~]",
    re.IGNORECASE,
)


def _link_callback(
    attrs: dict[Any, str], new: bool = False, *, site_host: str | None
) -> dict[Any, str] | None:
    """Linkify callback: set rel on every link, refuse odd new ones."""
    href = attrs.get((None, "href"))
    if href is None:
        return attrs
    if new and not _is_http_url(href):
        # Returning None leaves the text unlinked.
        return None
    if _is_external(href, site_host):
        attrs[(None, "rel")] = REL_EXTERNAL
    else:
        attrs.pop((None, "rel"), None)
    return attrs


def _sanitize(
    html: str,
    *,
    site_host: str | None = None,
    images: Mapping[str, LocalImage] | None = None,
) -> str:
    """Allowlist-sanitize ``html``, localize its images, linkify bare URLs."""
    # A Cleaner holds a parser with per-document state, so each call gets its
    # own instead of sharing one between threads.
    cleaner = bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allow_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[
            partial(_ImageFilter, images=images),
            partial(
                LinkifyFilter,
                # types-bleach has callbacks return the attributes; bleach also
                # takes None, which leaves the text unlinked (_link_callback).
                callbacks=[partial(_link_callback, site_host=site_host)],  # type: ignore[list-item,arg-type]
                skip_tags={"pre", "code"},
                parse_email=False,
                url_re=_LINKIFY_URL_RE,
            ),
        ],
    )
    return cleaner.clean(html)


# --- Public API ---------------------------------------------------------------------


def render_post_body(
    source: str,
    *,
    mentions: Mapping[str, str] | None = None,
    mention_labels: Mapping[str, str] | None = None,
    site_host: str | None = None,
    images: Mapping[str, LocalImage] | None = None,
) -> str:
    """Render a post's Markdown ``source`` to sanitized HTML.

    Validates first (see ``validate_post_source``) and raises ``MarkupError``.
    ``mentions`` maps lowercased usernames to profile URLs: ``@name`` outside
    code and links becomes ``<a class="mention" href="URL">@name</a>`` when
    ``name.lower()`` is a key, and stays plain text otherwise;
    ``mention_labels`` adds a text label after a mention (a brand
    representative's "<Brand> · peer resource"). Links to hosts
    other than ``site_host`` (any absolute link when it is None) get
    ``rel="nofollow ugc noopener"``; relative links and links to ``site_host``
    do not. ``images`` maps image URLs (as ``image_urls`` lists them) to
    Hearth's own copies; an image missing from it renders as a plain link to
    its URL, so a reader's browser never contacts another site. The result is
    marked safe for templates; once stored and loaded again it is a plain
    ``str`` that templates must mark safe themselves.
    """
    tokens = _checked_tokens(source)
    env: dict[str, Any] = {
        "mentions": mentions or {},
        "mention_labels": mention_labels or {},
    }
    html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, env)
    # The one place post HTML becomes safe: it has just been sanitized.
    return mark_safe(_sanitize(html, site_host=site_host, images=images))  # noqa: S308


def image_urls(source: str) -> list[str]:
    """The http(s) image URLs of Markdown ``source``, in order, without
    duplicates: the keys ``render_post_body``'s ``images`` mapping is looked
    up by. Text that fails the cheap checks of ``validate_post_source`` has
    none."""
    try:
        _precheck(source)
    except MarkupError:
        return []
    urls: dict[str, None] = {}
    pending = list(_MARKDOWN.parse(source))
    while pending:
        token = pending.pop(0)
        if token.type == "image":
            src = token.attrGet("src")
            if isinstance(src, str) and _is_http_url(src):
                urls.setdefault(src, None)
        if token.children:
            pending[0:0] = token.children
    return list(urls)


_REMOTE_IMAGE_TAG_RE = re.compile(rf'<(?:a|span) class="{REMOTE_IMAGE_CLASS}"')


def has_remote_images(html: str) -> bool:
    """Whether rendered ``html`` shows an image as a link to another site.

    Text can't fake it: "<" is always escaped outside tags."""
    return _REMOTE_IMAGE_TAG_RE.search(html) is not None


def extract_mentions(source: str) -> list[str]:
    """Usernames mentioned as ``@name`` in Markdown ``source``.

    In order of first mention, without duplicates (compared case-insensitively,
    keeping the spelling of the first occurrence). Mentions in code spans,
    fenced or indented code, link text and image alt text do not count, nor
    do emails (``a@b.com``), URLs or handles on other servers
    (``@name@example.social``): exactly the ones ``render_post_body`` would
    link for a known user. Text that fails the cheap checks of
    ``validate_post_source`` (empty, too long, oversized tables) yields no
    names without being parsed; ``render_post_body`` rejects it.
    """
    try:
        _precheck(source)
    except MarkupError:
        # Callers may look for mentions before rendering; text this big or
        # odd is refused by render_post_body anyway, so it need not be parsed.
        return []
    names: dict[str, str] = {}
    for token in _MARKDOWN.parse(source):
        for child in token.children or []:
            if child.type == "mention":
                name = child.meta["username"]
                names.setdefault(name.lower(), name)
    return list(names.values())


_BLOCK_TAGS = frozenset(
    {
        "blockquote",
        "br",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    }
)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        elif tag == "img":
            self.parts.append(f" {dict(attrs).get('alt') or ''} ")
        elif tag in _BLOCK_TAGS:
            # Separate "<p>a</p><p>b</p>" into "a b", not "ab".
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of rendered ``html``, entities decoded, whitespace collapsed.

    For search indexing, feed summaries and notification previews. Image alt
    text is kept. The result is text, not HTML: escape it when output.
    """
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


_EXCERPT_TRAILING_PUNCTUATION = " ,;:.!?-\u2013\u2014"


def excerpt(html: str, length: int = 200) -> str:
    """Plain-text excerpt of rendered ``html``, at most ``length`` characters.

    Text longer than that is cut at a word boundary and ends with "…" (counted
    in ``length``); a single word longer than ``length`` is cut mid-word. The
    result is text, not HTML: escape it when output.
    """
    if length < 1:
        raise ValueError("length must be at least 1")
    text = html_to_text(html)
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if not text[length - 1].isspace():
        space = cut.rfind(" ")
        if space > 0:
            cut = cut[:space]
    return cut.rstrip(_EXCERPT_TRAILING_PUNCTUATION) + "\u2026"


def highlight_terms(text: str, words: Sequence[str]) -> SafeString:
    """Escape plain *text* and wrap each case-insensitive match of *words* in
    ``<mark>`` (search snippets). Matching happens on the raw text, so a
    match never splits an HTML entity."""
    words = [word for word in words if word]
    if not words:
        return mark_safe(escapeHtml(text))  # noqa: S308
    pattern = re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)
    parts: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        parts.append(escapeHtml(text[position : match.start()]))
        parts.append(f"<mark>{escapeHtml(match.group(0))}</mark>")
        position = match.end()
    parts.append(escapeHtml(text[position:]))
    # Every piece of text was escaped above; only <mark> is added.
    return mark_safe("".join(parts))  # noqa: S308


def stored_html(html: str) -> SafeString:
    """HTML this module sanitized when it was written (a post body, an idea
    decision's rationale), marked safe for templates. The one way other apps
    show stored HTML: nothing else marks HTML safe (.ci/run checks)."""
    return mark_safe(html)  # noqa: S308
