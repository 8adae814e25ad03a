"""The dashboard with tokens configured: 401 without one, 403 for a read-only token on the
rule forms (no rule stored), a token given once in the address becomes a cookie."""

from __future__ import annotations

import asyncio

from streams.api_auth import tokens_from_env
from streams.config import Settings
from streams.dashboard.state import Dashboard

ADMIN, READ = "dashboard-admin-token-0001", "dashboard-read-token-00001"


class Recorder:
    """RuleActions stand-in that records what would have been stored."""

    def __init__(self):
        self.added: list = []
        self.rules_feed = None

    async def add(self, fields):
        self.added.append(fields)
        return ["x"]

    async def change(self, rule_id, action):
        self.added.append((rule_id, action))


async def exchange(actions: Recorder) -> dict:
    from aiohttp.test_utils import TestClient, TestServer

    from streams.dashboard.server import create_app

    tokens = tokens_from_env({"WIREWATCH_ADMIN_TOKEN": ADMIN, "WIREWATCH_API_TOKENS": READ})
    app = create_app(Dashboard(Settings()), actions, follow_kafka=False, tokens=tokens)
    seen = {}
    async with TestClient(TestServer(app)) as client:
        seen["anonymous"] = (await client.get("/alerts", allow_redirects=False)).status
        seen["anonymous_html"] = (await client.get("/", headers={"Accept": "text/html"})).status
        seen["wrong"] = (await client.get("/", headers={"Authorization": "Bearer not-a-token-at-all"})).status
        seen["static"] = (await client.get("/static/nothing.css")).status
        reader = {"Authorization": f"Bearer {READ}"}
        seen["read_get"] = (await client.get("/alerts", headers=reader)).status
        seen["read_post"] = (await client.post("/rules", headers=reader, data={"name": "x"})).status
        seen["read_change"] = (await client.post("/rules/x/remove", headers=reader, data={})).status
        seen["anonymous_post"] = (await client.post("/rules", data={"name": "x"})).status
        login = await client.get(f"/actors?span=day&token={ADMIN}", allow_redirects=False)
        seen["login"] = (login.status, login.headers.get("Location"), login.cookies.get("wirewatch_token"))
        seen["after_login"] = (await client.get("/actors")).status  # the cookie now
    return seen


def test_the_dashboard_requires_a_token_and_admin_for_forms():
    actions = Recorder()
    seen = asyncio.run(exchange(actions))
    assert seen["anonymous"] == seen["anonymous_html"] == seen["wrong"] == seen["anonymous_post"] == 401
    assert seen["static"] in (404, 200)  # static files are the same for everyone
    assert seen["read_get"] == 200
    assert seen["read_post"] == seen["read_change"] == 403
    assert actions.added == []  # nothing was stored
    status, location, cookie = seen["login"]
    assert status == 303 and location == "/actors?span=day" and "token" not in location
    assert cookie is not None and cookie["httponly"] and cookie["samesite"] == "Strict"
    assert seen["after_login"] == 200
