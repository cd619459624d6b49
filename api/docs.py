"""`/api/docs/`: Swagger UI (Authorize, Try it out), served from the app's own files.

Swagger UI's script and style sheet come from the `swagger-ui-bundle` package and are
routes of this app, like the small initializer below: no CDN, no internet at run time.
The page's Content-Security-Policy allows scripts and styles from this origin only (so
the initializer is a file, not an inline script) and requests to this API only. Swagger
UI 4 reads OpenAPI 3.0 only, so the page loads `/api/schema/?openapi=3.0`, the server's
3.0 rendering of the one document.
"""

from __future__ import annotations

import asyncio
import html
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from aiohttp import web
from pydantic import BaseModel
from swagger_ui_bundle import swagger_ui_path

from api.app_keys import SETTINGS
from api.auth import Access
from api.html_page import html_page
from api.routing import Routes
from api.urls import server_base

routes = Routes()

DOCS = "/api/docs/"
INITIALIZER = "swagger-initializer.js"
# Swagger UI's files the page uses, by the name the package gives them.
PACKAGE_FILES = {
    "swagger-ui.css": "text/css",
    "index.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "favicon-32x32.png": "image/png",
}
MEDIA_TYPES = ("text/css", "text/javascript", "image/png")

# validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
INITIALIZER_JS = """\
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/schema/?openapi=3.0",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null,
    displayRequestDuration: true,
  });
});
"""

PAGE_HEAD = """\
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
<link rel="stylesheet" href="/api/docs/index.css">
<link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png">
"""
PAGE_BODY = """\
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/swagger-initializer.js"></script>
"""


def content_security_policy(api_origin: str) -> str:
    """Scripts and styles from this origin only; requests to it and to the API's origin."""
    connect = "'self'" if not api_origin else f"'self' {api_origin}"
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"connect-src {connect}; img-src 'self' data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    )


class DocsAsset(BaseModel):
    asset: Literal[(*PACKAGE_FILES, INITIALIZER)]  # type: ignore[valid-type]


@routes.endpoint("GET", DOCS, access=Access.PUBLIC, media_type="text/html", tag="docs")
async def docs_page(request: web.Request) -> web.Response:
    """Swagger UI for this API: Authorize with an access token, then Try it out."""
    title = html.escape(f"{request.app[SETTINGS].practice_name} API documentation")
    parts = urlsplit(server_base(request))
    return web.Response(
        text=html_page(title, PAGE_BODY, PAGE_HEAD),
        content_type="text/html",
        headers={
            "Content-Security-Policy": content_security_policy(f"{parts.scheme}://{parts.netloc}"),
            "X-Content-Type-Options": "nosniff",
        },
    )


@routes.endpoint(
    "GET",
    DOCS + "{asset}",
    access=Access.PUBLIC,
    path_params=DocsAsset,
    media_type=MEDIA_TYPES,
    errors={404: "No such file"},
    tag="docs",
)
async def docs_asset(request: web.Request, *, path_params: DocsAsset) -> web.Response:
    """A file of the documentation page (Swagger UI's, or its initializer)."""
    headers = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
    if path_params.asset == INITIALIZER:
        return web.Response(text=INITIALIZER_JS, content_type="text/javascript", headers=headers)
    path = Path(swagger_ui_path) / path_params.asset
    body = await asyncio.to_thread(path.read_bytes)
    return web.Response(body=body, content_type=PACKAGE_FILES[path_params.asset], headers=headers)
