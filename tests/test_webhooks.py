"""Standard Webhooks signing, retry policy and delivery against a real local HTTP server."""

from __future__ import annotations

import asyncio
import logging
import time
from email.utils import formatdate
from typing import Any

import orjson
import pytest
from aiohttp import web
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from streams.alerts.webhooks import (
    DeliveryResult,
    classify_response,
    deliver,
    parse_retry_after,
    redact_url,
    retry_delay,
    sign,
)

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # public example key of the Standard Webhooks spec
OTHER = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"
ALERT = {"id": "3f2a9c0d1e4b5a6978c0d1e2f3a4b5c6", "rule_id": "nato", "rule_name": "NATO – OTAN",
         "article_id": "fr-1", "evidence": {"entities": [], "quotes": [{"text": "l’Alliance"}]}}


# --------------------------------------------------------------------------- signing


def test_signature_matches_the_spec_test_vector():
    headers = sign(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
    assert headers == {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }


def test_reference_library_verifies_our_signature():
    body = orjson.dumps(ALERT)
    headers = sign(SECRET, ALERT["id"], int(time.time()), body)
    assert Webhook(SECRET).verify(body, headers) == ALERT
    with pytest.raises(WebhookVerificationError):
        Webhook(OTHER).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body.replace(b"nato", b"natO"), headers)


def test_sign_rejects_bad_input_without_echoing_the_secret():
    with pytest.raises(ValueError) as info:
        sign("sk_" + SECRET, "id", 1, b"{}")
    assert SECRET not in str(info.value)
    with pytest.raises(ValueError):
        sign(SECRET, "two words", 1, b"{}")


# --------------------------------------------------------------------------- policy


@pytest.mark.parametrize("status,verdict", [
    (200, "ok"), (201, "ok"), (204, "ok"), (299, "ok"),
    (410, "disable"),
    (408, "retry"), (429, "retry"), (500, "retry"), (502, "retry"), (503, "retry"), (599, "retry"),
    (400, "fail"), (401, "fail"), (403, "fail"), (404, "fail"), (413, "fail"), (301, "fail"), (302, "fail"),
])
def test_classify_response(status, verdict):
    assert classify_response(status) == verdict


def test_retry_delay_full_jitter_is_bounded_and_capped():
    top = [retry_delay(n, None, rng=lambda: 0.999999) for n in range(1, 12)]
    assert top[0] == pytest.approx(0.5, rel=1e-3) and top[1] == pytest.approx(1.0, rel=1e-3)
    assert top[-1] == pytest.approx(60.0, rel=1e-3) and max(top) <= 60.0
    assert retry_delay(3, None, rng=lambda: 0.0) == 0.0
    assert retry_delay(10_000, None, rng=lambda: 0.5, cap=8) == 4.0  # no overflow
    import random

    rng = random.Random(7)
    samples = [retry_delay(4, None, rng=rng.random) for _ in range(500)]
    assert 0 <= min(samples) and max(samples) <= 4.0 and len(set(samples)) > 400


def test_retry_after_seconds_and_http_date():
    assert retry_delay(1, "7", rng=lambda: 0.0) == 7.0
    assert retry_delay(1, " 0 ", rng=lambda: 0.9) == 0.0
    now = 1_700_000_000.0
    assert retry_delay(1, formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30.0)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now=now) == 0.0
    for junk in (None, "", "soon", "-5", "1.5e3"):
        assert parse_retry_after(junk, now=now) is None
    assert retry_delay(2, "soon", rng=lambda: 1.0) == 1.0  # falls back to backoff


def test_redact_url_hides_paths_and_tokens():
    assert redact_url("https://hooks.example.org:8443/T000/B000/XXXX?token=abc") == "https://hooks.example.org:8443/…"


# --------------------------------------------------------------------------- delivery


class Receiver:
    """A local aiohttp server whose endpoints misbehave on purpose; verifies every signature."""

    def __init__(self) -> None:
        self.calls: dict[str, list[dict[str, Any]]] = {}
        self.plans = {
            "flaky": [500, 200],
            "limited": [(429, {"Retry-After": "2"}), 204],
            "too-long": [(503, {"Retry-After": "3600"}), 200],
            "gone": [410],
            "bad": [400],
            "down": [503],
            "redirect": [(302, {"Location": "/ok"})],
            "ok": [200],
        }
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def handle(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        body = await request.read()
        record = {"headers": dict(request.headers), "body": body}
        try:
            record["payload"] = Webhook(SECRET).verify(body, dict(request.headers))
            record["verified"] = True
        except WebhookVerificationError:
            record["verified"] = False
        calls = self.calls.setdefault(name, [])
        calls.append(record)
        if name == "slow":
            await asyncio.sleep(2)
            return web.Response(status=200)
        plan = self.plans[name]
        step = plan[min(len(calls), len(plan)) - 1]
        status, headers = step if isinstance(step, tuple) else (step, {})
        return web.Response(status=status, headers=headers, text="nope" if status >= 300 else "")

    async def __aenter__(self) -> "Receiver":
        app = web.Application()
        app.router.add_post("/hook/{name}", self.handle)
        self.runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # the random port we were given
        return self

    async def __aexit__(self, *exc: Any) -> None:
        assert self.runner is not None
        await self.runner.cleanup()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/hook/{name}?token=t0k3n"


class Sleeper:
    """Records the delays deliver() asks for, without waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def run_deliveries(**kwargs: Any) -> tuple[dict[str, DeliveryResult], Receiver]:
    import aiohttp

    async def main() -> tuple[dict[str, DeliveryResult], Receiver]:
        results: dict[str, DeliveryResult] = {}
        async with Receiver() as rx, aiohttp.ClientSession() as session:
            for name in ("flaky", "limited", "too-long", "gone", "bad", "down", "redirect", "ok"):
                results[name] = await deliver(session, rx.url(name), SECRET, ALERT,
                                              sleep=Sleeper(), rng=lambda: 0.5, **kwargs)
            results["slow"] = await deliver(session, rx.url("slow"), SECRET, ALERT, sleep=Sleeper(),
                                            timeout=0.2, max_attempts=2)
            results["own-session"] = await deliver(None, rx.url("ok"), SECRET, ALERT)
        return results, rx

    return asyncio.run(main())


@pytest.fixture(scope="module")
def delivered() -> tuple[dict[str, DeliveryResult], Receiver]:
    return run_deliveries(max_attempts=3)


def test_every_request_is_signed_and_verifies(delivered):
    _, rx = delivered
    records = [r for calls in rx.calls.values() for r in calls]
    assert len(records) >= 10
    assert all(r["verified"] for r in records)
    assert all(r["payload"] == ALERT for r in records)
    assert all(r["body"] == orjson.dumps(ALERT) for r in records)
    assert {r["headers"]["webhook-id"] for r in records} == {ALERT["id"]}  # same id on retries
    assert all(r["headers"]["Content-Type"] == "application/json" for r in records)


def test_500_then_200_is_delivered_on_the_second_attempt(delivered):
    results, rx = delivered
    r = results["flaky"]
    assert (r.outcome, r.attempts, r.status, r.ok, r.dead_letter) == ("delivered", 2, 200, True, False)
    assert r.delays == (0.25,)  # rng 0.5 * base 0.5
    assert len(rx.calls["flaky"]) == 2


def test_429_honours_retry_after(delivered):
    r = delivered[0]["limited"]
    assert (r.outcome, r.attempts, r.status) == ("delivered", 2, 204)
    assert r.delays == (2.0,)


def test_retry_after_beyond_max_delay_gives_up_for_the_dead_letter_topic(delivered):
    r = delivered[0]["too-long"]
    assert (r.outcome, r.attempts, r.status, r.dead_letter) == ("exhausted", 1, 503, True)
    assert "3600" in r.error and r.delays == ()


def test_410_disables_and_4xx_fails_without_retry(delivered):
    results, rx = delivered
    assert (results["gone"].outcome, results["gone"].attempts, results["gone"].dead_letter) == ("disabled", 1, False)
    assert (results["bad"].outcome, results["bad"].attempts, results["bad"].status) == ("failed", 1, 400)
    assert results["bad"].dead_letter
    assert (results["redirect"].outcome, results["redirect"].status) == ("failed", 302)
    assert "ok" in rx.calls and len(rx.calls["ok"]) == 2  # the redirect was not followed


def test_persistent_5xx_is_exhausted_after_max_attempts(delivered):
    r = delivered[0]["down"]
    assert (r.outcome, r.attempts, r.status) == ("exhausted", 3, 503)
    assert r.delays == (0.25, 0.5)  # full jitter with rng 0.5: 0.5*0.5, 0.5*1.0


def test_slow_endpoint_times_out_and_is_retried(delivered):
    results, rx = delivered
    r = results["slow"]
    assert (r.outcome, r.attempts, r.status) == ("exhausted", 2, None)
    assert "timeout" in r.error
    assert len(rx.calls["slow"]) == 2


def test_own_session_is_created_when_none_given(delivered):
    assert delivered[0]["own-session"].outcome == "delivered"


def test_network_errors_and_bad_config_never_raise(caplog):
    async def main() -> list[DeliveryResult]:
        import socket

        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        sleeper = Sleeper()
        return [
            await deliver(None, f"http://127.0.0.1:{port}/x?token=t0k3n", SECRET, ALERT, max_attempts=2, sleep=sleeper),
            await deliver(None, "ftp://127.0.0.1/x", SECRET, ALERT),
            await deliver(None, "http://127.0.0.1/x", "whsec_not base64!", ALERT),
            await deliver(None, "http://127.0.0.1/x", SECRET, {"id": "x", "bad": object()}),
        ]

    with caplog.at_level(logging.DEBUG, logger="streams.alerts.webhooks"):
        refused, ftp, bad_secret, bad_alert = asyncio.run(main())
    assert (refused.outcome, refused.attempts, refused.status) == ("exhausted", 2, None)
    assert refused.error and "t0k3n" not in refused.error
    assert (ftp.outcome, ftp.attempts) == ("failed", 0) and "http" in ftp.error
    assert (bad_secret.outcome, bad_secret.attempts) == ("failed", 0)
    assert bad_alert.outcome == "failed"
    for r in (refused, ftp, bad_secret, bad_alert):
        assert SECRET not in repr(r) and SECRET not in str(r.to_dict())
        assert "not base64" not in repr(r)
    assert caplog.records  # attempts are logged...
    assert SECRET not in caplog.text and "t0k3n" not in caplog.text  # ...without secrets or tokens


def test_results_never_contain_the_secret(delivered):
    results, _ = delivered
    for r in results.values():
        assert SECRET not in repr(r) and SECRET[6:] not in str(r.to_dict())
