"""Zephyrine, the persona of the privacy stories, and how she comes to have a file.

Her values are distinctive on purpose: a raw scan of the database files for any of them
can only find her. Not a test module itself; fixtures are in conftest.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from booking.offers import available_dates
from booking.passwords import hash_password
from booking.settings import Settings
from models import ConversationState, User, blind_index
from tests.meetings_support import auth, make_user, open_every_day

PASSWORD = "lighthouse keeper's long passphrase"


@dataclass(frozen=True)
class Persona:
    first_name: str = "Zephyrine"
    last_name: str = "Quillfeather"
    email: str = "zephyrine.quillfeather@example.org"
    phone: str = "+44 7700 900417"
    reason: str = "Nightmares about the Wrexley lighthouse fire"
    rejection_reason: str = "Away at the Tromsokvist conference that week"
    cancellation_reason: str = "Ferry strike from Brannoch Island"
    move_note: str = "Tuesdays clash with Marrowgate choir rehearsal"
    waitlist_note: str = "Only after the Pennyfold school run"
    bot_draft: str = "Half-typed: the Vellacott inheritance dispute"
    telegram_user_id: int = 770041795

    @property
    def values(self) -> dict[str, str]:
        """Every personal value, by name (what a scan must not find after erasure)."""
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "phone": self.phone,
            "reason": self.reason,
            "rejection_reason": self.rejection_reason,
            "cancellation_reason": self.cancellation_reason,
            "move_note": self.move_note,
            "waitlist_note": self.waitlist_note,
            "bot_draft": self.bot_draft,
        }

    @property
    def blind_index(self) -> str:
        return blind_index(self.email)


ZEPHYRINE = Persona()


@dataclass
class File:
    """What the practice came to hold about her (ids, to look things up)."""

    user: User
    headers: dict[str, str]
    staff_headers: dict[str, str]
    rejected: str = ""
    moved: str = ""  # scheduled, with a move request (a future session: erasure cancels it)
    cancelled: str = ""
    pending: str = ""
    waitlist_entry: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


async def _ok(response: Any, status: int = 200) -> Any:
    body = await response.json()
    assert response.status == status, body
    return body


async def give_her_a_file(
    settings: Settings, api: TestClient, persona: Persona = ZEPHYRINE, *, staff: User | None = None
) -> File:
    """Her account (with a password and a Telegram link) and a life at the practice:
    a request rejected with a reason, a session booked and asked to move with a note,
    one she cancelled with a reason, one waiting, a waitlist entry with a note, and a
    half-finished booking stored by the bot."""
    await open_every_day()
    theo = staff or await make_user(
        "theo@practice.example", first_name="Theo", last_name="Hart", staff=True
    )
    user = await User.create(
        email=persona.email,
        email_index=persona.blind_index,
        first_name=persona.first_name,
        last_name=persona.last_name,
        phone=persona.phone,
        password_hash=await hash_password(PASSWORD),
        email_verified_at=datetime.now(UTC),
        telegram_user_id=persona.telegram_user_id,
    )
    mine, staffs = auth(settings, user), auth(settings, theo)
    dates = [d.isoformat() for d in (await available_dates(settings))[:3]]
    its = File(user=user, headers=mine, staff_headers=staffs)

    async def request() -> str:
        body = {
            "first_name": persona.first_name,
            "last_name": persona.last_name,
            "email": persona.email,
            "phone": persona.phone,
            "reason": persona.reason,
            "preferred_dates": dates[:2],
            "preferred_time_slots": ["morning"],
        }
        created = await _ok(
            await api.post("/api/meetings/appointments/create/", json=body, headers=mine), 201
        )
        return created["id"]

    meetings = "/api/meetings/appointments"
    its.rejected = await request()
    await _ok(
        await api.post(
            f"{meetings}/{its.rejected}/reject/",
            json={"rejection_reason": persona.rejection_reason},
            headers=staffs,
        )
    )
    its.moved = await request()
    start = (datetime.now(UTC) + timedelta(days=5)).replace(hour=10, minute=0, second=0)
    when = {"scheduled_datetime": start.isoformat().replace("+00:00", "Z")}
    await _ok(await api.post(f"{meetings}/{its.moved}/schedule/", json=when, headers=staffs))
    move = {
        "preferred_dates": dates[1:2],
        "preferred_time_slots": ["afternoon"],
        "note": persona.move_note,
    }
    await _ok(
        await api.post(f"{meetings}/{its.moved}/reschedule-request/", json=move, headers=mine)
    )
    its.cancelled = await request()
    cancel = {"reason": persona.cancellation_reason}
    await _ok(await api.post(f"{meetings}/{its.cancelled}/cancel/", json=cancel, headers=mine))
    its.pending = await request()
    join = {"weekdays": [0, 2, 4], "note": persona.waitlist_note}
    entry = await _ok(await api.post("/api/meetings/waitlist/", json=join, headers=mine), 201)
    its.waitlist_entry = entry["id"]
    # What the bot stores for her chat mid-conversation (bot.persistence's keys).
    tg = persona.telegram_user_id
    await ConversationState.create(key=f"user:{tg}", data={"booking": {"note": persona.bot_draft}})
    await ConversationState.create(key=f"conv:booking:[{tg},{tg}]", data={"state": "NOTE"})
    return its


async def drive_privacy_statuses(record: Any, cast: Any) -> None:
    """tests/test_api_routes.py's driver of the privacy routes' 409 and 429: staff are not
    erased; wrong passwords at "erase me" run out."""
    erase_client = "/api/meetings/admin/clients/{user_id}/erase/"
    staff = cast.headers("theo")
    url = erase_client.replace("{user_id}", str(cast.theo.id))
    assert (await record.call("post", erase_client, url=url, headers=staff))[0] == 409
    erase_me, body = "/api/auth/me/erase/", {"password": "a guess"}
    assert (await record.call("post", erase_me, json=body, headers=staff))[0] == 409
    erin = await User.create(
        email="erin@example.com",
        email_index=blind_index("erin@example.com"),
        first_name="Erin",
        last_name="Eld",
        password_hash=await hash_password("erin's own long passphrase"),
        email_verified_at=datetime.now(UTC),
    )
    statuses = [
        (await record.call("post", erase_me, json=body, headers=auth(cast.settings, erin)))[0]
        for _ in range(6)
    ]
    assert statuses == [400] * 5 + [429], statuses
