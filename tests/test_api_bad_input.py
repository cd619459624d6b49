"""Input a careless or hostile client sends: JSON under another media type, names nobody has.

Mallory's requests are refused with the status DRF would give (415, 400 naming the field),
and nothing of them is stored."""

from __future__ import annotations

import pytest

from models import Appointment, User
from tests.meetings_support import first_dates, make_cast, open_every_day, request_body

REGISTER = "/api/auth/register/"
CREATE = "/api/meetings/appointments/create/"
REGISTRATION = {
    "email": "mallory@example.com",
    "first_name": "Mallory",
    "last_name": "Moss",
    "password": "a long enough passphrase",
    "password2": "a long enough passphrase",
}
FORM = "email=mallory%40example.com&first_name=Mallory&last_name=Moss"


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("text/plain", '{"email": "mallory@example.com"}'),
        ("application/x-www-form-urlencoded", FORM),
        ("application/xml", "<register><email>mallory@example.com</email></register>"),
        ("multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="a"\r\n'),
        (None, '{"email": "mallory@example.com"}'),
    ],
)
async def test_a_body_that_is_not_sent_as_json_is_415(api, db, content_type, data):
    headers = {"Content-Type": content_type} if content_type else {}
    if content_type is None:
        # aiohttp's client would add text/plain; the header is left out on purpose.
        headers = {"Content-Type": ""}
    response = await api.post(REGISTER, data=data.encode(), headers=headers)
    assert response.status == 415, await response.text()
    body = await response.json()
    assert set(body) == {"detail"} and "Unsupported media type" in body["detail"]
    assert await User.all().count() == 0


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
async def test_json_with_or_without_a_charset_is_taken(api, db, content_type):
    response = await api.post(
        "/api/auth/forgot-password/",
        data=b'{"email": "mallory@example.com"}',
        headers={"Content-Type": content_type},
    )
    assert response.status == 200, await response.text()


async def test_a_body_route_with_no_body_at_all_needs_no_media_type(api, db):
    """DRF reads an empty body as no data: the fields are then missing (400), not 415."""
    response = await api.post(REGISTER, headers={"Content-Type": ""})
    assert response.status == 400
    assert "email" in await response.json()


INVISIBLE = ["\u200b", "\u200b\u200c\u200d", "\u2060\ufeff", "\u3164", " \u200b "]
CONTROL = ["Mal\x00lory", "Mal\rlory", "Mal\nlory", "Mallory\x00", "\x1b[31mMallory"]


@pytest.mark.parametrize("name", INVISIBLE + CONTROL)
@pytest.mark.parametrize("field", ["first_name", "last_name"])
async def test_a_name_of_invisible_or_control_characters_is_refused_at_registration(
    api, db, name, field
):
    response = await api.post(REGISTER, json={**REGISTRATION, field: name})
    assert response.status == 400, await response.text()
    assert list(await response.json()) == [field]
    assert await User.all().count() == 0


@pytest.mark.parametrize("name", INVISIBLE + CONTROL)
async def test_a_name_of_invisible_or_control_characters_is_refused_on_a_request(api, db, name):
    await open_every_day()
    dates = await first_dates(db)
    for field in ("first_name", "last_name"):
        response = await api.post(CREATE, json=request_body(dates, **{field: name}))
        assert response.status == 400, await response.text()
        assert list(await response.json()) == [field]
    assert await Appointment.all().count() == 0


@pytest.mark.parametrize("name", ["José Ñúñez", "Zoë", "李", "O'Brien-Smith", "می\u200cخواهم"])
async def test_real_names_still_pass_including_a_joiner_inside_a_word(api, db, name):
    cast = await make_cast(db)
    await open_every_day()
    dates = await first_dates(db)
    response = await api.post(
        CREATE, json=request_body(dates, first_name=name), headers=cast.headers("alice")
    )
    assert response.status == 201, await response.text()
    assert (await response.json())["first_name"] == name


@pytest.mark.parametrize("path", [REGISTER, CREATE, "/api/auth/login/"])
async def test_a_lone_surrogate_in_a_json_string_is_400_not_a_crash(api, db, path):
    """`"\\ud800"` is valid JSON text but no Unicode: it cannot be encrypted or hashed."""
    body = b'{"email": "mallory@example.com", "first_name": "\\ud800", "password": "\\udfff"}'
    response = await api.post(path, data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400, await response.text()
    assert "password" in await response.json() or "first_name" in await response.json()


async def test_a_whole_number_written_with_a_fraction_is_the_integer_json_schema_says_it_is(
    api, db
):
    """The document types weekdays as integers, and JSON Schema counts 1.0 as one: taken."""
    cast = await make_cast(db)
    url = "/api/meetings/admin/availability/"
    response = await api.put(url, json={"available_days": [1.0, 2e0]}, headers=cast.headers("theo"))
    assert response.status == 200, await response.text()
    assert (await response.json())["available_days"] == [1, 2]
    refused = await api.put(url, json={"available_days": [1.5]}, headers=cast.headers("theo"))
    assert refused.status == 400


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
async def test_nan_and_infinity_are_not_json(api, db, constant):
    body = b'{"email": "mallory@example.com", "context": ' + constant + b"}"
    response = await api.post(
        "/api/auth/resend-otp/", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert await response.json() == {"non_field_errors": ["Request body is not valid JSON."]}
