"""Meeting links after a change, with Jitsi tokens on: a cancelled session gets no token and
no link; a moved one has a new room, so the old link (and its token) leads nowhere."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from booking.meetings import Participant, meeting_url
from models import Appointment
from tests.lifecycle_support import START, later, story
from tests.meetings_support import iso

SECRET = "jitsi-shared-secret-0123456789abcdef"


@pytest.fixture
def settings(make_settings, database_url):
    return make_settings(
        DATABASE_URL=database_url,
        JITSI_BASE_URL="https://video.practice.example",
        JITSI_APP_ID="practice-app",
        JITSI_APP_SECRET=SECRET,
    )


@pytest.fixture
async def alice(db, make_client):
    return await story(db, make_client)


def room_of(link: str) -> str:
    claims = jwt.decode(
        parse_qs(urlsplit(link).query)["jwt"][0],
        SECRET,
        algorithms=["HS256"],
        audience="jitsi",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert urlsplit(link).path.lstrip("/") == claims["room"]
    return claims["room"]


async def test_no_token_is_issued_for_a_cancelled_session(alice):
    session = await alice.book()
    path = f"/api/meetings/appointments/{session.id}/jitsi-meeting/"
    before = await alice.api.get(path, headers=alice.cast.headers("alice"))
    assert before.status == 200 and "jwt=" in (await before.json())["meeting_url"]

    assert (await alice.post(session, "cancel", "alice"))[0] == 200

    for who in ("alice", "theo"):
        after = await alice.api.get(path, headers=alice.cast.headers(who))
        assert after.status == 400
        assert (await alice.get(session, who))["jitsi_meet_url"] is None
    stored = await Appointment.get(id=session.id)
    assert meeting_url(alice.settings, stored, Participant.for_client(stored)) is None


async def test_a_moved_session_has_a_new_room_and_new_tokens(alice):
    session = await alice.book()
    old = (await alice.get(session, "alice"))["jitsi_meet_url"]
    status, body = await alice.post(
        session, "reschedule", "theo", {"scheduled_datetime": iso(later(START, days=2))}
    )
    assert status == 200
    new = (await alice.get(session, "alice"))["jitsi_meet_url"]
    assert room_of(new) == body["jitsi_room_id"] != room_of(old) == session.jitsi_room_id
