"""Key rotation: re-encrypt every encrypted column under the newest FIELD_ENCRYPTION_KEYS key."""

from __future__ import annotations

from tortoise import Tortoise, connections

from booking.db_clients import placeholders
from models import EncryptedJSONField, EncryptedTextField, current_vault


async def rotate_encrypted_fields(batch_size: int = 500) -> dict[str, int]:
    """Rotate every encrypted value in every table; returns rows rewritten per table.

    Each value is opened and sealed again by the vault (`Vault.rotate`: a Fernet token written
    by an older version comes out in the current format), so values stay byte-for-byte
    equal after decryption. Safe to interrupt and run again.
    """
    vault = current_vault()
    conn = connections.get("default")
    counts: dict[str, int] = {}
    for model in Tortoise.apps["models"].values():
        meta = model._meta
        columns = [
            meta.fields_db_projection[name]
            for name, field in meta.fields_map.items()
            if isinstance(field, EncryptedTextField | EncryptedJSONField)
        ]
        if not columns:
            continue
        pk = meta.db_pk_column
        first, second = placeholders(conn, 2)
        column_list = ", ".join(f'"{c}"' for c in columns)
        rotated = 0
        last = None
        while True:
            select = f'SELECT "{pk}", {column_list} FROM "{meta.db_table}"'  # noqa: S608
            params: list = []
            if last is not None:
                select += f' WHERE "{pk}" > {first}'
                params.append(last)
            select += f' ORDER BY "{pk}" LIMIT {int(batch_size)}'
            _, rows = await conn.execute_query(select, params)
            if not rows:
                break
            for row in rows:
                row = dict(row)
                last = row[pk]
                for column in columns:
                    token = row[column]
                    if token is None:
                        continue
                    new = vault.rotate(bytes(token))
                    sql = (
                        f'UPDATE "{meta.db_table}" SET "{column}" = {first} '  # noqa: S608
                        f'WHERE "{pk}" = {second}'
                    )
                    await conn.execute_query(sql, [new, last])
                rotated += 1
        counts[meta.db_table] = rotated
    return counts
