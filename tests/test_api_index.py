"""GET /api/: the index of the API (the seed's api_root) with this server's absolute URLs."""

from __future__ import annotations

import re

from api.app import create_app
from api.routing import app_routes


def urls_in(node) -> list[str]:
    if isinstance(node, dict):
        return [u for key, value in node.items() for u in urls_in(value)] + (
            [node["url"]] if isinstance(node.get("url"), str) else []
        )
    if isinstance(node, list):
        return [u for item in node for u in urls_in(item)]
    return []


async def test_anyone_reads_the_index_with_urls_of_this_server(api, db):
    response = await api.get("/api/")
    assert response.status == 200
    index = await response.json()
    base = f"http://127.0.0.1:{api.port}"
    assert index["message"] == "Therapy Appointment API"
    assert index["version"] == "1.0.0"
    assert index["base_url"] == f"{base}/api/"
    for key in ("endpoints", "appointment_workflows", "data_specifications", "quick_start"):
        assert key in index
    meetings = index["endpoints"]["appointments"]["endpoints"]
    assert set(meetings) == {
        "admin_availability",
        "available_dates",
        "available_slots",
        "blocked_dates",
        "remove_blocked_dates",
        "create_appointment",
        "list_appointments",
        "appointment_detail",
        "user_appointments",
        "schedule_appointment",
        "reject_appointment",
        "jitsi_meeting_info",
        "appointment_stats",
        "cancel_appointment",
        "reschedule_appointment",
        "propose_times",
        "accept_proposal",
        "request_reschedule",
        "keep_session",
        "confirm_attendance",
        "running_late",
        "record_attendance",
        "series_detail",
        "cancel_series",
        "join_waitlist",
        "list_waitlist",
        "leave_waitlist",
        "accept_waitlist_offer",
        "decline_waitlist_offer",
        "audit_trail",
        "erase_client",
        "practice",
    }
    urls = urls_in(index["endpoints"])
    # 11 of them the session's life after booking (2 of a series), 3 of days on offer,
    # 5 of the waitlist, 1 the audit trail
    # 3 of a client's data (export, erase, staff erase), 2 of two-step sign-in, 1 the
    # practice's name and safety line
    assert len(urls) == 44
    assert all(u.startswith(f"{base}/api/") for u in urls), urls


async def test_every_url_in_the_index_is_a_route_of_the_app(api, db):
    index = await (await api.get("/api/")).json()
    routes = {(path, method.upper()) for method, path, _ in app_routes(create_app(db))}
    base = f"http://127.0.0.1:{api.port}"
    groups = [
        *index["endpoints"]["authentication"]["endpoints"].values(),
        *index["endpoints"]["appointments"]["endpoints"].values(),
    ]
    for endpoint in groups:
        path = re.sub(r"<uuid:pk>", "{appointment_id}", endpoint["url"].removeprefix(base))
        path = path.replace("<int:pk>", "{block_id}").replace("<uuid:series_id>", "{series_id}")
        path = re.sub(r"<uuid:(entry_id|offer_id|user_id)>", r"{\1}", path)
        for method in endpoint["methods"]:
            assert (path, method) in routes, (path, method)


async def test_anonymous_email_lookup_is_documented_as_staff_only(api):
    index = await (await api.get("/api/")).json()
    listing = index["endpoints"]["appointments"]["endpoints"]["list_appointments"]
    assert listing["query_parameters"]["email"].startswith("Staff only")


async def test_behind_a_proxy_the_public_base_url_is_used(make_settings, make_client):
    proxied = make_settings(PUBLIC_BASE_URL="https://booking.example.org/")
    api = await make_client(create_app(proxied, manage_database=False))
    index = await (await api.get("/api/")).json()
    assert index["base_url"] == "https://booking.example.org/api/"
    dates = index["endpoints"]["appointments"]["endpoints"]["available_dates"]["url"]
    assert dates == "https://booking.example.org/api/meetings/appointments/available-dates/"
