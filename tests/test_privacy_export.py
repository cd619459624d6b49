"""GET /api/auth/me/export/: Zephyrine takes everything the practice holds about her.

Her account without secrets, her appointments with reasons, decisions and history, her
move request and waitlist notes, her Telegram link, the audit events about her (by role,
never naming anyone) - and nothing of Charlie, the other client.
"""

from __future__ import annotations

import json

import pytest

from booking.audit import APPOINTMENT_VIEW, CLIENT_EXPORT, record_audit
from models import AuditEvent, RecoveryCode, User
from tests.meetings_support import auth, make_user
from tests.privacy_support import ZEPHYRINE, give_her_a_file

EXPORT = "/api/auth/me/export/"
pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


async def _export(api, headers) -> dict:
    response = await api.get(EXPORT, headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_zephyrine_takes_everything_held_about_her(api, settings):
    its = await give_her_a_file(settings, api)
    await User.filter(id=its.user.id).update(totp_secret="JBSWY3DPEHPK3PXP", timezone="UTC")
    await RecoveryCode.create(user=its.user, code_hash="recovery-hash-value")
    document = await _export(api, its.headers)

    assert document["format_version"] == 1 and document["generated_at"].endswith("Z")
    account = document["account"]
    assert account["id"] == str(its.user.id)
    assert (account["email"], account["first_name"], account["last_name"]) == (
        ZEPHYRINE.email,
        ZEPHYRINE.first_name,
        ZEPHYRINE.last_name,
    )
    assert account["phone"] == ZEPHYRINE.phone and account["is_staff"] is False
    assert account["two_factor_enabled"] is False and account["has_password"] is True
    assert document["telegram"] == {"user_id": ZEPHYRINE.telegram_user_id}

    by_id = {a["id"]: a for a in document["appointments"]}
    assert set(by_id) == {its.rejected, its.moved, its.cancelled, its.pending}
    assert all(a["reason"] == ZEPHYRINE.reason for a in by_id.values())
    rejected = by_id[its.rejected]
    assert rejected["status"] == "rejected" and rejected["decided_by"] == "staff"
    assert rejected["rejection_reason"] == ZEPHYRINE.rejection_reason
    assert [e["kind"] for e in rejected["events"]] == ["requested", "rejected"]
    assert [e["by"] for e in rejected["events"]] == ["client", "staff"]
    assert by_id[its.cancelled]["cancellation_reason"] == ZEPHYRINE.cancellation_reason
    assert by_id[its.cancelled]["cancelled_by"] == "client"
    moved = by_id[its.moved]
    assert moved["scheduled_datetime"] and moved["move_requests"][0]["note"] == ZEPHYRINE.move_note
    [entry] = document["waitlist"]
    assert entry["note"] == ZEPHYRINE.waitlist_note and entry["status"] == "waiting"

    # Nothing secret: no password hash, no two-step secret, no code hashes.
    text = json.dumps(document)
    for secret in ("argon2", "JBSWY3DPEHPK3PXP", "recovery-hash-value", "password_hash"):
        assert secret not in text


async def test_audit_events_about_her_name_roles_not_people(api, settings):
    theo = await make_user("theo@practice.example", first_name="Theo", staff=True)
    its = await give_her_a_file(settings, api, staff=theo)
    await record_audit(theo, APPOINTMENT_VIEW, target=its.moved, subject=its.user.id)
    first = await _export(api, its.headers)
    events = first["audit_events"]
    views = [e for e in events if e["action"] == APPOINTMENT_VIEW]
    assert views and all(e["actor"] == "staff" for e in views)
    assert all(set(e) == {"at", "action", "target", "actor"} for e in events)
    assert str(theo.id) not in json.dumps(first)
    # The export itself is recorded, and the next export lists it, as hers.
    assert await AuditEvent.filter(action=CLIENT_EXPORT, actor_id=its.user.id).count() == 1
    second = await _export(api, its.headers)
    exports = [e for e in second["audit_events"] if e["action"] == CLIENT_EXPORT]
    assert [e["actor"] for e in exports] == ["you"]


async def test_charlie_finds_nothing_of_zephyrine_in_his_export(api, settings):
    await give_her_a_file(settings, api)
    charlie = await make_user("charlie@example.com", first_name="Charlie", last_name="Chen")
    document = await _export(api, auth(settings, charlie))
    assert document["appointments"] == [] and document["waitlist"] == []
    assert document["telegram"] is None
    text = json.dumps(document)
    for value in ZEPHYRINE.values.values():
        assert value not in text


async def test_an_anonymous_caller_gets_nothing(api, db):
    assert (await api.get(EXPORT)).status == 401
