"""Shared fixtures: real brokers (embedded Tansu and Apache Kafka) and real worker processes.

Integration tests run against both brokers by default. WIREWATCH_TEST_BROKER=embedded or
=kafka narrows the run to one; WIREWATCH_TEST_BOOTSTRAP=host:port uses a broker you started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
KAFKA_SCRIPT = ROOT / "scripts" / "apache-kafka.sh"


def broker_kinds() -> list[str]:
    chosen = os.environ.get("WIREWATCH_TEST_BROKER", "embedded,kafka")
    return [kind.strip() for kind in chosen.split(",") if kind.strip()]


class Broker:
    def __init__(self, kind: str, bootstrap: str, stop):
        self.kind = kind
        self.bootstrap = bootstrap
        self.url = f"kafka://{bootstrap}"
        self._stop = stop

    def stop(self):
        self._stop()


def _start_embedded() -> Broker:
    from streams.runtime.broker import free_port, start_broker, stop_process

    port = free_port()
    process = start_broker(port)
    return Broker("embedded", f"127.0.0.1:{port}", lambda: stop_process(process))


def _start_kafka() -> Broker:
    from streams.runtime.broker import free_port

    port = free_port()
    run_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"wirewatch-test-kafka-{port}"
    result = subprocess.run(
        ["bash", str(KAFKA_SCRIPT), "start", "--port", str(port), "--run-dir", str(run_dir)],
        capture_output=True, text=True, timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"Apache Kafka did not start: {result.stderr.strip() or result.stdout.strip()}")

    def stop():
        subprocess.run(["bash", str(KAFKA_SCRIPT), "stop", "--port", str(port), "--run-dir", str(run_dir)],
                       capture_output=True, timeout=120)

    broker = Broker("kafka", f"127.0.0.1:{port}", stop)
    broker.run_dir = run_dir
    broker.port = port
    return broker


@pytest.fixture(scope="session", params=broker_kinds())
def broker(request):
    """A real broker for the session: the embedded one or Apache Kafka."""
    bootstrap = os.environ.get("WIREWATCH_TEST_BOOTSTRAP")
    if bootstrap:
        yield Broker(request.param, bootstrap, lambda: None)
        return
    instance = _start_embedded() if request.param == "embedded" else _start_kafka()
    try:
        yield instance
    finally:
        instance.stop()


class Worker:
    """A `wirewatch worker` subprocess with its own topic prefix (isolated per test module)."""

    def __init__(self, broker: Broker, prefix: str, tmp: Path, stages: str | None = None, app_id: str | None = None):
        from streams.runtime.broker import free_port

        self.broker = broker
        self.prefix = prefix
        self.log_path = tmp / f"worker-{uuid.uuid4().hex[:6]}.log"
        self.web_port = free_port()
        self.env = dict(
            os.environ,
            WIREWATCH_BROKER=broker.url,
            WIREWATCH_TOPIC_PREFIX=prefix,
            WIREWATCH_APP_ID=app_id or f"ww-{prefix}",
            WIREWATCH_DATA_DIR=str(tmp / "state"),
            WIREWATCH_WEB_PORT=str(self.web_port),
            WIREWATCH_PARTITIONS="2",
        )
        command = [sys.executable, "-m", "streams.cli", "worker"]
        if stages:
            command += ["--stages", stages]
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, env=self.env,
                                        start_new_session=True)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def http(self, method: str, path: str, body: bytes | None = None) -> tuple[int, Any]:
        """One request to the worker's web server: (status, decoded JSON body), errors included."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.web_port}{path}", data=body, method=method,
                                         headers={"Content-Type": "application/json"} if body else {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, orjson.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, orjson.loads(error.read() or b"null")

    def wait_http(self, path: str = "/health", ready: Callable[[Any], bool] = lambda body: True,
                  timeout: float = 60.0) -> Any:
        """GET `path` until it answers 200 with a body `ready` accepts (the web server starts
        with the worker); the body, or the worker's log as the failure."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                status, body = self.http("GET", path)
                if status == 200 and ready(body):
                    return body
            except (urllib.error.URLError, ConnectionError, ValueError):
                pass
            time.sleep(0.3)
        raise AssertionError(f"GET {path} not ready within {timeout:.0f}s\n{self.log()}")

    def kill(self, sig=signal.SIGKILL):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(30)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()


class Client:
    """An outside kafka-python client, as any user's producer/consumer would be."""

    def __init__(self, broker: Broker, prefix: str):
        from kafka import KafkaProducer

        self.broker = broker
        self.prefix = prefix
        self.producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
        self._consumers = {}

    def topic(self, suffix: str) -> str:
        return f"{self.prefix}.{suffix}"

    def send(self, value: bytes | dict, key: str | None = None, suffix: str = "raw") -> None:
        if isinstance(value, dict):
            key = key or value.get("id")
            value = orjson.dumps(value)
        self.producer.send(self.topic(suffix), key=key.encode() if key else None, value=value)
        self.producer.flush()

    def consumer(self, suffix: str):
        from kafka import KafkaConsumer

        if suffix not in self._consumers:
            self._consumers[suffix] = KafkaConsumer(
                self.topic(suffix), bootstrap_servers=self.broker.bootstrap, auto_offset_reset="earliest",
                enable_auto_commit=False, group_id=None,
            )
        return self._consumers[suffix]

    def collect(self, suffix: str, count: int, timeout: float = 90.0, worker: Worker | None = None) -> list[dict]:
        """Read events from a topic until `count` new ones arrived (fails with the worker log)."""
        consumer = self.consumer(suffix)
        events: list[dict] = []
        deadline = time.monotonic() + timeout
        while len(events) < count and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                events.extend(orjson.loads(r.value) for r in records)
            if worker is not None and worker.process.poll() is not None:
                break
        if len(events) < count:
            detail = f"\n--- worker log ---\n{worker.log()}" if worker else ""
            raise AssertionError(f"expected {count} events on {self.topic(suffix)}, got {len(events)}{detail}")
        return events

    def close(self):
        self.producer.close()
        for consumer in self._consumers.values():
            consumer.close()


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`wirewatch ARGS` as a subprocess, text output captured."""
    return subprocess.run([sys.executable, "-m", "streams.cli", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


@pytest.fixture(scope="session")
def seed_article() -> dict:
    path = SHARED_DATA / "seed" / "seed.raw.jsonl"
    if not path.exists():
        pytest.skip(f"shared sample data not found at {path}")
    return orjson.loads(path.read_bytes().splitlines()[0])
