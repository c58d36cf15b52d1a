"""Screenshots of the main pages for the README (docs/screenshots/), at
desktop and phone widths, in the light and dark themes."""

import pytest

from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOTS
from tests.e2e.support import assert_dark, topic

pytestmark = pytest.mark.e2e


def test_screenshots_of_the_main_pages(demo, new_page):
    """Exactly the demo community `make run` loads (its rules, moderation
    history and open flags come from demo/), so what a newcomer sees matches."""
    question = topic("Duo pressure gauge hits 12 bar")
    pages = {
        "home": "/",
        "category": question.category.get_absolute_url(),
        "topic": question.get_absolute_url(),
        "moderation-log": "/moderation/log/",
    }
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page = new_page(demo["member"], viewport=viewport, color_scheme=scheme)
            for name, url in pages.items():
                page.goto(url)
                if scheme == "dark":
                    assert_dark(page)
                path = SCREENSHOTS / f"{name}-{size}-{scheme}.png"
                page.screenshot(path=str(path), animations="disabled")
                assert path.stat().st_size > 10_000


def test_screenshots_of_the_community_health_page(demo, new_page):
    """Community health (issue 16): the demo's figures, charts in both themes."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page = new_page(viewport=viewport, color_scheme=scheme)
            page.goto("/community/health/")
            if scheme == "dark":
                assert_dark(page)
            # Real figures: the bars of the demo's months have a height.
            heights = page.eval_on_selector_all(
                "rect.chart-bar", "bars => bars.map(b => b.getBBox().height)"
            )
            assert len(heights) == 6 * 12 and sum(h > 0 for h in heights) >= 6
            path = SCREENSHOTS / f"community-health-{size}-{scheme}.png"
            page.screenshot(path=str(path), animations="disabled")
            assert path.stat().st_size > 10_000


def test_screenshots_of_the_ideas_board(demo, new_page):
    """The board and a decided idea (the shipped maintenance kit), desktop,
    light and dark, for the README's ideas section."""
    decided = topic("Idea: a yearly maintenance kit")
    pages = {"ideas-board": "/ideas/", "idea-decided": decided.get_absolute_url()}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page = new_page(demo["member"], viewport=DESKTOP, color_scheme=scheme)
        for name, url in pages.items():
            page.goto(url)
            if scheme == "dark":
                assert_dark(page)
            path = SCREENSHOTS / f"{name}-desktop-{scheme}.png"
            page.screenshot(path=str(path), animations="disabled")
            assert path.stat().st_size > 10_000
