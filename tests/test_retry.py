"""The one backoff policy (streams.retry) and the Faust workarounds (streams.runtime.faust_compat)."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from streams.retry import Backoff, retry_forever
from streams.runtime import faust_compat
from streams.runtime.metrics import consumer_lag

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- Backoff


def test_backoff_doubles_from_base_up_to_the_cap():
    backoff = Backoff(base=0.2, cap=5.0)
    assert [backoff.delay(attempt) for attempt in range(1, 8)] == [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]
    assert backoff.delay(0) == 0.2  # attempts before the first failure wait as the first
    assert backoff.delay(10_000) == 5.0  # no overflow


def test_full_jitter_draws_below_the_ceiling():
    backoff = Backoff(base=0.5, cap=60.0, jitter=True)
    assert backoff.delay(3, rng=lambda: 0.5) == 1.0
    assert backoff.delay(3, rng=lambda: 0.0) == 0.0
    assert backoff.delay(20, rng=lambda: 0.999999) == pytest.approx(60.0, rel=1e-3)
    assert Backoff(base=0.5, cap=60.0).delay(3, rng=lambda: 0.0) == 2.0  # no jitter: rng unused


# --------------------------------------------------------------------------- retry_forever


class Flaky:
    """Fails with `errors` in turn, then returns "done"."""

    def __init__(self, *errors: Exception):
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def run_retry(action, backoff=Backoff(base=1.0, cap=3.0), **options):
    slept: list[float] = []
    failures: list[tuple[str, float]] = []

    async def sleep(delay: float) -> None:
        slept.append(delay)

    def report(exc: Exception, delay: float) -> None:
        failures.append((str(exc), delay))

    result = asyncio.run(retry_forever(action, backoff, report, sleep=sleep, **options))
    return result, slept, failures


def test_retry_forever_retries_with_backoff_until_it_succeeds():
    action = Flaky(OSError("a"), OSError("b"), OSError("c"))
    result, slept, failures = run_retry(action)
    assert result == "done" and action.calls == 4
    assert slept == [1.0, 2.0, 3.0]
    assert failures == [("a", 1.0), ("b", 2.0), ("c", 3.0)]


def test_retry_forever_raises_what_it_must_not_retry():
    with pytest.raises(KeyError):
        run_retry(Flaky(OSError("a"), KeyError("k")), retry_on=(OSError,))
    too_large = type("TooLarge", (OSError,), {})
    action = Flaky(too_large("refused"))
    with pytest.raises(too_large):
        run_retry(action, retry_on=(OSError,), give_up_on=(too_large,))
    assert action.calls == 1


# --------------------------------------------------------------------------- faust_compat


def test_the_checked_faust_version_is_the_one_pyproject_pins():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (pinned,) = re.findall(r'"faust-streaming==([^"]+)"', pyproject)
    assert faust_compat.PINNED_FAUST_VERSION == pinned


def test_another_faust_version_is_a_warning_not_a_crash(monkeypatch, caplog):
    faust_compat.check_faust_version.cache_clear()
    monkeypatch.setattr(faust_compat, "installed_faust_version", lambda: "0.99.0")
    try:
        with caplog.at_level(logging.WARNING, logger="wirewatch.faust_compat"):
            assert faust_compat.check_faust_version() is False
            faust_compat.check_faust_version()
        warnings = [record.getMessage() for record in caplog.records]
        assert len(warnings) == 1  # once per process
        assert "0.99.0" in warnings[0] and faust_compat.PINNED_FAUST_VERSION in warnings[0]
    finally:
        faust_compat.check_faust_version.cache_clear()


def test_shorten_fetch_wait_replaces_rather_than_stacks():
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    original = AIOKafkaConsumerThread._create_worker_consumer
    consumer = SimpleNamespace(_fetch_max_wait_ms=1500)
    created = []

    def create_consumer(self, transport):
        created.append(transport)
        return consumer

    try:
        AIOKafkaConsumerThread._create_worker_consumer = create_consumer
        faust_compat.shorten_fetch_wait(100)
        faust_compat.shorten_fetch_wait(50)
        patched = AIOKafkaConsumerThread._create_worker_consumer
        assert patched.__wrapped__ is create_consumer
        assert patched(None, "transport") is consumer and consumer._fetch_max_wait_ms == 50
        assert created == ["transport"]  # the original ran once, not once per call to shorten_fetch_wait
    finally:
        AIOKafkaConsumerThread._create_worker_consumer = original


def test_consumer_lag_reads_faust_positions():
    from faust.types import TP

    raw0, raw1, quotes0 = TP("wire.raw", 0), TP("wire.raw", 1), TP("wire.quotes", 0)
    highwater = {raw0: 10, raw1: 5, quotes0: 3}
    last_read = {raw0: 6, raw1: 4}  # wire.quotes: nothing read yet
    consumer = SimpleNamespace(assignment=lambda: list(highwater), highwater=highwater.get, _read_offset=last_read)
    assert consumer_lag(consumer) == {"wire.raw": 3}
