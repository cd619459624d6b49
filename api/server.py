"""Serving the app: aiohttp's runner, with the errors aiohttp answers by itself in JSON.

A request aiohttp's HTTP parser refuses (a header over 8 KB, a NUL in a header, bytes that
are not HTTP) never reaches a route or a middleware: aiohttp's connection handler answers
it with plain text that quotes the offending input. `ApiRunner` makes the server use
`JsonErrorRequestHandler`, which answers those in the one error contract,
`{"detail": "..."}`, and quotes nothing. aiohttp has no hook for this (aio-libs/aiohttp
issue 3287), hence the two small subclasses. `python -m booking` and the tests' server both
run the app through `ApiRunner`.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from aiohttp import web
from aiohttp.http_exceptions import LineTooLong
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

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
    """`web.AppRunner` whose server answers malformed requests in JSON."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # The application builds a plain `web.Server` and takes no class for it.
        server.__class__ = JsonErrorServer
        return server
