"""The outbox rows of the waitlist: an offer, a time gone, a time taken, a time unclaimed.

Each function runs inside the transaction of the change that causes it. Rows are keyed
`waitlist:<offer id>:<kind>:<channel>:<client|staff:<user id>>` (ids and kinds only), so
a message is never queued twice.

Telegram payloads (plain text; the bot adds its own buttons from `"kind"`):

- client `waitlist_offer`: `{"kind", "audience": "client", "offer_id", "scheduled_datetime",
  "duration", "expires_at", "text"}` (Take it / No thanks; a press re-checks the hold)
- client `waitlist_gone`: `{"kind", "audience": "client", "offer_id", "text"}`
- staff `waitlist_taken`, `waitlist_unclaimed`: `{"kind", "audience": "staff", "offer_id",
  "text"}` (plus `"appointment_id"` and `"details"` when taken: the client is named by
  reference only, their name behind Show details)
"""

from __future__ import annotations

from typing import Any

from tortoise import BaseDBAsyncClient

from booking.formatting import format_duration, format_practice_time
from booking.messages.chat import DETAILS_CLIENT, iso_utc, reference
from booking.messages.email import compose, hello
from booking.notifications import enqueue
from booking.settings import Settings
from models import Appointment, NotificationChannel, User, WaitlistEntry, WaitlistOffer

KIND_OFFER = "waitlist_offer"
KIND_GONE = "waitlist_gone"
KIND_TAKEN = "waitlist_taken"
KIND_UNCLAIMED = "waitlist_unclaimed"
EMAIL, TELEGRAM = NotificationChannel.EMAIL, NotificationChannel.TELEGRAM


def accept_path(offer: WaitlistOffer) -> str:
    return f"/api/meetings/waitlist/offers/{offer.id}/accept/"


async def _to(
    conn: BaseDBAsyncClient,
    user: User,
    offer: WaitlistOffer,
    kind: str,
    who: str,
    email: dict[str, Any] | None,
    chat: dict[str, Any] | None,
) -> None:
    rows = []
    if email is not None and user.email:
        rows.append((EMAIL, user.email, email))
    if chat is not None and user.telegram_user_id:
        rows.append((TELEGRAM, str(user.telegram_user_id), chat))
    for channel, recipient, payload in rows:
        await enqueue(
            channel=channel,
            recipient=recipient,
            kind=kind,
            payload=payload,
            dedupe_key=f"waitlist:{offer.id}:{kind}:{channel.value}:{who}",
            using_db=conn,
        )


def _when(settings: Settings, offer: WaitlistOffer) -> str:
    return f"{format_practice_time(settings, offer.start)}, {format_duration(offer.duration)}"


async def queue_offer(
    settings: Settings, conn: BaseDBAsyncClient, offer: WaitlistOffer, entry: WaitlistEntry
) -> None:
    """The client hears of the held time: Take it / No thanks in the chat, a link by e-mail."""
    user = await User.get(id=entry.user_id).using_db(conn)  # type: ignore[attr-defined]
    when, until = _when(settings, offer), format_practice_time(settings, offer.expires_at)
    moving = entry.appointment_id is not None  # type: ignore[attr-defined]
    what = "an earlier time for your session" if moving else "a session"
    text = (
        f"A time has opened up: {when}.\n"
        f"It is held for you as {what} until {until}. The next person waiting gets it after."
    )
    chat = {
        "kind": KIND_OFFER,
        "audience": "client",
        "offer_id": str(offer.id),
        "scheduled_datetime": iso_utc(offer.start),
        "duration": offer.duration,
        "expires_at": iso_utc(offer.expires_at),
        "text": text,
    }
    email = compose(
        settings,
        subject="A time has opened up for you",
        greeting=hello(user.first_name),
        paragraphs=[
            f"A time you were waiting for has opened up: {when}.",
            f"It is held for you as {what} until {until}.",
            "To take it, open the practice's Telegram bot and press Take it, or send "
            f"POST {settings.base_url}{accept_path(offer)} while signed in.",
            "If it does not suit you, do nothing: it passes to the next person waiting.",
        ],
    )
    await _to(conn, user, offer, KIND_OFFER, "client", email, chat)


async def queue_gone(
    settings: Settings, conn: BaseDBAsyncClient, offer: WaitlistOffer, entry: WaitlistEntry
) -> None:
    """The held time was booked otherwise: the client hears it is gone (chat, e-mail)."""
    user = await User.get(id=entry.user_id).using_db(conn)  # type: ignore[attr-defined]
    text = f"Sorry, {_when(settings, offer)} is no longer free. You stay on the waitlist."
    chat = {"kind": KIND_GONE, "audience": "client", "offer_id": str(offer.id), "text": text}
    email = compose(
        settings, subject="The time is gone", greeting=hello(user.first_name), paragraphs=[text]
    )
    await _to(conn, user, offer, KIND_GONE, "client", email, chat)


async def _staff(conn: BaseDBAsyncClient) -> list[User]:
    return await User.filter(is_staff=True, is_active=True).using_db(conn).order_by("created_at")


async def queue_taken(
    settings: Settings,
    conn: BaseDBAsyncClient,
    offer: WaitlistOffer,
    appointment: Appointment,
    moved: bool,
) -> None:
    """Staff hear that freed time was taken from the waitlist (who: behind Show details)."""
    who = f"{appointment.first_name} {appointment.last_name}"
    how = "moved their session there" if moved else "booked it"
    when = _when(settings, offer)
    # Lock-screen safe: the chat names the client only by reference; the e-mail by name.
    text = f"From the waitlist: a client ({reference(appointment.id)}) took {when} and {how}."
    for staff in await _staff(conn):
        chat = {
            "kind": KIND_TAKEN,
            "audience": "staff",
            "offer_id": str(offer.id),
            "appointment_id": str(appointment.id),
            "text": text,
            "details": DETAILS_CLIENT,
        }
        email = compose(
            settings,
            subject="Freed time taken from the waitlist",
            greeting=hello(staff.first_name),
            paragraphs=[
                f"From the waitlist: {who} took {when} and {how}.",
                f"Appointment id: {appointment.id}.",
            ],
        )
        await _to(conn, staff, offer, KIND_TAKEN, f"staff:{staff.id}", email, chat)


async def queue_unclaimed(
    settings: Settings, conn: BaseDBAsyncClient, offer: WaitlistOffer
) -> None:
    """Nobody (else) on the waitlist wants the time: staff hear it stays open."""
    text = (
        f"Waitlist: nobody took {_when(settings, offer)} "
        "(declined or not answered in time); it stays open for booking."
    )
    for staff in await _staff(conn):
        chat = {
            "kind": KIND_UNCLAIMED,
            "audience": "staff",
            "offer_id": str(offer.id),
            "text": text,
        }
        email = compose(
            settings,
            subject="Freed time not taken from the waitlist",
            greeting=hello(staff.first_name),
            paragraphs=[text],
        )
        await _to(conn, staff, offer, KIND_UNCLAIMED, f"staff:{staff.id}", email, chat)
