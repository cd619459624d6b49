"""Mallory times the account routes to learn who has an account: every branch of register,
login, forgot-password and resend-otp does the same expensive work, so she learns nothing.

The medians of 40 requests per branch (sampled round-robin, so a busy machine slows every
branch alike) must lie within 20 ms of each other on each route. The argon2 parameters are
lowered for speed (production's cost is ~300 ms a hash on a small machine; 40 samples of 16
branches would take minutes) to 10-35 ms a hash, depending on the machine's load: too little
for the timing alone to catch a hash missing on a fast machine, so the hashes are counted
too, which catches it on any machine. A register or login request does exactly one,
whatever the account; forgot-password and resend-otp do none in any branch.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from argon2 import PasswordHasher

from booking import passwords
from models import User, blind_index

SAMPLES = 40
MAX_SPREAD_MS = 20.0
PASSWORD = "correct horse battery"
OTHER = "another long passphrase"


class CountingHasher(PasswordHasher):
    """argon2 with test parameters, counting every hash and verification."""

    def __init__(self) -> None:
        super().__init__(time_cost=2, memory_cost=16 * 1024, parallelism=1)
        self.calls = 0

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.calls += 1
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.calls += 1
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", counting)
    passwords._dummy_hash.cache_clear()  # made again with these parameters
    passwords._dummy_hash()
    yield counting
    passwords._dummy_hash.cache_clear()


@pytest.fixture
def settings(make_settings, database_url):
    # The limits would stop 40 tries on one address; here they are not what is measured.
    return make_settings(DATABASE_URL=database_url, RATE_LIMIT_MULTIPLIER="1000")


async def account(email: str, *, verified: bool, password_hash: str | None) -> User:
    return await User.create(
        email=email,
        email_index=blind_index(email),
        first_name="Pat",
        last_name="Doe",
        password_hash=password_hash,
        email_verified_at=datetime.now(UTC) if verified else None,
    )


def registration(email: str, password: str = PASSWORD) -> dict[str, Any]:
    return {
        "email": email,
        "first_name": "Pat",
        "last_name": "Doe",
        "password": password,
        "password2": password,
    }


Branch = Callable[[int], tuple[str, dict[str, Any]]]


async def branches(hasher: CountingHasher) -> dict[str, dict[str, Branch]]:
    """Each route's branches: a name, and the request of the i-th sample."""
    stored = hasher.hash(PASSWORD)
    await account("vera@example.com", verified=True, password_hash=stored)
    await account("pat@example.com", verified=False, password_hash=stored)
    await account("uma@example.com", verified=True, password_hash=passwords.UNUSABLE_PASSWORD)
    await account("una@example.com", verified=False, password_hash=passwords.UNUSABLE_PASSWORD)
    for i in range(SAMPLES):
        # Each sample of these branches changes its account: one account per sample.
        await account(f"pending{i}@example.com", verified=False, password_hash=stored)
        await account(f"telegram{i}@example.com", verified=False, password_hash=None)
    login = "login/"
    return {
        "register/": {
            "a new address": lambda i: ("register/", registration(f"new{i}@example.com")),
            "a verified account": lambda i: ("register/", registration("vera@example.com")),
            "pending, same password": lambda i: ("register/", registration("pat@example.com")),
            "pending, another password": lambda i: (
                "register/",
                registration(f"pending{i}@example.com", OTHER),
            ),
            "pending, no password yet": lambda i: (
                "register/",
                registration(f"telegram{i}@example.com"),
            ),
            "pending, password voided": lambda i: ("register/", registration("una@example.com")),
        },
        login: {
            "an unknown address": lambda i: (
                login,
                {"email": "nobody@example.com", "password": PASSWORD},
            ),
            "a wrong password": lambda i: (login, {"email": "vera@example.com", "password": OTHER}),
            "not verified yet": lambda i: (
                login,
                {"email": "pat@example.com", "password": PASSWORD},
            ),
            "no usable password": lambda i: (
                login,
                {"email": "uma@example.com", "password": PASSWORD},
            ),
        },
        "forgot-password/": {
            "a known address": lambda i: ("forgot-password/", {"email": "vera@example.com"}),
            "an unknown address": lambda i: ("forgot-password/", {"email": "nobody@example.com"}),
        },
        "resend-otp/": {
            "a pending account": lambda i: ("resend-otp/", {"email": "pat@example.com"}),
            "a verified account": lambda i: ("resend-otp/", {"email": "vera@example.com"}),
            "an unknown address": lambda i: ("resend-otp/", {"email": "nobody@example.com"}),
        },
    }


HASHES_PER_REQUEST = {"register/": 1, "login/": 1, "forgot-password/": 0, "resend-otp/": 0}


async def test_no_branch_of_the_account_routes_is_faster_or_slower(api, db, hasher):
    routes = await branches(hasher)
    timings: dict[tuple[str, str], list[float]] = {}
    hashes: Counter[tuple[str, str]] = Counter()
    statuses: dict[tuple[str, str], set[int]] = {}
    for i in range(SAMPLES):
        for route, its_branches in routes.items():
            for name, request_of in its_branches.items():
                path, body = request_of(i)
                before = hasher.calls
                started = time.perf_counter()
                response = await api.post(f"/api/auth/{path}", json=body)
                await response.read()
                elapsed = (time.perf_counter() - started) * 1000
                hashes[(route, name)] += hasher.calls - before
                timings.setdefault((route, name), []).append(elapsed)
                statuses.setdefault((route, name), set()).add(response.status)

    report, spreads = [], []
    for route, its_branches in routes.items():
        medians = {name: statistics.median(timings[(route, name)]) for name in its_branches}
        spreads.append(max(medians.values()) - min(medians.values()))
        shown = ", ".join(f"{name} {ms:.1f} ms" for name, ms in medians.items())
        report.append(f"{route} spread {spreads[-1]:.1f} ms: {shown}")
    report.append(f"hashes per branch: {dict(hashes)}")
    details = "\n".join(report)
    for route, its_branches in routes.items():
        # Every branch answers alike (what is answered is checked by each route's own tests).
        assert len({frozenset(statuses[(route, name)]) for name in its_branches}) == 1, statuses
        for name in its_branches:
            expected = SAMPLES * HASHES_PER_REQUEST[route]
            assert hashes[(route, name)] == expected, f"{route} {name}\n{details}"
    assert max(spreads) <= MAX_SPREAD_MS, details
