"""Footprint: how long `python -m booking run` takes to answer /healthz, and its idle RSS.

    .venv/bin/python bench/footprint.py          # prints the figures as JSON

Measured twice on a migrated, empty SQLite database: with the bot off (no token: what
`make run` starts) and with the bot on, polling the fake Bot API.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fake_bot_api import FakeBotApi
from support import booking_service, free_port, new_data_dir, percentile, run_booking, service_env

IDLE_SECONDS = 3.0
STARTS = 3


async def _measure(extra: dict[str, str]) -> dict[str, Any]:
    env = service_env(new_data_dir("footprint"), free_port(), **extra)
    run_booking(["migrate"], env)
    ready, rss = [], []
    for _ in range(STARTS):
        service = booking_service("run", env).start()
        try:
            # wait_http blocks; a thread keeps the fake Bot API answering meanwhile.
            ready.append(
                await asyncio.to_thread(
                    service.wait_http, f"http://127.0.0.1:{env['PORT']}/healthz"
                )
            )
            await asyncio.sleep(IDLE_SECONDS)
            rss.append(service.rss_mb())
        finally:
            service.stop()
    return {
        "start_to_healthz_s": round(percentile(ready, 50), 2),
        "start_to_healthz_max_s": round(max(ready), 2),
        "idle_rss_mb": round(max(rss), 1),
        "starts": STARTS,
    }


async def run() -> dict[str, Any]:
    results = {"bot_off": await _measure({})}
    token = "123456:BENCH-token"
    async with FakeBotApi(token) as fake:
        results["bot_on"] = await _measure(
            {"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": fake.api_url}
        )
        results["bot_on"]["bot_polled"] = fake.calls["getUpdates"] > 0
    return results


if __name__ == "__main__":
    started = time.perf_counter()
    print(json.dumps(asyncio.run(run()), indent=2))
