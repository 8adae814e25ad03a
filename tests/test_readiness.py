"""/health says alive, /ready says whether the worker can work: broker, partitions, rules, lag."""

from __future__ import annotations

import time

import pytest

from streams.runtime.readiness import HealthState, assess


def ready_state(**changes) -> HealthState:
    return HealthState(**{"broker_error": None, "broker_checked": 100.0, "assignments": 1, "partitions": 4, **changes})


def test_ready_only_when_every_check_holds():
    common = dict(rebalancing=False, needs_rules=True, rules_loaded=True, sealed_without_key=0,
                  lag={"wire.raw": 3}, max_lag=None, now=101.0)
    assert assess(ready_state(), **common)["ready"] is True
    down = assess(ready_state(broker_error="Unable to bootstrap"), **common)
    assert down["ready"] is False and down["status"] == "not ready"
    assert down["checks"]["broker"] == {"ok": False, "detail": "Unable to bootstrap"}
    assert assess(ready_state(), **dict(common, now=500.0))["checks"]["broker"]["ok"] is False  # stale probe
    assert assess(ready_state(assignments=0), **common)["checks"]["partitions"]["ok"] is False
    assert assess(ready_state(), **dict(common, rebalancing=True))["ready"] is False
    assert assess(ready_state(), **dict(common, rules_loaded=False))["checks"]["rules"]["detail"] == "loading"
    sealed = assess(ready_state(), **dict(common, sealed_without_key=2))["checks"]["rules"]
    assert sealed["ok"] is False and "WIREWATCH_SECRET_KEY" in sealed["detail"]
    assert "rules" not in assess(ready_state(), **dict(common, needs_rules=False))["checks"]
    assert assess(ready_state(), **dict(common, max_lag=2))["checks"]["lag"] == {
        "ok": False, "total": 3, "topics": {"wire.raw": 3}, "max": 2}


@pytest.mark.integration
def test_health_stays_alive_and_ready_turns_false_when_the_broker_goes(tmp_path):
    from streams.harness.brokers import start_embedded
    from streams.harness.workers import Worker

    broker = start_embedded()
    worker = Worker(broker, "readiness", tmp_path, stages="normalize")
    try:
        worker.wait_http("/ready", lambda body: body["ready"] is True, timeout=120)
        broker.stop()
        deadline = time.monotonic() + 120
        status, body = worker.http("GET", "/ready")
        while status != 503 and time.monotonic() < deadline:
            time.sleep(0.5)
            status, body = worker.http("GET", "/ready")
        assert status == 503, body
        assert body["ready"] is False and body["checks"]["broker"]["ok"] is False
        health_status, health = worker.http("GET", "/health")
        assert health_status == 200 and health["status"] == "alive" and "ok" not in str(health.values())
    finally:
        worker.stop()
        broker.stop()
