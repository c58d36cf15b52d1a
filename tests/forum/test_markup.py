"""Tests for forum.markup: Markdown rendering, sanitizing and input limits."""

import re
import sys
import time
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from django.utils.safestring import SafeString
from pygments.lexers import get_lexer_by_name

from forum import markup
from forum.markup import (
    ALLOWED_TAGS,
    HIGHLIGHT_LANGUAGES,
    MAX_HIGHLIGHT_CHARS,
    MAX_NESTING_DEPTH,
    MAX_TABLE_COLUMNS,
    MAX_TABLE_ROWS,
    MarkupError,
    _sanitize,
    excerpt,
    extract_mentions,
    html_to_text,
    render_post_body,
    validate_post_source,
)

SITE = "hearth.example.org"
PROFILES = {"alice": "/u/alice/", "bob": "/u/bob/"}
# Pathological input is checked by *work*, never by the clock: the number of
# Python calls a render makes (a profiler hook counts them; deterministic for a
# given input) must grow linearly with the input, and input refused for its
# size must be refused before any parsing. How fast a render is belongs to
# `make bench`, not here. The only clock left is a generous bound on this
# process's *CPU* time (not wall-clock time, which a busy machine stretches),
# for runaway work in C (a backtracking regular expression) that no Python
# call counts; the renders take about 0.5 s of CPU.
HANG_GUARD_CPU_SECONDS = 5.0
# Doubling the input may at most double the work, plus room for n log n
# steps; quadratic work quadruples it.
LINEAR_WORK_RATIO = 2.3
# Python calls a refusal for size or structure may take (the same for any size).
REFUSAL_WORK = 2_000


class _ElementCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every element of ``html`` as (tag, attributes), entities decoded."""
    collector = _ElementCollector()
    collector.feed(html)
    collector.close()
    return collector.elements


def is_dangerous_url(value: str | None) -> bool:
    """Whether a browser (or a careless decoder) could run ``value`` as script."""
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", unquote(value or "")).lower()
    return cleaned.startswith(("javascript:", "vbscript:", "data:"))


def dangerous_urls(html: str) -> list[str]:
    return [
        value
        for _tag, attrs in elements(html)
        for name, value in attrs.items()
        if name in ("href", "src") and is_dangerous_url(value)
    ]


def event_handlers(html: str) -> list[str]:
    return [
        name
        for _tag, attrs in elements(html)
        for name in attrs
        if name.startswith("on")
    ]


def links(html: str) -> list[dict[str, str | None]]:
    return [attrs for tag, attrs in elements(html) if tag == "a"]


def _render(source: str) -> str | MarkupError:
    try:
        return render_post_body(source)
    except MarkupError as exc:
        return exc


def work(function: Callable[[], object]) -> int:
    """How many Python calls (and calls into C) running *function* makes."""
    calls = 0

    def count(_frame: object, event: str, _arg: object) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    previous = sys.getprofile()
    sys.setprofile(count)
    try:
        function()
    finally:
        sys.setprofile(previous)
    return calls


def render_bounded(source: str) -> str | MarkupError:
    """Render *source*; fail on runaway CPU time (not wall-clock time)."""
    start = time.process_time()
    result = _render(source)
    assert time.process_time() - start < HANG_GUARD_CPU_SECONDS
    return result


def assert_linear_work(function: Callable[[str], object], source: str) -> None:
    """The work on the first quarter of *source* is at most about twice the
    work on its first eighth: it grows linearly, not quadratically."""
    eighth, quarter = source[: len(source) // 8], source[: len(source) // 4]
    function(eighth)  # warm up: lexers and caches load on first use
    small = work(lambda: function(eighth))
    large = work(lambda: function(quarter))
    assert large <= LINEAR_WORK_RATIO * small + REFUSAL_WORK, (small, large)


def table(rows: int, columns: int = 5) -> str:
    header = "|" + "|".join(f"h{i}" for i in range(columns)) + "|\n"
    delimiter = "|" + "|".join("-" for _ in range(columns)) + "|\n"
    body = ("|" + "|".join(str(i) for i in range(columns)) + "|\n") * rows
    return header + delimiter + body


# --- Dangerous content ------------------------------------------------------------


def test_render_post_body_removes_script_elements():
    html = render_post_body("Hi <script>alert(1)</script>")

    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "source",
    [
        "<b>bold</b> and <i>italic</i>",
        "<div>\n*block html*\n</div>",
        '<iframe src="https://evil.example/"></iframe>',
        "<style>body { display: none }</style>",
        "<!-- a comment -->",
        '<form action="https://evil.example/"><input name="q"></form>',
        "<svg><circle r=10 /></svg>",
    ],
)
def test_render_post_body_shows_raw_html_as_text(source):
    html = render_post_body(source)

    assert {tag for tag, _attrs in elements(html)} <= {"p", "em", "br", "a"}
    assert "&lt;" in html


@pytest.mark.parametrize(
    "source",
    [
        '<img src="https://img.example/x.png" onerror="alert(1)">',
        '<a href="https://a.example/" onclick="alert(1)">x</a>',
        "<svg onload=alert(1)>",
        '<p onmouseover="alert(1)">hover</p>',
        '[x](https://a.example/ "t\\" onclick=\\"alert(1)")',
        '![x](https://img.example/i.png "t\\" onerror=\\"alert(1)")',
        '[x](https://a.example/" onclick="alert(1))',
    ],
)
def test_render_post_body_drops_event_handler_attributes(source):
    html = render_post_body(source)

    assert event_handlers(html) == []


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](jav&#x61;script:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1))",
        "[x](javascript&colon;alert(1))",
        "[x](<java\tscript:alert(1)>)",
        "[x](<java\nscript:alert(1)>)",
        "[x](java&#9;script:alert(1))",
        "[x](java&#10;script:alert(1))",
        "[x](java&Tab;script:alert(1))",
        "[x](%6Aavascript:alert(1))",
        "[x](  javascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](VBScript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](data:image/png;base64,iVBORw0KGgo=)",
        "[x](DATA:text/html,<script>alert(1)</script>)",
        "[x][ref]\n\n[ref]: javascript:alert(1)",
        "[x][ref]\n\n[ref]: jav&#x61;script:alert(1)",
        "[x][ref]\n\n[ref]: data:image/png;base64,iVBORw0KGgo=",
        "<javascript:alert(1)>",
        "<JAVASCRIPT:alert(1)>",
        "<jav&#x61;script:alert(1)>",
        "<&#106;avascript:alert(1)>",
        "<vbscript:msgbox(1)>",
        "<data:text/html,alert(1)>",
        "javascript:alert(1) and vbscript:msgbox(1) and data:text/html,x",
    ],
)
def test_render_post_body_refuses_script_urls_in_links(source):
    html = render_post_body(source, site_host=SITE)

    assert dangerous_urls(html) == []
    assert event_handlers(html) == []


@pytest.mark.parametrize(
    "source",
    [
        "![x](javascript:alert(1))",
        "![x](JAVASCRIPT:alert(1))",
        "![x](jav&#x61;script:alert(1))",
        "![x](&#106;avascript:alert(1))",
        "![x](<java\tscript:alert(1)>)",
        "![x](java&#9;script:alert(1))",
        "![x](vbscript:msgbox(1))",
        "![x](data:image/png;base64,iVBORw0KGgo=)",
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "![x](DATA:image/gif;base64,R0lGODlhAQABAAAAACw=)",
        "![x][ref]\n\n[ref]: data:image/png;base64,iVBORw0KGgo=",
    ],
)
def test_render_post_body_refuses_script_and_data_urls_in_images(source):
    html = render_post_body(source)

    assert dangerous_urls(html) == []
    assert "<img" not in html


@pytest.mark.parametrize(
    "source",
    [
        "![a cat](data:image/png;base64,iVBORw0KGgo=)",
        "![a cat](/media/cat.png)",
        "![a cat](//img.example/cat.png)",
        "![a cat](ftp://img.example/cat.png)",
    ],
)
def test_render_post_body_replaces_non_http_images_with_alt_text(source):
    html = render_post_body(source)

    assert "<img" not in html
    assert "a cat" in html


def test_render_post_body_shows_images_from_other_sites_as_plain_links():
    # A reader's browser never contacts another site to show a post.
    html = render_post_body('![a cat](https://img.example/cat.png "Cat")')

    assert elements(html) == [
        ("p", {}),
        (
            "a",
            {
                "class": "remote-image",
                "href": "https://img.example/cat.png",
                "title": "Cat",
                "rel": "nofollow ugc noopener",
            },
        ),
    ]
    assert html_to_text(html) == "a cat"
    assert markup.has_remote_images(html)


def test_render_post_body_links_an_image_without_alt_text_by_its_url():
    html = render_post_body("![](https://img.example/cat.png)")

    assert html == (
        '<p><a class="remote-image" href="https://img.example/cat.png" '
        'rel="nofollow ugc noopener">https://img.example/cat.png</a></p>\n'
    )


def test_render_post_body_shows_local_copies_of_images_lazily():
    source = '![a cat](https://img.example/cat.png?a=1&b=2 "Cat") ![b](https://b.example/b.png)'
    urls = markup.image_urls(source)

    html = render_post_body(
        source, images={urls[0]: markup.LocalImage("/images/ab.png", 640, 480)}
    )

    assert urls == ["https://img.example/cat.png?a=1&b=2", "https://b.example/b.png"]
    assert elements(html) == [
        ("p", {}),
        (
            "img",
            {
                "src": "/images/ab.png",
                "alt": "a cat",
                "title": "Cat",
                "width": "640",
                "height": "480",
                "loading": "lazy",
            },
        ),
        (
            "a",
            {
                "class": "remote-image",
                "href": "https://b.example/b.png",
                "rel": "nofollow ugc noopener",
            },
        ),
    ]


def test_an_image_inside_a_link_becomes_text_until_copied():
    source = "[![logo](https://img.example/l.png)](https://a.example/)"

    before = render_post_body(source)
    after = render_post_body(
        source, images={"https://img.example/l.png": markup.LocalImage("/images/l.png")}
    )

    assert [tag for tag, _attrs in elements(before)] == ["p", "a", "span"]
    assert "<img" not in before
    assert elements(after)[2] == (
        "img",
        {"src": "/images/l.png", "alt": "logo", "loading": "lazy"},
    )


@pytest.mark.parametrize(
    "source",
    [
        '![x" onerror="alert(1)](https://img.example/x.png)',
        '![<script>alert(1)</script>](https://img.example/x.png "a\\" onload=\\"b")',
        '![x](https://img.example/x.png?q="><script>alert(1)</script>)',
        "![](https://img.example/x.png?<b>)",
    ],
)
def test_remote_image_links_stay_inert(source):
    for images in (
        {},
        {url: markup.LocalImage("/images/x.png") for url in markup.image_urls(source)},
    ):
        html = render_post_body(source, images=images)

        assert "<script" not in html.lower()
        assert event_handlers(html) == []
        assert dangerous_urls(html) == []
        assert {tag for tag, _attrs in elements(html)} <= ALLOWED_TAGS


def test_image_urls_skips_refused_urls_and_code():
    source = (
        "![a](javascript:alert(1)) ![b](/media/x.png) `![c](https://c.example/c.png)`"
        "\n\n![d](https://d.example/d.png) ![d again](https://d.example/d.png)"
    )

    assert markup.image_urls(source) == ["https://d.example/d.png"]


def test_render_post_body_escapes_mention_urls():
    html = render_post_body(
        "@alice @bob",
        mentions={"alice": '/u/a"lice/?x=1&y=<2>', "bob": "javascript:alert(1)"},
    )

    assert dangerous_urls(html) == []
    assert links(html)[0]["href"] == '/u/a"lice/?x=1&y=<2>'
    assert '"lice' not in html


@pytest.mark.parametrize(
    "dirty",
    [
        "<p>a</p><script>alert(1)</script>",
        "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
        '<p onclick="alert(1)">a</p>',
        '<img src="https://img.example/x.png" onerror="alert(1)">',
        '<a href="jav&#x61;script:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href="java\tscript:alert(1)">x</a>',
        '<a href="java\nscript:alert(1)">x</a>',
        '<a href="JAVASCRIPT:alert(1)">x</a>',
        '<a href="vbscript:msgbox(1)">x</a>',
        '<a href="data:text/html,alert(1)">x</a>',
        '<img src="javascript:alert(1)">',
        '<img src="jav&#x61;script:alert(1)">',
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
        '<iframe src="https://evil.example/"></iframe>',
        '<p style="background: url(javascript:alert(1))">a</p>',
    ],
)
def test_sanitize_removes_dangerous_markup_that_bypasses_markdown(dirty):
    # The Markdown renderer never emits these; the allowlist must hold anyway.
    clean = _sanitize(dirty)

    assert "<script" not in clean.lower()
    assert "<iframe" not in clean.lower()
    assert "style=" not in clean
    assert dangerous_urls(clean) == []
    assert event_handlers(clean) == []


def test_sanitize_limits_classes_to_known_values():
    clean = _sanitize(
        '<span class="k">a</span><span class="evil">b</span>'
        '<div class="highlight">c</div><div class="evil">d</div>'
        '<a class="mention" href="/u/a/">e</a><a class="evil" href="/x">f</a>'
    )

    assert clean == (
        '<span class="k">a</span><span>b</span>'
        '<div class="highlight">c</div><div>d</div>'
        '<a class="mention" href="/u/a/">e</a><a href="/x">f</a>'
    )


def test_render_post_body_emits_only_allowed_tags():
    source = (
        "# T\n\n**b** *i* ~~s~~ `c` [l](https://a.example/) ![i](https://a.example/i.png)"
        "\n\n> q\n\n- u\n\n1. o\n\n---\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n\n"
        "```python\nx = 1\n```\n\n    indented\n\nline\nbreak @alice"
    )

    html = render_post_body(source, mentions=PROFILES)

    assert {tag for tag, _attrs in elements(html)} <= ALLOWED_TAGS
    assert "style=" not in html


def test_render_post_body_returns_safe_string():
    assert isinstance(render_post_body("hello"), SafeString) is True


# --- Code -----------------------------------------------------------------------


def test_render_post_body_escapes_html_in_code_spans():
    html = render_post_body("Use `<script>alert(1)</script>` carefully")

    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in html


def test_render_post_body_escapes_html_in_fences():
    html = render_post_body("```\n<img src=x onerror=alert(1)>\n```")

    assert html == "<pre><code>&lt;img src=x onerror=alert(1)&gt;\n</code></pre>\n"


def test_render_post_body_escapes_html_in_highlighted_fences():
    html = render_post_body('```html\n<script>alert("x")</script>\n```')

    assert "<script" not in html
    assert '<div class="highlight">' in html
    assert "&lt;" in html
    assert [tag for tag, _attrs in elements(html)][:3] == ["div", "pre", "code"]


def test_render_post_body_highlights_known_languages_with_pygments_classes():
    html = render_post_body("```python\ndef greet(name):\n    return name\n```")

    assert html.startswith('<div class="highlight"><pre><code>')
    assert '<span class="k">def</span>' in html
    assert '<span class="nf">greet</span>' in html


@pytest.mark.parametrize("language", ["py", "Python", "js", "sh", "c++", "yml"])
def test_render_post_body_highlights_language_aliases(language):
    html = render_post_body(f"```{language}\nx = 1\n```")

    assert html.startswith('<div class="highlight">')


@pytest.mark.parametrize(
    "language",
    [
        "no-such-language",
        "matlab",
        "systemd",
        "ini",
        "csharp",
        "console",
        "http",
        "postgresql",
        "markdown",
    ],
)
def test_render_post_body_leaves_unknown_and_unlisted_languages_plain(language):
    html = render_post_body(f"```{language}\nx <b>\n```")

    assert html == "<pre><code>x &lt;b&gt;\n</code></pre>\n"


def test_render_post_body_leaves_big_code_blocks_plain():
    code = "x = 1\n" * (MAX_HIGHLIGHT_CHARS // 6 + 1)

    html = render_post_body(f"```python\n{code}```")

    assert html == f"<pre><code>{code}</code></pre>\n"


def test_render_post_body_stops_highlighting_when_the_time_budget_is_spent(
    monkeypatch,
):
    monkeypatch.setattr(markup, "HIGHLIGHT_BUDGET_SECONDS", -1.0)

    html = render_post_body("```python\nx = 1\n```")

    assert html == "<pre><code>x = 1\n</code></pre>\n"


def test_render_post_body_stops_highlighting_when_the_token_budget_is_spent(
    monkeypatch,
):
    monkeypatch.setattr(markup, "MAX_HIGHLIGHT_TOKENS", 8)

    html = render_post_body("```python\nx = 1\n```\n\n```python\ny = 2\n```")

    assert html.count('<div class="highlight">') == 1
    assert html.endswith("<pre><code>y = 2\n</code></pre>\n")


def test_highlight_languages_all_exist_in_pygments():
    for name in HIGHLIGHT_LANGUAGES:
        assert get_lexer_by_name(name).aliases[0] == name


def test_render_post_body_does_not_linkify_inside_code():
    html = render_post_body("`https://a.example/`\n\n```\nhttps://b.example/\n```")

    assert "<a" not in html


# --- Markdown features ---------------------------------------------------------------


def test_render_post_body_renders_tables_with_alignment_classes():
    html = render_post_body("| L | C | R |\n|:--|:-:|--:|\n| 1 | 2 | 3 |")

    assert "<table>" in html
    assert '<th class="align-left">L</th>' in html
    assert '<td class="align-center">2</td>' in html
    assert '<td class="align-right">3</td>' in html
    assert "style" not in html


def test_render_post_body_renders_strikethrough():
    assert render_post_body("~~gone~~") == "<p><s>gone</s></p>\n"


def test_render_post_body_renders_autolinks():
    html = render_post_body("<https://a.example/path?q=1>")

    assert links(html) == [
        {"href": "https://a.example/path?q=1", "rel": "nofollow ugc noopener"}
    ]


def test_render_post_body_linkifies_bare_urls():
    html = render_post_body(
        "See https://a.example/x?y=1. Or www.b.example, (or https://c.dev/d)! "
        "And https://en.wikipedia.org/wiki/Foo_(bar)?"
    )

    assert [link["href"] for link in links(html)] == [
        "https://a.example/x?y=1",
        "http://www.b.example",
        "https://c.dev/d",
        "https://en.wikipedia.org/wiki/Foo_(bar)",
    ]
    assert "</a>)!" in html


def test_render_post_body_does_not_linkify_file_names():
    assert "<a" not in render_post_body("Edit setup.py and README.md")


def test_render_post_body_shifts_headings_down_two_levels():
    html = render_post_body("# One\n\n## Two\n\n### Three\n\n###### Six")

    assert [tag for tag, _attrs in elements(html)] == ["h3", "h4", "h5", "h6"]


def test_render_post_body_turns_newlines_into_line_breaks():
    assert render_post_body("one\ntwo") == "<p>one<br>\ntwo</p>\n"


def test_render_post_body_keeps_ordered_list_start():
    assert elements(render_post_body("3. three\n4. four"))[0] == ("ol", {"start": "3"})


# --- Link relations -----------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "[x](https://other.example/)",
        "<https://other.example/>",
        "https://other.example/",
        "[x](http://other.example/)",
        "[x](//other.example/)",
        "[x](https:/other.example/)",
        "[x](https://hearth.example.org@other.example/)",
        "[x](https://hearth.example.org.other.example/)",
    ],
)
def test_render_post_body_marks_external_links_nofollow(source):
    html = render_post_body(source, site_host=SITE)

    assert [link["rel"] for link in links(html)] == ["nofollow ugc noopener"]


@pytest.mark.parametrize(
    "source",
    [
        "[x](/t/1/)",
        "[x](t/1/)",
        "[x](#post-3)",
        "[x](?page=2)",
        "[x](https://hearth.example.org/t/1/)",
        "[x](https://HEARTH.Example.org:8443/t/1/)",
        "<https://hearth.example.org/t/1/>",
        "https://hearth.example.org/t/1/",
        "<someone@mail.example>",
    ],
)
def test_render_post_body_leaves_internal_links_followed(source):
    html = render_post_body(source, site_host=SITE)

    assert len(links(html)) == 1
    assert "rel" not in links(html)[0]


def test_render_post_body_treats_all_absolute_links_as_external_without_site_host():
    html = render_post_body("[a](https://hearth.example.org/) [b](/t/1/)")

    assert [link.get("rel") for link in links(html)] == ["nofollow ugc noopener", None]


# --- Mentions -------------------------------------------------------------------------


def test_render_post_body_links_mentions_of_known_users():
    html = render_post_body("Thanks @alice and @Bob!", mentions=PROFILES)

    assert '<a class="mention" href="/u/alice/">@alice</a>' in html
    assert '<a class="mention" href="/u/bob/">@Bob</a>' in html


def test_render_post_body_leaves_unknown_mentions_as_text():
    html = render_post_body("Hello @carol", mentions=PROFILES)

    assert html == "<p>Hello @carol</p>\n"


def test_render_post_body_leaves_mentions_as_text_without_mapping():
    assert render_post_body("Hello @alice") == "<p>Hello @alice</p>\n"


@pytest.mark.parametrize(
    "source",
    [
        "`@alice`",
        "```\n@alice\n```",
        "    @alice",
        "[@alice](https://a.example/)",
        "<https://social.example/@alice>",
        "https://social.example/@alice",
        "mail alice@mail.example",
        "@alice@social.example",
        "\\@alice",
    ],
)
def test_render_post_body_does_not_link_mentions_in_code_links_or_addresses(source):
    html = render_post_body(source, mentions=PROFILES)

    assert 'class="mention"' not in html


def test_render_post_body_ends_mentions_before_sentence_punctuation():
    html = render_post_body("Ask @alice. Or (@bob), **@alice**.", mentions=PROFILES)

    assert html.count('class="mention"') == 3
    assert '<a class="mention" href="/u/alice/">@alice</a>.' in html


def test_extract_mentions_keeps_first_spelling_in_order():
    names = extract_mentions("@bob hi @Alice, then @alice and @BOB again @carol")

    assert names == ["bob", "Alice", "carol"]


def test_extract_mentions_ignores_emails():
    assert extract_mentions("Write to alice@mail.example or a.b@c.example") == []


def test_extract_mentions_ignores_code():
    source = "`@alice`\n\n```\n@bob\n```\n\n    @carol\n\n~~~\n@dave\n~~~"

    assert extract_mentions(source) == []


def test_extract_mentions_ignores_links_urls_and_remote_handles():
    source = (
        "[@alice](https://a.example/) https://social.example/@bob "
        "@carol@social.example @types/node ![@dave](https://img.example/d.png)"
    )

    assert extract_mentions(source) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("@jo.doe_1-x", ["jo.doe_1-x"]),
        ("thanks @alice.", ["alice"]),
        ("(@alice)", ["alice"]),
        ("@Zoë and @名前", ["Zoë", "名前"]),
        ("@" + "a" * 150, ["a" * 150]),
        ("@" + "a" * 151, []),
        ("a plain @ sign", []),
        ("name+tag@mail.example", []),
    ],
)
def test_extract_mentions_follows_username_rules(source, expected):
    assert extract_mentions(source) == expected


def test_extract_mentions_agrees_with_rendered_mentions():
    source = "@alice `@bob` [@carol](/x) @dave. e@mail.example @erin@remote.example"
    known = {name: f"/u/{name}/" for name in ("alice", "bob", "carol", "dave", "erin")}

    html = render_post_body(source, mentions=known)

    linked = [link["href"] for link in links(html) if link.get("class") == "mention"]
    assert linked == [known[name] for name in extract_mentions(source)]


def test_extract_mentions_skips_text_that_is_too_long(settings):
    settings.FORUM_MAX_POST_LENGTH = 10

    assert extract_mentions("@alice " * 5) == []


# --- Plain text -------------------------------------------------------------------------


def test_html_to_text_decodes_entities_and_separates_blocks():
    html = "<p>Hello <strong>world</strong></p><p>Fish &amp; chips</p>"

    assert html_to_text(html) == "Hello world Fish & chips"


def test_html_to_text_collapses_whitespace():
    html = (
        "<p>a\n\n   b</p>\n<ul><li>c</li><li>d</li></ul><pre><code>e\n\tf</code></pre>"
    )

    assert html_to_text(html) == "a b c d e f"


def test_html_to_text_keeps_image_alt_text_and_drops_scripts():
    html = (
        '<p>see <img src="https://a.example/i.png" alt="a cat"></p><script>x</script>'
    )

    assert html_to_text(html) == "see a cat"


def test_html_to_text_reads_rendered_posts():
    html = render_post_body(
        "# Title\n\nSome *text* with `code` & more.\n\n- one\n- two"
    )

    assert html_to_text(html) == "Title Some text with code & more. one two"


def test_excerpt_returns_short_text_whole():
    assert excerpt("<p>Short <em>text</em></p>") == "Short text"


def test_excerpt_cuts_long_text_at_a_word_boundary():
    result = excerpt("<p>" + "word " * 100 + "</p>", 22)

    assert result == "word word word word…"
    assert len(result) <= 22


@pytest.mark.parametrize(
    ("text", "length", "expected"),
    [
        ("aaa bbb ccc", 7, "aaa…"),
        ("aaa bbb ccc", 8, "aaa bbb…"),
        ("aaa bbb ccc", 11, "aaa bbb ccc"),
        ("Hello, world and more", 8, "Hello…"),
        ("x" * 50, 10, "x" * 9 + "…"),
    ],
)
def test_excerpt_counts_the_ellipsis_in_the_length(text, length, expected):
    assert excerpt(f"<p>{text}</p>", length) == expected


def test_excerpt_defaults_to_200_characters():
    result = excerpt("<p>" + "abcd " * 100 + "</p>")

    assert len(result) <= 200
    assert result.endswith("abcd…")


def test_excerpt_rejects_non_positive_length():
    with pytest.raises(ValueError, match="at least 1"):
        excerpt("<p>x</p>", 0)


# --- Validation -------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["", "   ", "\n\t \r\n", "\u00a0\u3000"])
def test_validate_post_source_rejects_empty_text(source):
    with pytest.raises(MarkupError, match="Write something") as info:
        validate_post_source(source)

    assert info.value.code == "empty"


def test_render_post_body_rejects_empty_text():
    with pytest.raises(MarkupError, match="empty"):
        render_post_body("  \n ")


def test_validate_post_source_accepts_ordinary_text():
    validate_post_source("Hello *there*")  # raises nothing


def test_validate_post_source_rejects_text_over_the_limit(settings):
    settings.FORUM_MAX_POST_LENGTH = 10
    validate_post_source("x" * 10)

    with pytest.raises(MarkupError) as info:
        validate_post_source("x" * 11)

    assert info.value.code == "too_long"
    assert str(info.value) == "The post is too long: 11 characters, the limit is 10."


def test_render_post_body_rejects_text_over_the_limit(settings):
    settings.FORUM_MAX_POST_LENGTH = 10

    with pytest.raises(MarkupError, match="too long"):
        render_post_body("x" * 11)


def test_validate_post_source_defaults_to_30000_characters(settings):
    del settings.FORUM_MAX_POST_LENGTH
    validate_post_source("x" * 30_000)

    with pytest.raises(MarkupError, match="30,001 characters, the limit is 30,000"):
        validate_post_source("x" * 30_001)


def test_validate_post_source_counts_crlf_as_one_character(settings):
    settings.FORUM_MAX_POST_LENGTH = 10

    validate_post_source("abcd\r\nefgh\r\n")


def deep_quote(levels: int) -> str:
    return "> " * levels + "deep"


def deep_list(levels: int) -> str:
    return "- " * levels + "deep"


def deep_ordered_list(levels: int) -> str:
    return "1. " * levels + "deep"


def deep_indented_list(levels: int) -> str:
    return "\n".join("  " * level + "- deep" for level in range(levels))


def deep_quoted_list(levels: int) -> str:
    return "> - " * (levels // 2) + "deep"


@pytest.mark.parametrize(
    "make", [deep_quote, deep_list, deep_ordered_list, deep_indented_list]
)
def test_validate_post_source_accepts_nesting_up_to_the_limit(make):
    html = render_post_body(make(MAX_NESTING_DEPTH))

    assert "deep" in html


@pytest.mark.parametrize(
    "make",
    [deep_quote, deep_list, deep_ordered_list, deep_indented_list, deep_quoted_list],
)
def test_validate_post_source_rejects_nesting_over_the_limit(make):
    with pytest.raises(MarkupError) as info:
        validate_post_source(make(MAX_NESTING_DEPTH + 2))

    assert info.value.code == "too_deep"
    assert str(info.value) == (
        "Quotes and lists are nested too deeply: at most 10 levels are allowed."
    )


def test_validate_post_source_accepts_tables_up_to_the_limits():
    long_table = render_post_body(table(MAX_TABLE_ROWS))
    wide_table = render_post_body(table(2, MAX_TABLE_COLUMNS))

    assert long_table.count("<tr>") == MAX_TABLE_ROWS + 1
    assert wide_table.count("<th>") == MAX_TABLE_COLUMNS


@pytest.mark.parametrize(
    "source",
    [
        table(2, MAX_TABLE_COLUMNS + 1),
        "> " + table(2, MAX_TABLE_COLUMNS + 1).replace("\n", "\n> "),
        "| a |\n|" + "-|" * (MAX_TABLE_COLUMNS + 1) + "\nrow\n",
    ],
)
def test_validate_post_source_rejects_too_many_table_columns(source):
    with pytest.raises(MarkupError, match="at most 50 are allowed") as info:
        validate_post_source(source)

    assert info.value.code == "table_too_wide"


@pytest.mark.parametrize(
    "source",
    [
        table(MAX_TABLE_ROWS + 1),
        "> " + table(MAX_TABLE_ROWS + 1).replace("\n", "\n> "),
        "| a | b |\n|---|---|\n" + "x\n" * (MAX_TABLE_ROWS + 1),
    ],
)
def test_validate_post_source_rejects_too_many_table_rows(source):
    with pytest.raises(MarkupError, match="at most 1,000 are allowed") as info:
        validate_post_source(source)

    assert info.value.code == "table_too_long"


def test_validate_post_source_does_not_count_text_after_a_table_as_rows():
    source = table(3) + "\n" + "line\n" * (MAX_TABLE_ROWS + 1)

    validate_post_source(source)  # raises nothing


# --- Pathological input ------------------------------------------------------------------

# The inputs from the brief at full size: with the default 30,000 character
# limit the long ones are refused for length before any parsing.
FULL_SIZE = [
    pytest.param("[" * 100_000, "too_long", id="brackets"),
    pytest.param(">" * 50_000, "too_long", id="quote-markers"),
    pytest.param("- " * 10_000 + "x", "too_deep", id="nested-list"),
    pytest.param("1. " * 10_000 + "x", "too_long", id="nested-ordered-list"),
    pytest.param("*" * 100_000, "too_long", id="asterisks"),
    pytest.param(table(5_000), "too_long", id="table-5000x5"),
]

# The same shapes cut to fit under the limit, so they reach the parser.
UNDER_LIMIT = [
    pytest.param("[" * 30_000, None, id="brackets"),
    pytest.param("![" * 15_000, None, id="image-openers"),
    pytest.param("[a](" * 7_500, None, id="link-openers"),
    pytest.param(">" * 30_000, "too_deep", id="quote-markers"),
    pytest.param("> " * 14_999 + "x", "too_deep", id="spaced-quote-markers"),
    pytest.param("- " * 10_000 + "x", "too_deep", id="nested-list"),
    pytest.param("1. " * 9_000 + "x", "too_deep", id="nested-ordered-list"),
    pytest.param("*" * 30_000, None, id="asterisks"),
    pytest.param("*a " * 10_000, None, id="unclosed-emphasis"),
    pytest.param("*a **" * 6_000, None, id="mixed-emphasis"),
    pytest.param("~~a" * 10_000, None, id="strikethrough-openers"),
    pytest.param("`" * 30_000, None, id="backticks"),
    pytest.param("<a" * 15_000, None, id="angle-brackets"),
    pytest.param("&#" * 15_000, None, id="entity-openers"),
    pytest.param("@a." * 10_000, None, id="mention-like"),
    pytest.param("a\n" * 15_000, None, id="line-breaks"),
    pytest.param("https://a.example.com/ " * 1_300, None, id="bare-urls"),
    pytest.param("a-a." * 7_500, None, id="hyphenated-labels"),
    pytest.param("a-" * 15_000, None, id="hyphens"),
    pytest.param("https://a.example.com/" + ")" * 29_000, None, id="url-parens"),
    pytest.param("https://" * 3_700, None, id="url-schemes"),
    pytest.param("www." * 7_500, None, id="www-prefixes"),
    pytest.param("[a](" + "a-a." * 7_400 + ")", None, id="long-href"),
    pytest.param(table(1_000), None, id="table-1000x5"),
    pytest.param(table(2_400), "table_too_long", id="table-2400x5"),
    pytest.param(
        "|" + "a|" * 3_000 + "\n|" + "-|" * 3_000 + "\n" + "x\n" * 8_000,
        "table_too_wide",
        id="wide-table",
    ),
    pytest.param(
        "|" + "a|" * 50 + "\n|" + "-|" * 50 + "\n" + "x\n" * 14_000,
        "table_too_long",
        id="padded-table",
    ),
    pytest.param("```python\nx = 1\n```\n" * 1_500, None, id="many-fences"),
    pytest.param(("```cpp\n" + "\n" * 4_990 + "```\n") * 5, None, id="cpp-blank-lines"),
    pytest.param(("```css\n" + "'\\" * 2_495 + "\n```\n") * 5, None, id="css-quotes"),
    pytest.param(
        ("```html\n" + "&" * 4_990 + "\n```\n") * 5, None, id="html-ampersands"
    ),
    pytest.param("```csharp\n" + "a\n" * 14_000 + "```", None, id="csharp-lines"),
    pytest.param("```python\n" + "x(" * 14_000 + "\n```", None, id="big-fence"),
]


def assert_outcome(result, expected_code):
    if expected_code is None:
        assert isinstance(result, str) is True
    else:
        assert isinstance(result, MarkupError) is True
        assert result.code == expected_code
        assert str(result).endswith(".")


@pytest.mark.parametrize(("source", "expected_code"), FULL_SIZE)
def test_render_post_body_refuses_huge_pathological_input_before_parsing(
    source, expected_code
):
    assert_outcome(render_bounded(source), expected_code)
    if expected_code == "too_long":
        assert work(lambda: _render(source)) < REFUSAL_WORK
    else:  # found by a scan of the text, in linear work
        assert_linear_work(_render, source)


@pytest.mark.parametrize(("source", "expected_code"), UNDER_LIMIT)
def test_render_post_body_handles_pathological_input(source, expected_code):
    assert_outcome(render_bounded(source), expected_code)


@pytest.mark.parametrize(("source", "expected_code"), UNDER_LIMIT)
def test_render_post_body_work_is_linear_on_pathological_input(source, expected_code):
    assert_linear_work(_render, source)


def test_the_work_check_catches_quadratic_work():
    def linear(text: str) -> None:
        for char in text:
            len(char)

    def quadratic(text: str) -> None:
        for _char in text:
            for other in text:
                len(other)

    source = "x" * 800
    assert_linear_work(linear, source)
    with pytest.raises(AssertionError):
        assert_linear_work(quadratic, source)


@pytest.mark.parametrize(
    ("source", "expected_code"),
    [
        pytest.param(">" * 50_000, "too_deep", id="quote-markers"),
        pytest.param("- " * 10_000 + "x", "too_deep", id="nested-list"),
        pytest.param("1. " * 10_000 + "x", "too_deep", id="nested-ordered-list"),
        pytest.param("*" * 100_000, None, id="asterisks"),
        pytest.param(table(5_000), "table_too_long", id="table-5000x5"),
    ],
)
def test_render_post_body_checks_structure_when_the_length_limit_is_raised(
    settings, source, expected_code
):
    settings.FORUM_MAX_POST_LENGTH = 200_000

    assert_outcome(render_bounded(source), expected_code)
    assert_linear_work(_render, source)


@pytest.mark.parametrize("source", ["[" * 100_000, "- " * 50_000, table(5_000)])
def test_extract_mentions_work_is_linear_on_pathological_input(source):
    start = time.process_time()

    extract_mentions(source)

    assert time.process_time() - start < HANG_GUARD_CPU_SECONDS
    assert_linear_work(extract_mentions, source)
