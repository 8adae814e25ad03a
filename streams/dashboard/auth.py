"""The dashboard takes the worker API's tokens (streams/api_auth.py) when any is configured.

Why a cookie: a browser cannot send an Authorization header on a plain link, so the token is
given once as `?token=...`, moved into an HttpOnly, SameSite=Strict cookie and dropped from
the address (browser history, logs and Referer never keep it). Scripts send
`Authorization: Bearer ...`. A read-only token shows every page; the rule forms need admin.
"""

from __future__ import annotations

from aiohttp import web

from streams.api_auth import Tokens, bearer, check_request

COOKIE = "wirewatch_token"
OPEN_PREFIXES = ("/static/",)  # the stylesheet and scripts, the same for everyone


def token_middleware(tokens: Tokens):
    """aiohttp middleware: 401 without a valid token, 403 for a read-only token on a form."""

    @web.middleware
    async def authenticate(request: web.Request, handler):
        if not tokens.enabled or request.path.startswith(OPEN_PREFIXES):
            return await handler(request)
        given = request.query.get("token")
        if given is not None and tokens.access(given) is not None:
            kept = {name: value for name, value in request.query.items() if name != "token"}
            response = web.Response(status=303, headers={"Location": str(request.rel_url.with_query(kept))})
            response.set_cookie(COOKIE, given, httponly=True, samesite="Strict", path="/")
            return response
        presented = bearer(request.headers.get("Authorization")) or request.cookies.get(COOKIE)
        refusal = check_request(tokens, request.method, request.path, presented, open_paths=frozenset())
        if refusal is None:
            return await handler(request)
        if "text/html" in request.headers.get("Accept", ""):
            return web.Response(status=refusal.status, content_type="text/html",
                                text=f"<!doctype html><title>wirewatch</title><p>{refusal.error}.</p>"
                                     f"<p>Open this address with <code>?token=YOUR_TOKEN</code> once.</p>")
        return web.json_response(refusal.body(), status=refusal.status)

    return authenticate
