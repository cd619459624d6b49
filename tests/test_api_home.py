"""GET /: the first URL a person opens after `make run` shows where to go, not a 404."""

from __future__ import annotations

import re


async def test_the_root_page_links_the_api_index_its_docs_and_health(make_client, make_settings):
    from api.app import create_app

    settings = make_settings(PRACTICE_NAME="Willow <Tree> Therapy")
    client = await make_client(create_app(settings, manage_database=False))
    response = await client.get("/", allow_redirects=False)
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    links = set(re.findall(r'href="([^"]+)"', page))
    assert {"/api/", "/api/docs/", "/api/schema/", "/healthz"} <= links
    assert "Willow &lt;Tree&gt; Therapy" in page  # the name is text, never markup
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    # A stale token in the browser does not keep anyone from the front page.
    again = await client.get("/", headers={"Authorization": "Bearer expired"})
    assert again.status == 200
