"""GET /api/schema/: a valid OpenAPI 3.1 document of every route, generated from the routes'
declarations (the very models the handlers get), and its OpenAPI 3.0.3 rendering."""

from __future__ import annotations

from pathlib import Path

from openapi_spec_validator import validate

from api.app import create_app
from api.appointment_models import AppointmentRequest, ScheduleRequest
from api.routing import app_routes, declaration_of
from booking.appointments import DEFAULT_DURATION, MAX_DURATION, MIN_DURATION
from booking.person_fields import (
    EMAIL_MAX_LENGTH,
    MAX_PREFERRED_DATES,
    NAME_MAX_LENGTH,
    PHONE_MAX_LENGTH,
    PHONE_PATTERN,
    REASON_MAX_LENGTH,
    REJECTION_REASON_MAX_LENGTH,
)

API = Path(__file__).resolve().parent.parent / "api"


async def schema_of(api, **params: str) -> dict:
    response = await api.get("/api/schema/", params=params)
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
    schedule = ScheduleRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    nested = schedule.pop("$defs")  # published beside it, under components
    assert schemas["ScheduleRequest"] == schedule
    assert schemas["RepeatIn"] == nested["RepeatIn"]
    # The accounts door is declared the same way.
    login = document["paths"]["/api/auth/login/"]["post"]
    assert "requestBody" in login


async def test_a_body_is_required_exactly_when_its_model_has_a_required_field(api, db):
    """PATCH availability/ with no body changes nothing (200): its body must not be required."""
    document = await schema_of(api)
    for method, path, handler in app_routes(create_app(db)):
        endpoint = declaration_of(handler)
        if endpoint is None or endpoint.body is None:
            continue
        body = document["paths"][path][method]["requestBody"]
        needed = any(field.is_required() for field in endpoint.body.model_fields.values())
        assert body["required"] is needed, (method, path)
    availability = document["paths"]["/api/meetings/admin/availability/"]
    assert availability["patch"]["requestBody"]["required"] is False
    assert availability["put"]["requestBody"]["required"] is True


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


async def test_the_field_limits_are_the_services_own(api):
    schemas = (await schema_of(api))["components"]["schemas"]

    def field(model: str, name: str) -> dict:
        schema = schemas[model]["properties"][name]
        return next((alt for alt in schema.get("anyOf", []) if alt != {"type": "null"}), schema)

    for model in ("AppointmentRequest", "RegisterBody"):
        for name in ("first_name", "last_name"):
            assert field(model, name)["maxLength"] == NAME_MAX_LENGTH
        assert field(model, "email")["maxLength"] == EMAIL_MAX_LENGTH
        assert field(model, "email")["format"] == "email"
    for model, name in (("AppointmentRequest", "phone"), ("RegisterBody", "phone_number")):
        assert field(model, name)["maxLength"] == PHONE_MAX_LENGTH
        assert field(model, name)["pattern"] == PHONE_PATTERN
    assert field("AppointmentRequest", "reason")["maxLength"] == REASON_MAX_LENGTH
    assert field("AppointmentRequest", "preferred_dates")["maxItems"] == MAX_PREFERRED_DATES
    rejection = field("RejectRequest", "rejection_reason")
    assert rejection["maxLength"] == REJECTION_REASON_MAX_LENGTH
    duration = field("ScheduleRequest", "scheduled_duration")
    assert (duration["minimum"], duration["maximum"], duration["default"]) == (
        MIN_DURATION,
        MAX_DURATION,
        DEFAULT_DURATION,
    )


async def test_every_json_answer_has_its_model_and_every_error_its_shape(api):
    document = await schema_of(api)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                where = f"{method.upper()} {path} {status}"
                content = response.get("content")
                assert content, where
                for media, entry in content.items():
                    assert entry.get("schema"), where
                    if status.startswith(("4", "5")):
                        assert media == "application/json", where
    login = document["paths"]["/api/auth/login/"]["post"]["responses"]["200"]
    assert login["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LoginOut"
    }
    index = document["paths"]["/api/"]["get"]["responses"]["200"]
    assert index["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ApiIndex"
    }
    limited = document["paths"]["/api/auth/forgot-password/"]["post"]["responses"]["429"]
    assert "Retry-After" in limited["headers"]


async def test_the_3_0_rendering_is_valid_openapi_3_0_of_the_same_operations(api):
    original = await schema_of(api)
    rendered = await schema_of(api, openapi="3.0")
    assert rendered["openapi"] == "3.0.3"
    validate(rendered)
    assert {p: set(ops) for p, ops in rendered["paths"].items()} == {
        p: set(ops) for p, ops in original["paths"].items()
    }
    assert rendered["components"]["securitySchemes"] == original["components"]["securitySchemes"]
    text = str(rendered["components"]["schemas"])
    assert "'null'" not in text and "'examples'" not in text and "'const'" not in text
    phone = rendered["components"]["schemas"]["AppointmentRequest"]["properties"]["phone"]
    assert phone["nullable"] is True
    assert (phone["type"], phone["maxLength"]) == ("string", PHONE_MAX_LENGTH)


async def test_an_unknown_rendering_is_a_400(api):
    response = await api.get("/api/schema/", params={"openapi": "2.0"})
    assert response.status == 400
    assert "openapi" in await response.json()


def test_nothing_in_api_reads_source_code():
    for module in sorted(API.glob("*.py")):
        text = module.read_text()
        for needle in ("import inspect", "getsource", "__code__", "co_varnames", "linecache"):
            assert needle not in text, f"{module.name} uses {needle}"
