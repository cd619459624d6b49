"""GET /api/schema/ and /api/docs/: a valid OpenAPI 3.1 document of every route, generated
from the very models the handlers validate with, and a docs page that needs no CDN."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from api.app import create_app
from api.meetings import AppointmentRequest, ScheduleRequest
from api.openapi import app_routes


async def schema_of(api) -> dict:
    response = await api.get("/api/schema/")
    assert response.status == 200
    assert response.content_type == "application/json"
    return await response.json()


async def test_the_document_is_valid_openapi_3_1(api):
    document = await schema_of(api)
    assert document["openapi"].startswith("3.1")
    validate(document)


async def test_every_route_of_the_app_is_listed_with_its_methods(api, db):
    document = await schema_of(api)
    listed = {(path, method) for path, ops in document["paths"].items() for method in ops}
    routes = {(path, method) for method, path, _ in app_routes(create_app(db))}
    assert routes == listed
    # Spot checks across both doors of the API.
    for path, method in [
        ("/api/meetings/appointments/{appointment_id}/schedule/", "post"),
        ("/api/meetings/admin/availability/", "patch"),
        ("/api/meetings/appointments/available-dates/", "get"),
        ("/api/auth/login/", "post"),
        ("/api/auth/token/refresh/", "post"),
        ("/api/", "get"),
    ]:
        assert (path, method) in listed, (path, method)


async def test_request_bodies_are_the_models_the_handlers_validate_with(api):
    document = await schema_of(api)
    schemas = document["components"]["schemas"]
    create = document["paths"]["/api/meetings/appointments/create/"]["post"]
    ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/AppointmentRequest"
    generated = AppointmentRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    assert schemas["AppointmentRequest"] == generated
    assert set(schemas["AppointmentRequest"]["required"]) == {
        "first_name",
        "last_name",
        "email",
        "preferred_dates",
        "preferred_time_slots",
    }
    duration = schemas["ScheduleRequest"]["properties"]["scheduled_duration"]
    assert (duration["minimum"], duration["maximum"], duration["default"]) == (15, 240, 60)
    assert schemas["ScheduleRequest"] == ScheduleRequest.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    # The accounts door is read the same way.
    login = document["paths"]["/api/auth/login/"]["post"]
    assert "requestBody" in login


async def test_access_levels_and_errors_are_documented(api):
    document = await schema_of(api)
    paths = document["paths"]
    schedule = paths["/api/meetings/appointments/{appointment_id}/schedule/"]["post"]
    assert schedule["security"] == [{"bearerAuth": []}]
    assert {"200", "400", "401", "403", "404", "409"} <= set(schedule["responses"])
    assert schedule["parameters"][0] == {
        "name": "appointment_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    }
    dates = paths["/api/meetings/appointments/available-dates/"]["get"]
    assert dates["security"] == []
    create = paths["/api/meetings/appointments/create/"]["post"]
    assert create["security"] == [{}, {"bearerAuth": []}]
    assert "201" in create["responses"]
    listing = paths["/api/meetings/appointments/"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"status", "email", "page", "page_size"}
    assert "403" not in listing["responses"]
    page = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    results = document["components"]["schemas"][page.rsplit("/", 1)[1]]["properties"]["results"]
    assert results["items"] == {"$ref": "#/components/schemas/AppointmentOut"}


async def test_the_docs_page_and_its_assets_come_from_the_app_itself(api):
    page = await api.get("/api/docs/")
    assert page.status == 200
    assert page.content_type == "text/html"
    html = await page.text()
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/api/") for s in sources), sources
    for asset, kind in (("/api/docs/docs.js", "javascript"), ("/api/docs/docs.css", "css")):
        response = await api.get(asset)
        assert response.status == 200
        assert kind in response.content_type
        text = await response.text()
        assert "http://" not in text and "https://" not in text
    script = await (await api.get("/api/docs/docs.js")).text()
    assert 'fetch("/api/schema/")' in script
    assert "innerHTML" not in script
