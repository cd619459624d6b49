"""Client data is unreadable at rest, readable through the models, and survives key rotation."""

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from tortoise import Tortoise, connections
from tortoise.exceptions import IntegrityError

from booking.db import close_database, open_database
from booking.key_rotation import rotate_encrypted_fields
from models import Appointment, DecryptionError, User, blind_index, current_vault
from models.encryption import GCM_PREFIX

ANN = {
    "email": "ann.client@example.org",
    "first_name": "Annabelle",
    "last_name": "Quixotewright",
    "phone": "+64 21 555 0199",
}
REASON = "Recurring panic attacks since the accident"


async def make_ann(email=ANN["email"], **extra) -> User:
    return await User.create(
        email=email,
        email_index=blind_index(email),
        first_name=extra.get("first_name", ANN["first_name"]),
        last_name=ANN["last_name"],
        phone=ANN["phone"],
    )


async def raw_column(table: str, column: str, key_column: str, key) -> bytes:
    conn = connections.get("default")
    mark = "$1" if conn.capabilities.dialect == "postgres" else "?"
    _, rows = await conn.execute_query(
        f'SELECT "{column}" FROM "{table}" WHERE "{key_column}" = {mark}', [key]
    )
    return bytes(dict(rows[0])[column])


@pytest.mark.parametrize("value", ["Zoë Ångström 🌿 — 日本語", "", None])
async def test_encrypted_text_round_trips_unicode_empty_and_none(db, value):
    user = await make_ann(first_name="x")
    user.phone = value
    await user.save()
    again = await User.get(id=user.id)
    assert again.phone == value


async def test_a_tampered_ciphertext_raises_a_clear_error(db):
    user = await make_ann()
    token = bytearray(await raw_column("users", "first_name", "id", str(user.id)))
    token[-5] ^= 0x01
    conn = connections.get("default")
    await conn.execute_query(
        'UPDATE "users" SET "first_name" = ? WHERE "id" = ?', [bytes(token), str(user.id)]
    )
    with pytest.raises(DecryptionError, match="FIELD_ENCRYPTION_KEYS"):
        await User.get(id=user.id)


async def test_old_data_stays_readable_after_a_new_key_and_rotation_lets_the_old_key_go(
    make_settings, tmp_path: Path
):
    url = f"sqlite://{tmp_path}/rotation.sqlite3"
    old_key = make_settings().fernet_keys[0]
    new_key = Fernet.generate_key().decode()

    await open_database(make_settings(DATABASE_URL=url))
    await Tortoise.generate_schemas()
    user = await make_ann()
    await close_database()

    # New key first, old key kept: old rows still read.
    both = make_settings(DATABASE_URL=url, FIELD_ENCRYPTION_KEYS=f"{new_key},{old_key}")
    await open_database(both)
    assert (await User.get(id=user.id)).first_name == ANN["first_name"]
    counts = await rotate_encrypted_fields()
    assert counts["users"] == 1
    await close_database()

    # Old key dropped: everything still reads, because rotation re-encrypted it.
    await open_database(make_settings(DATABASE_URL=url, FIELD_ENCRYPTION_KEYS=new_key))
    try:
        again = await User.get(id=user.id)
        assert (again.email, again.first_name, again.phone) == (
            ANN["email"],
            ANN["first_name"],
            ANN["phone"],
        )
    finally:
        await close_database()

    # And the old key alone can no longer read it: the data really moved to the new key.
    await open_database(make_settings(DATABASE_URL=url, FIELD_ENCRYPTION_KEYS=old_key))
    try:
        with pytest.raises(DecryptionError):
            await User.get(id=user.id)
    finally:
        await close_database()


async def test_values_are_written_sealed_with_gcm_and_older_fernet_tokens_still_read(db):
    """The current format (`v2:`, AES-256-GCM) for every write; a Fernet token written
    before it reads as ever, and `rotate-keys` rewrites it in the current format."""
    user = await make_ann()
    sealed = await raw_column("users", "first_name", "id", str(user.id))
    assert sealed.startswith(GCM_PREFIX) and ANN["first_name"].encode() not in sealed
    legacy = current_vault().fernet.encrypt(ANN["first_name"].encode())
    conn = connections.get("default")
    await conn.execute_query(
        'UPDATE "users" SET "first_name" = ? WHERE "id" = ?', [legacy, str(user.id)]
    )
    assert (await User.get(id=user.id)).first_name == ANN["first_name"]
    await rotate_encrypted_fields()
    rotated = await raw_column("users", "first_name", "id", str(user.id))
    assert rotated.startswith(GCM_PREFIX)
    assert (await User.get(id=user.id)).first_name == ANN["first_name"]


async def test_the_blind_index_finds_a_messy_address(db):
    await make_ann(email="ann@example.org")
    found = await User.get_or_none(email_index=blind_index("  Ann@Example.org "))
    assert found is not None and found.email == "ann@example.org"


async def test_two_users_cannot_share_an_email(db):
    await make_ann(email="ann@example.org")
    with pytest.raises(IntegrityError):
        await make_ann(email="ANN@example.org")


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_the_database_holds_no_personal_data_in_plain_text(db, database_url):
    user = await make_ann()
    await Appointment.create(
        user=user,
        email_index=user.email_index,
        first_name=ANN["first_name"],
        last_name=ANN["last_name"],
        email=ANN["email"],
        phone=ANN["phone"],
        reason=REASON,
        preferred_dates=["2030-01-07"],
        preferred_time_slots=["morning"],
    )
    dump = await dump_database(database_url)
    assert b"Quixotewright" not in dump  # sanity: the dump is searched as bytes
    for secret in [*ANN.values(), REASON, "panic attacks"]:
        assert secret.encode() not in dump, secret
        assert secret.lower().encode() not in dump.lower(), secret
    # And the dump is real: it does contain the non-personal data we stored.
    assert b"2030-01-07" in dump


async def dump_database(database_url: str) -> bytes:
    """Every byte the database holds for us: the SQLite file, or every row of every table."""
    if database_url.startswith("sqlite://"):
        await close_database_files()
        path = Path(database_url.removeprefix("sqlite://"))
        data = path.read_bytes()
        for suffix in ("-wal", "-journal"):
            extra = path.with_name(path.name + suffix)
            if extra.exists():
                data += extra.read_bytes()
        return data
    conn = connections.get("default")
    _, tables = await conn.execute_query(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    )
    chunks = []
    for table in tables:
        _, rows = await conn.execute_query(f'SELECT * FROM "{table["tablename"]}"')
        chunks.extend(repr(dict(row)).encode() for row in rows)
        chunks.extend(
            bytes(v)
            for row in rows
            for v in dict(row).values()
            if isinstance(v, bytes | memoryview)
        )
    return b"\n".join(chunks)


async def close_database_files() -> None:
    """Flush SQLite's write-ahead data into the file so we read what is really stored."""
    conn = connections.get("default")
    await conn.execute_query("PRAGMA wal_checkpoint(FULL)")
