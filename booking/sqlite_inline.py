"""SQLite run on the event loop's own thread, with aiosqlite's interface for Tortoise.

aiosqlite hands every statement to a thread of its own and waits for its answer: two thread
switches per statement, and inside a transaction (which holds Tortoise's one SQLite
connection) every other request waits out each of those round trips. A local SQLite
statement of this service takes microseconds, less than the trip, so here it runs at once,
where it is called.

What could block the loop for long is waiting for another process's lock (a second `serve`
worker, the bot's `worker`). SQLite's own busy wait would sleep in the loop's thread, so the
connection has none (`timeout=0`): a statement refused with SQLITE_BUSY is tried again after
an `asyncio.sleep`, growing from 1 ms to 5 ms, for up to BUSY_TIMEOUT seconds (what
aiosqlite's default busy timeout gave). Short waits keep it fair: SQLite's own handler
sleeps up to 100 ms between tries, and with `serve --workers 2` under writes at c=10 that
left some requests waiting a second (schedule/ p99 1,166 ms before; 108 ms with these).
SQLITE_BUSY means the statement did nothing, so trying it again is safe;
SQLITE_BUSY_SNAPSHOT (a transaction whose snapshot went stale) is raised at once, as
SQLite's own busy handler would never have waited for it either.

Checkpoints (copying the write-ahead log back into the database file, and syncing both) are
the other wait: SQLite makes one in the commit that takes the log past 1,000 pages, on the
committing thread, and it took 7-9 ms (the fsyncs) every 50 or so writes, holding up every
request queued behind it. Here the connection makes none itself (`wal_autocheckpoint=0`): a
thread of its own with its own connection (`Checkpointer`) makes a PASSIVE checkpoint, which
neither waits for nor blocks readers and writers, at most every CHECKPOINT_EVERY seconds
while commits come (often, so each sync of the log is of little: a sync of much held the
loop's next log write back in the file system). sqlite3 lets go of the GIL while SQLite
works, so the loop runs on.
Under a steady stream of writes a PASSIVE checkpoint never quite catches up (commits land
while it copies), so the log would only grow; once it holds RESTART_AT pages (64 MB) it is
restarted: a RESTART checkpoint copies what is left and lets the next write start the log
from its beginning. The thread first catches up (PASSIVE again until a round copied at most
CATCH_UP_LEFT new pages), then asks the loop's connection to make the RESTART itself,
between two transactions (`restart_wanted`, acted on in `_settled`): it copies a few pages
and syncs, 1-9 ms of the loop once per 64 MB of writes. Made by the thread, the RESTART held
the writer's lock while SQLite's busy handler slept in steps of 1, 2 and 5 ms for readers to
leave, and the loop's writers waited 9-15 ms behind it with their own `asyncio.sleep`s:
`create/` at c=10 had its p99 at 26-27 ms with those, 17-22 ms without. Another process's
lock makes the loop's RESTART give up at once (its connection waits for nothing), and the
thread asks again in its next round.
The log file is never truncated (`journal_size_limit=-1`, `booking.db`): shrinking a grown
one took 170 ms in a commit on the loop's thread.

- `await connect(path) -> InlineConnection` (`execute`, `execute_insert`, `execute_fetchall`,
  `executemany`, `executescript`, `commit`, `rollback`, `close`, `total_changes`, `_conn`)
- `Checkpointer(path)`: `poke()` after a commit, `close()`; `checkpoints` and `restarts`
  made so far, `restart_wanted`
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")

BUSY_TIMEOUT = 5.0  # seconds, aiosqlite's (sqlite3's) default
FIRST_WAIT, LONGEST_WAIT = 0.001, 0.005
SQLITE_BUSY = 5  # the primary code; extended codes (BUSY_SNAPSHOT = 517) are not waited for
# Seconds between checkpoints at most, while commits come. Each checkpoint first syncs the
# log, and a sync of what many commits wrote held the loop's next log write back for
# milliseconds (the file system's, not SQLite's, wait): small and often keeps it short.
# schedule/ at c=10, three alternated runs each: p99 21.1-22.4 ms every 0.2 s, 18.7-22.7
# every 0.05 s, 17.3-19.1 every 0.01 s, for the same req/s.
CHECKPOINT_EVERY = 0.01
# Pages in the log (about 64 MB) past which the log is restarted. A booking rewrites about
# 45 pages (the row, its indexes, the outbox's, the event's): under a steady stream of them
# 4,000 pages filled in a quarter of a second, and a RESTART (then made by the thread, which
# held writers back for 3-100 ms) every quarter second cost a quarter of the write throughput.
RESTART_AT = 16000
CHECKPOINT_WAIT = 0.1  # the thread's connection's busy timeout (for its own set-up reads)
# Before asking for the RESTART the thread makes PASSIVE checkpoints again (up to
# CATCH_UP_TRIES) until one found at most CATCH_UP_LEFT pages written since the last: about
# what the RESTART then copies on the loop's thread.
CATCH_UP_TRIES, CATCH_UP_LEFT = 4, 64


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorcode", None) == SQLITE_BUSY


async def _patiently(call: Callable[[], T]) -> T:
    deadline = None
    wait = FIRST_WAIT
    while True:
        try:
            return call()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            now = time.monotonic()
            deadline = deadline or now + BUSY_TIMEOUT
            if now >= deadline:
                raise
            await asyncio.sleep(wait)
            wait = min(wait * 2, LONGEST_WAIT)


class InlineCursor:
    """What Tortoise does with a cursor: read it and close it."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class Checkpointer:
    """A thread that checkpoints `path`'s write-ahead log after commits (see the docstring).

    Started on the first `poke()`. A checkpoint that fails (the file went away, a lock it
    could not take) is left for the next one: SQLite's own close checkpoints too, and a
    PASSIVE checkpoint that cannot finish now finishes later.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._wanted = threading.Event()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self.checkpoints = 0
        self.restarts = 0
        # Set by the thread, acted on by the loop's connection (`InlineConnection._settled`).
        self.restart_wanted = False

    def poke(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"sqlite-checkpoint {self._path}", daemon=True
            )
            self._thread.start()
        self._wanted.set()

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, timeout=CHECKPOINT_WAIT, isolation_level=None)
        try:
            while True:
                self._wanted.wait()
                if self._closing.is_set():
                    return
                self._wanted.clear()
                try:
                    _, pages, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    if pages >= RESTART_AT:
                        # Catch up first: each PASSIVE copies what was written during the
                        # last, so the RESTART, made on the loop's thread, has little left.
                        for _ in range(CATCH_UP_TRIES):
                            before = pages
                            _, pages, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                            if pages - before <= CATCH_UP_LEFT:
                                break
                        # (unless the log started again meanwhile)
                        self.restart_wanted = pages >= RESTART_AT
                    self.checkpoints += 1
                except sqlite3.Error:
                    pass
                if self._closing.wait(CHECKPOINT_EVERY):
                    return
        finally:
            conn.close()

    def close(self) -> None:
        self._closing.set()
        self._wanted.set()
        if self._thread is not None:
            self._thread.join()


class InlineConnection:
    """aiosqlite.Connection's methods that Tortoise calls, each run at once."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self._conn = conn
        self.checkpointer = Checkpointer(path)
        self._changes_seen = 0

    def _settled(self) -> None:
        """After a statement or commit: a write that is now committed wants a checkpoint."""
        conn = self._conn
        if conn.in_transaction:
            return
        if conn.total_changes != self._changes_seen:
            self._changes_seen = conn.total_changes
            self.checkpointer.poke()
        if self.checkpointer.restart_wanted:
            self._restart()

    def _restart(self) -> None:
        """The log's RESTART checkpoint, made here between two transactions (see the docstring)."""
        self.checkpointer.restart_wanted = False
        try:
            busy, _, _ = self._conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
        except sqlite3.Error:  # another process's lock: the thread asks again later
            return
        self.checkpointer.restarts += 0 if busy else 1

    @property
    def total_changes(self) -> int:
        return self._conn.total_changes

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> InlineCursor:
        cursor = await _patiently(lambda: self._conn.execute(sql, parameters or ()))
        self._settled()
        return InlineCursor(cursor)

    async def execute_insert(self, sql: str, parameters: Iterable[Any] | None = None) -> Any:
        def insert() -> Any:
            cursor = self._conn.execute(sql, parameters or ())
            return (cursor.lastrowid,)

        inserted = await _patiently(insert)
        self._settled()
        return inserted

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] | None = None) -> list:
        rows = await _patiently(lambda: self._conn.execute(sql, parameters or ()).fetchall())
        self._settled()
        return rows

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> InlineCursor:
        rows = list(parameters)
        cursor = await _patiently(lambda: self._conn.executemany(sql, rows))
        self._settled()
        return InlineCursor(cursor)

    async def executescript(self, sql: str) -> InlineCursor:
        # A script may stop part-way with SQLITE_BUSY, so it is never tried again: SQLite
        # waits for the lock itself instead (schema changes only, from `migrate`).
        self._conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        try:
            return InlineCursor(self._conn.executescript(sql))
        finally:
            self._conn.execute("PRAGMA busy_timeout = 0")

    async def commit(self) -> None:
        await _patiently(self._conn.commit)
        self._settled()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        # The checkpointer's connection goes first, so this one is the file's last in this
        # process and SQLite's close checkpoints what is left.
        self.checkpointer.close()
        self._conn.close()


async def connect(path: str) -> InlineConnection:
    """Autocommit (Tortoise issues BEGIN itself), rows by name, no busy wait of SQLite's own,
    no checkpoints of its own (its `Checkpointer` makes them)."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    return InlineConnection(conn, path)
