"""Answers worth reusing for a moment: a per-process cache that stays correct across processes.

Hot reads (the offered dates, the stats, the signed-in user) are asked for far more often
than what they depend on changes. `Fresh` keeps each answer for at most `max_age` seconds
(1 s by default: a change made through another process, which this one cannot see, is
served at most that late) and drops it at once when a write went through this process's
own database connection since it was computed (a change made here is seen by the next
request, as if there were no cache). Concurrent misses of one key share one computation.

- `Fresh(max_age=1.0, *, watch_writes=True, tables=None, refresh_after=None)` (`tables`: the
  only tables its answers read, whose writes alone retire them; `refresh_after`: an answer
  older than that is served while a task computes it again, so no request waits for it);
  `await cache.get(key, compute)` (`compute`: an async callable without arguments);
  `cache.peek(key)` (the answer `get` would reuse now, or None); `cache.clear()`
- `write_mark(tables=None)`: what "no write since" compares: the root database client and its count
  of the writes (and commits) made through it that a cached answer may read
  (`booking.db_clients`, for SQLite and PostgreSQL alike). None for another client class:
  there a `watch_writes` cache computes every time, since a change made through this
  process must never be served stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient

from booking.db_clients import ANY_TABLE

T = TypeVar("T")

MAX_AGE_SECONDS = 1.0
# A cache holding more keys than this forgets its expired entries when it stores one.
TIDY_ABOVE = 256


def _in_transaction() -> bool:
    """Whether this task's default connection is a transaction's (True when unknown)."""
    try:
        return isinstance(connections.get("default"), TransactionalDBClient)
    except Exception:  # not configured: nothing to refresh in the background either
        return True


def write_mark(tables: tuple[str, ...] | None = None) -> tuple[object, Any] | None:
    """(the default connection's root client, its count of writes), or None.

    With `tables`, the count of the writes to those tables (and to no telling which) only.
    """
    try:
        client = connections.get("default")
    except Exception:  # not configured (yet): nothing to compare with
        return None
    # booking.db_clients: the root client's count, also inside a transaction. The object
    # itself, not its id(): a later connection may reuse a freed one's id.
    root = getattr(client, "_root", client)
    counted = getattr(root, "committed_writes", None)
    if not isinstance(counted, int):
        return None
    if tables is None:
        return root, counted
    by_table = root.table_writes
    return root, (by_table.get(ANY_TABLE, 0), *(by_table.get(t, 0) for t in tables))


class Fresh:
    """Answers by key, each reused for at most `max_age` seconds (see the module doc)."""

    def __init__(
        self,
        max_age: float = MAX_AGE_SECONDS,
        *,
        watch_writes: bool = True,
        tables: tuple[str, ...] | None = None,
        refresh_after: float | None = None,
    ) -> None:
        self.max_age = max_age
        self.watch_writes = watch_writes
        self.tables = tables  # the tables its answers read: other writes leave them be
        # An answer older than this (seconds) is still served, and computed again meanwhile
        # (see `get`); None: only once it has expired.
        self.refresh_after = refresh_after
        # key -> (write mark, monotonic time its computation started, value)
        self._entries: dict[Hashable, tuple[Any, float, Any]] = {}
        self._pending: dict[tuple[Hashable, Any], asyncio.Future[Any]] = {}
        self._refreshing: set[asyncio.Task[None]] = set()

    def clear(self) -> None:
        self._entries.clear()

    def _standing(self, key: Hashable, mark: Any, now: float) -> tuple[Any, float, Any] | None:
        entry = self._entries.get(key)
        if entry is not None and entry[0] == mark and now - entry[1] <= self.max_age:
            return entry
        return None

    def _mark(self) -> Any:
        """What an answer is kept for: the write mark (None: cannot be told), or True."""
        return write_mark(self.tables) if self.watch_writes else True

    def peek(self, key: Hashable) -> Any | None:
        """The answer `get` would reuse for `key` now, or None (nothing is computed)."""
        mark = self._mark()
        entry = None if mark is None else self._standing(key, mark, time.monotonic())
        return None if entry is None else entry[2]

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        mark = self._mark()
        if mark is None:
            return await compute()
        now = time.monotonic()
        entry = self._standing(key, mark, now)
        if entry is not None:
            if self.refresh_after is not None and now - entry[1] > self.refresh_after:
                self._refresh(key, mark, now, compute)
            return entry[2]
        pending = self._pending.get((key, mark))
        if pending is not None:
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                if not pending.cancelled():
                    raise  # this caller was cancelled
                return await compute()  # the computing caller was: compute here
        return await self._computed(key, mark, now, compute, self._share(key, mark))

    def _share(self, key: Hashable, mark: Any) -> asyncio.Future[Any]:
        """The future concurrent misses of `key` wait on (registered before any await)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[(key, mark)] = future
        return future

    async def _computed(
        self,
        key: Hashable,
        mark: Any,
        born: float,
        compute: Callable[[], Awaitable[T]],
        future: asyncio.Future[Any],
    ) -> T:
        """`compute()`, its answer (or failure) shared through `future` and kept as of `born`,
        unless a write made it obsolete meanwhile."""
        try:
            value = await compute()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning without waiters
            raise
        else:
            future.set_result(value)
            if self._mark() == mark:
                self._store(key, mark, born, value)
            return value
        finally:
            del self._pending[(key, mark)]

    def _refresh(
        self, key: Hashable, mark: Any, now: float, compute: Callable[[], Awaitable[Any]]
    ) -> None:
        """Compute `key` again in a task of its own while the standing answer is served.

        An answer expensive to compute (stats over a million rows: ~100 ms on PostgreSQL)
        otherwise made every request of the moment it expired wait for it, once a second.
        The new answer's age counts from now, before its computation starts, so none is
        served later than `max_age` after the rows it read. Not inside a transaction (the
        task would outlive the caller's connection); a failure leaves the next miss to
        compute it.
        """
        if (key, mark) in self._pending or _in_transaction():
            return
        refresh = self._computed(key, mark, now, compute, self._share(key, mark))

        async def quietly() -> None:
            with contextlib.suppress(Exception):  # the next miss computes it
                await refresh

        task = asyncio.get_running_loop().create_task(quietly())
        self._refreshing.add(task)
        task.add_done_callback(self._refreshing.discard)

    def _store(self, key: Hashable, mark: Any, born: float, value: Any) -> None:
        if len(self._entries) >= TIDY_ABOVE:
            oldest = time.monotonic() - self.max_age
            self._entries = {k: e for k, e in self._entries.items() if e[1] >= oldest}
        self._entries[key] = (mark, born, value)
