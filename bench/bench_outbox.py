"""How fast the outbox turns queued rows into delivered e-mails, through a real SMTP server.

    .venv/bin/python bench/bench_outbox.py [--count 500] [--database-url sqlite:///tmp/x.db]

Queues N e-mail notifications, then times one dispatcher drain against a local aiosmtpd
server (one SMTP connection per message, as in production). Also times enqueueing.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import tempfile
import time

from aiosmtpd.controller import Controller
from tortoise import Tortoise

from booking.db import close_database, open_database
from booking.mailer import SmtpEmailSender
from booking.messages.email import compose
from booking.notifications import Dispatcher, enqueue
from booking.settings import load_settings
from models import Notification, NotificationChannel, NotificationStatus


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def main(count: int, database_url: str | None) -> None:
    tmp = tempfile.mkdtemp()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = load_settings(
        {
            "DATA_DIR": tmp,
            "DATABASE_URL": database_url or f"sqlite://{tmp}/bench.sqlite3",
            "EMAIL_BACKEND": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(controller.port),
        },
        env_file=None,
    )
    await open_database(settings)
    await Tortoise.generate_schemas()
    payload = compose(settings, subject="Bench", greeting="Hello", paragraphs=["x" * 400])
    started = time.perf_counter()
    for i in range(count):
        await enqueue(
            channel=NotificationChannel.EMAIL,
            recipient=f"client{i}@example.org",
            kind="bench",
            payload=payload,
            dedupe_key=f"bench:{i}",
        )
    enqueue_s = time.perf_counter() - started
    dispatcher = Dispatcher({NotificationChannel.EMAIL: SmtpEmailSender(settings)})
    started = time.perf_counter()
    sent = await dispatcher.dispatch_due()
    drain_s = time.perf_counter() - started
    delivered = await Notification.filter(status=NotificationStatus.SENT).count()
    await close_database()
    controller.stop()
    assert sent == delivered == sink.count == count, (sent, delivered, sink.count)
    dialect = settings.dialect
    print(f"{dialect}: enqueue {count} rows: {enqueue_s:.2f}s ({count / enqueue_s:.0f}/s)")
    print(f"{dialect}: deliver {count} e-mails over SMTP: {drain_s:.2f}s ({count / drain_s:.0f}/s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    asyncio.run(main(args.count, args.database_url))
