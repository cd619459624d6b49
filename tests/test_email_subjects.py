"""E-mail subject lines name no reason, no note and no diagnosis, and say "therapy" only
through PRACTICE_NAME: a subject shows on a lock screen and in every inbox list. Every
builder of `booking.messages` is called (found, not listed, so a new one is checked too)
for Zephyrine, whose name, reasons and notes appear nowhere else."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from booking.messages import account_emails, appointment_emails, lifecycle_emails
from booking.settings import Settings
from models import Appointment, AppointmentStatus, Proposal, RescheduleRequest, Role

BUILDER_MODULES = (account_emails, appointment_emails, lifecycle_emails)
SECRETS = (
    "Zephyrine",
    "Quillfeather",
    "Grief after my brother's accident",
    "Xanthippe protocol conflict",
    "Vortigern clinic closure",
    "Ophthalmology surgery Thursday",
)
START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)


def _appointment() -> Appointment:
    return Appointment(
        id=uuid.uuid4(),
        email_index="x",
        first_name=SECRETS[0],
        last_name=SECRETS[1],
        email="zq@example.com",
        reason=SECRETS[2],
        rejection_reason=SECRETS[3],
        cancellation_reason=SECRETS[4],
        preferred_dates=[START.date().isoformat()],
        preferred_time_slots=["evening"],
        status=AppointmentStatus.SCHEDULED,
        scheduled_datetime=START,
        scheduled_duration=60,
        jitsi_room_id="room-" + uuid.uuid4().hex,
        cancelled_by=Role.STAFF,
        created_at=datetime.now(UTC),
    )


def _arguments(appointment: Appointment) -> dict[str, Any]:
    """A value for every parameter name the builders take."""
    return {
        "appointment": appointment,
        "link": "https://meet.example/room",
        "now": datetime.now(UTC),
        "staff_name": "Theo",
        "name": "Theo",
        "first_name": SECRETS[0],
        "has_password": True,
        "code": "123456",
        "minutes": 10,
        "history": None,
        "proposals": [
            Proposal(
                start=START + timedelta(days=1),
                duration=60,
                expires_at=START,
            )
        ],
        "request": RescheduleRequest(
            preferred_dates=[START.date().isoformat()],
            preferred_time_slots=["morning"],
            note=SECRETS[5],
            requested_at=datetime.now(UTC),
        ),
    }


def _builders() -> list[tuple[str, Callable[..., dict]]]:
    return [
        (f"{module.__name__}.{name}", function)
        for module in BUILDER_MODULES
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if name.endswith("_email") and function.__module__ == module.__name__
    ]


def _subjects(settings: Settings) -> dict[str, str]:
    subjects: dict[str, str] = {}
    values = _arguments(_appointment())
    for label, builder in _builders():
        parameters = list(inspect.signature(builder).parameters)[1:]  # after settings
        if "purpose" in parameters:
            for purpose in account_emails._CODE_TEXT:  # the purposes it has words for
                kwargs = {p: values[p] for p in parameters if p != "purpose"}
                subjects[f"{label}[{purpose.value}]"] = builder(
                    settings, purpose=purpose, **kwargs
                )["subject"]
            continue
        kwargs = {p: values[p] for p in parameters if p in values}
        subjects[label] = builder(settings, **kwargs)["subject"]
    return subjects


def test_every_builder_is_found_and_called() -> None:
    names = {label.rsplit(".", 1)[1] for label, _ in _builders()}
    assert {"rejected_email", "cancelled_email", "running_late_email", "code_email"} <= names
    assert len(names) >= 18


def test_no_subject_names_the_client_or_a_reason(make_settings: Callable[..., Settings]) -> None:
    subjects = _subjects(make_settings(PRACTICE_NAME="Quiet Harbour"))
    leaks = {label: s for label, s in subjects.items() if any(x in s for x in SECRETS)}
    assert not leaks


@pytest.mark.parametrize("practice", ["Quiet Harbour", "Calm Minds Counselling"])
def test_therapy_appears_in_no_subject_but_through_the_practice_name(
    make_settings: Callable[..., Settings], practice: str
) -> None:
    subjects = _subjects(make_settings(PRACTICE_NAME=practice))
    mentions = {label: s for label, s in subjects.items() if "therap" in s.lower()}
    assert not mentions
    assert all(s.endswith(f" — {practice}") for s in subjects.values())


def test_the_default_practice_name_is_the_only_therapy_in_a_subject(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    assert settings.practice_name == "Therapy practice"
    for subject in _subjects(settings).values():
        assert "therap" not in subject.removesuffix(" — Therapy practice").lower()
