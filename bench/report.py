"""bench/RESULTS.md from the figures run_all.py gathered (also kept in bench/out/results.json).

.venv/bin/python bench/report.py bench/out/results.json   # re-render without re-running
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _n(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _met(ok: bool | None) -> str:
    return "-" if ok is None else ("yes" if ok else "**no**")


def _errors(figure: dict[str, Any]) -> str:
    parts = []
    if figure.get("non_2xx"):
        parts.append(f"{figure['non_2xx']:,} non-2xx")
    if figure.get("socket_errors"):
        parts.append(f"{figure['socket_errors']:,} socket ({figure.get('timeouts', 0)} timeouts)")
    return ", ".join(parts) or "0"


def _http(http: dict[str, Any], wrk_duration: int) -> list[str]:
    if "error" in http:
        return ["## HTTP", "", f"Failed: `{http['error']}`", ""]
    ceiling = http["ceiling"]["rps"]
    small, big, writes = http["small"], http["big"], http["writes"]
    settings = http["settings"]
    rows: list[tuple[str, dict[str, Any] | None, str, bool | None]] = []

    def share(figure: dict[str, Any] | None) -> float | None:
        return figure["rps"] / ceiling if figure and ceiling else None

    def add(name: str, figure: dict[str, Any] | None, target: str = "", ok: Any = None) -> None:
        # A run with errors measured something else (a 409 is cheaper than a booking): not met.
        met = ok(figure) and _errors(figure) == "0" if callable(ok) and figure else None
        rows.append((name, figure, target, met))

    add("aiohttp hello (the ceiling)", http["ceiling"])
    add("`/healthz`", small.get("healthz"), "≥ 40%", lambda f: share(f) >= 0.40)
    add(
        "`available-dates/`",
        small.get("available_dates"),
        "≥ 50%, p99 ≤ 10 ms",
        lambda f: share(f) >= 0.50 and f["p99_ms"] <= 10,
    )
    add("`/api/` index", small.get("index"))
    add("staff list, page of 20 (1,000 rows)", small.get("staff_list"))
    add("client list (1,000 rows)", small.get("client_list"))
    add("`stats/` (1,000 rows)", small.get("stats"))
    add(
        "staff list, page of 20 (10,000 rows)",
        big.get("staff_list"),
        "≥ 10%",
        lambda f: share(f) >= 0.10,
    )
    add("client list (10,000 rows)", big.get("client_list"), "≥ 10%", lambda f: share(f) >= 0.10)
    add("`stats/` (10,000 rows)", big.get("stats"), "≥ 25%", lambda f: share(f) >= 0.25)
    flood = small.get("sign_in_flood") or {}
    add(
        f"`available-dates/` during {settings['flood_connections']} concurrent sign-ins",
        flood.get("available_dates"),
        "p99 ≤ 50 ms",
        lambda f: f["p99_ms"] <= 50,
    )
    add(f"(the sign-ins themselves, c={settings['flood_connections']})", flood.get("sign_ins"))
    c = settings["write_connections"]
    add(
        f"public `create/`, c={c}", writes.get("create"), "p99 ≤ 25 ms", lambda f: f["p99_ms"] <= 25
    )
    add(
        f"staff `schedule/`, c={c}",
        writes.get("schedule"),
        "p99 ≤ 25 ms",
        lambda f: f["p99_ms"] <= 25,
    )
    add("aiohttp hello again, at the end (drift)", http.get("ceiling_end"))

    lines = [
        "## HTTP (one `python -m booking serve`, SQLite)",
        "",
        f"`wrk -t{settings['threads']} -c{settings['connections']} -d{settings['duration_s']}s "
        "--latency` unless the row says otherwise. Share: req/s over the ceiling's req/s "
        "measured at the start of this run.",
        "",
        "| figure | req/s | p50 | p99 | share of ceiling | errors | target | met |",
        "|---|---:|---:|---:|---:|---|---|---|",
    ]
    for name, figure, target, ok in rows:
        if figure is None:
            lines.append(f"| {name} | not measured | | | | | {target} | - |")
            continue
        lines.append(
            f"| {name} | {_n(figure['rps'])} | {_ms(figure['p50_ms'])} | {_ms(figure['p99_ms'])} "
            f"| {_pct(share(figure))} | {_errors(figure)} | {target} | {_met(ok)} |"
        )
    seeded_small = small.get("seeded", {})
    seeded_big = big.get("seeded", {})
    lines += [
        "",
        f"Seeded: {_n(seeded_small.get('appointments'))} and {_n(seeded_big.get('appointments'))} "
        "appointments (statuses mixed 1:2:1:1 pending/scheduled/rejected/cancelled, every "
        "field encrypted as the service writes it); the client owns every 10th "
        f"({_n(small.get('client_list_count'))} and {_n(big.get('client_list_count'))} in their "
        "list), half linked to the account and half sent with the same e-mail before signing up. "
        "All seven weekdays open. The write rows use their own database: 1,000 appointments "
        f"plus a pool of {_n((writes.get('schedule') or {}).get('pool'))} pending requests, each "
        "`schedule/` taking the next one at a time no other takes (15 minutes, 30 apart); every "
        "`create/` uses a new e-mail address"
        + (f" and {writes['clients']}" if writes.get("clients") else "")
        + ". The appointment-request rate limits were raised "
        f"by {writes.get('limits_raised_by', 'a trigger in the bench database')}.",
    ]
    workers = http.get("workers", {})
    if workers.get("available"):
        one, two = workers["processes_1"], workers["processes_2"]
        ratio = two["rps"] / one["rps"] if one["rps"] else 0
        lines += [
            "",
            f"`serve --workers 2` vs 1 on the 10,000-row staff list: {_n(two['rps'])} vs "
            f"{_n(one['rps'])} req/s = {ratio:.2f}× (target ≥ 1.5×: {_met(ratio >= 1.5)}).",
        ]
    else:
        lines += [
            "",
            "`serve --workers N`: not yet (the command has no such option), so the "
            "two-process figure (target ≥ 1.5× one process) is not measured.",
        ]
    return [*lines, ""]


def _bot(bot: dict[str, Any]) -> list[str]:
    if "error" in bot:
        return ["## The bot", "", f"Failed: `{bot['error']}`", ""]
    lines = [
        "## The bot (fake Bot API, long polling)",
        "",
        "Simulated clients start at once; each sends its next step only after the bot's reply to "
        "the previous one: `/start` → Book → two dates → Next → a slot → Next → Skip the note → "
        "Confirm (9 updates a client). The echo bot (`bench/echo_bot.py`, python-telegram-bot "
        "alone) gets the same clients and steps through the same fake in the same run. Latency: "
        "from the update being offered to the reply (message or edit) reaching the fake.",
        "",
        "| bot | clients | done | updates/s | p50 | p99 | share of echo's updates/s | p99 / echo's "
        "| bot CPU | CPU per update | target | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for count in bot.get("phases", []):
        key = f"clients_{count}"
        echo, booking = bot["echo"][key], bot["booking"][key]
        if count == 50:
            target = "≥ 50% of echo, p99 < 500 ms"
            ok = booking["share_of_echo"] >= 0.5 and booking["p99_ms"] < 500
        else:
            target = "≥ 50% of echo, p99 ≤ 1.5× echo's"
            ok = booking["share_of_echo"] >= 0.5 and booking["p99_vs_echo"] <= 1.5
        for name, figure, tgt, met in (
            ("echo", echo, "", None),
            ("booking", booking, target, ok),
        ):
            lines.append(
                f"| {name} | {count} | {figure['completed']} | {_n(figure['updates_per_s'], 1)} "
                f"| {_ms(figure['p50_ms'])} | {_ms(figure['p99_ms'])} "
                f"| {_pct(figure.get('share_of_echo')) if name == 'booking' else ''} "
                f"| {figure.get('p99_vs_echo', '') if name == 'booking' else ''} "
                f"| {_pct(figure['bot_cpu_share'])} | {figure['bot_cpu_ms_per_update']} ms "
                f"| {tgt} | {_met(met)} |"
            )
    steps = bot["booking"].get("clients_200", {}).get("steps", {})
    if steps:
        lines += [
            "",
            "Booking bot, 200 clients, per step (p50 / p99): "
            + ", ".join(f"{k} {_ms(v['p50_ms'])} / {_ms(v['p99_ms'])}" for k, v in steps.items()),
        ]
    over = [
        bot[b][f"clients_{c}"]["over_limit_sends"]
        for b in ("echo", "booking")
        for c in bot["phases"]
    ]
    lines += [
        "",
        "Requests created by the booking clients (the measured phases, one warm-up client and, "
        "with py-spy, a profiled phase of 100): "
        f"{bot['booking'].get('appointments_created')}; e-mails its outbox sent meanwhile: "
        f"{bot['booking'].get('emails_sent')}. "
        "The fake counts but does not refuse sends beyond Telegram's limits here (otherwise both "
        "bots would only measure the 30 messages/s cap); sends over the limits per phase (echo "
        f"50, 200, booking 50, 200): {', '.join(str(n) for n in over)}. Bot CPU: the bot "
        "process's CPU time over the phase's wall time (1 core = 100%).",
    ]
    failures = [
        bot[b][k].get("failures")
        for b in ("echo", "booking")
        for k in bot[b]
        if isinstance(bot[b][k], dict) and bot[b][k].get("failures")
    ]
    if failures:
        lines += ["", f"Failures: {failures}"]
    return [*lines, ""]


def _delivery(delivery: dict[str, Any]) -> list[str]:
    if "error" in delivery:
        return ["## Delivery", "", f"Failed: `{delivery['error']}`", ""]
    tg, mail, iso = delivery["telegram"], delivery["email"], delivery["isolated"]
    tg_ok = tg["share_of_limit"] >= 0.9 and tg["lost"] == 0 and tg["duplicates"] == 0
    tg_ok = tg_ok and tg["share_429"] < 0.01
    return [
        "## Delivery (one `python -m booking worker`, SQLite)",
        "",
        f"{_n(delivery['reminders'])} reminders made due at one moment: half to Telegram (one chat "
        "each, the fake enforcing 30 sends/s overall and 1/s per chat with 429 + `retry_after`), "
        "half by e-mail to a local aiosmtpd. Rates count from the due moment to the last arrival; "
        '"steady" from the first arrival to the last.',
        "",
        "| channel | delivered | lost | duplicates | msgs/s | steady msgs/s "
        "| first / last after due | target | met |",
        "|---|---:|---:|---:|---:|---:|---|---|---|",
        f"| Telegram | {_n(tg['delivered'])} / {_n(tg['expected'])} | {tg['lost']} | "
        f"{tg['duplicates']} | {tg['msgs_per_s']} ({_pct(tg['share_of_limit'])} of 30/s) | "
        f"{tg['msgs_per_s_steady']} | {tg['first_after_due_s']} s / {tg['last_after_due_s']} s | "
        "≥ 90% of the limit, 0 lost, 0 duplicates, < 1% answered 429 | "
        f"{_met(tg_ok)} |",
        f"| e-mail | {_n(mail['delivered'])} / {_n(mail['expected'])} | {mail['lost']} | "
        f"{mail['duplicates']} | {mail['msgs_per_s']} | {mail['msgs_per_s_steady']} | "
        f"{mail['first_after_due_s']} s / {mail['last_after_due_s']} s | ≥ 100/s | "
        f"{_met(mail['msgs_per_s'] >= 100)} |",
        "",
        f"Telegram sends answered 429: {tg['answered_429']} ({_pct(tg['share_429'])} of send "
        f"calls). Outbox afterwards: {delivery.get('outbox')}.",
        "",
        f"Isolated reminders (each due on its own, {iso['count']} of them, queued seconds before): "
        f"delivered {iso['delivered']}, late by p50 {iso['p50_s']} s, p99 {iso['p99_s']} s, max "
        f"{iso['max_s']} s (target p99 ≤ 2 s: {_met(iso['p99_s'] <= 2)}).",
        "",
    ]


def _footprint(footprint: dict[str, Any]) -> list[str]:
    if "error" in footprint:
        return ["## Footprint", "", f"Failed: `{footprint['error']}`", ""]
    lines = [
        "## Footprint (`python -m booking run`, migrated empty SQLite)",
        "",
        "| set-up | start → `/healthz` answers (median, max) | idle RSS | target | met |",
        "|---|---|---:|---|---|",
    ]
    for key, name in (("bot_off", "bot off (as `make run`)"), ("bot_on", "bot on (fake Bot API)")):
        f = footprint[key]
        ok = f["idle_rss_mb"] < 120 and f["start_to_healthz_s"] < 2
        lines.append(
            f"| {name} | {f['start_to_healthz_s']} s, {f['start_to_healthz_max_s']} s | "
            f"{f['idle_rss_mb']} MB | RSS < 120 MB, < 2 s | {_met(ok)} |"
        )
    return [*lines, ""]


def _micro(micro: dict[str, Any]) -> list[str]:
    lines = ["## Micro benches (`bench_encryption.py`, `bench_outbox.py`)", ""]
    for script, output in micro.items():
        lines.append(f"- `{script}`: " + "; ".join(output))
    return [*lines, ""]


def _pgscale(pg: dict[str, Any]) -> list[str]:
    if "error" in pg:
        return ["## PostgreSQL at scale", "", f"Failed: `{pg['error']}`", ""]
    ceiling = pg["ceiling"]["rps"]
    empty, scale = pg["empty"], pg["scale"]
    lines = [
        "## PostgreSQL at scale",
        "",
        f"One `serve` on PostgreSQL with {pg['rows']:,} appointments (seeded with COPY in "
        f"{pg.get('seed_seconds', '-')} s) and on an empty database; wrk at "
        f"c={pg['connections']} (the server's time, not a queue).",
        "",
        "| path | req/s | share of the ceiling | p50 | p99 | target | met |",
        "|---|---|---|---|---|---|---|",
    ]

    def row(name: str, f: dict[str, Any] | None, target: str = "", ok: bool | None = None) -> None:
        if not f:
            return
        share = f["rps"] / ceiling if ceiling else None
        lines.append(
            f"| {name} | {_n(f['rps'])} | {_pct(share)} | {_ms(f['p50_ms'])} | "
            f"{_ms(f['p99_ms'])} | {target} | {_met(ok)} |"
        )

    row("aiohttp hello (the ceiling)", pg["ceiling"])
    for key, name in (
        ("client_list", "a client's list"),
        ("pending_list", "staff list, status=pending_review"),
        ("scheduled_list", "staff list, status=scheduled"),
    ):
        f = scale.get(key)
        row(name, f, "p99 < 20 ms", f["p99_ms"] < 20 if f else None)
    f = scale.get("stats")
    row("`stats/`", f, "p99 < 100 ms", f["p99_ms"] < 100 if f else None)
    row("`stats/`, empty database", empty.get("stats"))
    big, small = scale.get("available_dates"), empty.get("available_dates")
    # Throughput, not p50: both p50s are a fraction of a millisecond, where noise dominates.
    slower = small["rps"] / big["rps"] - 1 if big and small and big["rps"] else None
    row("`available-dates/`, empty database", small)
    row(
        "`available-dates/`",
        big,
        "≤ 10% slower than empty"
        + (f" ({slower * 100:+.0f}% by req/s)" if slower is not None else ""),
        slower <= 0.10 if slower is not None else None,
    )
    lines.append("")
    return lines


def render(results: dict[str, Any], wrk_duration: int) -> str:
    m = results["machine"]
    load = ", ".join(f"{v:.2f}" for v in results.get("load_before", []))
    load_after = ", ".join(f"{v:.2f}" for v in results.get("load_after", []))
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`bench/run_all.py`); how to run it and what each figure means: "
        "`bench/README.md`. Raw figures: `bench/out/results.json` (not committed).",
        "",
        f"- Date: {m['date']}; total {results.get('seconds')} s, "
        f"{'quick mode (BENCH_QUICK=1)' if results.get('quick') else 'full mode'}, "
        f"wrk runs of {wrk_duration} s",
        f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['os']}, Python {m['python']}, {m['wrk']}",
        f"- Code: `git describe --dirty` = `{m['git']}`",
        f"- Load average (1, 5, 15 min) before: {load}; after: {load_after}. Other work on the "
        "machine during the run moves every figure; compare shares of the ceiling, which is "
        "measured in the same run.",
        "",
    ]
    for part, when in results.get("rerun", {}).items():
        lines.insert(-1, f"- The `{part}` part was re-run alone on {when}.")
    if "http" in results:
        lines += _http(results["http"], wrk_duration)
    if "bot" in results:
        lines += _bot(results["bot"])
    if "delivery" in results:
        lines += _delivery(results["delivery"])
    if "pgscale" in results:
        lines += _pgscale(results["pgscale"])
    if "footprint" in results:
        lines += _footprint(results["footprint"])
    if "micro" in results:
        lines += _micro(results["micro"])
    # What each fix bought: written by hand (FIXES.md), kept under every re-rendering.
    fixes = Path(__file__).with_name("FIXES.md")
    if fixes.exists():
        lines += ["", fixes.read_text().rstrip(), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    data = json.loads(Path(sys.argv[1]).read_text())
    text = render(data, data.get("http", {}).get("settings", {}).get("duration_s", 0))
    Path(__file__).with_name("RESULTS.md").write_text(text)
    print(text)
