"""The practice's numbers at a glance: what the API's `stats/` and the bot's /stats show.

- `await stats() -> AppointmentStats` (`.as_dict()` gives the API's fields)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from models import Appointment, AppointmentStatus


@dataclass(frozen=True)
class AppointmentStats:
    total_requests: int
    pending_review: int
    scheduled: int
    rejected: int
    completion_rate: float  # percent of requests scheduled, two decimals
    cancelled: int
    late_cancellations: int  # clients cancelling inside the cancellation notice
    rescheduled: int  # sessions moved at least once, whatever became of them

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def stats() -> AppointmentStats:
    counts = {s: await Appointment.filter(status=s).count() for s in AppointmentStatus}
    total = sum(counts.values())
    scheduled = counts[AppointmentStatus.SCHEDULED]
    rate = round(scheduled * 100 / total, 2) if total else 0.0
    return AppointmentStats(
        total_requests=total,
        pending_review=counts[AppointmentStatus.PENDING_REVIEW],
        scheduled=scheduled,
        rejected=counts[AppointmentStatus.REJECTED],
        completion_rate=rate,
        cancelled=counts[AppointmentStatus.CANCELLED],
        late_cancellations=await Appointment.filter(late_cancellation=True).count(),
        rescheduled=await Appointment.filter(reschedule_count__gt=0).count(),
    )
