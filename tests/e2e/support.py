"""Helpers shared by the end-to-end tests."""

from __future__ import annotations

from typing import Any

from forum.models import Topic


def topic(title_start: str) -> Topic:
    """A demo topic, found by the start of its title."""
    return Topic.objects.select_related("category").get(title__startswith=title_start)


def html_theme(page: Any) -> str:
    return page.evaluate("document.documentElement.getAttribute('data-theme')")


def background(page: Any) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def is_dark(page: Any) -> bool:
    """Whether the body's background is dark (its luminance below one half)."""
    rgb = page.evaluate(
        "getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number)"
    )
    red, green, blue = rgb[:3]
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255 < 0.5


def assert_dark(page: Any) -> None:
    """Wait for the dark background: a switch may run a (very short)
    transition, so the first computed style can still be the light one."""
    page.wait_for_function(
        "() => { const [r, g, b] = getComputedStyle(document.body).backgroundColor"
        ".match(/\\d+/g).map(Number); return 0.2126 * r + 0.7152 * g + 0.0722 * b"
        " < 128; }",
        timeout=2000,
    )
