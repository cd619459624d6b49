"""Requests aiohttp's parser refuses before any route sees them still get the API's JSON errors.

A header over 8 KB or a NUL inside one used to come back as aiohttp's plain text, echoing
part of the header; now the answer is `{"detail": "..."}` and echoes nothing."""

from __future__ import annotations

import asyncio
import logging
import socket
import struct

import pytest

from tests.raw_http import raw_request, request_bytes

SECRET_LOOKING = b"Bearer " + b"s3cr3t-" * 2000  # over 8 KB


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Authorization": SECRET_LOOKING}, id="header-over-8kb"),
        pytest.param({"X-Note": b"a\x00b"}, id="nul-in-a-header"),
        pytest.param({"X-Note": b"a\x01b"}, id="control-character-in-a-header"),
        pytest.param({"Bad Name": b"x"}, id="space-in-a-header-name"),
    ],
)
async def test_a_malformed_header_is_a_json_400_that_echoes_nothing(api, headers):
    response = await raw_request(
        api.server.host, api.server.port, request_bytes("GET", "/api/", headers)
    )
    assert response.status == 400
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail"}
    assert b"s3cr3t" not in response.body and b"Note" not in response.body


async def test_a_request_line_over_8kb_is_a_json_400(api):
    data = request_bytes("GET", "/api/?q=" + "x" * 9000)
    response = await raw_request(api.server.host, api.server.port, data)
    assert response.status == 400
    assert set(response.json()) == {"detail"}
    assert b"xxxx" not in response.body


async def test_garbage_instead_of_http_is_a_json_400(api):
    response = await raw_request(api.server.host, api.server.port, b"\x16\x03\x01hello\r\n\r\n")
    assert response.status == 400
    assert set(response.json()) == {"detail"}


async def test_a_client_that_leaves_mid_body_is_no_server_error(api, caplog):
    """A request whose body never arrives (the client hung up) is logged as what it is,
    not as an unhandled error with a traceback; the service goes on answering."""
    caplog.set_level("INFO", logger="api")
    head = request_bytes(
        "POST",
        "/api/meetings/appointments/create/",
        {"Content-Type": "application/json", "Content-Length": "500"},
    )
    _reader, writer = await asyncio.open_connection(api.server.host, api.server.port)
    writer.write(head + b'{"first_name": "Ana"')
    await writer.drain()
    await asyncio.sleep(0.05)  # the handler is waiting for the rest of the body
    # Gone at once, with a reset (as a load generator stopping, or a dropped mobile link).
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.close()
    for _ in range(100):
        if any("left before its request body" in r.getMessage() for r in caplog.records):
            break
        await asyncio.sleep(0.02)
    else:
        pytest.fail(f"no record of the client leaving: {[r.getMessage() for r in caplog.records]}")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    response = await api.get("/healthz")
    assert response.status == 200
