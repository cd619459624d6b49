"""The caller's address for the audit trail, set once per request.

`booking.audit.record_audit` reads it from a context variable, so no service takes an `ip`
argument just to pass it on. The address is `api.client_address.client_ip`'s (trusted
proxies honoured); only its keyed hash is ever stored.
"""

from __future__ import annotations

from aiohttp import web

from api.client_address import client_ip
from booking.audit import caller_ip


@web.middleware
async def audit_caller_middleware(request: web.Request, handler):
    token = caller_ip.set(client_ip(request))
    try:
        return await handler(request)
    finally:
        caller_ip.reset(token)
