"""/ready: whether a worker can do its work now, as opposed to /health (the process answers).

Why separate: a worker whose broker is down is alive (restarting it would not help) but not
ready (a load balancer or an orchestrator should not count on it). Ready means: the broker
answered the latest probe, the consumer has its partitions (not rebalancing), and the alert
rules are loaded when this worker runs the alerts or deliver stage. Consumer lag is reported;
it makes the worker not ready only above WIREWATCH_READY_MAX_LAG, when that is set (a backlog
after a restart is normal work, not a fault).
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from typing import Any

from streams.alerts.sealing import has_sealed_secrets
from streams.config import Settings

PROBE_INTERVAL = 5.0  # seconds between broker probes
PROBE_TIMEOUT = 5.0


@dataclass
class HealthState:
    """What the worker's background tasks last saw (the /ready page reads it)."""

    broker_error: str | None = "not probed yet"
    broker_checked: float = 0.0
    assignments: int = 0  # partition assignments completed since start
    partitions: int = 0


async def probe_broker(settings: Settings, timeout: float = PROBE_TIMEOUT) -> str | None:
    """None when the broker answers a metadata request within `timeout`, else why not."""
    from aiokafka.client import AIOKafkaClient

    from streams.runtime.kafka_io import aiokafka_options

    client = AIOKafkaClient(request_timeout_ms=int(timeout * 1000), **aiokafka_options(settings))
    try:
        await asyncio.wait_for(client.bootstrap(), timeout)
        return None
    except Exception as exc:  # noqa: BLE001 - any failure is "not reachable", with its reason
        return str(exc) or type(exc).__name__
    finally:
        await client.close()


def max_lag_setting() -> int | None:
    raw = os.environ.get("WIREWATCH_READY_MAX_LAG", "").strip()
    return int(raw) if raw.isdigit() else None


def assess(state: HealthState, *, rebalancing: bool, needs_rules: bool, rules_loaded: bool,
           sealed_without_key: int, lag: dict[str, int], max_lag: int | None, now: float) -> dict[str, Any]:
    """The /ready body: each check with ok and detail, and ready when all are ok."""
    stale = now - state.broker_checked > PROBE_INTERVAL * 3
    broker_ok = state.broker_error is None and not stale
    checks: dict[str, dict[str, Any]] = {
        "broker": {"ok": broker_ok,
                   "detail": "reachable" if broker_ok else (state.broker_error or "no recent probe")},
        "partitions": {"ok": state.assignments > 0 and not rebalancing, "assigned": state.partitions,
                       "detail": "rebalancing" if rebalancing else
                       "assigned" if state.assignments else "waiting for the first assignment"},
    }
    if needs_rules:
        detail = "loaded" if rules_loaded else "loading"
        if sealed_without_key:
            detail = (f"{sealed_without_key} rule(s) have encrypted webhook secrets that do not open: "
                      f"check WIREWATCH_SECRET_KEY")
        checks["rules"] = {"ok": rules_loaded and not sealed_without_key, "detail": detail}
    total = sum(lag.values())
    checks["lag"] = {"ok": max_lag is None or total <= max_lag, "total": total, "topics": lag,
                     "max": max_lag}
    ready = all(check["ok"] for check in checks.values())
    return {"status": "ready" if ready else "not ready", "ready": ready, "checks": checks}


def readiness(ctx: Any) -> dict[str, Any]:
    """assess() for a running worker (a WorkerContext)."""
    from streams.runtime.metrics import consumer_lag

    try:
        lag = consumer_lag(ctx.app.consumer)
    except Exception:  # noqa: BLE001 - no consumer yet: no lag to report
        lag = {}
    needs_rules = ctx.runs("alerts", "deliver")
    sealed = sum(1 for rule in ctx.rules.raw.values() if has_sealed_secrets(rule)) if needs_rules else 0
    return assess(ctx.health, rebalancing=bool(getattr(ctx.app, "rebalancing", False)), needs_rules=needs_rules,
                  rules_loaded=ctx.rules.ready.is_set(), sealed_without_key=sealed, lag=lag,
                  max_lag=max_lag_setting(), now=time.monotonic())
