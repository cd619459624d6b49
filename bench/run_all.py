"""`make bench`: every bench in bench/, then bench/RESULTS.md (and bench/out/results.json).

    .venv/bin/python bench/run_all.py             # full: wrk -d10s, 10,000 reminders
    BENCH_QUICK=1 .venv/bin/python bench/run_all.py   # quick: wrk -d3s, 1,000 reminders
    BENCH_ONLY=http,bot .venv/bin/python bench/run_all.py   # some parts only

Parts: http (wrk figures and, with py-spy installed, profiles), bot, delivery, pgscale
(PostgreSQL with 1,000,000 appointments; BENCH_POSTGRES_URL), footprint, micro
(bench_encryption.py and bench_outbox.py). Exits non-zero when wrk is missing.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from support import BENCH_DIR, CODE, PYTHON, QUICK, WRK_DURATION, machine, wrk_path

OUT = BENCH_DIR / "out"
RESULTS = BENCH_DIR / "RESULTS.md"
PARTS = ("http", "bot", "delivery", "pgscale", "footprint", "micro")
WRK_MISSING = """wrk (the HTTP load generator) is not installed. On Debian or Ubuntu:

    sudo apt-get update && sudo apt-get install -y wrk

(elsewhere: your system's package manager, e.g. `brew install wrk`), then run `make bench` again.
"""


def _micro() -> dict[str, Any]:
    """The older single-purpose benches, run as they are; their printed lines are the figures."""
    results = {}
    for script in ("bench_encryption.py", "bench_outbox.py"):
        env = {**os.environ, "PYTHONPATH": str(CODE)}
        done = subprocess.run(
            [PYTHON, str(BENCH_DIR / script)], env=env, capture_output=True, text=True, timeout=600
        )
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0:
            lines.append(f"failed: {done.stderr.strip().splitlines()[-1:]}")
        results[script] = lines
    return results


def _runners() -> dict[str, Callable[[], dict[str, Any]]]:
    import bot_bench
    import delivery_bench
    import footprint
    import http_bench
    import pg_scale

    return {
        "http": lambda: http_bench.run(http_bench.profile_hot_paths),
        "bot": lambda: asyncio.run(bot_bench.run()),
        "delivery": lambda: asyncio.run(delivery_bench.run()),
        "pgscale": pg_scale.run,
        "footprint": lambda: asyncio.run(footprint.run()),
        "micro": _micro,
    }


def main() -> int:
    if wrk_path() is None:
        print(WRK_MISSING, file=sys.stderr)
        return 2
    only = [p for p in os.environ.get("BENCH_ONLY", "").split(",") if p]
    parts = [p for p in PARTS if not only or p in only]
    OUT.mkdir(exist_ok=True)
    results: dict[str, Any] = {
        "machine": machine(),
        "quick": QUICK,
        "load_before": os.getloadavg(),
    }
    previous = OUT / "results.json"
    if only and previous.exists():
        # Some parts only: the others keep their figures from the last run, marked as such.
        kept = json.loads(previous.read_text())
        results = {**kept, "rerun": {**kept.get("rerun", {}), **dict.fromkeys(parts, time.ctime())}}
    runners = _runners()
    started = time.monotonic()
    for part in parts:
        print(f"bench: {part} ...", flush=True)
        part_started = time.monotonic()
        try:
            results[part] = runners[part]()
        except Exception as exc:  # one broken part must not lose the others' figures
            traceback.print_exc()
            results[part] = {"error": f"{type(exc).__name__}: {exc}"[:2000]}
        print(f"bench: {part} done in {time.monotonic() - part_started:.0f}s", flush=True)
    if "rerun" not in results:
        results["load_after"] = os.getloadavg()
        results["seconds"] = round(time.monotonic() - started)
    (OUT / "results.json").write_text(json.dumps(results, indent=2, default=str))
    from report import render

    RESULTS.write_text(render(results, wrk_duration=WRK_DURATION))
    print(f"bench: wrote {RESULTS.relative_to(BENCH_DIR.parent)}")
    failed = [p for p in parts if isinstance(results.get(p), dict) and "error" in results[p]]
    if failed:
        print(f"bench: these parts failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
