"""SQLite on the event loop's thread: another process's lock is waited for without blocking
the loop, for a while, and then the refusal is raised; the log is checkpointed by a thread
of its own, never by a commit (booking/sqlite_inline.py)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time

import pytest

from booking import sqlite_inline


@pytest.fixture
async def database(tmp_path):
    path = str(tmp_path / "inline.sqlite3")
    conn = await sqlite_inline.connect(path)
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute("CREATE TABLE t (n INTEGER)")
    other = sqlite3.connect(path, isolation_level=None)  # "another process"
    yield path, conn, other
    other.close()
    await conn.close()


async def test_a_write_waits_for_the_other_writer_while_the_loop_runs(database):
    _path, conn, other = database
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    ticker = asyncio.create_task(ticking())
    loop = asyncio.get_running_loop()
    loop.call_later(0.15, other.execute, "COMMIT")
    started = time.monotonic()
    await conn.execute_insert("INSERT INTO t VALUES (?)", [2])
    waited = time.monotonic() - started
    ticker.cancel()
    assert 0.1 < waited < 2
    assert ticks >= 10  # the loop went on while the insert waited
    rows = await conn.execute_fetchall("SELECT n FROM t ORDER BY n", [])
    assert [tuple(r) for r in rows] == [(1,), (2,)]


async def test_a_lock_held_too_long_is_refused_as_database_is_locked(database, monkeypatch):
    _path, conn, other = database
    monkeypatch.setattr(sqlite_inline, "BUSY_TIMEOUT", 0.1)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        await conn.execute("INSERT INTO t VALUES (3)")
    other.execute("ROLLBACK")
    await conn.execute("INSERT INTO t VALUES (3)")
    assert [tuple(r) for r in await conn.execute_fetchall("SELECT n FROM t", [])] == [(3,)]


async def test_a_stale_snapshot_is_raised_at_once(database):
    _path, conn, other = database
    await conn.execute("BEGIN")
    await conn.execute_fetchall("SELECT * FROM t", [])  # the snapshot starts here
    other.execute("INSERT INTO t VALUES (4)")  # committed by someone else after it
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError):
        await conn.execute("INSERT INTO t VALUES (5)")
    assert time.monotonic() - started < 0.5  # no waiting can make it current
    await conn.rollback()


async def _checkpointed(conn: sqlite_inline.InlineConnection, count: int) -> None:
    for _ in range(200):
        if conn.checkpointer.checkpoints >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{conn.checkpointer.checkpoints} checkpoints, not {count}")


@pytest.mark.parametrize("in_transaction", [True, False])
async def test_the_log_is_checkpointed_by_a_thread_not_by_the_commit(
    database, monkeypatch, in_transaction
):
    path, conn, _other = database
    monkeypatch.setattr(sqlite_inline, "CHECKPOINT_EVERY", 0.01)
    rows = await conn.execute_fetchall("PRAGMA wal_autocheckpoint", [])
    assert tuple(rows[0]) == (0,)  # the committing connection never checkpoints itself
    blob = "x" * 2000
    if in_transaction:
        await conn.execute("BEGIN")
        await conn.executemany("INSERT INTO t VALUES (?)", [[blob]] * 600)
        await conn.commit()
    else:  # a statement of its own commits as it ends
        await conn.execute("INSERT INTO t SELECT ? FROM (SELECT 1 UNION ALL SELECT 2)", [blob])
    await _checkpointed(conn, 1)
    written = 600 if in_transaction else 2
    assert os.path.getsize(path) > written * len(blob)  # copied into the database file
    thread = conn.checkpointer._thread
    assert thread is not None and thread.is_alive()
    await conn.close()
    assert not thread.is_alive()  # closing stops it (and does not wait out the pause)


async def test_under_steady_writes_the_log_is_restarted_not_grown(database, monkeypatch):
    path, conn, _other = database
    monkeypatch.setattr(sqlite_inline, "CHECKPOINT_EVERY", 0.005)
    monkeypatch.setattr(sqlite_inline, "RESTART_AT", 40)
    await conn.execute("PRAGMA journal_size_limit = -1")  # as booking.db sets it
    blob = "y" * 3000  # a page of its own, about
    for _ in range(600):  # a write every millisecond: no checkpoint ever catches up
        await conn.execute("BEGIN")
        await conn.execute("INSERT INTO t VALUES (?)", [blob])
        await conn.commit()
        await asyncio.sleep(0.001)
    assert conn.checkpointer.restarts >= 1
    # Without restarts the log would hold every one of the 600 writes' pages.
    assert os.path.getsize(f"{path}-wal") < 300 * 4096
    rows = await conn.execute_fetchall("SELECT COUNT(*) FROM t", [])
    assert tuple(rows[0]) == (600,)


async def test_the_restart_is_made_by_the_loops_connection_between_transactions(database):
    path, conn, other = database
    blob = "z" * 3000
    for _ in range(50):
        await conn.execute("INSERT INTO t VALUES (?)", [blob])
    assert os.path.getsize(f"{path}-wal") > 50 * 3000
    await conn.execute("BEGIN")
    await conn.execute("INSERT INTO t VALUES (?)", [blob])
    conn.checkpointer.restart_wanted = True  # as the thread asks once the log is long
    await conn.execute("INSERT INTO t VALUES (?)", [blob])
    assert conn.checkpointer.restarts == 0  # never inside a transaction
    await conn.commit()
    assert conn.checkpointer.restarts == 1
    assert not conn.checkpointer.restart_wanted
    # The next write starts the log from its beginning: the log holds its pages only.
    await conn.execute("INSERT INTO t VALUES (1)")
    _busy, pages, _copied = other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert 0 < pages <= 3
    rows = await conn.execute_fetchall("SELECT COUNT(*) FROM t", [])
    assert tuple(rows[0]) == (53,)


async def test_a_restart_another_process_holds_up_is_given_up_at_once(database):
    _path, conn, other = database
    await conn.execute("INSERT INTO t VALUES (1)")
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (2)")
    conn.checkpointer.restart_wanted = True
    started = time.monotonic()
    await conn.execute_fetchall("SELECT n FROM t", [])
    assert time.monotonic() - started < 0.05  # the loop does not wait for the other's lock
    assert conn.checkpointer.restarts == 0
    assert not conn.checkpointer.restart_wanted  # the thread asks again on its next round
    other.execute("COMMIT")
    await conn.execute("INSERT INTO t VALUES (3)")
    rows = await conn.execute_fetchall("SELECT n FROM t ORDER BY n", [])
    assert [tuple(r) for r in rows] == [(1,), (2,), (3,)]
