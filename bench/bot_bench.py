"""The bot under load: simulated clients booking at once through the fake Bot API.

    .venv/bin/python bench/bot_bench.py          # prints the figures as JSON

Each client: /start -> the Book button -> two dates on the calendar -> Next -> a slot ->
Next -> Skip (no note) -> Confirm, sending each step only after the bot's reply to the
previous one (a new message or an edit in its chat). The booking bot runs as
`python -m booking worker` (long polling; its outbox also sends the receipts); the yardstick
is `bench/echo_bot.py`, python-telegram-bot's echo bot, given the same clients and steps
through the same fake in the same run. The fake counts, without refusing, the sends beyond
Telegram's limits: with them enforced both bots would only measure the 30-a-second cap.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fake_bot_api import FakeBotApi, Reply, buttons
from smtp_sink import SmtpSink
from support import (
    PYTHON,
    Service,
    booking_service,
    new_data_dir,
    percentile,
    seed,
    service_env,
    worker_env,
)

PHASES = (50, 200)
PROFILED_CLIENTS = 100
FIRST_USER = 10_000_001
STEP_TIMEOUT = 60.0
# The echo bot has no buttons: its clients press the same data the booking bot's would.
ECHO_SCRIPT = [
    "m:book",
    "bd:20990101",
    "bd:20990102",
    "bk:next",
    "bt:morning",
    "bk:next",
    "bk:skip",
    "bk:confirm",
]


class StepFailed(Exception):
    pass


def _find(message: dict[str, Any], wanted: Callable[[str], bool], what: str) -> str:
    for data in buttons(message):
        if wanted(data):
            return data
    raise StepFailed(f"no {what} button in {message.get('text', '')[:80]!r}: {buttons(message)}")


class Client:
    """One Telegram user going through the booking, step by step."""

    def __init__(self, fake: FakeBotApi, chat_id: int, latencies: dict[str, list[float]]) -> None:
        self.fake = fake
        self.chat_id = chat_id
        self.chat = fake.chat(chat_id)
        self.latencies = latencies

    async def _step(self, name: str, act: Callable[[], None]) -> Reply:
        while not self.chat.replies.empty():
            self.chat.replies.get_nowait()  # late extras of the previous step
        started = time.time()
        act()
        try:
            reply = await asyncio.wait_for(self.chat.replies.get(), STEP_TIMEOUT)
        except TimeoutError:
            raise StepFailed(f"no reply to {name} within {STEP_TIMEOUT}s") from None
        self.latencies.setdefault(name, []).append(reply.at - started)
        return reply

    def _press(self, message: dict[str, Any], data: str) -> Callable[[], None]:
        return lambda: self.fake.press(self.chat_id, message["message_id"], data)

    async def book(self) -> None:
        welcome = await self._step("start", lambda: self.fake.send_text(self.chat_id, "/start"))
        book = _find(welcome.message, lambda d: d.startswith("m:") and "book" in d, "Book")
        calendar = (await self._step("book", self._press(welcome.message, book))).message
        days = [d for d in buttons(calendar) if d.startswith("bd:")][:2]
        if len(days) < 2:
            raise StepFailed(f"fewer than two open dates: {buttons(calendar)}")
        for day in days:
            calendar = (await self._step("date", self._press(calendar, day))).message
        nxt = _find(calendar, lambda d: d.endswith(":next"), "Next")
        slots = (await self._step("dates_next", self._press(calendar, nxt))).message
        slot = _find(slots, lambda d: d.startswith("bt:"), "slot")
        slots = (await self._step("slot", self._press(slots, slot))).message
        nxt = _find(slots, lambda d: d.endswith(":next"), "Next")
        reason = (await self._step("slots_next", self._press(slots, nxt))).message
        skip = _find(reason, lambda d: d.endswith(":skip"), "Skip")
        summary = (await self._step("skip", self._press(reason, skip))).message
        confirm = _find(summary, lambda d: d.endswith(":confirm"), "Confirm")
        await self._step("confirm", self._press(summary, confirm))

    async def echo(self) -> None:
        first = await self._step("start", lambda: self.fake.send_text(self.chat_id, "/start"))
        for data in ECHO_SCRIPT:
            await self._step(data.split(":")[0], self._press(first.message, data))


async def _phase(
    fake: FakeBotApi, bot: Service, first_id: int, count: int, echo: bool
) -> dict[str, Any]:
    latencies: dict[str, list[float]] = {}
    clients = [Client(fake, first_id + i, latencies) for i in range(count)]
    over_before = fake.over_limit
    bot_cpu, own_cpu = bot.cpu_seconds(), time.process_time()
    started = time.time()
    outcomes = await asyncio.gather(
        *(c.echo() if echo else c.book() for c in clients), return_exceptions=True
    )
    elapsed = time.time() - started
    bot_cpu, own_cpu = bot.cpu_seconds() - bot_cpu, time.process_time() - own_cpu
    failures = [str(o) for o in outcomes if isinstance(o, BaseException)]
    every = [value for values in latencies.values() for value in values]
    result = {
        "clients": count,
        "completed": count - len(failures),
        "updates": len(every),
        "seconds": round(elapsed, 2),
        "updates_per_s": round(len(every) / elapsed, 1),
        "p50_ms": round(percentile(every, 50) * 1000, 1),
        "p99_ms": round(percentile(every, 99) * 1000, 1),
        "max_ms": round(max(every, default=0) * 1000, 1),
        "over_limit_sends": fake.over_limit - over_before,
        # CPU use of the bot's process, and of the fake plus the clients (this process).
        "bot_cpu_share": round(bot_cpu / elapsed, 2),
        "bot_cpu_ms_per_update": round(bot_cpu * 1000 / max(len(every), 1), 2),
        "fake_cpu_share": round(own_cpu / elapsed, 2),
    }
    result["steps"] = {
        name: {
            "p50_ms": round(percentile(values, 50) * 1000, 1),
            "p99_ms": round(percentile(values, 99) * 1000, 1),
        }
        for name, values in latencies.items()
    }
    if failures:
        result["failures"] = sorted(set(failures))[:5]
    return result


async def _wait_polling(fake: FakeBotApi, service: Service, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while fake.calls["getUpdates"] < 1:
        if not service.alive():
            raise RuntimeError(f"{service.name} exited:\n{service.log_tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{service.name} never polled:\n{service.log_tail()}")
        await asyncio.sleep(0.05)


async def _run_bot(service: Service, fake: FakeBotApi, echo: bool) -> dict[str, Any]:
    service.start()
    try:
        await _wait_polling(fake, service)
        # One client first, unmeasured: imports, caches and connections warm up.
        await _phase(fake, service, FIRST_USER - 1000, 1, echo)
        results: dict[str, Any] = {}
        first = FIRST_USER
        for count in PHASES:
            results[f"clients_{count}"] = await _phase(fake, service, first, count, echo)
            first += count
        results["alive"] = service.alive()
        if not echo:
            results["profile"] = await _profiled_phase(fake, service, first)
        return results
    finally:
        service.stop()


async def _profiled_phase(fake: FakeBotApi, service: Service, first: int) -> dict[str, Any]:
    """One more phase with py-spy attached (not one of the measured ones): where time goes."""
    from profile_paths import OUT, py_spy, summarise

    binary = py_spy()
    if binary is None:
        return {"skipped": "py-spy is not installed"}
    OUT.mkdir(parents=True, exist_ok=True)
    raw = OUT / "bot-booking.txt"
    recorder = await asyncio.create_subprocess_exec(
        *[binary, "record", "--pid", str(service.pid), "--rate", "100", "--format", "raw"],
        *["--output", str(raw)],
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await asyncio.sleep(0.5)
    phase = await _phase(fake, service, first, PROFILED_CLIENTS, echo=False)
    recorder.send_signal(signal.SIGINT)
    await asyncio.wait_for(recorder.wait(), 60)
    if not raw.exists():
        return {"skipped": "py-spy wrote nothing"}
    text, info = summarise(raw)
    (OUT / "bot-booking-summary.txt").write_text(text)
    return {**info, "updates_per_s_while_profiled": phase["updates_per_s"]}


async def run() -> dict[str, Any]:
    token = "123456:BENCH-token"
    results: dict[str, Any] = {"phases": list(PHASES)}

    async with FakeBotApi(token, enforce_limits=False) as fake:
        data_dir = new_data_dir("echo")
        echo_bot = Service(
            [PYTHON, str(Path(__file__).with_name("echo_bot.py")), fake.api_url, token],
            service_env(data_dir),
            "echo-bot",
        )
        results["echo"] = await _run_bot(echo_bot, fake, echo=True)

    with SmtpSink() as sink:
        async with FakeBotApi(token, enforce_limits=False) as fake:
            data_dir = new_data_dir("bot")
            env = worker_env(data_dir, fake.token, fake.api_url, sink.port)
            seed(env, "telegram-clients", "--first-id", str(FIRST_USER - 1000), "--count", "1")
            seed(
                env,
                "telegram-clients",
                "--first-id",
                str(FIRST_USER),
                "--count",
                str(sum(PHASES) + PROFILED_CLIENTS),
            )
            since = time.time()
            results["booking"] = await _run_bot(booking_service("worker", env), fake, echo=False)
            results["booking"]["appointments_created"] = seed(
                env, "count-appointments", "--since", str(since - 5)
            )["created_since"]
            results["booking"]["emails_sent"] = sink.count
    for count in PHASES:
        key = f"clients_{count}"
        echo_rate = results["echo"][key]["updates_per_s"]
        booking = results["booking"][key]
        booking["share_of_echo"] = (
            round(booking["updates_per_s"] / echo_rate, 3) if echo_rate else 0
        )
        echo_p99 = results["echo"][key]["p99_ms"]
        booking["p99_vs_echo"] = round(booking["p99_ms"] / echo_p99, 2) if echo_p99 else 0
    return results


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run()), indent=2))
