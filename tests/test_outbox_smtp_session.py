"""A delivery round's e-mails share SMTP connections, and what goes wrong on one stays with it.

A real aiosmtpd relay that counts the connections it is given; the real `Dispatcher` and
`SmtpEmailSender`.
"""

from __future__ import annotations

import asyncio

from booking.mailer import SmtpEmailSender
from booking.notifications import Dispatcher, enqueue
from models import Notification, NotificationChannel, NotificationStatus
from tests.smtp_sink import Inbox, free_port
from tests.test_outbox_leases import relay

WORKERS = 2


class CountingRelay(Inbox):
    """Counts greetings (one per connection); refuses `nobody@`; hangs up when told to
    (after answering a message: a relay ending a connection it has kept long enough)."""

    def __init__(self) -> None:
        super().__init__()
        self.connections = 0
        self.hang_up_after: int | None = None  # messages, then close the connection

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        if self.hang_up_after is not None and len(self.messages) >= self.hang_up_after:
            self.hang_up_after = None
            # Right after its answer: as a relay closing a connection it kept long enough.
            asyncio.get_running_loop().call_later(0.01, server.transport.close)
        return answer


async def queue(recipients: list[str]) -> None:
    for n, to in enumerate(recipients):
        await enqueue(
            channel=NotificationChannel.EMAIL,
            recipient=to,
            kind="test",
            payload={"subject": f"Note {n}", "text": "Hello."},
            dedupe_key=f"session-test:{n}",
        )


def outbox(settings) -> Dispatcher:
    return Dispatcher(
        {NotificationChannel.EMAIL: SmtpEmailSender(settings)}, batch_size=10, concurrency=WORKERS
    )


async def test_a_round_sends_many_emails_over_a_connection_per_worker(make_settings, db):
    port = free_port()
    settings = make_settings(EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    handler = CountingRelay()
    with relay(handler, port):
        await queue([f"client{n}@example.com" for n in range(30)])
        assert await outbox(settings).dispatch_due() == 30
    assert len(handler.messages) == 30
    assert handler.connections <= WORKERS


async def test_a_refused_recipient_fails_only_its_own_email_on_a_shared_connection(
    make_settings, db
):
    port = free_port()
    settings = make_settings(EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    handler = CountingRelay()
    recipients = [f"client{n}@example.com" for n in range(10)]
    recipients[4] = "nobody@example.com"
    with relay(handler, port):
        await queue(recipients)
        await outbox(settings).dispatch_due()
    rows = {row.recipient: row for row in await Notification.all()}
    assert rows["nobody@example.com"].status == NotificationStatus.FAILED
    assert "550" in (rows["nobody@example.com"].last_error or "")
    sent = [r for r in rows.values() if r.status == NotificationStatus.SENT]
    assert len(sent) == 9
    assert sorted(str(m["To"]) for m in handler.messages) == sorted(
        r for r in recipients if not r.startswith("nobody@")
    )
    assert handler.connections <= WORKERS


async def test_a_relay_hanging_up_mid_round_loses_and_repeats_nothing(make_settings, db):
    port = free_port()
    settings = make_settings(EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    handler = CountingRelay()
    handler.hang_up_after = 3
    with relay(handler, port):
        await queue([f"client{n}@example.com" for n in range(12)])
        await outbox(settings).dispatch_due()
    statuses = await Notification.all().values_list("status", flat=True)
    assert set(statuses) == {NotificationStatus.SENT}
    recipients = [str(m["To"]) for m in handler.messages]
    assert sorted(recipients) == sorted(f"client{n}@example.com" for n in range(12))
    assert handler.connections > 1  # the hung-up connection was replaced
