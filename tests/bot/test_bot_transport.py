"""`python -m booking run` with the bot: long polling by default, the webhook when configured."""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import socket
import struct
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.callbacks import PickDate
from tests.fake_telegram import FakeTelegram
from tests.fixed_secrets import TEST_SECRETS
from tests.raw_http import request_bytes
from tests.smtp_sink import Inbox, body_text, free_port

WEBHOOK_SECRET = "webhook-secret-for-tests-0123456789"


def environment(tmp_path: Path, telegram: FakeTelegram, **extra: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite://{tmp_path}/bot.sqlite3",
        "ENVIRONMENT": "development",
        "EMAIL_BACKEND": "console",
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_URL": telegram.api_url,
        "HOST": "127.0.0.1",
        **TEST_SECRETS,
        **extra,
    }


async def booking_command(env: dict[str, str], cwd: Path, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "booking",
        *args,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


async def running_service(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    migrate = await booking_command(env, cwd, "migrate")
    _, err = await asyncio.wait_for(migrate.communicate(), 60)
    assert migrate.returncode == 0, err.decode()
    return await booking_command(env, cwd, "run")


async def listening(url: str, timeout: float = 30) -> None:
    """The API answers (the webhook is registered while the app starts, before it listens)."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            assert asyncio.get_running_loop().time() < deadline, f"{url} never answered"
            await asyncio.sleep(0.05)


async def stop(process: asyncio.subprocess.Process) -> str:
    process.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    return err.decode()


async def test_run_polls_telegram_alice_registers_books_and_a_restart_loses_nothing(
    tmp_path: Path, telegram: FakeTelegram, inbox: Inbox, smtp_settings: dict[str, str]
) -> None:
    env = environment(tmp_path, telegram, PORT=str(free_port()), **smtp_settings)
    alice = telegram.user(1001, "Alice", "Archer")
    process = await running_service(env, tmp_path)
    try:
        await telegram.wait_for_call("getUpdates", timeout=30)
        await alice.send("/start")
        welcome = await alice.expect("Hello!", timeout=10)
        await alice.press(welcome, "Create an account")
        await alice.expect("What is your e-mail address?")
        await alice.send("alice@example.com")
        offer = await alice.expect("Shall we use the name")
        await alice.press(offer, "Use Alice Archer")
        await alice.expect("phone number")
        await alice.send("Skip")
        await alice.expect("We sent a 6-digit code")
        mail = await inbox.wait_for(lambda m: "alice@example.com" in str(m["To"]))
        code = re.search(r"\b(\d{6})\b", body_text(mail))
        assert code
        await alice.send(code.group(1))
        await alice.expect("Your account is linked to this chat")

        await alice.send("/book")
        calendar = await alice.expect("Which days would suit you?")
        dates = [b["text"] for b in calendar.inline_buttons if PickDate.matches(b["callback_data"])]
        await alice.press(calendar, dates[1])  # tomorrow's morning may be inside the notice
        calendar = await alice.expect("Which days would suit you?")
        await alice.press(calendar, "Next (1 chosen)")
        slots = await alice.expect("Which times of day suit you?")
    finally:
        log = await stop(process)
    assert "long polling" in log
    assert telegram.calls_of("setMyCommands")
    assert telegram.token not in log  # the token never reaches the log

    # The service comes back; Alice goes on where she was.
    process = await running_service(env, tmp_path)
    try:
        await alice.press(slots, "Morning (09:00-12:00)")
        slots = await alice.expect("Which times of day suit you?", timeout=30)
        await alice.press(slots, "Next")
        prompt = await alice.expect("Anything you would like the therapist to know")
        await alice.press(prompt, "Skip")
        summary = await alice.expect("Please check your request:")
        await alice.press(summary, "Confirm")
        await alice.expect("Your request is sent.")
        await inbox.wait_for(lambda m: "We received your appointment request" in str(m["Subject"]))
    finally:
        await stop(process)


async def test_webhook_mode_accepts_only_telegrams_secret(
    tmp_path: Path, telegram: FakeTelegram
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    env = environment(
        tmp_path,
        telegram,
        PORT=str(port),
        TELEGRAM_WEBHOOK_URL=url,
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    process = await running_service(env, tmp_path)
    try:
        registered = await telegram.wait_for_call("setWebhook", timeout=30)
        assert registered.params["url"] == url
        assert registered.params["secret_token"] == WEBHOOK_SECRET
        assert not telegram.calls_of("getUpdates")

        await listening(f"http://127.0.0.1:{port}/healthz")
        alice = telegram.user(1001, "Alice", "Archer")
        await alice.send("/start")  # the fake POSTs it to the webhook with the secret
        await alice.expect("Hello!", timeout=10)

        update = {"update_id": 999, "message": {"message_id": 1, "date": 0, "text": "/start"}}
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
                async with http.post(url, json=update, headers=headers) as response:
                    assert response.status == 403
        # A sender that hangs up mid-body (with a reset) is no error of the service's.
        head = request_bytes(
            "POST",
            "/telegram/webhook",
            {
                "Content-Type": "application/json",
                "Content-Length": "500",
                "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
            },
        )
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(head + b'{"update_id": 1000')
        await writer.drain()
        await asyncio.sleep(0.2)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.close()
        await asyncio.sleep(0.5)
        await listening(f"http://127.0.0.1:{port}/healthz")
    finally:
        log = await stop(process)
    # The refused posts were never handled: Alice was welcomed once, for her own /start.
    assert len([e for e in telegram.chat(1001).events if e.text.startswith("Hello")]) == 1
    assert "the sender left before the update's body arrived" in log
    assert "ERROR" not in log, log


async def test_a_token_telegram_refuses_leaves_the_bot_off_and_says_why(
    make_settings, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.app import running_bot

    settings = make_settings(
        TELEGRAM_BOT_TOKEN="999:not-the-bots-token", TELEGRAM_API_URL=telegram.api_url
    )
    with caplog.at_level(logging.ERROR, logger="bot.app"):
        async with running_bot(settings, lambda: None) as running:
            assert running is None
    assert "Telegram refused TELEGRAM_BOT_TOKEN" in caplog.text
    assert "not-the-bots-token" not in caplog.text
    assert not telegram.calls_of("getUpdates")


async def test_without_a_token_the_bot_stays_off_in_one_line(
    make_settings, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.app import running_bot

    with caplog.at_level(logging.INFO, logger="bot.app"):
        async with running_bot(make_settings(), lambda: None) as running:
            assert running is None
    assert caplog.messages == [
        "TELEGRAM_BOT_TOKEN is not set: the Telegram bot is off (API and e-mail work)"
    ]
