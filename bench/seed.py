"""Seed a bench database with direct inserts through `models` (run in a child process).

    python bench/seed.py http --appointments 10000 [--pending-pool 4000]
    python bench/seed.py telegram-clients --first-id 10000001 --count 200
    python bench/seed.py reminders --count 10000 --first-chat 20000001
    python bench/seed.py release-reminders          # every bench reminder due now
    python bench/seed.py isolated-reminders --count 100 --start-in 6 --spacing 0.7
    python bench/seed.py outbox-status
    python bench/seed.py count-appointments

Configuration comes from the environment, as for the service (DATABASE_URL, the secrets);
the database must have been migrated (`python -m booking migrate`). Prints one JSON line.
Only `models`, `booking.db` and `booking.settings` are imported: the services are being
restructured, and what is seeded here is plain rows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher

from booking.db import database
from booking.settings import load_settings
from models import (
    Appointment,
    AppointmentStatus,
    Availability,
    Notification,
    NotificationChannel,
    NotificationStatus,
    User,
    blind_index,
)

PASSWORD = "bench-passphrase-not-common"
STAFF_EMAIL = "staff@bench.example"
CLIENT_EMAIL = "client@bench.example"
REMINDER_KIND = "bench-reminder"
ISOLATED_KIND = "bench-isolated"
FAR_FUTURE = timedelta(days=3650)
BATCH = 1000


def _now() -> datetime:
    return datetime.now(UTC)


async def _user(email: str, *, staff: bool = False, telegram_id: int | None = None) -> User:
    existing = await User.filter(email_index=blind_index(email)).first()
    if existing is not None:
        return existing
    return await User.create(
        email=email,
        email_index=blind_index(email),
        first_name="Sam" if staff else "Zoë",
        last_name="Rivera" if staff else "Client",
        phone=None if staff else "+64 21 555 0199",
        password_hash=PasswordHasher().hash(PASSWORD),
        is_staff=staff,
        email_verified_at=_now(),
        telegram_user_id=telegram_id,
    )


async def _all_days_open() -> None:
    row = await Availability.filter(id=1).first()
    if row is None:
        await Availability.create(id=1, available_days=[0, 1, 2, 3, 4, 5, 6])
    else:
        row.available_days = [0, 1, 2, 3, 4, 5, 6]
        await row.save()


def _appointment(i: int, status: AppointmentStatus, owner: User | None, email: str) -> Appointment:
    """One request; scheduled ones lie in the past, so they never clash with new decisions."""
    now = _now()
    day = (now - timedelta(days=400 - i % 365)).date()
    scheduled = status == AppointmentStatus.SCHEDULED
    return Appointment(
        id=uuid.uuid4(),
        user=owner,
        email_index=blind_index(email),
        first_name=f"First{i}",
        last_name=f"Last{i}",
        email=email,
        phone="+64 21 555 0199",
        reason="Seeded by the benchmark: a few words about why.",
        rejection_reason="No time that week." if status == AppointmentStatus.REJECTED else None,
        preferred_dates=[day.isoformat(), (day + timedelta(days=1)).isoformat()],
        preferred_time_slots=["morning", "evening"],
        status=status,
        scheduled_datetime=(
            datetime(day.year, day.month, day.day, 9, tzinfo=UTC) + timedelta(minutes=i % 480)
            if scheduled
            else None
        ),
        scheduled_duration=60 if scheduled else None,
        jitsi_room_id=secrets.token_urlsafe(20) if scheduled else None,
        decided_at=now if status != AppointmentStatus.PENDING_REVIEW else None,
    )


async def seed_http(count: int, pending_pool: int, client_share: int) -> dict[str, Any]:
    """Staff and client accounts, `count` appointments (every `client_share`th the client's:
    half linked to the account, half sent with the same e-mail before signing up), and a
    pool of fresh pending requests for the schedule bench."""
    await _all_days_open()
    staff = await _user(STAFF_EMAIL, staff=True)
    client = await _user(CLIENT_EMAIL)
    statuses = [
        AppointmentStatus.PENDING_REVIEW,
        AppointmentStatus.SCHEDULED,
        AppointmentStatus.SCHEDULED,
        AppointmentStatus.REJECTED,
        AppointmentStatus.CANCELLED,
    ]
    rows = []
    owned = 0
    for i in range(count):
        status = statuses[i % len(statuses)]
        if i % client_share == 0:
            owned += 1
            owner = client if owned % 2 else None
            rows.append(_appointment(i, status, owner, CLIENT_EMAIL))
        else:
            rows.append(_appointment(i, status, None, f"person{i}@bench.example"))
    pool = [
        _appointment(count + i, AppointmentStatus.PENDING_REVIEW, None, f"pool{i}@bench.example")
        for i in range(pending_pool)
    ]
    for start in range(0, len(rows) + len(pool), BATCH):
        await Appointment.bulk_create((rows + pool)[start : start + BATCH])
    return {
        "staff_email": STAFF_EMAIL,
        "client_email": CLIENT_EMAIL,
        "password": PASSWORD,
        "staff_id": str(staff.id),
        "appointments": count + pending_pool,
        "client_owns": owned,
        "pending_pool": [str(a.id) for a in pool],
    }


async def seed_telegram_clients(first_id: int, count: int) -> dict[str, Any]:
    """Verified accounts linked to Telegram users first_id .. first_id + count - 1."""
    await _all_days_open()
    await _user(STAFF_EMAIL, staff=True)
    users = [
        User(
            email=f"tg{first_id + i}@bench.example",
            email_index=blind_index(f"tg{first_id + i}@bench.example"),
            first_name="Tele",
            last_name=f"Client {i}",
            phone=None,
            password_hash=None,
            email_verified_at=_now(),
            telegram_user_id=first_id + i,
        )
        for i in range(count)
    ]
    for start in range(0, count, BATCH):
        await User.bulk_create(users[start : start + BATCH])
    return {"telegram_users": count, "first_id": first_id}


def _email_payload(i: int) -> dict[str, Any]:
    text = f"Your session starts tomorrow at 10:00. bench-rem-{i}"
    return {
        "subject": "Reminder: your session tomorrow",
        "text": text,
        "html": f"<p>{text}</p>",
        "attachments": [],
    }


async def seed_reminders(count: int, first_chat: int) -> dict[str, Any]:
    """`count` pending reminders, half Telegram (one chat each), half e-mail, due far ahead."""
    due = _now() + FAR_FUTURE
    rows = []
    for i in range(count):
        if i % 2 == 0:
            rows.append(
                Notification(
                    channel=NotificationChannel.TELEGRAM,
                    recipient=str(first_chat + i),
                    payload={"text": f"Reminder: your session starts tomorrow. bench-rem-{i}"},
                    kind=REMINDER_KIND,
                    due_at=due,
                    dedupe_key=f"bench-rem:{i}",
                )
            )
        else:
            rows.append(
                Notification(
                    channel=NotificationChannel.EMAIL,
                    recipient=f"r{i}@bench.example",
                    payload=_email_payload(i),
                    kind=REMINDER_KIND,
                    due_at=due,
                    dedupe_key=f"bench-rem:{i}",
                )
            )
    for start in range(0, count, BATCH):
        await Notification.bulk_create(rows[start : start + BATCH])
    return {"reminders": count}


async def release_reminders() -> dict[str, Any]:
    """Every bench reminder falls due at this one moment."""
    at = _now()
    released = await Notification.filter(kind=REMINDER_KIND).update(due_at=at)
    return {"released": released, "due_at": at.timestamp()}


async def isolated_reminders(count: int, first_chat: int, start_in: float, spacing: float):
    """Telegram reminders due one at a time, `spacing` seconds apart, from `start_in` on."""
    first_due = _now() + timedelta(seconds=start_in)
    due = {}
    for i in range(count):
        at = first_due + timedelta(seconds=i * spacing)
        chat = first_chat + i
        await Notification.create(
            channel=NotificationChannel.TELEGRAM,
            recipient=str(chat),
            payload={"text": f"Your session opens now. bench-iso-{i}"},
            kind=ISOLATED_KIND,
            due_at=at,
            dedupe_key=f"bench-iso:{i}",
        )
        due[str(chat)] = at.timestamp()
    return {"due": due}


async def outbox_status() -> dict[str, Any]:
    counts: dict[str, Any] = {}
    for kind in (REMINDER_KIND, ISOLATED_KIND):
        for status in NotificationStatus:
            counts[f"{kind}:{status.value}"] = await Notification.filter(
                kind=kind, status=status
            ).count()
    return counts


async def count_appointments(since: float) -> dict[str, Any]:
    after = datetime.fromtimestamp(since, UTC)
    return {
        "appointments": await Appointment.all().count(),
        "created_since": await Appointment.filter(created_at__gte=after).count(),
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    settings = load_settings(env_file=None)
    async with database(settings):
        match args.command:
            case "http":
                return await seed_http(args.appointments, args.pending_pool, args.client_share)
            case "telegram-clients":
                return await seed_telegram_clients(args.first_id, args.count)
            case "reminders":
                return await seed_reminders(args.count, args.first_chat)
            case "release-reminders":
                return await release_reminders()
            case "isolated-reminders":
                return await isolated_reminders(
                    args.count, args.first_chat, args.start_in, args.spacing
                )
            case "outbox-status":
                return await outbox_status()
            case "count-appointments":
                return await count_appointments(args.since)
    raise SystemExit(f"unknown command {args.command}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    http = commands.add_parser("http")
    http.add_argument("--appointments", type=int, default=1000)
    http.add_argument("--pending-pool", type=int, default=0)
    http.add_argument("--client-share", type=int, default=10)
    clients = commands.add_parser("telegram-clients")
    clients.add_argument("--first-id", type=int, required=True)
    clients.add_argument("--count", type=int, required=True)
    reminders = commands.add_parser("reminders")
    reminders.add_argument("--count", type=int, default=10000)
    reminders.add_argument("--first-chat", type=int, default=20_000_001)
    commands.add_parser("release-reminders")
    isolated = commands.add_parser("isolated-reminders")
    isolated.add_argument("--count", type=int, default=100)
    isolated.add_argument("--first-chat", type=int, default=30_000_001)
    isolated.add_argument("--start-in", type=float, default=6.0)
    isolated.add_argument("--spacing", type=float, default=0.7)
    commands.add_parser("outbox-status")
    count = commands.add_parser("count-appointments")
    count.add_argument("--since", type=float, default=0.0)
    return parser


if __name__ == "__main__":
    started = time.perf_counter()
    result = asyncio.run(main(_parser().parse_args()))
    result["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(result, default=str))
