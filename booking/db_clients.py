"""Tortoise's SQLite and asyncpg clients, counting the writes this process makes.

`booking.freshness` reuses an answer until a write that could change it goes through this
process (then at once) or a second passes (for writes made by other processes). These
clients keep that count (`committed_writes`): bumped after every write statement and after
every commit of a transaction that wrote. A reader takes the count *before* it computes, so
an answer computed while a write was still uncommitted is stored under the old count and
dropped when the commit bumps it.

Writes to tables no cached answer reads are not counted (`UNCOUNTED_TABLES`): the audit
trail (a row for every staff read: counting it would retire every cached answer on every
staff list), the bot's stored conversations (written after every update; read only at
start) and rate-limit hits (always counted in SQL, never cached). A statement whose table
cannot be told (DDL, scripts, raw SQL) counts.

A write may be counted under a narrower name than its table's (`counted_as`): a new request
is an INSERT into `appointments` that no scheduled session depends on, so it is counted as
`NEW_REQUESTS`, and the offered dates (which read only scheduled sessions of that table)
outlive it, while every answer that reads all of `appointments` is retired by it as before.

Named as the connection's engine (`booking.db.tortoise_config`); Tortoise asks the engine's
module for `get_client_class`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import (
    BaseDBAsyncClient,
    NestedTransactionContext,
    TransactionContext,
    TransactionContextPooled,
)
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)

from booking import sqlite_inline

# Tables no `booking.freshness` answer reads. Add one only if no cached computation reads it.
UNCOUNTED_TABLES = frozenset({"audit_events", "conversation_states", "rate_limit_hits"})
READS = ("SELECT", "WITH", "SHOW", "EXPLAIN", "PRAGMA")
_WRITE = re.compile(
    r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?',
    re.IGNORECASE,
)


ANY_TABLE = "*"  # a write whose table cannot be told: it counts for every table
# A new request (an INSERT of a pending row into `appointments`), see `counted_as`.
NEW_REQUESTS = "appointments:new-requests"

# (table, name): while set, this task's writes to `table` are counted under `name`.
_counted_as: ContextVar[tuple[str, str] | None] = ContextVar("counted_as", default=None)


@contextmanager
def counted_as(table: str, name: str) -> Iterator[None]:
    """Within the block, this task's writes to `table` count under `name`, not `table`.

    For a write that the caches reading `table` by name cannot be changed by (a pending
    request, for the offers). A cache that reads every table (`tables=None`) still sees it:
    the overall count is bumped all the same. Writes to other tables count as usual.
    """
    token = _counted_as.set((table, name))
    try:
        yield
    finally:
        _counted_as.reset(token)


def placeholders(conn: BaseDBAsyncClient, count: int) -> list[str]:
    """Numbered parameter marks of the connection's dialect for SQL the service writes
    itself: `?1, ?2, ...` on SQLite, `$1, $2, ...` on PostgreSQL (a number may repeat)."""
    sign = "?" if conn.capabilities.dialect == "sqlite" else "$"
    return [f"{sign}{n}" for n in range(1, count + 1)]


class Statements:
    """SQL the service writes itself, each text made once per dialect (and length).

    `{1}`, `{2}`, ... in a text are its parameters, written as the dialect's numbered marks
    (`placeholders`); `{in}` stands for `extra` more marks numbered on from those, comma
    separated (a list whose length the call knows). Only names and marks are ever put in
    the text: values always go as parameters.

    `statements.sql(conn, name, extra=0) -> str`; `statements.define(name, text)` adds a
    text made from the model's names at the call (kept if the name is known already);
    `name in statements`.
    """

    def __init__(self, **texts: str) -> None:
        self._texts = texts
        self._made: dict[tuple[str, str, int], str] = {}

    def define(self, name: str, text: str) -> None:
        self._texts.setdefault(name, text)

    def __contains__(self, name: str) -> bool:
        return name in self._texts

    def sql(self, conn: BaseDBAsyncClient, name: str, extra: int = 0) -> str:
        key = (conn.capabilities.dialect, name, extra)
        made = self._made.get(key)
        if made is None:
            text = self._texts[name]
            count = max((int(n) for n in re.findall(r"\{(\d+)\}", text)), default=0)
            marks = placeholders(conn, count + extra)
            text = text.replace("{in}", ", ".join(marks[count:]))
            made = self._made[key] = re.sub(r"\{(\d+)\}", lambda m: marks[int(m[1]) - 1], text)
        return made


def uuid_value(conn: BaseDBAsyncClient, value: Any) -> Any:
    """A UUID as a parameter of the connection's dialect: text on SQLite (as stored there),
    the UUID itself for asyncpg; None stays None."""
    if value is None or conn.capabilities.dialect != "sqlite":
        return value
    return str(value)


@lru_cache(maxsize=1024)  # the service's statements are a few hundred texts
def written_table(query: str) -> str | None:
    """The table a statement may change for a cached answer (ANY_TABLE when it cannot be
    told), or None: a read, or a write to an uncounted table."""
    write = _WRITE.match(query)
    if write is not None:
        table = write.group(1).lower()
        return None if table in UNCOUNTED_TABLES else table
    return None if query.lstrip().upper().startswith(READS) else ANY_TABLE


def changes_answers(query: str) -> bool:
    """Whether a statement may change what a cached answer reads."""
    return written_table(query) is not None


class WriteCounting:
    """What both clients add: `committed_writes`, bumped after the statements that count,
    and `table_writes`, the same count by table (`ANY_TABLE` for statements of no known
    table), so an answer that reads only some tables outlives writes to the others."""

    committed_writes: int
    table_writes: dict[str, int]

    def _count_write(self, table: str = ANY_TABLE) -> None:
        self.committed_writes += 1
        self.table_writes[table] = self.table_writes.get(table, 0) + 1

    def _after(self, query: str) -> None:
        table = written_table(query)
        if table is not None:
            renamed = _counted_as.get()
            self._count_write(renamed[1] if renamed and renamed[0] == table else table)

    async def execute_insert(self, query: str, values: list) -> Any:
        try:
            return await super().execute_insert(query, values)  # type: ignore[misc]
        finally:
            self._after(query)

    async def execute_many(self, query: str, values: list) -> None:
        try:
            await super().execute_many(query, values)  # type: ignore[misc]
        finally:
            self._after(query)

    async def execute_script(self, query: str) -> None:
        try:
            await super().execute_script(query)  # type: ignore[misc]
        finally:
            self._count_write()

    async def execute_query(self, query: str, values: list | None = None) -> tuple[int, Any]:
        try:
            return await super().execute_query(query, values)  # type: ignore[misc]
        finally:
            self._after(query)

    async def execute_query_dict(self, query: str, values: list | None = None) -> list[dict]:
        try:
            return await super().execute_query_dict(query, values)  # type: ignore[misc]
        finally:
            self._after(query)


class InTransaction:
    """What both transaction wrappers add: writes count for the root client, and so does a
    commit or rollback of a transaction that wrote (for each table it wrote)."""

    _root: WriteCounting
    _tables: set[str]

    def _adopt(self, connection: BaseDBAsyncClient) -> None:
        self._root = getattr(connection, "_root", connection)  # type: ignore[assignment]
        self._outer = connection
        self._tables = set()

    def _count_write(self, table: str = ANY_TABLE) -> None:
        self._root._count_write(table)
        self._tables.add(table)
        if isinstance(self._outer, InTransaction):  # a savepoint: its transaction wrote
            self._outer._tables.add(table)

    async def commit(self) -> None:
        try:
            await super().commit()  # type: ignore[misc]
        finally:
            self._settled()

    async def rollback(self) -> None:
        try:
            await super().rollback()  # type: ignore[misc]
        finally:
            self._settled()

    def _settled(self) -> None:
        if self._tables:
            self._root.committed_writes += 1
            for table in self._tables:
                self._root.table_writes[table] = self._root.table_writes.get(table, 0) + 1


# --- SQLite -------------------------------------------------------------------------------


class CountingSqliteClient(WriteCounting, SqliteClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.committed_writes = 0
        self.table_writes = {}

    async def create_connection(self, with_db: bool) -> None:
        """Tortoise's, on `booking.sqlite_inline`'s connection instead of aiosqlite's thread."""
        if self._connection:
            return
        self._connection = await sqlite_inline.connect(self.filename)  # type: ignore[assignment]
        for pragma, value in self.pragmas.items():
            cursor = await self._connection.execute(f"PRAGMA {pragma}={value}")
            await cursor.close()
        await self._post_connect()

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(CountingSqliteTransaction(self), self._lock)


class CountingSqliteTransaction(InTransaction, CountingSqliteClient, SqliteTransactionWrapper):
    def __init__(self, connection: SqliteClient) -> None:
        SqliteTransactionWrapper.__init__(self, connection)
        self._adopt(connection)

    def _in_transaction(self) -> TransactionContext:
        return NestedTransactionContext(CountingSqliteTransaction(self))


# --- PostgreSQL ---------------------------------------------------------------------------


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Return a connection to the pool as it is (asyncpg still ends any open transaction).

    asyncpg's default reset sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL` every time a connection goes back to the pool, which with Tortoise (one
    acquire per statement) doubles the round trips of every read. The service keeps no state
    in a session: its advisory locks are transaction-scoped (`pg_advisory_xact_lock`), and it
    never LISTENs, SETs or leaves a cursor open.
    """


class CountingAsyncpgClient(WriteCounting, AsyncpgDBClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.committed_writes = 0
        self.table_writes = {}

    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        return await asyncpg.create_pool(None, reset=_keep_session, **kwargs)

    def _in_transaction(self) -> TransactionContext:
        return TransactionContextPooled(CountingAsyncpgTransaction(self), self._pool_init_lock)


class CountingAsyncpgTransaction(InTransaction, CountingAsyncpgClient, TransactionWrapper):
    def __init__(self, connection: AsyncpgDBClient) -> None:
        TransactionWrapper.__init__(self, connection)
        self._adopt(connection)

    def _in_transaction(self) -> TransactionContext:
        return NestedTransactionContext(CountingAsyncpgTransaction(self))


def get_client_class(db_info: dict[str, Any]) -> type[BaseDBAsyncClient]:
    """Tortoise's hook: the counting client of the URL's dialect."""
    if "file_path" in db_info.get("credentials", {}):
        return CountingSqliteClient
    return CountingAsyncpgClient
