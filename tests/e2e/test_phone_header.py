"""The header on a phone: two compact rows, no sideways scrolling, 44px touch
targets, and the member's links in a menu that works with the keyboard."""

import re

import pytest

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.support import topic
from tests.e2e.test_accessibility import _violations

pytestmark = pytest.mark.e2e

PHONE_375 = {"width": 375, "height": 740}
SMALLEST = {"width": 320, "height": 640}

# Every control in the header that is displayed, with its size.
CONTROLS = """() => Array.from(document.querySelectorAll(
    '.site-header :is(a, button, input, summary)'))
  .filter((e) => e.getClientRects().length > 0 && !e.closest('details:not([open]) > ul'))
  .map((e) => {
    const box = e.getBoundingClientRect();
    return {name: (e.getAttribute('aria-label') || e.textContent || e.placeholder).trim(),
            width: box.width, height: box.height};
  })"""


def _header_checks(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    height = page.evaluate(
        "document.querySelector('.site-header').getBoundingClientRect().height"
    )
    assert height < 2 * 44 + 30, height  # two rows of 44px targets, and padding
    for control in page.evaluate(CONTROLS):
        assert control["height"] >= 44, control
        assert control["width"] >= 44, control


@pytest.mark.parametrize("viewport", [PHONE_375, SMALLEST], ids=["375", "320"])
def test_phone_header_is_two_compact_rows_for_members(demo, new_page, viewport):
    from tests.notifications.test_in_app import _notify

    _notify(demo["rep"], 12)  # the longest bell: "12 unread"
    page = new_page(demo["rep"], viewport=viewport)
    page.goto(topic("Does preinfusion on the Duo").get_absolute_url())

    _header_checks(page, viewport["width"])
    # The bell shows an icon and the badge; its name is still the whole text.
    bell = page.get_by_role("link", name=re.compile(r"^Notifications\W+12 unread$"))
    assert bell.is_visible()
    assert not page.get_by_role("button", name="Sign out").is_visible()


def test_phone_header_is_two_compact_rows_for_visitors(demo, new_page):
    page = new_page(viewport=SMALLEST)
    page.goto("/")

    _header_checks(page, SMALLEST["width"])
    assert page.get_by_role("button", name="Theme: auto").is_visible()
    assert page.get_by_role("link", name="Sign up").is_visible()


def test_phone_menu_works_with_the_keyboard(demo, new_page):
    page = new_page(demo["member"], viewport=PHONE_375)
    page.goto("/")
    page.screenshot(path=str(SCREENSHOTS / "header-phone-375-light.png"))

    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "SUMMARY":
            break
    assert "Menu for" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    bookmarks = page.get_by_role("link", name="Bookmarks")
    bookmarks.wait_for()
    _header_checks(page, PHONE_375["width"])
    page.screenshot(path=str(SCREENSHOTS / "header-phone-375-menu-light.png"))

    assert not _violations(page)

    page.keyboard.press("Escape")
    assert not bookmarks.is_visible()
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"

    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Bookmarks"
    page.keyboard.press("Enter")
    page.wait_for_url("**/bookmarks/")
    page.get_by_role("heading", name="Bookmarks").wait_for()
