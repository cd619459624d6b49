"""SIGTERM under load: every request a client managed to send gets its whole answer.

The operator's story: `python -m booking serve` (or `run`) is busy with clients on keep-alive
connections when the platform sends SIGTERM. The server stops accepting connections, answers
what is in flight and what arrives on the open connections with `Connection: close` (so no
client reuses a connection the server is about to close), closes the idle ones, and exits 0
without a traceback. A client's later attempt is refused at connect time, before it sent
anything, which it can safely retry elsewhere; "server disconnected" after a request was sent
(the request may or may not have run) must never happen."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter

import aiohttp
import pytest

from tests.smtp_sink import free_port
from tests.test_cli import run, start, wait_for_health

WORKERS = 12
WARM_UP = 60  # answers before SIGTERM: every connection is open and in use


async def client_loop(
    session: aiohttp.ClientSession, base: str, index: int, busy: asyncio.Event, seen: Counter
) -> None:
    """Requests back to back on the pool's keep-alive connections until the server is gone."""
    while True:
        try:
            if index % 3 == 0:
                # Slow: argon2 in a thread; several at once keep requests in flight.
                body = {"email": f"user{index}@example.com", "password": "not the password"}
                response = await session.post(f"{base}/api/auth/login/", json=body)
            else:
                response = await session.get(f"{base}/healthz")
            await response.read()
            seen[f"answered {response.status}"] += 1
            if seen["answered 200"] + seen["answered 401"] >= WARM_UP:
                busy.set()
            if response.headers.get("Connection", "").lower() == "close":
                seen["told to close"] += 1
        except aiohttp.ClientConnectorError:
            seen["refused at connect"] += 1  # nothing was sent: safe, and the end of the run
            return
        except (
            aiohttp.ServerDisconnectedError,
            aiohttp.ClientPayloadError,
            aiohttp.ClientOSError,
        ) as exc:
            seen[f"dropped: {type(exc).__name__}"] += 1
            return


@pytest.mark.parametrize("mode", ["serve", "run"])
async def test_sigterm_under_load_answers_what_was_sent_and_exits_0(tmp_path, mode):
    assert (await run(tmp_path, "migrate"))[0] == 0
    port = free_port()
    process = await start(
        tmp_path, mode, PORT=str(port), ENVIRONMENT="test", RATE_LIMIT_MULTIPLIER="100"
    )
    base = f"http://127.0.0.1:{port}"
    seen: Counter = Counter()
    stopping = asyncio.Event()
    busy = asyncio.Event()
    try:
        assert await wait_for_health(f"{base}/healthz", process) == 200
        connector = aiohttp.TCPConnector(limit=WORKERS)
        async with aiohttp.ClientSession(connector=connector) as session:
            clients = [
                asyncio.create_task(client_loop(session, base, i, busy, seen))
                for i in range(WORKERS)
            ]
            await asyncio.wait_for(busy.wait(), 30)
            stopping.set()
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(asyncio.gather(*clients), 60)
    finally:
        if process.returncode is None and not stopping.is_set():
            process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 60)
    errors = err.decode()
    assert process.returncode == 0, errors
    assert "Traceback" not in errors, errors
    assert not [key for key in seen if key.startswith("dropped")], (seen, errors)
    # Requests were in flight at SIGTERM: their answers came during the drain, with
    # `Connection: close`; after that every client found the door shut before sending.
    assert seen["told to close"] >= 1, seen
    assert seen["refused at connect"] == WORKERS, seen
