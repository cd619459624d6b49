"""The command line, `python -m booking ...`: the composition root that starts the doors."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from booking.settings import Settings, SettingsError, load_settings

log = logging.getLogger("booking")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m booking", description="Therapy booking: API, Telegram bot and worker."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="API + bot + scheduler in one process (the default set-up)")
    serve = commands.add_parser("serve", help="the API only (scale the web tier out)")
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="processes sharing the port (SO_REUSEPORT), e.g. one per core (default 1)",
    )
    serve.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)
    commands.add_parser("worker", help="the bot and the notification dispatcher")
    commands.add_parser("migrate", help="apply database migrations (safe to run twice)")
    staff = commands.add_parser("create-staff", help="create or promote a staff user")
    staff.add_argument("--email", required=True)
    staff.add_argument("--first-name", default="")
    staff.add_argument("--last-name", default="")
    staff.add_argument(
        "--no-input", action="store_true", help="take the password from STAFF_PASSWORD"
    )
    commands.add_parser("rotate-keys", help="re-encrypt every encrypted field under the newest key")
    reset_2fa = commands.add_parser(
        "reset-2fa", help="turn a staff member's two-step sign-in off (a lost phone)"
    )
    reset_2fa.add_argument("--email", required=True)
    audit = commands.add_parser("audit", help="print the audit trail (who read or changed what)")
    audit.add_argument("--since", help="YYYY-MM-DD or an ISO 8601 date and time (UTC)")
    audit.add_argument("--actor", help="the acting user's id")
    audit.add_argument("--action", help="e.g. appointment.view, appointment.schedule")
    audit.add_argument("--target", help="an appointment's, user's or series' id")
    audit.add_argument("--json", action="store_true", help="one JSON object per line")
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Libraries' request logs can carry bot tokens in URLs; keep them quiet.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


@contextlib.contextmanager
def _stop_signals() -> Iterator[asyncio.Event]:
    """An event set by SIGTERM or SIGINT; handlers are in place before anything is announced."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        yield stop
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


@contextlib.asynccontextmanager
async def _background(
    settings: Settings, with_bot: bool, webhook: Any = None
) -> AsyncIterator[Any]:
    """The bot (when configured) and the scheduler driving the outbox dispatcher.

    `webhook` is the bot's WebhookReceiver when the API app serves the webhook route.
    """
    from booking.mailer import email_sender
    from booking.notifications import Dispatcher
    from booking.scheduler import running_scheduler
    from bot.app import running_bot
    from models import NotificationChannel

    dispatcher = Dispatcher({NotificationChannel.EMAIL: email_sender(settings)})
    async with contextlib.AsyncExitStack() as stack:
        # The scheduler starts first so that it stops last: the bot writes its conversation
        # state while shutting down, and must not meet a dispatch round cut off mid-way.
        await stack.enter_async_context(running_scheduler(settings, dispatcher))
        if with_bot:
            telegram = await stack.enter_async_context(
                running_bot(settings, dispatcher.wake_if_queued, webhook=webhook)
            )
            if telegram is not None:
                dispatcher.senders[NotificationChannel.TELEGRAM] = telegram.sender
                # Unplugged before the bot stops (exit runs in reverse order).
                stack.callback(dispatcher.senders.pop, NotificationChannel.TELEGRAM, None)
        yield dispatcher


async def _serve(settings: Settings, *, with_background: bool, reuse_port: bool = False) -> None:
    from aiohttp import web

    from api.app import create_app
    from api.server import ApiRunner

    waker: list[Callable[[], None]] = []
    app = create_app(settings, on_commit=lambda: [wake() for wake in waker])
    webhook = None
    if settings.telegram_bot_token is not None and settings.telegram_webhook_url:
        from bot.webhook import WebhookReceiver

        # Webhook mode: Telegram POSTs updates to this app (routes must exist before start).
        webhook = WebhookReceiver(settings)
        webhook.mount(app)
    if with_background:

        async def background_ctx(app: web.Application) -> AsyncIterator[None]:
            async with _background(settings, with_bot=True, webhook=webhook) as dispatcher:
                waker.append(dispatcher.wake_if_queued)
                yield

        app.cleanup_ctx.append(background_ctx)
    elif webhook is not None:
        from bot.app import running_bot

        async def webhook_bot_ctx(app: web.Application) -> AsyncIterator[None]:
            # `serve` in webhook mode receives the updates; a worker delivers the outbox.
            async with running_bot(settings, lambda: None, webhook=webhook):
                yield

        app.cleanup_ctx.append(webhook_bot_ctx)
    runner = ApiRunner(app, access_log=None, handle_signals=False)
    with _stop_signals() as stop:
        await runner.setup()
        try:
            site = web.TCPSite(runner, settings.host, settings.port, reuse_port=reuse_port or None)
            await site.start()
            log.info("API listening on http://%s:%s", settings.host, settings.port)
            await stop.wait()
            log.info("stopping: answering the requests in flight")
            await runner.drain()
        finally:
            await runner.cleanup()


def _serve_workers(settings: Settings, count: int) -> int:
    """`serve --workers N`: N `serve` processes bound to one port with SO_REUSEPORT (the
    kernel spreads the connections). SIGTERM and SIGINT are passed on to them; the exit
    status is 0 once every one has stopped with 0. One that stops by itself stops the rest."""
    import subprocess
    import time

    if settings.telegram_bot_token is not None and settings.telegram_webhook_url:
        print("error: webhook mode needs one web process (--workers 1)", file=sys.stderr)
        return 1
    command = [sys.executable, "-m", "booking", "serve", "--reuse-port"]
    children = [subprocess.Popen(command) for _ in range(count)]  # noqa: S603 (our own argv)
    stopping = False

    def stop_all(signum: int, _frame: object = None) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop_all)
    log.info("serving with %d processes: %s", count, " ".join(str(c.pid) for c in children))
    while any(child.poll() is None for child in children):
        if not stopping and any(child.returncode is not None for child in children):
            log.error("a serve process stopped by itself: stopping the others")
            stop_all(signal.SIGTERM)
        time.sleep(0.2)
    # A child stopped by the signal passed on before it had set up its handlers stopped as
    # it was asked to.
    asked = {-signal.SIGTERM, -signal.SIGINT} if stopping else set()
    codes = [child.returncode for child in children if child.returncode not in asked]
    return next((code if code > 0 else 1 for code in codes if code != 0), 0)


async def _worker(settings: Settings) -> None:
    from booking.db import database

    with _stop_signals() as stop:
        async with database(settings), _background(settings, with_bot=True):
            log.info("worker running")
            await stop.wait()
            log.info("stopping")


async def _migrate(settings: Settings) -> None:
    from booking.db import migrate

    applied = await migrate(settings)
    if applied:
        print(f"applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        print("database is up to date")


async def _create_staff(settings: Settings, args: argparse.Namespace) -> int:
    from booking.accounts import create_or_promote_staff
    from booking.db import database
    from booking.errors import InvalidInput

    if args.no_input:
        password = os.environ.get("STAFF_PASSWORD", "")
        if not password:
            print("error: STAFF_PASSWORD is required with --no-input", file=sys.stderr)
            return 1
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            print("error: the passwords do not match", file=sys.stderr)
            return 1
    async with database(settings):
        try:
            user, created = await create_or_promote_staff(
                email=args.email,
                first_name=args.first_name,
                last_name=args.last_name,
                password=password,
            )
        except InvalidInput as exc:
            for field, messages in exc.errors.items():
                print(f"error: {field}: {' '.join(messages)}", file=sys.stderr)
            return 1
    print(f"{'created' if created else 'promoted'} staff user {user.id}")
    return 0


async def _rotate_keys(settings: Settings) -> None:
    from booking.db import database
    from booking.key_rotation import rotate_encrypted_fields

    async with database(settings):
        counts = await rotate_encrypted_fields()
    for table, count in counts.items():
        print(f"{table}: {count} row(s) re-encrypted")


async def _reset_two_factor(settings: Settings, args: argparse.Namespace) -> int:
    from booking.db import database
    from booking.two_factor import reset_two_factor

    async with database(settings):
        user = await reset_two_factor(args.email)
    if user is None:
        print("error: no account has that e-mail address", file=sys.stderr)
        return 1
    print(f"two-step sign-in is off for user {user.id}; their sessions are signed out")
    return 0


AUDIT_PAGE = 500


async def _audit(settings: Settings, args: argparse.Namespace) -> int:
    """Print the matching events, newest first; reading the trail is itself an event."""
    import json

    from booking.audit import AUDIT_VIEW, AuditFilter, list_audit, record_audit
    from booking.db import database
    from booking.errors import InvalidInput

    try:
        where = AuditFilter.parse(
            actor=args.actor, target=args.target, action=args.action, since=args.since
        )
    except InvalidInput as exc:
        for field, messages in exc.errors.items():
            print(f"error: --{field}: {' '.join(messages)}", file=sys.stderr)
        return 1
    async with database(settings):
        offset = 0
        while True:
            _, events = await list_audit(where, offset=offset, limit=AUDIT_PAGE)
            for event in events:
                row = {
                    "id": event.id,
                    "at": event.at.isoformat(),
                    "actor": str(event.actor_id) if event.actor_id else None,
                    "action": event.action,
                    "target": event.target,
                    "ip_hash": event.ip_hash,
                }
                if args.json:
                    print(json.dumps(row))
                else:
                    fields = ("at", "actor", "action", "target", "ip_hash")
                    print("  ".join(row[name] or "-" for name in fields))  # type: ignore[misc]
            if len(events) < AUDIT_PAGE:
                break
            offset += AUDIT_PAGE
        # Read at the console, by whoever holds the server: no account to name.
        await record_audit(None, AUDIT_VIEW, target="command line")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 1
    _configure_logging(settings)
    match args.command:
        case "run":
            asyncio.run(_serve(settings, with_background=True))
        case "serve" if args.workers > 1:
            return _serve_workers(settings, args.workers)
        case "serve":
            asyncio.run(_serve(settings, with_background=False, reuse_port=args.reuse_port))
        case "worker":
            asyncio.run(_worker(settings))
        case "migrate":
            asyncio.run(_migrate(settings))
        case "create-staff":
            return asyncio.run(_create_staff(settings, args))
        case "rotate-keys":
            asyncio.run(_rotate_keys(settings))
        case "audit":
            return asyncio.run(_audit(settings, args))
        case "reset-2fa":
            return asyncio.run(_reset_two_factor(settings, args))
    return 0
