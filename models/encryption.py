"""Field-level encryption at rest (MultiFernet) and the blind index for searchable e-mail."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from tortoise import fields

DECRYPTED_KEPT = 4096  # decrypted values a Vault remembers (see Vault.decrypt)


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key (tampered or wrong key)."""


class Vault:
    """The keys: the first Fernet key encrypts, every key decrypts; one HMAC key indexes."""

    def __init__(self, fernet_keys: list[str], blind_index_key: str) -> None:
        if not fernet_keys:
            raise ValueError("at least one Fernet key is needed")
        self.fernet = MultiFernet([Fernet(k) for k in fernet_keys])
        self._index_key = blind_index_key.encode()
        # Decrypted values by token: a page read again (the lists, the signed-in user)
        # costs no AES and no HMAC. A token only ever decrypts to one value, so an entry
        # is never wrong; the cache is emptied when full, and dies with these keys.
        self._plain: dict[bytes, str] = {}

    def encrypt(self, plaintext: str) -> bytes:
        return self.fernet.encrypt(plaintext.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        plain = self._plain.get(token)
        if plain is not None:
            return plain
        try:
            plain = self.fernet.decrypt(token).decode("utf-8")
        except InvalidToken:
            raise DecryptionError(
                "stored ciphertext is not valid under any FIELD_ENCRYPTION_KEYS key "
                "(tampered data or a missing old key)"
            ) from None
        if len(self._plain) >= DECRYPTED_KEPT:
            self._plain.clear()
        self._plain[token] = plain
        return plain

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt a token under the newest key."""
        try:
            return self.fernet.rotate(token)
        except InvalidToken:
            raise DecryptionError("cannot rotate a value no configured key can read") from None

    def blind_index(self, email: str) -> str:
        digest = hmac.new(self._index_key, normalise_email(email).encode(), hashlib.sha256)
        return digest.hexdigest()

    def keyed_hash(self, purpose: str, value: str) -> str:
        """HMAC of `value` under a key derived for `purpose` (never equal to a blind index)."""
        key = hmac.new(self._index_key, purpose.encode(), hashlib.sha256).digest()
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


# Tortoise converts field values without any per-call context, so the field type needs one
# process-wide place to find the keys. It is set once at start (booking.db) and never mutated.
_vault: Vault | None = None


def configure_encryption(fernet_keys: list[str], blind_index_key: str) -> Vault:
    global _vault
    _vault = Vault(fernet_keys, blind_index_key)
    return _vault


def current_vault() -> Vault:
    if _vault is None:
        raise RuntimeError("encryption keys are not configured (call configure_encryption)")
    return _vault


def normalise_email(email: str) -> str:
    return email.strip().lower()


def blind_index(email: str) -> str:
    """HMAC-SHA256 of the normalised address: equal for equal e-mails, reveals nothing."""
    return current_vault().blind_index(email)


class EncryptedTextField(fields.BinaryField):
    """Text stored as a Fernet token; the database only ever sees ciphertext.

    Values travel as bytes from the database and as str from our code, which is how
    `to_python_value` tells a stored token from a freshly assigned plaintext.
    """

    def to_db_value(self, value: Any, instance: Any) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, bytes):  # already a token (e.g. during key rotation)
            return value
        return current_vault().encrypt(str(value))

    def to_python_value(self, value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return current_vault().decrypt(bytes(value))


class EncryptedJSONField(fields.BinaryField):
    """A JSON document stored as a Fernet token."""

    def to_db_value(self, value: Any, instance: Any) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, bytes):
            return value
        return current_vault().encrypt(json.dumps(value, separators=(",", ":")))

    def to_python_value(self, value: Any) -> Any:
        if value is None or not isinstance(value, bytes | bytearray | memoryview):
            return value
        return json.loads(current_vault().decrypt(bytes(value)))
