"""The client address the per-IP limits count: the peer, or what a trusted proxy says it is.

Behind a reverse proxy every client arrives from the proxy's address; only when the operator
names that proxy in TRUSTED_PROXIES is its `X-Forwarded-For` believed. Mallory, talking to the
API directly, cannot pick her own address by sending that header."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request

from api.app_keys import SETTINGS
from api.client_address import client_ip
from booking.codes import SEND_PER_IP
from models import RateLimitHit


def request_from(settings, peer: str, *forwarded: str):
    headers = [("X-Forwarded-For", value) for value in forwarded]
    request = make_mocked_request("GET", "/", headers=headers, app=_app(settings))
    request._transport_peername = (peer, 12345)  # the address the socket reports
    return request


def _app(settings):
    from aiohttp import web

    app = web.Application()
    app[SETTINGS] = settings
    return app


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "expected"),
    [
        # No proxy trusted (the default): the header is Mallory's to write, and is ignored.
        ("", "198.51.100.9", ["203.0.113.7"], "198.51.100.9"),
        # The proxy is trusted: the address it saw connecting is the client's.
        ("10.0.0.5", "10.0.0.5", ["203.0.113.7"], "203.0.113.7"),
        # A client's own X-Forwarded-For sits left of what the proxy appends: not believed.
        ("10.0.0.5", "10.0.0.5", ["6.6.6.6, 203.0.113.7"], "203.0.113.7"),
        # Two proxies in a row, both trusted (a network); headers repeated are one list.
        ("10.0.0.0/8", "10.0.0.5", ["6.6.6.6, 203.0.113.7", "10.1.2.3"], "203.0.113.7"),
        # A peer that is not a trusted proxy: its header means nothing.
        ("10.0.0.5", "198.51.100.9", ["203.0.113.7"], "198.51.100.9"),
        # Garbage where an address should be: the last trusted hop is all we know.
        ("10.0.0.5", "10.0.0.5", ["not-an-ip"], "10.0.0.5"),
        # Every hop trusted: the leftmost is the client as far as anyone can tell.
        ("10.0.0.0/8", "10.0.0.5", ["10.9.9.9"], "10.9.9.9"),
        # IPv6, and an IPv4 peer seen through a dual-stack socket.
        ("2001:db8::/32", "2001:db8::1", ["2001:db8:ffff::2, 2a00:1450::1"], "2a00:1450::1"),
        ("10.0.0.5", "::ffff:10.0.0.5", ["203.0.113.7"], "203.0.113.7"),
    ],
)
def test_the_client_address(make_settings, trusted, peer, forwarded, expected):
    settings = make_settings(TRUSTED_PROXIES=trusted)
    assert client_ip(request_from(settings, peer, *forwarded)) == expected


@pytest.fixture
def settings(make_settings, database_url):
    """The API behind one reverse proxy, on this machine."""
    return make_settings(DATABASE_URL=database_url, TRUSTED_PROXIES="127.0.0.1")


async def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(api):
    for address in ("203.0.113.7", "198.51.100.9"):
        response = await api.post(
            "/api/auth/forgot-password/",
            json={"email": "alice@example.com"},
            headers={"X-Forwarded-For": address},
        )
        assert response.status == 200
        assert await RateLimitHit.filter(bucket=SEND_PER_IP.bucket(address)).count() == 1
    assert await RateLimitHit.filter(bucket=SEND_PER_IP.bucket("127.0.0.1")).count() == 0
