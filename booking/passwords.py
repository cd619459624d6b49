"""Password rules and argon2id hashing, off the event loop."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from booking.errors import InvalidInput

T = TypeVar("T")

MIN_LENGTH = 8
MAX_LENGTH = 1024
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Stored instead of a hash when no password may be trusted (never a valid argon2 hash, so it
# matches nothing); the owner chooses one through the password-reset flow.
UNUSABLE_PASSWORD = "!unusable"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("booking").joinpath("common_passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problems(password: str) -> list[str]:
    """Length and commonness only: composition rules make passwords worse, not better."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(
            f"This password is too short. It must contain at least {MIN_LENGTH} characters."
        )
    elif len(password) > MAX_LENGTH:
        problems.append(f"This password is too long (at most {MAX_LENGTH} characters).")
    elif password.strip().lower() in common_passwords():
        problems.append("This password is too common.")
    return problems


def validate_password(password: str, field: str = "password") -> None:
    problems = password_problems(password)
    if problems:
        raise InvalidInput({field: problems})


def _hashing_threads() -> int:
    """One core fewer than the machine has (at least one): a flood of sign-ins queues for
    them, and the event loop always keeps a core for every other request."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


# argon2 runs here (it releases the GIL), never more at once than this pool has threads.
_hashing = ThreadPoolExecutor(max_workers=_hashing_threads(), thread_name_prefix="argon2")


async def _argon2(function: Callable[..., T], *args: str) -> T:
    return await asyncio.get_running_loop().run_in_executor(_hashing, function, *args)


async def hash_password(password: str) -> str:
    return await _argon2(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """One argon2 verification whatever is stored: a dummy hash stands in for none, for the
    unusable marker and for anything else that is not an argon2 hash, so an account without
    a usable password answers no faster than one with a wrong password."""
    usable = is_usable(password_hash) and _is_argon2(password_hash)
    target = password_hash if usable else _dummy_hash()
    try:
        ok = await _argon2(_hasher.verify, target, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return ok and usable


@dataclass(frozen=True)
class PasswordWork:
    """One argon2 step for a typed password: its new hash, or (`checked`: the stored hash it
    was compared with) whether it matches."""

    new_hash: str | None = None
    checked: str | None = None
    matches: bool = False


async def hash_or_check(password: str, stored: str | None) -> PasswordWork:
    """Compare with `stored` when there is one, hash otherwise: one argon2 step either way."""
    if stored:
        return PasswordWork(checked=stored, matches=await verify_password(stored, password))
    return PasswordWork(new_hash=await hash_password(password))


def _is_argon2(password_hash: str | None) -> bool:
    return bool(password_hash) and password_hash.startswith("$argon2")  # type: ignore[union-attr]


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("dummy password that matches nothing")


def is_usable(password_hash: str | None) -> bool:
    return bool(password_hash) and password_hash != UNUSABLE_PASSWORD
