"""Profiles of the hot paths: py-spy attached to `serve` while wrk loads one endpoint.

Used by run_all.py when py-spy is installed (`.venv/bin/pip install py-spy`); the raw
collapsed stacks and a summary of each (top frames by own and by inclusive share of the
samples) land in bench/out/profiles/.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from support import BENCH_DIR, Service, settle, wrk

OUT = BENCH_DIR / "out" / "profiles"
DURATION = 6
RATE = 200
# Frames every request shares whatever it does: shown, but not what a summary should rank.
LOOP_FRAMES = (
    "BaseEventLoop.",
    "Handle._run",
    "Runner.run",
    "run (asyncio",
    "main (booking/cli.py",
    "_run_",
    "<module>",
)


def py_spy() -> str | None:
    found = Path(sys.executable).with_name("py-spy")
    return str(found) if found.exists() else shutil.which("py-spy")


def _function(frame: str) -> str:
    """'render (api/appointments.py:230)' -> 'render (api/appointments.py)'."""
    return re.sub(r":\d+\)$", ")", frame.strip())


def _rank(counter: Counter[str], total: int, top: int, skip: tuple[str, ...] = ()) -> list[str]:
    ranked = [(f, n) for f, n in counter.most_common() if not f.startswith(skip)]
    return [f"  {n * 100 / total:5.1f}%  {frame}" for frame, n in ranked[:top]]


def summarise(raw: Path, top: int = 25) -> tuple[str, dict[str, Any]]:
    """Top frames of the event loop's thread, and what the other threads were doing.

    Shares are of the loop thread's samples; `select` is the loop waiting for sockets (idle).
    aiosqlite runs each query in a thread of its own; executor threads (argon2) are apart too.
    """
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    others: dict[str, Counter[str]] = {"aiosqlite": Counter(), "other threads": Counter()}
    loop_total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_function(f) for f in stack.split(";") if f]
        if not frames:
            continue
        if not frames[0].startswith("_run_module_as_main"):
            thread = (
                "aiosqlite"
                if any(f.startswith("_connection_worker_thread") for f in frames)
                else "other threads"
            )
            others[thread][frames[-1]] += count
            continue
        loop_total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    idle = sum(n for f, n in own.items() if "select (selectors.py)" in f)
    totals = {name: sum(counter.values()) for name, counter in others.items()}
    lines = [
        f"{raw.stem}: {loop_total} samples of the event loop's thread "
        f"({idle * 100 / max(loop_total, 1):.1f}% of them idle in select), "
        + ", ".join(f"{n} of {name}" for name, n in totals.items()),
        "",
        "loop thread, own time (the frame itself was running):",
        *_rank(own, max(loop_total, 1), top),
        "",
        "loop thread, inclusive (the frame was on the stack):",
        *_rank(inclusive, max(loop_total, 1), top, LOOP_FRAMES),
    ]
    for name, counter in others.items():
        if counter:
            lines += ["", f"{name}, own time:", *_rank(counter, totals[name], 8)]
    return "\n".join(lines) + "\n", {
        "loop_samples": loop_total,
        "idle_share": round(idle / max(loop_total, 1), 3),
        **{f"{name.replace(' ', '_')}_samples": n for name, n in totals.items()},
    }


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def profile(
    service: Service, name: str, url: str, *, settle_first: bool = True, **wrk_options: Any
) -> dict[str, Any]:
    """Record `service` for DURATION seconds while wrk loads `url`; write the summary.

    The server first works off what earlier runs left queued (`settle_first=False` when a
    background load is meant to be running, as for the sign-in flood).
    """
    binary = py_spy()
    if binary is None:
        return {"skipped": "py-spy is not installed"}
    OUT.mkdir(parents=True, exist_ok=True)
    raw = OUT / f"{name}.txt"
    if settle_first:
        settle(_origin(url))
    recorder = subprocess.Popen(
        [
            binary,
            "record",
            "--pid",
            str(service.pid),
            "--duration",
            str(DURATION),
            "--rate",
            str(RATE),
            "--format",
            "raw",
            "--output",
            str(raw),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.5)
    load = wrk(url, duration=DURATION + 1, **wrk_options)
    _, errors = recorder.communicate(timeout=60)
    settle(_origin(url))
    if recorder.returncode != 0 or not raw.exists():
        return {"skipped": f"py-spy failed: {errors.strip()[-300:]}"}
    text, info = summarise(raw)
    (OUT / f"{name}-summary.txt").write_text(text)
    return {
        **info,
        "rps_while_profiled": round(load.rps, 1),
        "summary": str(OUT / f"{name}-summary.txt"),
    }
