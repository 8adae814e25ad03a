"""Shared fixtures: real brokers (embedded Tansu and Apache Kafka), from streams.harness.

Integration tests run against both brokers by default. WIREWATCH_TEST_BROKER=embedded or
=kafka narrows the run to one; WIREWATCH_TEST_BOOTSTRAP=host:port uses a broker you started.
Workers, topic clients and the webhook receiver come from streams.harness too.
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from streams.harness.brokers import external_broker, requested_broker_kinds, start_embedded, start_kafka

# Webhook receivers in the tests listen on loopback, which the URL policy refuses by default;
# rule secrets are sealed on wire.rules with this test-only key (streams/alerts/sealing.py).
os.environ.setdefault("WIREWATCH_WEBHOOK_ALLOW", "127.0.0.1/32,::1/128")
os.environ.setdefault("WIREWATCH_SECRET_KEY", "d2lyZXdhdGNoLXRlc3Qtb25seS1rZXktMzItYnl0ZXM=")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session", params=requested_broker_kinds())
def broker(request):
    """A real broker for the session: the embedded one or Apache Kafka."""
    bootstrap = os.environ.get("WIREWATCH_TEST_BOOTSTRAP")
    if bootstrap:
        yield external_broker(bootstrap, request.param)
        return
    if request.param == "embedded":
        instance = start_embedded()
    else:
        instance = start_kafka(Path(os.environ.get("TMPDIR", "/tmp")), name="wirewatch-test-kafka-")
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="session")
def seed_article() -> dict:
    path = SHARED_DATA / "seed" / "seed.raw.jsonl"
    if not path.exists():
        pytest.skip(f"shared sample data not found at {path}")
    return orjson.loads(path.read_bytes().splitlines()[0])
