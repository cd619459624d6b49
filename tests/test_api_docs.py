"""GET /api/docs/: Swagger UI (Authorize, Try it out) from the app's own files, no CDN."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from api.app import create_app
from api.docs import INITIALIZER, PACKAGE_FILES

EXPECTED_TYPES = {"text/css", "text/javascript", "image/png"}


async def docs_page(api) -> tuple[str, dict[str, str]]:
    page = await api.get("/api/docs/")
    assert page.status == 200
    assert page.content_type == "text/html"
    return await page.text(), dict(page.headers)


async def test_the_page_and_every_file_it_names_come_from_the_app_itself(api):
    html, _ = await docs_page(api)
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert references
    assert all(r.startswith("/api/docs/") and not urlsplit(r).netloc for r in references)
    assert "/api/docs/swagger-ui-bundle.js" in references
    assert f"/api/docs/{INITIALIZER}" in references
    for reference in references:
        response = await api.get(reference)
        assert response.status == 200, reference
        assert response.content_type in EXPECTED_TYPES, (reference, response.content_type)
        name = reference.rsplit("/", 1)[1]
        if name in PACKAGE_FILES:
            assert response.content_type == PACKAGE_FILES[name]


async def test_the_page_runs_no_inline_script_and_loads_nothing_from_elsewhere(api):
    html, headers = await docs_page(api)
    assert "http://" not in html and "https://" not in html
    # Every script is a file of this origin: a strict CSP forbids inline ones.
    assert all(tag.count("src=") == 1 for tag in re.findall(r"<script[^>]*>", html))
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in headers["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["connect-src"].split()[0] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    css = await (await api.get("/api/docs/swagger-ui.css")).text()
    assert set(re.findall(r"url\(\s*[\"']?([a-z]+):", css)) == {"data"}


async def test_the_initializer_loads_the_3_0_rendering_and_sends_nothing_to_swagger_io(api):
    script = await (await api.get(f"/api/docs/{INITIALIZER}")).text()
    assert 'url: "/api/schema/?openapi=3.0"' in script
    assert "validatorUrl: null" in script
    assert "http://" not in script and "https://" not in script
    # Try it out stays on (Swagger UI's default) for every method.
    assert "supportedSubmitMethods" not in script and "tryItOutEnabled: false" not in script
    schema = await (await api.get("/api/schema/", params={"openapi": "3.0"})).json()
    # Authorize: the Bearer scheme, and the operations that need it.
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    stats = schema["paths"]["/api/meetings/appointments/stats/"]["get"]
    assert stats["security"] == [{"bearerAuth": []}]


async def test_the_bundle_is_swagger_ui_4(api):
    bundle = await api.get("/api/docs/swagger-ui-bundle.js")
    assert bundle.content_type == "text/javascript"
    assert b"SwaggerUIBundle" in await bundle.read()


async def test_a_file_it_does_not_serve_is_a_404(api):
    for name in ("index.html", "oauth2-redirect.html", "swagger-ui.js.map", "..%2Fdocs.py"):
        response = await api.get(f"/api/docs/{name}")
        assert response.status == 404, name
        assert await response.json() == {"detail": "Not found."}


async def test_behind_a_proxy_the_page_may_call_the_public_origin(make_settings, make_client):
    proxied = make_settings(PUBLIC_BASE_URL="https://booking.example.org/")
    api = await make_client(create_app(proxied, manage_database=False))
    _, headers = await docs_page(api)
    assert "connect-src 'self' https://booking.example.org;" in headers["Content-Security-Policy"]
