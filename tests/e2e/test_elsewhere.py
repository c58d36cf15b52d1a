"""Elsewhere in the community in Chromium: from the navigation to the page,
links that open on the other site, the list of communities with their
opt-in records, the Grinders category's stream; axe finds nothing serious;
screenshots for the README in both themes."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import AXE_JS, DESKTOP, PHONE, SCREENSHOTS
from tests.e2e.support import assert_dark

pytestmark = pytest.mark.e2e


def _serious_violations(page):
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate("() => {" + AXE_JS.read_text() + "\n}")
    result = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))"
    )
    return [v for v in result if v["impact"] in {"serious", "critical"}]


def test_elsewhere_page_links_out_and_lists_the_communities(demo, new_page):
    page = new_page(demo["member"], viewport=DESKTOP)
    page.goto("/")
    page.get_by_role("link", name="Elsewhere", exact=True).first.click()
    page.wait_for_url("**/elsewhere/")

    assert page.locator("h1").inner_text() == "Elsewhere in the community"
    links = page.locator("a.elsewhere-external")
    assert links.count() == 8
    for index in range(links.count()):
        link = links.nth(index)
        assert link.get_attribute("rel") == "noopener nofollow ugc"
        assert link.get_attribute("href").startswith("https://")
    first = page.locator(".elsewhere-item").first.inner_text()
    assert "r/homeespresso board" in first  # attributed to its community
    assert _serious_violations(page) == []

    page.get_by_role("link", name="Every listed community and when it opted in").click()
    page.wait_for_url("**/elsewhere/sources/")
    assert page.locator(".elsewhere-sources > li").count() == 3
    assert "Ines Marchetti" in page.locator("main").inner_text()
    assert _serious_violations(page) == []

    page.goto("/c/grinders/")
    stream = page.locator(".elsewhere-stream")
    assert "Single-dosing the G2" in stream.inner_text()


def test_screenshots_of_the_elsewhere_page(demo, new_page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page = new_page(demo["member"], viewport=viewport, color_scheme=scheme)
            page.goto("/elsewhere/")
            if scheme == "dark":
                assert_dark(page)
            path = SCREENSHOTS / f"elsewhere-{size}-{scheme}.png"
            page.screenshot(path=str(path), animations="disabled")
            assert path.stat().st_size > 10_000
