"""Absolute URLs of this server: the index's links, list pages' next/previous, OpenAPI's server."""

from __future__ import annotations

from aiohttp import web

from api.app_keys import SETTINGS


def server_base(request: web.Request) -> str:
    """PUBLIC_BASE_URL when configured (behind a proxy), else the scheme and host asked for."""
    configured = request.app[SETTINGS].public_base_url
    return configured or f"{request.scheme}://{request.host}"


def absolute_url(request: web.Request, path: str) -> str:
    return server_base(request) + path


def page_links(request: web.Request, page: int, size: int, total: int) -> tuple[str | None, ...]:
    """DRF's `next` and `previous` of a list page: this URL with `page` moved, or None."""

    def link(number: int) -> str:
        return absolute_url(request, str(request.rel_url.update_query(page=number)))

    return (
        link(page + 1) if page * size < total else None,
        link(page - 1) if page > 1 else None,
    )
