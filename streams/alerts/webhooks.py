"""Webhook delivery: Standard Webhooks signatures, retry policy, one async POST loop.

Why written here rather than with the `standardwebhooks` package: signing is a few lines of
HMAC-SHA256 and keeping it here avoids the package's str round trip of the body; the tests
verify every signature with the package's own Webhook.verify, so the two cannot drift.
Secrets never appear in logs, reprs, errors or results; URLs are logged without path/query
because some services put tokens there.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Literal, Optional
from urllib.parse import urlsplit

import aiohttp
import orjson

from streams import __version__
from streams.alerts.url_policy import delivery_refusal
from streams.contracts import check_webhook_url, secret_bytes
from streams.retry import Backoff

log = logging.getLogger(__name__)

USER_AGENT = f"wirewatch/{__version__}"
Verdict = Literal["ok", "retry", "disable", "fail"]
Outcome = Literal["delivered", "disabled", "failed", "exhausted"]


def is_webhook_id(msg_id: str) -> bool:
    """Non-empty, printable, without spaces (it travels in a header and in the signed text)."""
    return bool(msg_id) and not any(char.isspace() or not char.isprintable() for char in msg_id)


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Standard Webhooks headers: v1 = base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}"))."""
    if not is_webhook_id(msg_id):
        raise ValueError("webhook id must be non-empty, printable, without spaces")
    key = secret_bytes(secret)
    seconds = str(int(timestamp))
    digest = hmac.new(key, f"{msg_id}.{seconds}.".encode() + body, hashlib.sha256).digest()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": seconds,
        "webhook-signature": "v1," + base64.b64encode(digest).decode("ascii"),
    }


def classify_response(status: int) -> Verdict:
    """2xx ok; 410 Gone disables the target; 408, 429 and 5xx are retried; anything else fails.

    Redirects are not followed (a webhook URL is configured, not discovered), so 3xx fails.
    """
    if 200 <= status < 300:
        return "ok"
    if status == 410:
        return "disable"
    if status in (408, 429) or 500 <= status < 600:
        return "retry"
    return "fail"


def parse_retry_after(value: Optional[str], *, now: Optional[float] = None) -> Optional[float]:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), None if absent/bad."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def retry_delay(
    attempt: int,
    retry_after: Optional[str],
    *,
    base: float = 0.5,
    cap: float = 60.0,
    rng: Callable[[], float] = random.random,
    now: Optional[float] = None,
) -> float:
    """Delay before retry number `attempt` (1 = after the first failure).

    A valid Retry-After is honoured as given (the caller decides whether it is too long);
    otherwise exponential backoff with full jitter: uniform(0, min(cap, base * 2**(attempt-1))).
    """
    server = parse_retry_after(retry_after, now=now)
    if server is not None:
        return server
    return Backoff(base=base, cap=cap, jitter=True).delay(attempt, rng)


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one alert at one webhook (no secret, no URL path)."""

    outcome: Outcome
    attempts: int
    status: Optional[int] = None
    error: Optional[str] = None
    delays: tuple[float, ...] = ()

    @property
    def ok(self) -> bool:
        return self.outcome == "delivered"

    @property
    def dead_letter(self) -> bool:
        """True when the alert should go to the dead-letter topic."""
        return self.outcome in ("failed", "exhausted")

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "attempts": self.attempts, "status": self.status,
                "error": self.error, "delays": list(self.delays)}


def redact_url(url: str) -> str:
    """scheme://host[:port]/… for logs: paths and queries may carry tokens."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<invalid url>"
    return f"{parts.scheme}://{host}{port}/…"


def _describe(exc: BaseException, url: str, secret: str) -> str:
    text = f"{type(exc).__name__}: {exc}".replace(secret, "<secret>")
    if url:
        text = text.replace(url, redact_url(url))
    return text[:300]


FINAL_OUTCOMES: dict[Verdict, Outcome] = {"ok": "delivered", "disable": "disabled", "fail": "failed"}
"""The verdicts that end a delivery at once ("retry" is the only other)."""


@dataclass(frozen=True)
class _Signed:
    """An alert ready to post: its body and the webhook-id every attempt carries."""

    body: bytes
    msg_id: str


@dataclass(frozen=True)
class _Attempt:
    """What one POST gave: the verdict, the HTTP status if any, the error shown, Retry-After."""

    verdict: Verdict
    status: Optional[int] = None
    error: Optional[str] = None
    retry_after: Optional[str] = None


def _prepare(url: str, secret: str, alert: Mapping[str, Any]) -> _Signed | DeliveryResult:
    """The body and webhook-id of `alert`, or a failed result when the target or alert is unusable."""
    try:
        check_webhook_url(url)
    except ValueError as exc:
        return DeliveryResult("failed", 0, error=f"bad webhook URL: {exc}")
    try:
        secret_bytes(secret)
    except ValueError as exc:
        return DeliveryResult("failed", 0, error=str(exc))
    try:
        body = orjson.dumps(alert)
    except TypeError as exc:
        return DeliveryResult("failed", 0, error=f"alert is not JSON-serialisable: {exc}")
    msg_id = str(alert.get("id") or hashlib.sha256(body).hexdigest()[:32])
    if not is_webhook_id(msg_id):
        msg_id = hashlib.sha256(msg_id.encode()).hexdigest()[:32]
    return _Signed(body, msg_id)


async def _post_once(client: aiohttp.ClientSession, url: str, secret: str, signed: _Signed,
                     timeout: float, clock: Callable[[], float]) -> _Attempt:
    """One signed POST (fresh timestamp); network errors become a "retry" verdict, never raise."""
    headers = {"content-type": "application/json", "user-agent": USER_AGENT,
               **sign(secret, signed.msg_id, int(clock()), signed.body)}
    status: Optional[int] = None
    try:
        async with client.post(
            url, data=signed.body, headers=headers, allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as resp:
            status = resp.status
            retry_after = resp.headers.get("Retry-After")
    except asyncio.CancelledError:
        raise
    except (asyncio.TimeoutError, TimeoutError):
        return _Attempt("retry", status, f"timeout after {timeout:g}s")
    except Exception as exc:  # network errors, TLS, bad responses: retry, never raise
        return _Attempt("retry", status, _describe(exc, url, secret))
    verdict = classify_response(status)
    return _Attempt(verdict, status, None if verdict == "ok" else f"HTTP {status}", retry_after)


async def deliver(
    session: Optional[aiohttp.ClientSession],
    url: str,
    secret: str,
    alert: Mapping[str, Any],
    *,
    max_attempts: int = 5,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    timeout: float = 5.0,
    base: float = 0.5,
    cap: float = 60.0,
    max_delay: Optional[float] = None,
    rng: Callable[[], float] = random.random,
    clock: Callable[[], float] = time.time,
) -> DeliveryResult:
    """POST `alert` as signed JSON, retrying per classify_response / retry_delay.

    Never raises for network, HTTP or configuration errors (only on cancellation). The
    webhook-id is the alert id on every attempt, so receivers can drop duplicates; each attempt
    is signed with a fresh timestamp. A Retry-After longer than `max_delay` (default: `cap`)
    ends the delivery as "exhausted" rather than blocking the delivery agent.
    """
    max_delay = cap if max_delay is None else max_delay
    signed = _prepare(url, secret, alert)
    if isinstance(signed, DeliveryResult):
        return signed
    refused = await delivery_refusal(url)  # SSRF guard, on the addresses the host resolves to now
    if refused:
        return DeliveryResult("failed", 0, error=refused)
    own = session is None
    client = aiohttp.ClientSession() if own else session
    shown = redact_url(url)
    delays: list[float] = []
    last = _Attempt("retry")
    try:
        for attempt in range(1, max(1, max_attempts) + 1):
            last = await _post_once(client, url, secret, signed, timeout, clock)
            log.info("webhook %s id=%s attempt=%d -> %s", shown, signed.msg_id, attempt, last.status or last.error)
            if last.verdict in FINAL_OUTCOMES:
                return DeliveryResult(FINAL_OUTCOMES[last.verdict], attempt, last.status, last.error, tuple(delays))
            if attempt >= max_attempts:
                break
            delay = retry_delay(attempt, last.retry_after, base=base, cap=cap, rng=rng, now=clock())
            if delay > max_delay:
                error = f"{last.error}; Retry-After {delay:g}s exceeds {max_delay:g}s"
                return DeliveryResult("exhausted", attempt, last.status, error, tuple(delays))
            delays.append(delay)
            await sleep(delay)
        return DeliveryResult("exhausted", max(1, max_attempts), last.status, last.error, tuple(delays))
    finally:
        if own:
            await client.close()
