"""The outbox and e-mail delivery: no e-mail is lost, none waits for SMTP, none is sent twice.

Everything goes through the real `Dispatcher` and the real `SmtpEmailSender` to a real
aiosmtpd server; "time passes" by giving the dispatcher a clock the test moves.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import logging
import ssl
import time
from collections.abc import AsyncIterator, Iterator
from email.utils import parseaddr
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from tortoise import Tortoise
from tortoise.transactions import in_transaction

from api.app import create_app
from booking.db import close_database, open_database
from booking.mailer import ConsoleEmailSender, SmtpEmailSender
from booking.messages.email import compose
from booking.notifications import MAX_ATTEMPTS, Dispatcher, backoff, enqueue, utcnow
from booking.scheduler import running_scheduler
from models import Notification, NotificationChannel, NotificationStatus
from tests.auth_support import (
    ALICE,
    PRACTICE,
    SENDER,
    Visitor,
    code_in,
    next_mail,
)
from tests.smtp_sink import Inbox, body_text, free_port


class Clock:
    """The dispatcher's idea of now; tests move it forward."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, delta: dt.timedelta) -> None:
        self.now += delta


@contextlib.contextmanager
def smtp_server(inbox: Inbox, port: int, **options) -> Iterator[Controller]:
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@contextlib.asynccontextmanager
async def open_db(settings) -> AsyncIterator[None]:
    await open_database(settings)
    await Tortoise.generate_schemas()
    try:
        yield
    finally:
        await close_database()


async def queue_one(settings, n: int = 1, to: str = ALICE) -> bool:
    return await enqueue(
        channel=NotificationChannel.EMAIL,
        recipient=to,
        kind="test",
        payload=compose(settings, subject=f"Note {n}", greeting="Hello,", paragraphs=["Hi."]),
        dedupe_key=f"test:{n}",
    )


async def test_a_code_queued_while_smtp_is_down_arrives_once_it_is_back(
    make_settings, database_url, make_client
):
    port = free_port()  # nothing listens here yet: the relay is down
    settings = make_settings(
        DATABASE_URL=database_url, EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port
    )
    clock = Clock()
    outbox = Dispatcher({NotificationChannel.EMAIL: SmtpEmailSender(settings)}, clock=clock)
    inbox = Inbox()
    async with open_db(settings):
        client = await make_client(create_app(settings, manage_database=False))
        alice = Visitor(client, inbox, ALICE, "Alice")
        assert (await alice.register()).status == 201

        clock.now = utcnow()
        assert await outbox.dispatch_due() == 1
        row = await Notification.get()
        assert row.status == NotificationStatus.PENDING
        assert row.attempts == 1
        assert "SMTP delivery failed" in row.last_error
        assert row.due_at == clock.now + backoff(1)

        with smtp_server(inbox, port):
            assert await outbox.dispatch_due() == 0  # not due yet: backing off
            clock.advance(backoff(1))
            assert await outbox.dispatch_due() == 1
            code = code_in(await next_mail(inbox, 0, ALICE, "verification code"))
        row = await Notification.get()
        assert row.status == NotificationStatus.SENT
        assert row.last_error is None
        assert len(inbox.messages) == 1
        verified = await alice.post("verify-otp/", {"email": ALICE, "otp": code})
        assert verified.status == 200


async def test_the_api_answers_201_at_once_while_the_smtp_server_hangs(
    make_settings, database_url, make_client
):
    """A relay that accepts connections and never speaks: the answer must not wait for it."""
    connections: list[asyncio.StreamWriter] = []

    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)

    server = await asyncio.start_server(stall, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = make_settings(
        DATABASE_URL=database_url,
        EMAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        DISPATCH_INTERVAL_SECONDS=30,
    )
    outbox = Dispatcher({NotificationChannel.EMAIL: SmtpEmailSender(settings, timeout=3.0)})
    try:
        async with open_db(settings), running_scheduler(settings, outbox):
            app = create_app(settings, manage_database=False, on_commit=outbox.wake)
            client = await make_client(app)
            started = time.perf_counter()
            response = await Visitor(client, Inbox(), ALICE, "Alice").register()
            elapsed = time.perf_counter() - started
            assert response.status == 201
            # argon2 only (slow on a loaded machine); waiting for the relay would take 3 s+.
            assert elapsed < 2.0, elapsed

            # Meanwhile the dispatcher really was stuck on the relay, then recorded the failure.
            deadline = time.monotonic() + 10
            while not (await Notification.get()).last_error:
                assert time.monotonic() < deadline, "the dispatcher never tried"
                await asyncio.sleep(0.05)
            assert connections, "the dispatcher never reached the relay"
            row = await Notification.get()
            assert row.status == NotificationStatus.PENDING and row.attempts == 1
            await client.close()
    finally:
        for writer in connections:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_alice_asking_again_while_the_relay_hangs_gets_only_the_newest_code(
    make_settings, database_url, make_client
):
    connections: list[asyncio.StreamWriter] = []
    reached = asyncio.Event()

    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        reached.set()

    server = await asyncio.start_server(stall, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = make_settings(
        DATABASE_URL=database_url, EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port
    )
    clock = Clock()
    sender = SmtpEmailSender(settings, timeout=0.5)
    outbox = Dispatcher({NotificationChannel.EMAIL: sender}, clock=clock)
    inbox = Inbox()
    async with open_db(settings):
        client = await make_client(create_app(settings, manage_database=False))
        alice = Visitor(client, inbox, ALICE, "Alice")
        assert (await alice.register()).status == 201
        clock.now = utcnow()
        attempt = asyncio.create_task(outbox.dispatch_due())
        await asyncio.wait_for(reached.wait(), 5)  # the first code's e-mail is stuck there
        assert (await alice.post("resend-otp/", {"email": ALICE})).status == 200
        assert await attempt == 1
        first, second = await Notification.all().order_by("id")
        assert first.status == NotificationStatus.CANCELLED  # the failure did not revive it
        assert second.status == NotificationStatus.PENDING

        for writer in connections:
            writer.close()
        server.close()
        await server.wait_closed()
        with smtp_server(inbox, port):
            clock.advance(dt.timedelta(hours=1))
            await outbox.dispatch_due()
            code = code_in(await next_mail(inbox, 0, ALICE, "verification code"))
        assert len(inbox.messages) == 1
        assert (await alice.post("verify-otp/", {"email": ALICE, "otp": code})).status == 200


async def test_in_run_wiring_a_registration_code_reaches_the_inbox_long_before_the_next_poll(
    mail_api,
    inbox,
    mail_settings,
):
    assert mail_settings.dispatch_interval_seconds >= 30  # only the wake-up can be this quick
    started = time.perf_counter()
    response = await Visitor(mail_api, inbox, ALICE, "Alice").register()
    assert response.status == 201
    # Well under a second on a quiet machine; the bound leaves room for a loaded one (argon2).
    await next_mail(inbox, 0, ALICE, "verification code", timeout=5.0)
    assert time.perf_counter() - started < 5.0


async def test_failures_back_off_longer_each_time_then_give_up_with_the_last_error(
    make_settings, database_url
):
    settings = make_settings(
        DATABASE_URL=database_url,
        EMAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=free_port(),
    )
    clock = Clock()
    outbox = Dispatcher({NotificationChannel.EMAIL: SmtpEmailSender(settings)}, clock=clock)
    async with open_db(settings):
        await queue_one(settings)
        clock.now = utcnow()
        waits = []
        for attempt in range(1, MAX_ATTEMPTS + 1):
            assert await outbox.dispatch_due() == 1
            row = await Notification.get()
            assert row.attempts == attempt
            if attempt < MAX_ATTEMPTS:
                assert row.status == NotificationStatus.PENDING
                waits.append(row.due_at - clock.now)
                clock.advance(row.due_at - clock.now)
        assert row.status == NotificationStatus.FAILED
        assert "SMTP delivery failed" in row.last_error
        assert waits == sorted(waits) and waits[0] < waits[-1]
        clock.advance(dt.timedelta(days=1))
        assert await outbox.dispatch_due() == 0  # given up: never tried again


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_the_same_dedupe_key_is_queued_once(mail_db, dispatcher, inbox):
    assert await queue_one(mail_db, 1) is True
    assert await queue_one(mail_db, 1) is False  # one statement: ON CONFLICT DO NOTHING
    async with in_transaction() as conn:  # a twin inside a transaction leaves it usable
        assert (
            await enqueue(
                channel="email",
                recipient=ALICE,
                kind="test",
                payload={},
                dedupe_key="test:1",
                using_db=conn,
            )
            is False
        )
        assert await Notification.filter(dedupe_key="test:1").using_db(conn).count() == 1
    row = await Notification.get()
    assert (row.recipient, row.kind, row.status) == (ALICE, "test", NotificationStatus.PENDING)
    assert row.created_at is not None and row.updated_at is not None and row.attempts == 0
    await dispatcher.dispatch_due()
    await dispatcher.dispatch_due()
    assert len(inbox.messages) == 1


async def test_the_doors_wake_the_dispatcher_only_after_something_was_queued(mail_db, dispatcher):
    """The bot wakes it after every update and the API after every write; most queue
    nothing, and a wake for nothing would cost a read of the outbox each time."""
    dispatcher.wake_if_queued()  # the first call always wakes
    assert await dispatcher.wait_for_wake(0.01)
    dispatcher.wake_if_queued()  # nothing queued since
    assert not await dispatcher.wait_for_wake(0.01)
    await queue_one(mail_db, 7)
    dispatcher.wake_if_queued()
    assert await dispatcher.wait_for_wake(0.01)
    await queue_one(mail_db, 7)  # already queued: nothing new
    dispatcher.wake_if_queued()
    assert not await dispatcher.wait_for_wake(0.01)


async def test_an_email_is_text_and_html_from_the_practice(mail_db, dispatcher, inbox):
    await queue_one(mail_db)
    assert await dispatcher.dispatch_due() == 1
    message = await next_mail(inbox, 0, ALICE)
    assert parseaddr(str(message["From"])) == (PRACTICE, SENDER)
    assert inbox.envelopes[0] == (SENDER, [ALICE])
    assert message.get_content_type() == "multipart/alternative"
    assert "Hi." in body_text(message)
    assert "<p>Hi.</p>" in message.get_body(("html",)).get_content()
    assert PRACTICE in str(message["Subject"])


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_two_dispatchers_at_once_send_each_email_exactly_once(mail_db, inbox):
    for n in range(30):
        await queue_one(mail_db, n, to=f"client{n}@example.com")
    one, two = (
        Dispatcher({NotificationChannel.EMAIL: SmtpEmailSender(mail_db)}, batch_size=5)
        for _ in range(2)
    )
    counts = await asyncio.gather(one.dispatch_due(), two.dispatch_due())
    # Each send awaited the relay's 250, so every message is in the inbox by now.
    assert sum(counts) == 30
    recipients = sorted(str(m["To"]) for m in inbox.messages)
    assert recipients == sorted(f"client{n}@example.com" for n in range(30))


async def test_a_refused_mailbox_fails_for_good_at_once(make_settings, database_url):
    class NoSuchMailbox(Inbox):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 5.1.1 No such mailbox"

    port = free_port()
    settings = make_settings(
        DATABASE_URL=database_url, EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port
    )
    outbox = Dispatcher({NotificationChannel.EMAIL: SmtpEmailSender(settings)})
    async with open_db(settings):
        await queue_one(settings)
        with smtp_server(NoSuchMailbox(), port):
            await outbox.dispatch_due()
        row = await Notification.get()
        assert row.status == NotificationStatus.FAILED
        assert row.attempts == 1
        assert "550" in row.last_error


async def test_smtp_login_is_used_when_configured(make_settings, database_url):
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        ok = auth_data.password == b"relay secret"
        return AuthResult(success=ok, handled=False)

    inbox, port = Inbox(), free_port()
    common = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_USERNAME": "practice"}
    right = make_settings(
        DATABASE_URL=database_url, EMAIL_BACKEND="smtp", SMTP_PASSWORD="relay secret", **common
    )
    wrong = make_settings(
        DATABASE_URL=database_url, EMAIL_BACKEND="smtp", SMTP_PASSWORD="guess", **common
    )
    options = {"authenticator": authenticator, "auth_require_tls": False}
    async with open_db(right):
        with smtp_server(inbox, port, **options):
            await queue_one(right, 1)
            await Dispatcher({NotificationChannel.EMAIL: SmtpEmailSender(wrong)}).dispatch_due()
            assert inbox.messages == []
            assert (await Notification.get()).status == NotificationStatus.PENDING
            await queue_one(right, 2)
            await Dispatcher({NotificationChannel.EMAIL: SmtpEmailSender(right)}).dispatch_due()
    assert [str(m["Subject"]).split(" —")[0] for m in inbox.messages] == ["Note 2"]
    assert (b"practice", b"guess") in logins  # refused, so the e-mail stayed queued
    assert logins[-1] == (b"practice", b"relay secret")


@pytest.fixture
def tls_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """A certificate for 127.0.0.1 that this test's clients trust (SSL_CERT_FILE)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test relay")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "relay.pem", tmp_path / "relay.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
async def test_smtp_over_starttls_and_implicit_tls(make_settings, database_url, tls_files, mode):
    inbox, port = Inbox(), free_port()
    settings = make_settings(
        DATABASE_URL=database_url,
        EMAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_TLS=mode,
    )
    if mode == "ssl":
        options = {"ssl_context": tls_files}
    else:
        options = {"tls_context": tls_files, "require_starttls": True}
    async with open_db(settings):
        await queue_one(settings)
        with smtp_server(inbox, port, **options):
            await Dispatcher({NotificationChannel.EMAIL: SmtpEmailSender(settings)}).dispatch_due()
            await next_mail(inbox, 0, ALICE)
        assert (await Notification.get()).status == NotificationStatus.SENT


async def test_the_console_backend_logs_the_email_and_marks_it_sent(db, caplog):
    await queue_one(db)
    outbox = Dispatcher({NotificationChannel.EMAIL: ConsoleEmailSender(db)})
    with caplog.at_level(logging.INFO, logger="booking.mailer"):
        assert await outbox.dispatch_due() == 1
    assert "Hi." in caplog.text
    assert (await Notification.get()).status == NotificationStatus.SENT
