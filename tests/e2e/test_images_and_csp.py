"""Images from other sites reach readers only as Hearth's own copies, and the
Content-Security-Policy is really enforced (the watcher in conftest sees it).

The "other site" is a real HTTP server on 127.0.0.1 started by the test
(IMAGES_ALLOW_PRIVATE_ADDRESSES on, as only tests may); the browser's
requests are recorded to prove it never contacts that server.
"""

from __future__ import annotations

from typing import Any

import pytest

from forum.management.demo_data import load as load_demo
from tests.e2e.conftest import _REPORT_CSP_VIOLATIONS, CSPWatch
from tests.e2e.support import topic
from tests.images.test_images import ImageServer, png

pytestmark = pytest.mark.e2e

LOADED = "(img) => img.complete && img.naturalWidth > 0"


def _record_requests(page: Any) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def test_a_posted_image_is_shown_from_hearth_and_never_from_its_site(
    demo, new_page, settings
):
    settings.IMAGES_ALLOW_PRIVATE_ADDRESSES = True
    settings.IMAGES_FETCH_TIMEOUT = 5
    server = ImageServer()
    try:
        url = server.image("/red-square.png", png((120, 80), (220, 30, 30)))
        question = topic("Backflushing: how often")
        page = new_page(demo["kwame"])
        requests = _record_requests(page)
        page.goto(question.get_absolute_url())

        page.get_by_label("Your reply").fill(f"My puck: ![a red square]({url})")
        page.get_by_role("button", name="Post reply").click()
        image = page.locator("article.post img[alt='a red square']")
        image.wait_for()
        # Attached is not loaded: wait for the picture itself to arrive.
        page.wait_for_function(LOADED, arg=image.element_handle())

        assert image.get_attribute("src").startswith("/images/")
        assert image.evaluate("(img) => [img.naturalWidth, img.naturalHeight]") == [
            120,
            80,
        ]
        assert server.hits == ["/red-square.png"]  # Hearth's one fetch
        contacted = [u for u in requests if f":{server.port}" in u]
        assert contacted == []
    finally:
        server.close()


def test_visitors_see_the_demo_chart_from_hearth(demo, new_page):
    thermo = topic("I logged Duo group temperature")
    page = new_page()
    requests = _record_requests(page)

    response = page.goto(thermo.get_absolute_url())
    chart = page.locator("#post-1 .post-body img")
    chart.wait_for()
    page.wait_for_function(
        f"() => ({LOADED})(document.querySelector('#post-1 .post-body img'))"
    )

    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert chart.get_attribute("src").startswith("/images/")
    assert chart.evaluate("(img) => img.naturalWidth") == 480
    assert not any("images.example.org" in u for u in requests)
    assert load_demo().thermo_chart_url not in page.content()


def test_the_watcher_catches_what_the_policy_blocks(browser, live_server, demo):
    """An inline script, an inline style attribute and an image from another
    site are refused by Chromium and reported: the watcher every e2e test
    runs under is not blind."""
    context = browser.new_context(base_url=live_server.url)
    try:
        context.add_init_script(_REPORT_CSP_VIOLATIONS)
        watch = CSPWatch()
        page = context.new_page()
        watch.watch(page)
        page.goto("/")
        page.evaluate(
            """() => {
              const script = document.createElement('script');
              script.textContent = 'window.__ran = true';
              document.body.appendChild(script);
              const box = document.createElement('div');
              box.innerHTML = '<p style="color: red">styled</p>';
              document.body.appendChild(box);
              const img = new Image();
              img.src = 'http://third-party.invalid/pixel.png';
              document.body.appendChild(img);
            }"""
        )
        page.wait_for_function("() => window.__cspViolations.length >= 3")
        seen = page.evaluate("window.__cspViolations.join('\\n')")

        assert page.evaluate("window.__ran === true") is False
        for directive in ("script-src", "style-src", "img-src"):
            assert directive in seen
        page.wait_for_function("() => true")  # console events reach Python
        assert len(watch.violations) >= 3
        assert "script-src" in "\n".join(watch.violations)
    finally:
        context.close()
