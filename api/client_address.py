"""Who is on the other end: the client address every per-IP rate limit counts.

Behind a reverse proxy every request arrives from the proxy, so the peer address alone would
make the per-IP limits one global limit that one abuser exhausts for everyone. The proxies
named in TRUSTED_PROXIES append the address they saw to `X-Forwarded-For`; reading that list
from the right, every hop a trusted proxy vouches for is believed, and the first address not
itself a trusted proxy is the client. Nothing else a client sends is believed: with no
trusted proxy (the default) the header is ignored, since anyone can write it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from aiohttp import web

from api.app_keys import SETTINGS
from booking.settings import IPNetwork

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_ip(request: web.Request) -> str | None:
    """The client's address as the per-IP limits should count it (None: not known)."""
    peer = _address(request.remote)
    if peer is None:
        return request.remote
    trusted = request.app[SETTINGS].trusted_networks
    if not trusted:
        return str(peer)
    forwarded = [
        item.strip()
        for header in request.headers.getall("X-Forwarded-For", [])
        for item in header.split(",")
        if item.strip()
    ]
    return str(_first_untrusted(peer, forwarded[::-1], trusted))


def _first_untrusted(peer: Address, hops: list[str], trusted: Sequence[IPNetwork]) -> Address:
    """Walk from the peer towards the client while each hop is a trusted proxy."""
    current = peer
    for hop in hops:
        if not any(current in network for network in trusted):
            return current
        previous = _address(hop)
        if previous is None:
            return current  # the proxy's word ends in garbage: it is all we know
        current = previous
    return current


def _address(text: str | None) -> Address | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # an IPv4 client on a dual-stack socket
    return address
