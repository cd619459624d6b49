"""Personas and helpers shared by the account tests (not a test module itself); their
fixtures (`mail_api` and friends) are in conftest.py."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
import time
from email.message import EmailMessage
from typing import Any

from aiohttp.test_utils import TestClient

from tests.smtp_sink import Inbox, body_text

PRACTICE = "Willow Tree Therapy"
SENDER = "care@willow.example"
ALICE = "alice@example.com"
BOB = "bob@example.com"
NOBODY = "nobody@example.com"
ALICE_PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new secret phrase"
CODE_RE = re.compile(r"^\s+(\d{6})\s*$", re.MULTILINE)


def _segment(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims(**overrides: Any) -> dict[str, Any]:
    """A complete, current set of access-token claims, with overrides (None removes one)."""
    now = int(time.time())
    base = {
        "token_type": "access",
        "jti": secrets.token_hex(16),
        "iat": now,
        "exp": now + 600,
        **overrides,
    }
    return {k: v for k, v in base.items() if v is not None}


def unsigned(payload: dict[str, Any]) -> str:
    """A token claiming `alg: none`: the classic forgery."""
    return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(claims(**payload))}."


async def next_mail(
    inbox: Inbox, after: int, to: str, subject: str = "", timeout: float = 15.0
) -> EmailMessage:
    """The first message to `to` (subject containing `subject`) among those after index `after`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        for message in inbox.messages[after:]:
            if to in str(message["To"]).lower() and subject in str(message["Subject"]):
                return message
        if loop.time() > deadline:
            raise AssertionError(f"no e-mail to {to} ({subject!r}) within {timeout}s")
        await asyncio.sleep(0.02)


def code_in(message: EmailMessage) -> str:
    found = CODE_RE.findall(body_text(message))
    assert len(found) == 1, body_text(message)
    return found[0]


class Visitor:
    """One person at the API: knows how to register, read their inbox and sign in."""

    def __init__(self, client: TestClient, inbox: Inbox, email: str, first_name: str) -> None:
        self.client = client
        self.inbox = inbox
        self.email = email
        self.first_name = first_name

    async def post(self, path: str, body: Any, **kwargs: Any) -> Any:
        return await self.client.post(f"/api/auth/{path}", json=body, **kwargs)

    async def register(self, password: str = ALICE_PASSWORD, **extra: Any) -> Any:
        body = {
            "email": self.email,
            "first_name": self.first_name,
            "last_name": "Archer",
            "phone_number": "+44 20 7946 0000",
            "password": password,
            "password2": password,
            **extra,
        }
        return await self.post("register/", body)

    async def code(self, after: int, subject: str = "") -> str:
        return code_in(await next_mail(self.inbox, after, self.email, subject))

    async def register_and_verify(self, password: str = ALICE_PASSWORD) -> None:
        mark = len(self.inbox.messages)
        assert (await self.register(password)).status == 201
        code = await self.code(mark, "verification code")
        response = await self.post("verify-otp/", {"email": self.email, "otp": code})
        assert response.status == 200, await response.text()

    async def get(self, path: str, access: str) -> Any:
        return await self.client.get(path, headers={"Authorization": f"Bearer {access}"})

    async def login(self, password: str = ALICE_PASSWORD) -> Any:
        return await self.post("login/", {"email": self.email, "password": password})

    async def tokens(self, password: str = ALICE_PASSWORD) -> dict[str, Any]:
        response = await self.login(password)
        assert response.status == 200, await response.text()
        return await response.json()
