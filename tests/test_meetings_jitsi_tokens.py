"""Jitsi links with JITSI_APP_ID/JITSI_APP_SECRET: each person's link carries their own token,
naming this room only, expiring when the join window closes, moderator only for staff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from booking.appointments import schedule_appointment
from models import Appointment, Notification
from tests.meetings_support import Clock, clocked_api, make_cast, make_request

SECRET = "jitsi-shared-secret-0123456789abcdef"
START = datetime(2030, 5, 6, 10, 0, tzinfo=UTC)
CLOSES = START + timedelta(minutes=50 + 15)


@pytest.fixture
def settings(make_settings, database_url):
    return make_settings(
        DATABASE_URL=database_url,
        JITSI_BASE_URL="https://video.practice.example",
        JITSI_APP_ID="practice-app",
        JITSI_APP_SECRET=SECRET,
    )


async def scheduled_session(db):
    cast = await make_cast(db)
    appointment = await make_request(db, user=cast.alice)
    await schedule_appointment(
        db, appointment.id, cast.theo, START, 50, now=START - timedelta(days=2)
    )
    return cast, await Appointment.get(id=appointment.id)


def token_of(link: str) -> dict:
    parts = urlsplit(link)
    token = parse_qs(parts.query)["jwt"][0]
    return jwt.decode(
        token,
        SECRET,
        algorithms=["HS256"],
        audience="jitsi",
        options={"verify_exp": False, "verify_iat": False},
    )


async def test_with_a_jitsi_app_each_person_gets_their_own_token(db, make_client):
    cast, appointment = await scheduled_session(db)
    api = await clocked_api(db, make_client, Clock(START))
    path = f"/api/meetings/appointments/{appointment.id}/jitsi-meeting/"

    alices = (await (await api.get(path, headers=cast.headers("alice"))).json())["meeting_url"]
    theos = (await (await api.get(path, headers=cast.headers("theo"))).json())["meeting_url"]

    room = appointment.jitsi_room_id
    assert alices.startswith(f"https://video.practice.example/{room}?jwt=")
    assert alices != theos
    alice_claims, theo_claims = token_of(alices), token_of(theos)
    for claims in (alice_claims, theo_claims):
        assert claims["room"] == room
        assert claims["iss"] == "practice-app"
        assert claims["sub"] == "video.practice.example"
        assert claims["exp"] == int(CLOSES.timestamp())
    assert alice_claims["moderator"] is False
    assert alice_claims["context"]["user"]["moderator"] is False
    assert alice_claims["context"]["user"]["id"] == str(cast.alice.id)
    assert theo_claims["moderator"] is True
    assert theo_claims["context"]["user"]["moderator"] is True


async def test_the_e_mailed_link_carries_alices_token_not_theos(db):
    _, appointment = await scheduled_session(db)
    mail = await Notification.get(appointment_id=appointment.id, kind="scheduled")
    link = next(line for line in mail.payload["text"].splitlines() if "?jwt=" in line)
    claims = token_of(link.split(": ", 1)[1])
    assert claims["moderator"] is False
    assert claims["room"] == appointment.jitsi_room_id
    staff_mail = await Notification.get(
        appointment_id=appointment.id, kind="join_window", dedupe_key__contains="staff"
    )
    staff_link = next(line for line in staff_mail.payload["text"].splitlines() if "?jwt=" in line)
    assert token_of(staff_link.split(": ", 1)[1])["moderator"] is True
