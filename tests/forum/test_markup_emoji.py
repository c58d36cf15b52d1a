"""Emoji shortcodes in posts (issue 22): rendered at write time with a text
alternative, never inside code, unknown ones left as typed."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from forum.markup import render_post_body
from tests.factories import make_topic

CUP = '<span role="img" aria-label="coffee" title=":coffee:">☕</span>'


def test_a_shortcode_becomes_the_emoji_with_its_name():
    html = render_post_body("Morning :coffee:")

    assert html == f"<p>Morning {CUP}</p>\n"


def test_an_alias_without_letters_is_read_by_its_name():
    html = render_post_body("Agreed :+1:")

    assert 'aria-label="thumbs up"' in html
    assert "👍" in html


@pytest.mark.parametrize(
    "source",
    [
        "`:coffee:`",
        "```\n:coffee:\n```",
        "    :coffee:",
        "at 12:30:00",
        "a:coffee:",
        ":not_an_emoji_at_all:",
        ":Coffee:",
    ],
)
def test_code_times_and_unknown_shortcodes_stay_text(source):
    html = render_post_body(source)

    assert "role=" not in html
    assert "☕" not in html


def test_emoji_inside_a_link_and_emphasis():
    html = render_post_body("*hot* :coffee: [a :coffee: link](https://example.com)")

    assert html.count(CUP) == 2


@pytest.mark.django_db
def test_a_post_shows_the_emoji_to_readers(client):
    topic = make_topic(title="Shots this morning", body="Dialled in :coffee: :tada:")

    page = client.get(topic.get_absolute_url()).content.decode()

    assert CUP in page
    assert 'aria-label="tada"' in page


def test_every_emoji_in_the_picker_renders_as_its_button_shows():
    picker = (
        Path(settings.BASE_DIR) / "templates/forum/_emoji_picker.html"
    ).read_text()
    buttons = re.findall(
        r'data-emoji="(:[^"]+:)" aria-label="([^"]+)" title="[^"]+">([^<]+)</button>',
        picker,
    )
    assert len(buttons) >= 20

    for shortcode, label, character in buttons:
        html = render_post_body(f"x {shortcode}")
        assert f'aria-label="{label}"' in html, shortcode
        assert f">{character}</span>" in html, shortcode
