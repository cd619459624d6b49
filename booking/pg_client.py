"""Tortoise's asyncpg client, counting the writes this process has committed (and lighter).

`booking.freshness` reuses an answer until a write goes through this process (then at once)
or a second passes (for writes made by other processes). SQLite's connection keeps such a
count itself (`total_changes`); asyncpg's pool has none, so this client keeps one: bumped
after every write statement outside a transaction and after every commit. A reader takes the
count *before* it computes, so an answer computed while a write was still uncommitted is
stored under the old count and dropped when the commit bumps it.

Named as the connection's engine (`booking.db.tortoise_config`); Tortoise looks for
`client_class` in the engine's module.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import (
    NestedTransactionContext,
    TransactionContext,
    TransactionContextPooled,
)

READS = ("SELECT", "WITH", "SHOW", "EXPLAIN")


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Return a connection to the pool as it is (asyncpg still ends any open transaction).

    asyncpg's default reset sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL` every time a connection goes back to the pool, which with Tortoise (one
    acquire per statement) doubles the round trips of every read. The service keeps no state
    in a session: its advisory locks are transaction-scoped (`pg_advisory_xact_lock`), and it
    never LISTENs, SETs or leaves a cursor open.
    """


class CountingAsyncpgClient(AsyncpgDBClient):
    """asyncpg with `committed_writes`: how many writes went through this client."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.committed_writes = 0

    def _count_write(self) -> None:
        self.committed_writes += 1

    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        return await asyncpg.create_pool(None, reset=_keep_session, **kwargs)

    def _in_transaction(self) -> TransactionContext:
        return TransactionContextPooled(CountingTransaction(self), self._pool_init_lock)

    async def execute_insert(self, query: str, values: list) -> Any:
        try:
            return await super().execute_insert(query, values)
        finally:
            self._count_write()

    async def execute_many(self, query: str, values: list) -> None:
        try:
            await super().execute_many(query, values)
        finally:
            self._count_write()

    async def execute_script(self, query: str) -> None:
        try:
            await super().execute_script(query)
        finally:
            self._count_write()

    async def execute_query(self, query: str, values: list | None = None) -> tuple[int, list]:
        try:
            return await super().execute_query(query, values)
        finally:
            if not query.lstrip().upper().startswith(READS):
                self._count_write()


class CountingTransaction(CountingAsyncpgClient, TransactionWrapper):
    """A transaction of that client: its writes count for the root client, and so does commit."""

    def __init__(self, connection: AsyncpgDBClient) -> None:
        TransactionWrapper.__init__(self, connection)
        self._root: CountingAsyncpgClient = getattr(connection, "_root", connection)

    def _count_write(self) -> None:
        self._root.committed_writes += 1

    def _in_transaction(self) -> TransactionContext:
        return NestedTransactionContext(CountingTransaction(self))

    async def commit(self) -> None:
        try:
            await super().commit()
        finally:
            self._count_write()

    async def rollback(self) -> None:
        try:
            await super().rollback()
        finally:
            self._count_write()


client_class = CountingAsyncpgClient
