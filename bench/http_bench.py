"""HTTP figures: wrk against one `python -m booking serve` on SQLite, next to the ceiling.

    .venv/bin/python bench/http_bench.py          # prints the figures as JSON

The ceiling is `bench/hello_app.py` (a bare aiohttp JSON "hello") in the same venv under the
same wrk settings, measured in the same run; every figure is also given as a share of it.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

from support import (
    CODE,
    PYTHON,
    QUICK,
    WRK_CONNECTIONS,
    WRK_DURATION,
    WRK_THREADS,
    BackgroundWrk,
    Service,
    booking_service,
    free_port,
    http_json,
    new_data_dir,
    run_booking,
    seed,
    service_env,
    settle,
    sign_in,
    wrk,
)

BIG = 10_000
SMALL = 1_000
# More than schedule/ takes in a run (one id once: a second time is a 409, not a booking);
# 30 minutes apart from two days ahead, the last within the year a time may be set in.
SCHEDULE_POOL = 1_500 if QUICK else 12_000
WRITE_CONNECTIONS = 10
FLOOD_CONNECTIONS = 20
LIST = "/api/meetings/appointments/?page_size=20"
CLIENT_LIST = "/api/meetings/user/appointments/"
STATS = "/api/meetings/appointments/stats/"
DATES = "/api/meetings/appointments/available-dates/"

# The appointment-request limits (20/hour per address, 60/hour per IP; wrk always comes
# from 127.0.0.1) are raised with RATE_LIMIT_MULTIPLIER where the service has that setting.
# Older code has no knob: there the bench's own database gets a trigger that takes back every
# hit those limits record (the limit's queries still run, the bucket never fills).
RATE_LIMIT_MULTIPLIER = "1000000"
UNLIMITED_REQUESTS = """
CREATE TRIGGER IF NOT EXISTS bench_unlimited_requests AFTER INSERT ON rate_limit_hits
WHEN NEW.bucket LIKE 'appointment-request:%'
BEGIN DELETE FROM rate_limit_hits WHERE id = NEW.id; END;
"""


def has_rate_limit_setting() -> bool:
    settings = CODE / "booking" / "settings.py"
    return settings.exists() and "RATE_LIMIT_MULTIPLIER" in settings.read_text()


def _database(name: str, appointments: int, pending_pool: int = 0) -> tuple[dict, dict]:
    data_dir = new_data_dir(name)
    env = service_env(data_dir, free_port())
    run_booking(["migrate"], env)
    seeded = seed(
        env, "http", "--appointments", str(appointments), "--pending-pool", str(pending_pool)
    )
    return env, seeded


def _serve(env: dict[str, str], *extra: str) -> tuple[Service, str]:
    base = f"http://127.0.0.1:{env['PORT']}"
    service = booking_service("serve", env, *extra).start()
    service.wait_http(f"{base}/healthz")
    return service, base


def ceiling() -> dict[str, Any]:
    port = free_port()
    data_dir = new_data_dir("ceiling")
    app = Service(
        [PYTHON, str(Path(__file__).with_name("hello_app.py")), str(port)],
        service_env(data_dir),
        "hello",
    )
    with app:
        app.wait_http(f"http://127.0.0.1:{port}/")
        return wrk(f"http://127.0.0.1:{port}/").as_dict()


def reads(name: str, appointments: int, profile: Any = None) -> dict[str, Any]:
    """Every read figure over one database of `appointments` rows."""
    env, seeded = _database(name, appointments)
    service, base = _serve(env)
    figures: dict[str, Any] = {"seeded": {k: v for k, v in seeded.items() if k != "pending_pool"}}
    try:
        staff = sign_in(base, seeded["staff_email"], seeded["password"])
        client = sign_in(base, seeded["client_email"], seeded["password"])
        if appointments == SMALL:
            figures["healthz"] = wrk(f"{base}/healthz").as_dict()
            settle(base)
            figures["available_dates"] = wrk(f"{base}{DATES}").as_dict()
            settle(base)
            figures["index"] = wrk(f"{base}/api/").as_dict()
            settle(base)
        figures["staff_list"] = wrk(
            f"{base}{LIST}", script="bearer.lua", variables={"TOKEN": staff}
        ).as_dict()
        settle(base)
        figures["client_list"] = wrk(
            f"{base}{CLIENT_LIST}", script="bearer.lua", variables={"TOKEN": client}
        ).as_dict()
        settle(base)
        figures["stats"] = wrk(
            f"{base}{STATS}", script="bearer.lua", variables={"TOKEN": staff}
        ).as_dict()
        settle(base)
        status, page = http_json("GET", f"{base}{CLIENT_LIST}", token=client)
        figures["client_list_count"] = page.get("count") if status == 200 else status
        if appointments == SMALL:
            figures["sign_in_flood"] = sign_in_flood(base, seeded)
            settle(base)
        if profile is not None:
            tokens = {"staff": staff, "client": client, **seeded}
            profile(service, base, appointments, tokens)
    finally:
        service.stop()
    return figures


def _flood(base: str, seeded: dict[str, Any], seconds: float) -> BackgroundWrk:
    """20 connections signing in with the right password over and over (argon2), started."""
    flood = BackgroundWrk(
        f"{base}/api/auth/login/",
        script="login.lua",
        variables={"EMAIL": seeded["client_email"], "PASSWORD": seeded["password"]},
        threads=1,
        connections=FLOOD_CONNECTIONS,
        duration=seconds,
    )
    time.sleep(1)
    return flood


def sign_in_flood(base: str, seeded: dict[str, Any]) -> dict[str, Any]:
    """available-dates/ measured during the sign-in flood."""
    flood = _flood(base, seeded, WRK_DURATION + 2)
    dates = wrk(f"{base}{DATES}").as_dict()
    logins = flood.result().as_dict()
    return {"available_dates": dates, "sign_ins": logins}


def writes() -> dict[str, Any]:
    """Public create/ and staff schedule/ at c=10, each request a new one."""
    env, seeded = _database("writes", SMALL, SCHEDULE_POOL)
    figures: dict[str, Any] = {}
    if has_rate_limit_setting():
        env["RATE_LIMIT_MULTIPLIER"] = RATE_LIMIT_MULTIPLIER
        figures["limits_raised_by"] = f"RATE_LIMIT_MULTIPLIER={RATE_LIMIT_MULTIPLIER}"
    else:
        with sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite://")) as db:
            db.executescript(UNLIMITED_REQUESTS)
        figures["limits_raised_by"] = "a trigger in the bench's database (no setting exists)"
    # wrk stands for a reverse proxy on 127.0.0.1 in front of many clients: create.lua names
    # a new client in X-Forwarded-For on every request (see it for why).
    env["TRUSTED_PROXIES"] = "127.0.0.1"
    figures["clients"] = (
        "comes from a new client address (X-Forwarded-For, the service trusting 127.0.0.1 as "
        "its proxy), so each per-IP bucket holds what a real client's would, not the whole run"
    )
    service, base = _serve(env)
    try:
        staff = sign_in(base, seeded["staff_email"], seeded["password"])
        _, dates = http_json("GET", f"{base}{DATES}")
        figures["create"] = wrk(
            f"{base}/api/meetings/appointments/create/",
            script="create.lua",
            variables={"DATES": dates[:2]},
            connections=WRITE_CONNECTIONS,
        ).as_dict()
        settle(base)
        figures["schedule"] = wrk(
            f"{base}/api/meetings/appointments/",
            script="schedule.lua",
            variables={
                "TOKEN": staff,
                "IDS": seeded["pending_pool"],
                "START": int(time.time()) + 2 * 86400,
                "THREADS": WRK_THREADS,
            },
            connections=WRITE_CONNECTIONS,
        ).as_dict()
        figures["schedule"]["pool"] = len(seeded["pending_pool"])
    finally:
        service.stop()
    return figures


def workers() -> dict[str, Any]:
    """`serve --workers 2` against one process on the 10,000-row staff list, when it exists."""
    usage = subprocess.run(
        [PYTHON, "-m", "booking", "serve", "--help"], capture_output=True, text=True
    )
    if "--workers" not in usage.stdout:
        return {"available": False}
    env, seeded = _database("workers", BIG)
    results: dict[str, Any] = {"available": True}
    for count in (1, 2):
        service, base = _serve(env, "--workers", str(count))
        try:
            service.wait_listening(int(env["PORT"]), count)
            staff = sign_in(base, seeded["staff_email"], seeded["password"])
            results[f"processes_{count}"] = wrk(
                f"{base}{LIST}", script="bearer.lua", variables={"TOKEN": staff}
            ).as_dict()
        finally:
            service.stop()
    return results


def profile_hot_paths(
    service: Service, base: str, appointments: int, tokens: dict[str, Any]
) -> None:
    """py-spy profiles (bench/out/profiles/) of the paths the next phase will work on."""
    from profile_paths import DURATION as PROFILE_SECONDS
    from profile_paths import profile

    if appointments == SMALL:
        profile(service, "healthz", f"{base}/healthz")
        profile(service, "available-dates", f"{base}{DATES}")
        flood = _flood(base, tokens, PROFILE_SECONDS + 3)
        profile(service, "available-dates-during-sign-ins", f"{base}{DATES}", settle_first=False)
        flood.result()
    else:
        bearer = {"script": "bearer.lua"}
        profile(
            service,
            "staff-list-10k",
            f"{base}{LIST}",
            variables={"TOKEN": tokens["staff"]},
            **bearer,
        )
        profile(
            service, "stats-10k", f"{base}{STATS}", variables={"TOKEN": tokens["staff"]}, **bearer
        )
        profile(
            service,
            "client-list-10k",
            f"{base}{CLIENT_LIST}",
            variables={"TOKEN": tokens["client"]},
            **bearer,
        )


def run(profile: Any = None) -> dict[str, Any]:
    results: dict[str, Any] = {
        "settings": {
            "threads": WRK_THREADS,
            "connections": WRK_CONNECTIONS,
            "duration_s": WRK_DURATION,
            "write_connections": WRITE_CONNECTIONS,
            "flood_connections": FLOOD_CONNECTIONS,
        }
    }
    results["ceiling"] = ceiling()
    results["small"] = reads("small", SMALL, profile)
    results["big"] = reads("big", BIG, profile)
    results["writes"] = writes()
    results["workers"] = workers()
    results["ceiling_end"] = ceiling()
    return results


if __name__ == "__main__":
    print(json.dumps(run(profile_hot_paths), indent=2))
