"""The read API's docs page (Swagger UI from ninja's own static files) runs
under the site's Content-Security-Policy: it renders the document and the
watcher in conftest sees no violation."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_the_api_docs_page_renders_under_the_csp(transactional_db, new_page):
    page = new_page()
    page.goto("/api/v1/docs")

    page.locator(".swagger-ui .info .title").wait_for()

    assert "Hearth read API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock-summary-path").count() >= 7
