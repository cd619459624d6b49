"""Background work: the outbox dispatcher and housekeeping, driven by APScheduler.

Jobs live in memory (one scheduler per process); the database is the single source of
truth for what is due, so any number of workers may run side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from booking.audit import purge_old_audit
from booking.codes import purge_old_codes
from booking.notifications import Dispatcher, utcnow
from booking.proposals import expire_proposals
from booking.retention import erase_expired_appointments
from booking.sessions import purge_expired_refresh_tokens
from booking.settings import Settings
from booking.waitlist_offers import process_waitlist
from models import RateLimitHit

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 10
WAITLIST_INTERVAL_SECONDS = 30
AUDIT_PURGE_DELAY = timedelta(minutes=10)


async def purge_stale_rows() -> None:
    """Forget rate-limit hits older than a day (they only matter inside their window)."""
    await RateLimitHit.filter(at__lt=utcnow() - timedelta(days=1)).delete()
    # Likewise one-time codes and refresh tokens a day past their expiry.
    await purge_old_codes()
    await purge_expired_refresh_tokens()
    # Lapsed proposal rounds read as expired (they are refused and hidden either way).
    await expire_proposals()


@contextlib.asynccontextmanager
async def running_scheduler(settings: Settings, dispatcher: Dispatcher) -> AsyncIterator[None]:
    """Run the outbox dispatcher and APScheduler's housekeeping until the block ends.

    The dispatcher is one long-lived task rather than an interval job: it sleeps until the
    next row falls due (or `dispatcher.wake()`, or the poll interval for rows queued by
    other processes), so a reminder leaves on time, and a long round is never overlapped.
    """
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(purge_stale_rows, "interval", hours=1, id="purge", coalesce=True)
    # The audit trail's own retention (AUDIT_RETENTION_DAYS, six years by default): the only
    # place its rows are ever deleted. First run soon after start, not a day later: a worker
    # restarted more often than daily would otherwise never run it.
    scheduler.add_job(
        purge_old_audit,
        "interval",
        days=1,
        id="audit-retention",
        coalesce=True,
        args=[settings],
        next_run_time=utcnow() + AUDIT_PURGE_DELAY,
    )
    # Expired waitlist holds pass to the next in line (conditional updates: safe with any
    # number of workers running the same job).
    scheduler.add_job(
        process_waitlist,
        "interval",
        seconds=WAITLIST_INTERVAL_SECONDS,
        id="waitlist",
        coalesce=True,
        args=[settings],
    )
    # DATA_RETENTION_DAYS: personal fields of long-finished appointments erased (unset: kept).
    scheduler.add_job(
        erase_expired_appointments,
        "interval",
        hours=1,
        id="retention",
        coalesce=True,
        args=[settings],
    )
    scheduler.start()

    stopping = asyncio.Event()
    delivering = asyncio.create_task(
        dispatcher.run(settings.dispatch_interval_seconds, stopping), name="outbox-dispatcher"
    )
    log.info("scheduler started (outbox polled every %ss)", settings.dispatch_interval_seconds)
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)
        # Let a round in flight finish instead of cancelling it half-way through a send
        # (a cancelled query can leave SQLite's connection lock held); give up after a grace.
        stopping.set()
        dispatcher.wake()
        try:
            await asyncio.wait_for(asyncio.shield(delivering), SHUTDOWN_GRACE_SECONDS)
        except TimeoutError:
            log.warning("a delivery round was still running at shutdown; it will be retried")
            delivering.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await delivering
        log.info("scheduler stopped")
