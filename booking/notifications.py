"""The outbox: queue messages with the change that causes them; a dispatcher delivers them.

Every message to a person is a `Notification` row written in the same transaction as the
change that causes it, with a `dedupe_key` (ids and kinds, never personal data) so it is
never queued twice. The dispatcher claims due rows, hands each to its channel's sender,
marks it sent, and retries failures with growing backoff.

Payloads by channel:
- email: {"subject", "text", "html", "attachments": [{"filename", "content_type", "content"}]}
- telegram: {"text", "buttons": [[{"text", "url"} | {"text", "callback_data"}]]}
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from tortoise import BaseDBAsyncClient, connections
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from booking.db_clients import Statements, uuid_value
from models import Appointment, Notification, NotificationChannel, NotificationStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A claimed row waits for its turn in the batch under CLAIM_LEASE, and is sent under SEND_LEASE.
CLAIM_LEASE = timedelta(seconds=30)
SEND_LEASE = timedelta(minutes=2)
MIN_ROUND_GAP = 0.05  # seconds between rounds at the least: never a busy loop
MAX_BACKOFF = timedelta(hours=1)


def utcnow() -> datetime:
    return datetime.now(UTC)


class SendError(Exception):
    """Delivery failed for now; the dispatcher retries with backoff."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        # Set when the far side said when to come back (Telegram's retry_after): the retry
        # then waits exactly that long and does not count against MAX_ATTEMPTS.
        self.retry_after = retry_after


class PermanentSendError(Exception):
    """Delivery can never succeed (e.g. the user blocked the bot): fail without retrying."""


class Sender(Protocol):
    async def send(self, notification: Notification) -> None:
        """Deliver one notification or raise SendError / PermanentSendError."""


def sender_session(sender: Sender) -> contextlib.AbstractAsyncContextManager[Sender]:
    """A sender for many sends of one round: `sender.session()` when it has one (e.g. one SMTP
    connection for them all), else the sender itself."""
    opener = getattr(sender, "session", None)
    return opener() if opener is not None else contextlib.nullcontext(sender)


async def enqueue(
    *,
    channel: NotificationChannel | str,
    recipient: str,
    kind: str,
    payload: dict[str, Any],
    dedupe_key: str,
    due_at: datetime | None = None,
    appointment: Appointment | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> bool:
    """Queue one message unless its dedupe_key is already queued; True when queued now.

    Pass the transaction as `using_db` so the row commits (or not) with the change.
    """
    conn = using_db or connections.get("default")
    names, sql = _insert_statement(conn)
    fields = Notification._meta.fields_map
    now = utcnow()
    # The row's every column, converted as the model's fields convert them (encrypting the
    # recipient and the payload); no model instance is built for a row nobody reads back.
    row = {
        "channel": NotificationChannel(channel).value,
        "recipient": fields["recipient"].to_db_value(recipient, None),
        "payload": fields["payload"].to_db_value(payload, None),
        "kind": fields["kind"].to_db_value(kind, None),  # (its length checked)
        "appointment_id": fields["appointment_id"].to_db_value(
            appointment.pk if appointment is not None else None, None
        ),
        "due_at": due_at or now,
        "status": NotificationStatus.PENDING.value,
        "attempts": 0,
        "last_error": None,
        "sent_at": None,
        "claimed_until": None,
        "dedupe_key": fields["dedupe_key"].to_db_value(dedupe_key, None),
        "created_at": now,
        "updated_at": now,
    }
    values = [row[name] for name in names]
    # One statement: ON CONFLICT DO NOTHING makes an already queued key (or a concurrent
    # twin) a no-op instead of an error that would abort the caller's transaction.
    queued = bool(await conn.execute_query_dict(sql, values))
    if queued:
        global _queued_here
        _queued_here += 1
    return queued


# Rows this process has queued (see `Dispatcher.wake_if_queued`).
_queued_here = 0


_NAMES: list[str] = []  # the inserted fields, in order (listed once)


def _insert_statement(conn: BaseDBAsyncClient) -> tuple[list[str], str]:
    """(the fields in order, `INSERT ... ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`)
    for the connection's dialect, written once: an enqueue is a single statement, not an
    existence check and an insert that an ORM builds anew each time."""
    meta = Notification._meta
    if not _NAMES:
        _NAMES.extend(n for n in meta.fields_db_projection if not meta.fields_map[n].generated)
    names = _NAMES
    if "insert" not in _SQL:
        columns = ", ".join(f'"{meta.fields_db_projection[name]}"' for name in names)
        marks = ", ".join(f"{{{n}}}" for n in range(1, len(names) + 1))
        key = meta.fields_db_projection["dedupe_key"]
        # Names from the model, values only ever as parameters.
        _SQL.define(
            "insert",
            f'INSERT INTO "{meta.db_table}" ({columns}) VALUES ({marks}) '  # noqa: S608
            f'ON CONFLICT ("{key}") DO NOTHING RETURNING "id"',
        )
    return names, _SQL.sql(conn, "insert")


async def cancel_pending(
    *,
    appointment: Appointment,
    kinds: Iterable[str] | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> int:
    """Cancel an appointment's not-yet-sent notifications (all, or those of `kinds`)."""
    conn = using_db or connections.get("default")
    values = [NotificationStatus.CANCELLED.value, uuid_value(conn, appointment.pk)]
    values.append(NotificationStatus.PENDING.value)
    if kinds is None:
        cancelled, _ = await conn.execute_query(_SQL.sql(conn, "cancel"), values)
        return cancelled
    kinds = list(kinds)
    if not kinds:
        return 0
    statement = _SQL.sql(conn, "cancel_kinds", len(kinds))
    cancelled, _ = await conn.execute_query(statement, values + kinds)
    return cancelled


# Every decision cancels its appointment's queued reminders: SQL written once per dialect.
_CANCEL = "UPDATE notifications SET status = {1} WHERE appointment_id = {2} AND status = {3}"
_SQL = Statements(cancel=_CANCEL, cancel_kinds=_CANCEL + " AND kind IN ({in})")


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at an hour."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class Dispatcher:
    """Claims due notifications and delivers them through the channel senders.

    Leases make a claim exclusive without holding a transaction open across a send. A batch
    is claimed with a short lease; right before each send the row's lease is renewed, but
    only if it still holds *this* claim (its `claimed_until` is the value we wrote). So a
    row whose lease ran out while it waited in a slow batch is skipped, never sent twice:
    whoever claimed it since owns it. A worker killed mid-batch gives its unstarted rows
    back after CLAIM_LEASE; a row killed mid-send after SEND_LEASE, which outlasts any
    sender's own timeout.
    """

    def __init__(
        self,
        senders: dict[NotificationChannel, Sender],
        *,
        batch_size: int = 50,
        concurrency: int = 8,
        claim_lease: timedelta = CLAIM_LEASE,
        send_lease: timedelta = SEND_LEASE,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.senders = senders
        self.batch_size = batch_size
        self.claim_lease = claim_lease
        self.send_lease = send_lease
        self.clock = clock
        self.concurrency = concurrency
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._queued_seen = -1  # first call wakes
        # Each channel has its own send slots and its own round (`_drain`): e-mail is never
        # paced by Telegram's limits, nor Telegram held up by a slow relay. The Telegram
        # sender's own limiter keeps its pace and each chat's order.
        self._sending: dict[NotificationChannel, asyncio.Semaphore] = {}

    def wake(self) -> None:
        """Ask for a delivery round now (a row was just queued in this process)."""
        self._wake.set()

    def wake_if_queued(self) -> None:
        """`wake()` when this process queued a row since the last call: what the doors call
        after every update and write request, most of which queue nothing (a wake costs a
        read of the outbox; rows of other processes are found by the poll)."""
        if _queued_here != self._queued_seen:
            self._queued_seen = _queued_here
            self.wake()

    async def wait_for_wake(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            return False
        self._wake.clear()
        return True

    async def _claim(
        self, channels: Iterable[NotificationChannel] | None = None, limit: int | None = None
    ) -> list[tuple[Notification, datetime]]:
        """Lease up to a batch of due rows (of `channels`, by default every channel with a
        sender); each comes with the lease value that proves it."""
        now = self.clock()
        held_until = now + self.claim_lease
        due = Q(status=NotificationStatus.PENDING, due_at__lte=now) & (
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
        )
        channels = list(self.senders if channels is None else channels)
        async with in_transaction() as conn:
            query = Notification.filter(due, channel__in=channels).using_db(conn)
            if conn.capabilities.dialect == "postgres":
                # Rows another worker is claiming right now are skipped, not waited for.
                query = query.select_for_update(skip_locked=True)
            ids = (
                await query.order_by("due_at", "id")
                .limit(limit or self.batch_size)
                .values_list("id", flat=True)
            )
            if not ids:
                return []
            # The conditional update is the lease: on SQLite it is what makes a claim
            # exclusive (a row someone else claimed meanwhile is no longer `due`), on
            # PostgreSQL it records the lease for crashed workers. One statement for the
            # batch; the rows it took are those holding our lease value.
            await (
                Notification.filter(due, id__in=ids).using_db(conn).update(claimed_until=held_until)
            )
            rows = (
                await Notification.filter(id__in=ids, claimed_until=held_until)
                .using_db(conn)
                .order_by("due_at", "id")
            )
        return [(row, held_until) for row in rows]

    async def _renew(self, notification: Notification, held_until: datetime) -> datetime | None:
        """Extend our lease for one send; None when the row is no longer ours (or pending)."""
        renewed = self.clock() + self.send_lease
        got = await Notification.filter(
            id=notification.id, status=NotificationStatus.PENDING, claimed_until=held_until
        ).update(claimed_until=renewed)
        return renewed if got else None

    async def _deliver(
        self, notification: Notification, held_until: datetime, sender: Sender | None = None
    ) -> bool:
        """Send one claimed row and record the outcome; False when it was not ours any more."""
        slots = self._sending.setdefault(notification.channel, asyncio.Semaphore(self.concurrency))
        async with slots:
            lease = await self._renew(notification, held_until)
            if lease is None:
                log.info("notification %s: lease lost or cancelled, skipped", notification.id)
                return False
            await self._send_and_record(
                notification, lease, sender or self.senders[notification.channel]
            )
            return True

    async def _send_and_record(
        self, notification: Notification, lease: datetime, sender: Sender
    ) -> None:
        now = self.clock()
        try:
            await sender.send(notification)
        except PermanentSendError as exc:
            notification.status = NotificationStatus.FAILED
            notification.attempts += 1
            notification.last_error = str(exc)[:1000]
            log.warning("notification %s (%s) failed for good", notification.id, notification.kind)
        except SendError as exc:
            notification.last_error = exc.reason[:1000]
            if exc.retry_after is not None:
                notification.due_at = now + timedelta(seconds=exc.retry_after)
            else:
                notification.attempts += 1
                if notification.attempts >= MAX_ATTEMPTS:
                    notification.status = NotificationStatus.FAILED
                else:
                    notification.due_at = now + backoff(notification.attempts)
            log.info(
                "notification %s (%s) not delivered, attempt %s",
                notification.id,
                notification.kind,
                notification.attempts,
            )
        except Exception as exc:
            # A bug in a sender must not stall the queue: count it as a failed attempt.
            log.exception("sender crashed on notification %s", notification.id)
            notification.attempts += 1
            notification.last_error = f"{type(exc).__name__}"
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = NotificationStatus.FAILED
            else:
                notification.due_at = now + backoff(notification.attempts)
        else:
            notification.status = NotificationStatus.SENT
            notification.sent_at = now
            notification.attempts += 1
            notification.last_error = None
        notification.claimed_until = None
        fields = ["status", "attempts", "last_error", "due_at", "sent_at", "claimed_until"]
        outcome = {name: getattr(notification, name) for name in fields}
        query = Notification.filter(id=notification.id)
        if notification.status != NotificationStatus.SENT:
            # Cancelled while we were trying (a newer code, a rejected appointment), or
            # claimed by another worker after our lease ran out: the failed attempt must
            # neither bring it back to life nor overwrite the new holder's state. A sent
            # one is recorded as sent whatever happened meanwhile.
            query = query.filter(status=NotificationStatus.PENDING, claimed_until=lease)
        await query.update(**outcome, updated_at=now)

    async def idle(self) -> None:
        """Return once no delivery round is running."""
        async with self._lock:
            return

    async def dispatch_due(self) -> int:
        """One delivery round, to the end: returns how many notifications were attempted."""
        async with self._lock:
            senders = dict(self.senders)
            # One claim across the channels first: a round with nothing due (most of them:
            # every update and request wakes the dispatcher) costs one transaction.
            batch = await self._claim(senders)
            if not batch:
                return 0
            firsts: dict[NotificationChannel, list[tuple[Notification, datetime]]] = {
                channel: [] for channel in senders
            }
            for item in batch:
                firsts[item[0].channel].append(item)
            more = len(batch) == self.batch_size  # else every due row is in hand
            counts = await asyncio.gather(
                *(
                    self._drain(channel, sender, firsts[channel], more=more)
                    for channel, sender in senders.items()
                    if firsts[channel] or more
                )
            )
            return sum(counts)

    async def _drain(
        self,
        channel: NotificationChannel,
        sender: Sender,
        batch: list[tuple[Notification, datetime]],
        *,
        more: bool,
    ) -> int:
        """Deliver one channel's due rows until none is left; returns how many were attempted.

        `concurrency` workers share the claimed rows, each through a session of its own (one
        SMTP connection for every message it sends this round). The next batch is claimed
        as soon as the workers have taken every row of this one, so the channel never
        idles between batches; a claimed row still waits at most about one batch.
        """
        if more and len(batch) < self.batch_size:
            batch += await self._claim([channel], self.batch_size - len(batch))
        if not batch:
            return 0
        rows: asyncio.Queue[tuple[Notification, datetime] | None] = asyncio.Queue()
        all_taken = asyncio.Event()
        attempted = 0

        async def work() -> None:
            nonlocal attempted
            async with sender_session(sender) as session:
                while (item := await rows.get()) is not None:
                    if rows.empty():
                        all_taken.set()
                    try:
                        delivered = await self._deliver(*item, sender=session)
                    except Exception:
                        # The row's lease runs out and it is tried again; the others go on.
                        log.exception("delivering notification %s failed", item[0].id)
                    else:
                        attempted += delivered  # not `+= await`: it would read before waiting

        async with asyncio.TaskGroup() as workers:
            for _ in range(min(self.concurrency, len(batch))):
                workers.create_task(work())
            try:
                while True:
                    all_taken.clear()
                    for item in batch:
                        rows.put_nowait(item)
                    if len(batch) < self.batch_size:
                        break
                    await all_taken.wait()
                    batch = await self._claim([channel])
            finally:
                for _ in range(self.concurrency):
                    rows.put_nowait(None)
        return attempted

    async def next_due_at(self) -> datetime | None:
        """When the earliest pending row nobody holds falls due (None: nothing pending)."""
        now = self.clock()
        free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
        rows = (
            await Notification.filter(free, status=NotificationStatus.PENDING)
            .filter(channel__in=list(self.senders))
            .order_by("due_at")
            .limit(1)
            .values_list("due_at", flat=True)
        )
        return rows[0] if rows else None

    async def run(self, poll_interval: float, stopping: asyncio.Event) -> None:
        """Deliver until `stopping` is set: a round, then sleep until the next row is due.

        Rows queued by this process wake it at once; rows another process queues are found
        within `poll_interval` (a reminder's due time is known in advance, so it leaves on
        time). A round still running when the next is due simply runs on: no overlap.
        """
        while not stopping.is_set():
            delay = poll_interval
            try:
                # One read decides: a wake with nothing due (the bot wakes it after every
                # update, the API after every write) costs no transaction.
                next_due = await self.next_due_at()
                if next_due is not None and next_due <= self.clock():
                    await self.dispatch_due()
                    delay = 0.0  # then look again
                elif next_due is not None:
                    delay = min(delay, (next_due - self.clock()).total_seconds())
            except Exception:
                log.exception("dispatch round failed")
            if stopping.is_set():
                return
            await self.wait_for_wake(max(delay, MIN_ROUND_GAP))
