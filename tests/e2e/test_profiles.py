"""A member opens a profile that shows what someone did, and the member
directory ranked by help other members validated."""

import pytest

from tests.e2e.conftest import DESKTOP, SCREENSHOTS
from tests.e2e.support import assert_dark

pytestmark = pytest.mark.e2e


def test_member_opens_the_directory_and_a_helpers_profile(demo, new_page):
    page = new_page(demo["member"])
    page.goto("/")
    page.locator("[data-nav-menu] summary").click()
    page.get_by_role("link", name="Members", exact=True).click()
    page.get_by_role("heading", name="Members", level=1).wait_for()

    rows = page.locator("[data-member]")
    assert rows.count() >= 5
    # The most helpful members come first; representatives are not listed.
    first_help = rows.first.inner_text()
    assert "recognised contribution" in first_help
    assert page.locator('[data-member="rep"]').count() == 0

    page.get_by_label("Help over").select_option("all")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**period=all**")
    page.locator('[data-member="refractometer_rob"]').get_by_role("link").click()

    page.get_by_role("heading", name="Help given").wait_for()
    body = page.locator("main").inner_text()
    assert "Helped" in body and "accepted answer" in body
    assert "Shots gush after switching to a lighter roast" in body
    assert page.locator("[data-award]").count() >= 1
    page.get_by_role("link", name="How recognition works").click()
    page.locator("#recognition").get_by_text("Found helpful by peers").wait_for()


def test_screenshots_of_a_profile(demo, new_page):
    """A demo helper's profile, desktop, light and dark, for the README."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page = new_page(demo["member"], viewport=DESKTOP, color_scheme=scheme)
        page.goto("/u/refractometer_rob/")
        page.get_by_role("heading", name="Help given").wait_for()
        if scheme == "dark":
            assert_dark(page)
        path = SCREENSHOTS / f"profile-desktop-{scheme}.png"
        page.screenshot(path=str(path), animations="disabled")
        assert path.stat().st_size > 10_000
