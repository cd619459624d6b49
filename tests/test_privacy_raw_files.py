"""After "erase me", the database files themselves hold nothing of Zephyrine.

Not the ORM's view: the bytes on disk. SQLite: the database file and its -wal/-shm files,
read the moment the request returns. PostgreSQL: every relation file of our tables, their
TOAST tables and every index, after `VACUUM FULL` and `CHECKPOINT` (what the README tells
operators to run). A scan looks for her plaintext values, her blind index, and any encrypted
value (the current `v2:` format, or an older Fernet token) that decrypts with the test keys
to one of her values. The same scan run before
the erasure finds her, so it is able to fail.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from tortoise import connections

from booking.settings import Settings
from models.encryption import GCM_PREFIX, NONCE_BYTES, gcm_key
from tests.fixed_secrets import TEST_FERNET_KEY
from tests.privacy_support import PASSWORD, ZEPHYRINE, give_her_a_file

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)

TOKEN = re.compile(rb"gAAAAA[A-Za-z0-9_=-]+")
FERNET = Fernet(TEST_FERNET_KEY)
BASE64_RUN = re.compile(rb"[A-Za-z0-9_=-]+")
GCM = gcm_key(TEST_FERNET_KEY)


def _token_lengths(limit: int) -> list[int]:
    # A token is version (1) + time (8) + IV (16) + AES blocks (16 each) + HMAC (32) bytes,
    # in padded base64: the only lengths a token can have.
    lengths, blocks = [], 1
    while (length := 4 * -(-(57 + 16 * blocks) // 3)) <= limit:
        lengths.append(length)
        blocks += 1
    return lengths


def decrypted_tokens(data: bytes) -> list[str]:
    """Every Fernet token in the bytes that the test key opens, as text.

    Columns lie side by side on a page, so a token may run straight into the next one (or
    into hex): every place a token may start is tried with every length a token may have.
    """
    found = []
    for match in TOKEN.finditer(data):
        run = match.group()
        for start in (m.start() for m in re.finditer(rb"gAAAAA", run)):
            for length in _token_lengths(len(run) - start):
                try:
                    plain = FERNET.decrypt(run[start : start + length])
                except InvalidToken:
                    continue  # not this length; or a token cut by a page boundary
                found.append(plain.decode("utf-8", "replace"))
                break
    return found


def opened_values(data: bytes) -> list[str]:
    """Every value in the current format in the bytes that the test key opens, as text.

    The same search as for Fernet tokens: every padded base64 length from each `v2:` on
    (only the right one passes GCM's tag). Each `v2:` is looked at, also one that a value
    just before it runs into.
    """
    found = []
    for prefix in re.finditer(re.escape(GCM_PREFIX), data):
        match = BASE64_RUN.match(data, prefix.end())
        if match is None:
            continue
        run = match.group()
        for length in range(4 * -(-(NONCE_BYTES + 16) // 3), len(run) + 1, 4):
            try:
                raw = base64.urlsafe_b64decode(run[:length])
                plain = GCM.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None)
            except (InvalidTag, ValueError):
                continue
            found.append(plain.decode("utf-8", "replace"))
            break
    return found


class Finding:
    """What a scan of the raw bytes found of the persona."""

    def __init__(self, data: bytes) -> None:
        self.plaintext = {
            name
            for name, value in ZEPHYRINE.values.items()
            if value.encode() in data or value.lower().encode() in data
        }
        self.blind_index = ZEPHYRINE.blind_index.encode() in data
        opened = decrypted_tokens(data) + opened_values(data)
        self.tokens_opened = len(opened)
        self.encrypted = {
            name
            for name, value in ZEPHYRINE.values.items()
            if any(value in text or value.lower() in text for text in opened)
        }


async def raw_bytes(settings: Settings) -> bytes:
    """The database files' bytes, as an operator's backup would copy them now."""
    conn = connections.get("default")
    if settings.is_sqlite:
        path = Path(settings.database_url.removeprefix("sqlite://").split("?", 1)[0])
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        return b"".join(p.read_bytes() for p in files if p.exists())
    # PostgreSQL: dead row versions go with VACUUM FULL (the README's advice), and the
    # buffers reach the files at a checkpoint.
    await conn.execute_script("VACUUM FULL")
    await conn.execute_script("CHECKPOINT")
    _, rows = await conn.execute_query("SHOW data_directory")
    data_dir = Path(rows[0]["data_directory"])
    if not os.access(data_dir, os.R_OK | os.X_OK):
        pytest.skip(f"PostgreSQL's data directory {data_dir} is not readable by this user")
    _, rows = await conn.execute_query(
        """
        SELECT pg_relation_filepath(c.oid) AS path FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace
        UNION SELECT pg_relation_filepath(c.reltoastrelid) FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.reltoastrelid <> 0
        UNION SELECT pg_relation_filepath(i.indexrelid) FROM pg_class c
          JOIN pg_index i ON i.indrelid = c.reltoastrelid
         WHERE c.relnamespace = 'public'::regnamespace
        """
    )
    chunks = []
    for row in rows:
        if row["path"] is None:
            continue
        base = data_dir / row["path"]
        # The main fork and its 1 GB segments (`.1`, `.2`, ...).
        for path in [base, *sorted(base.parent.glob(base.name + ".*"))]:
            chunks.append(path.read_bytes())
    assert chunks, "no relation files found"
    return b"".join(chunks)


async def test_the_files_hold_nothing_of_zephyrine_once_she_is_erased(mail_api, mail_db, settle):
    its = await give_her_a_file(mail_db, mail_api)
    await settle()  # her codes and confirmations went out: sent rows, and queued reminders

    before = Finding(await raw_bytes(mail_db))
    # Encrypted at rest: never in plain text, but her blind index and her tokens are there.
    assert before.plaintext == set()
    assert before.blind_index
    expected = {"first_name", "email", "reason", "rejection_reason", "move_note"}
    expected |= {"waitlist_note", "cancellation_reason", "bot_draft", "phone"}
    assert expected <= before.encrypted, before.encrypted

    response = await mail_api.post(
        "/api/auth/me/erase/", json={"password": PASSWORD}, headers=its.headers
    )
    assert response.status == 200, await response.text()

    after = Finding(await raw_bytes(mail_db))
    assert after.plaintext == set()
    assert not after.blind_index
    assert after.encrypted == set()
    assert after.tokens_opened > 0, "the scan still reads the tokens that remain"
