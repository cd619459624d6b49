"""`/`: a small page that points a person at the API index, its documentation and health.

It is the first URL opened after `make run`; the API itself lives under `/api/`.
"""

from __future__ import annotations

import html

from aiohttp import web

from api.app_keys import SETTINGS
from api.auth import Access
from api.html_page import html_page
from api.routing import Routes

routes = Routes()

PAGE_BODY = """\
<h1>{name}</h1>
<p>This is the booking service. Clients book in the Telegram bot; web clients use the API.</p>
<ul>
<li><a href="/api/">API index</a> (JSON)</li>
<li><a href="/api/docs/">API documentation</a> (Swagger UI)</li>
<li><a href="/api/schema/">OpenAPI document</a></li>
<li><a href="/healthz">Health</a></li>
</ul>
"""


@routes.endpoint("GET", "/", access=Access.TOKEN_IGNORED, media_type="text/html", tag="service")
async def home(request: web.Request) -> web.Response:
    """Links to the API index, its documentation and the health check."""
    name = html.escape(request.app[SETTINGS].practice_name)
    return web.Response(
        text=html_page(name, PAGE_BODY.format(name=name)),
        content_type="text/html",
        headers={
            "Content-Security-Policy": "default-src 'none'; base-uri 'none'; form-action 'none'",
            "X-Content-Type-Options": "nosniff",
        },
    )
