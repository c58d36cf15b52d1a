"""Light and dark: follows the system, switchable, remembered."""

import pytest

from tests.e2e.support import assert_dark, html_theme, is_dark

pytestmark = pytest.mark.e2e


def test_theme_follows_the_system_in_auto_mode(demo, new_page):
    light = new_page(color_scheme="light")
    light.goto("/")
    dark = new_page(color_scheme="dark")
    dark.goto("/")

    assert html_theme(light) == html_theme(dark) == "auto"
    assert is_dark(light) is False
    assert is_dark(dark) is True


def test_dark_theme_chosen_with_the_toggle_is_remembered(demo, new_page):
    page = new_page(color_scheme="light")
    page.goto("/")
    toggle = page.get_by_role("button", name="Theme: auto")
    toggle.click()
    assert html_theme(page) == "light"
    page.get_by_role("button", name="Theme: light").click()
    assert html_theme(page) == "dark"
    assert_dark(page)

    page.reload()
    assert html_theme(page) == "dark"
    assert_dark(page)
    page.goto("/latest/")
    assert html_theme(page) == "dark"
    assert page.get_by_role("button", name="Theme: dark").is_visible()
