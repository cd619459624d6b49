"""The outbox under a burst: reminders due at one moment, to Telegram and by e-mail.

    .venv/bin/python bench/delivery_bench.py     # prints the figures as JSON

10,000 reminders (1,000 with BENCH_QUICK=1), half to Telegram chats (one chat each) and
half by e-mail, are queued with a far due time, then all made due at one moment while one
`python -m booking worker` runs against the fake Bot API (Telegram's limits enforced: 30
sends a second, 1 a second per chat, 429 with retry_after beyond) and a local aiosmtpd.
Then 100 isolated reminders (30 quick), each due on its own, measure how late one leaves.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

from fake_bot_api import FakeBotApi
from smtp_sink import SmtpSink
from support import (
    QUICK,
    Service,
    booking_service,
    new_data_dir,
    percentile,
    seed,
    worker_env,
)

REMINDERS = 1_000 if QUICK else 10_000
ISOLATED = 30 if QUICK else 100
ISOLATED_SPACING = 0.7  # seconds between two isolated reminders' due times
ISOLATED_START_IN = 6.0  # seconds: queued before they fall due, as reminders are
TELEGRAM_LIMIT = 30.0
FIRST_CHAT = 20_000_001
FIRST_ISOLATED_CHAT = 30_000_001
MARKER = re.compile(r"bench-rem-(\d+)")


async def _wait(condition: Any, timeout: float, service: Service) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if not service.alive() or time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.2)
    return True


def _telegram_figures(fake: FakeBotApi, expected: int, due_at: float) -> dict[str, Any]:
    accepted = [s for s in fake.sends if s.status == 200 and MARKER.search(s.text)]
    refused = [s for s in fake.sends if s.status == 429]
    distinct = {MARKER.search(s.text).group(1) for s in accepted}  # type: ignore[union-attr]
    last = max((s.at for s in accepted), default=due_at)
    first = min((s.at for s in accepted), default=due_at)
    rate = len(accepted) / (last - due_at) if last > due_at else 0.0
    calls = len(accepted) + len(refused)
    return {
        "expected": expected,
        "delivered": len(distinct),
        "lost": expected - len(distinct),
        "duplicates": len(accepted) - len(distinct),
        "answered_429": len(refused),
        "share_429": round(len(refused) / calls, 4) if calls else 0.0,
        "msgs_per_s": round(rate, 2),
        "share_of_limit": round(rate / TELEGRAM_LIMIT, 3),
        # From the first send to the last: the pace once the dispatcher has noticed the rows.
        "msgs_per_s_steady": round((len(accepted) - 1) / (last - first), 2) if last > first else 0,
        "first_after_due_s": round(first - due_at, 2),
        "last_after_due_s": round(last - due_at, 2),
    }


def _email_figures(sink: SmtpSink, expected: int, due_at: float) -> dict[str, Any]:
    arrivals = [(at, marker) for at, marker in sink.arrivals if marker is not None]
    distinct = {marker for _, marker in arrivals}
    last = max((at for at, _ in arrivals), default=due_at)
    first = min((at for at, _ in arrivals), default=due_at)
    return {
        "expected": expected,
        "delivered": len(distinct),
        "lost": expected - len(distinct),
        "duplicates": len(arrivals) - len(distinct),
        "msgs_per_s": round(len(arrivals) / (last - due_at), 1) if last > due_at else 0.0,
        "msgs_per_s_steady": round((len(arrivals) - 1) / (last - first), 1) if last > first else 0,
        "first_after_due_s": round(first - due_at, 2),
        "last_after_due_s": round(last - due_at, 2),
    }


async def _isolated(fake: FakeBotApi, env: dict[str, str], worker: Service) -> dict[str, Any]:
    seeded = await asyncio.to_thread(
        seed,
        env,
        "isolated-reminders",
        "--count",
        str(ISOLATED),
        "--first-chat",
        str(FIRST_ISOLATED_CHAT),
        "--start-in",
        str(ISOLATED_START_IN),
        "--spacing",
        str(ISOLATED_SPACING),
    )
    chats = {int(chat): at for chat, at in seeded["due"].items()}

    def arrived() -> dict[int, float]:
        seen: dict[int, float] = {}
        for send in fake.sends:
            if send.status == 200 and send.chat_id in chats and send.chat_id not in seen:
                seen[send.chat_id] = send.at
        return seen

    # The seeding child blocks nothing here: the fake keeps answering (a thread waits for it).
    window = ISOLATED_START_IN + ISOLATED * ISOLATED_SPACING + 30
    await _wait(lambda: len(arrived()) >= len(chats), window, worker)
    late = [arrived()[chat] - at for chat, at in chats.items() if chat in arrived()]
    return {
        "count": len(chats),
        "delivered": len(late),
        "p50_s": round(percentile(late, 50), 2),
        "p99_s": round(percentile(late, 99), 2),
        "max_s": round(max(late, default=0.0), 2),
    }


async def run() -> dict[str, Any]:
    token = "123456:BENCH-token"
    data_dir = new_data_dir("delivery")
    results: dict[str, Any] = {"reminders": REMINDERS}
    with SmtpSink() as sink:
        async with FakeBotApi(token, enforce_limits=True, keep_messages=False) as fake:
            env = worker_env(data_dir, fake.token, fake.api_url, sink.port)
            seed(env, "reminders", "--count", str(REMINDERS), "--first-chat", str(FIRST_CHAT))
            worker = booking_service("worker", env).start()
            try:
                await _wait(lambda: fake.calls["getUpdates"] > 0, 60, worker)
                released = await asyncio.to_thread(seed, env, "release-reminders")
                due_at = released["due_at"]
                half = REMINDERS // 2
                expected_s = half / TELEGRAM_LIMIT

                def everything_arrived() -> bool:
                    sent = sum(1 for s in fake.sends if s.status == 200)
                    return sent >= half and sink.count >= REMINDERS - half

                finished = await _wait(everything_arrived, expected_s * 2 + 60, worker)
                await asyncio.sleep(2)  # late duplicates, if any, show up here
                results["finished"] = finished
                results["telegram"] = _telegram_figures(fake, half, due_at)
                results["email"] = _email_figures(sink, REMINDERS - half, due_at)
                results["outbox"] = {
                    k: v
                    for k, v in (await asyncio.to_thread(seed, env, "outbox-status")).items()
                    if v and k != "seconds"
                }
                results["isolated"] = await _isolated(fake, env, worker)
                results["worker_alive"] = worker.alive()
            finally:
                worker.stop()
    return results


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run()), indent=2))
