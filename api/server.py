"""Serving the app: aiohttp's runner, with the errors aiohttp answers by itself in JSON.

A request aiohttp's HTTP parser refuses (a header over 8 KB, a NUL in a header, bytes that
are not HTTP) never reaches a route or a middleware: aiohttp's connection handler answers
it with plain text that quotes the offending input. `ApiRunner` makes the server use
`JsonErrorRequestHandler`, which answers those in the one error contract,
`{"detail": "..."}`, and quotes nothing. aiohttp has no hook for this (aio-libs/aiohttp
issue 3287), hence the two small subclasses. `ApiRunner.drain()` is the polite half of a
graceful stop (SIGTERM). `python -m booking` and the tests' server both run the app through
`ApiRunner`.
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import LineTooLong
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

# A graceful stop: open connections are served (with `Connection: close`) this long at most,
# then requests still running get this long to finish before they are cancelled (within the
# usual 30 s a platform waits between SIGTERM and SIGKILL).
DRAIN_SECONDS = 2.0
DRAIN_POLL_SECONDS = 0.05
SHUTDOWN_TIMEOUT_SECONDS = 20.0

DETAILS = {
    400: "Malformed HTTP request.",
    500: "Internal server error.",
    504: "The request took too long.",
}


class JsonErrorRequestHandler(RequestHandler):
    """aiohttp's connection handler, answering its own errors as the API's JSON."""

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status >= 500:
            self.log_exception("Error handling request from %s", request.remote, exc_info=exc)
        else:
            # The client's mistake (or a scanner's): worth a line when debugging, not a
            # traceback in the operator's log.
            self.logger.debug("Malformed request from %s: %r", request.remote, exc)
        if request.writer.output_size > 0:
            raise ConnectionError("Response is sent already, cannot send the error")
        if isinstance(exc, LineTooLong):
            detail = "Request line or header too long."
        else:
            detail = DETAILS.get(status) or f"{HTTPStatus(status).phrase}."
        response = web.Response(
            text=json.dumps({"detail": detail}), status=status, content_type="application/json"
        )
        response.force_close()
        return response


class JsonErrorServer(web.Server):
    """aiohttp's low-level server making `JsonErrorRequestHandler`s (it adds no state)."""

    def __call__(self) -> RequestHandler:
        return JsonErrorRequestHandler(self, loop=self._loop, **self._kwargs)


class ApiRunner(web.AppRunner):
    """`web.AppRunner` whose server answers malformed requests in JSON and drains politely.

    `await runner.drain()` then `await runner.cleanup()` is a graceful stop: see `drain`.
    """

    def __init__(self, app: web.Application, **kwargs: Any) -> None:
        kwargs.setdefault("shutdown_timeout", SHUTDOWN_TIMEOUT_SECONDS)
        super().__init__(app, **kwargs)
        self._draining = False
        app.on_response_prepare.append(self._close_when_draining)

    async def _close_when_draining(
        self, request: web.Request, response: web.StreamResponse
    ) -> None:
        if self._draining:
            # The connection ends after this answer, and the client is told so (the header
            # is set here too: aiohttp has chosen it already when this hook runs).
            response.force_close()
            response.headers["Connection"] = "close"

    async def drain(self, grace: float = DRAIN_SECONDS) -> None:
        """Stop accepting connections and let the open ones wind down politely.

        For up to `grace` seconds (less once no connection is left) requests in flight
        finish and requests still arriving on open keep-alive connections are answered, all
        with `Connection: close`, so no client sends on a connection the server then closes
        under it. `cleanup()` afterwards closes the idle ones left, waits (up to
        `shutdown_timeout`) for the last requests and runs the app's cleanup.
        """
        self._draining = True
        for site in list(self.sites):
            await site.stop()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        # aiohttp signals no "last connection closed": look every few milliseconds.
        while self.server is not None and self.server.connections and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(DRAIN_POLL_SECONDS)

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # The application builds a plain `web.Server` and takes no class for it.
        server.__class__ = JsonErrorServer
        return server
