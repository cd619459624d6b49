"""The ceiling: a bare aiohttp JSON "hello" in the project's venv, served like the service.

    .venv/bin/python bench/hello_app.py PORT

Same event loop policy, same access_log=None as `python -m booking serve`: what aiohttp
itself manages on this machine under the same wrk settings.
"""

from __future__ import annotations

import sys

from aiohttp import web


async def hello(request: web.Request) -> web.Response:
    return web.json_response({"hello": "world"})


def main() -> None:
    app = web.Application()
    app.router.add_get("/", hello)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)


if __name__ == "__main__":
    main()
