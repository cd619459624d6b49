"""The bot's Bot API transport (bot/aiohttp_request.py): what python-telegram-bot expects of
a request class, against a real local server."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.aiohttp_request import AiohttpRequest
from tests.smtp_sink import free_port


@pytest.fixture
async def server():
    seen: list[dict] = []

    async def echo(request: web.Request) -> web.Response:
        if request.content_type.startswith("multipart/"):
            parts = {}
            async for part in await request.multipart():
                parts[part.name] = (part.filename, await part.read())
            seen.append(parts)
        else:
            seen.append(dict(await request.post()))
        return web.json_response({"ok": True, "result": True})

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/echo", echo)
    app.router.add_post("/slow", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", seen
    await runner.cleanup()


async def test_parameters_and_files_reach_the_server_and_the_answer_comes_back(server):
    base, seen = server
    request = AiohttpRequest()
    await request.initialize()
    try:
        data = RequestData(
            [RequestParameter.from_input("chat_id", 42), RequestParameter.from_input("text", "Zoë")]
        )
        assert await request.post(f"{base}/echo", data) is True
        upload = InputFile(b'{"a": 1}', filename="my-data.json", attach=True)
        with_file = RequestData(
            [
                RequestParameter.from_input("chat_id", 42),
                RequestParameter.from_input("document", upload),
            ]
        )
        assert await request.post(f"{base}/echo", with_file) is True
    finally:
        await request.shutdown()
    assert seen[0] == {"chat_id": "42", "text": "Zoë"}
    assert seen[1]["chat_id"] == (None, b"42")
    [(filename, content)] = [v for v in seen[1].values() if v[0] is not None]
    assert (filename, content) == ("my-data.json", b'{"a": 1}')


async def test_a_slow_answer_is_timed_out_and_a_closed_port_a_network_error(server):
    base, _seen = server
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"{base}/slow", RequestData([]))
        with pytest.raises(NetworkError):
            await request.post(f"http://127.0.0.1:{free_port()}/echo", RequestData([]))
    finally:
        await request.shutdown()
    with pytest.raises(RuntimeError):  # shut down: python-telegram-bot must initialize again
        await request.do_request(f"{base}/echo", "POST")
