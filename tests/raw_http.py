"""Bytes on a socket: requests no well-behaved HTTP client would send (not a test module)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def parse_response(data: bytes) -> RawResponse:
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length")
    return RawResponse(
        int(status_line.split()[1]), headers, body[: int(length)] if length else body
    )


async def raw_request(host: str, port: int, data: bytes, timeout: float = 10.0) -> RawResponse:
    """Send `data` as it is, read until the server closes, parse the one response."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(data)
        await writer.drain()
        received = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    return parse_response(received)


def request_bytes(
    method: str, path: str, headers: dict[str, bytes | str] | None = None, body: bytes = b""
) -> bytes:
    """An HTTP/1.1 request with `Connection: close`; header values may be raw bytes."""
    lines = [f"{method} {path} HTTP/1.1".encode(), b"Host: localhost", b"Connection: close"]
    for name, value in (headers or {}).items():
        raw = value if isinstance(value, bytes) else value.encode()
        lines.append(name.encode() + b": " + raw)
    if body:
        lines.append(f"Content-Length: {len(body)}".encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body
