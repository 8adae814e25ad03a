"""Real brokers for the harness: the embedded one (Tansu) and Apache Kafka (scripts/apache-kafka.sh).

Both starters return once the broker accepts connections; `stop()` releases it. Apache Kafka is
run in a directory of its own so that a scenario may stop and restart it with its data.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from streams.paths import REPO_ROOT

KAFKA_SCRIPT = REPO_ROOT / "scripts" / "apache-kafka.sh"
BROKER_KINDS = ("embedded", "kafka")


@dataclass
class Broker:
    """A running broker: its kind (embedded, kafka or external), where clients connect, and how to stop it."""

    kind: str
    bootstrap: str
    url: str = ""
    pid: int | None = None
    port: int | None = None
    run_dir: Path | None = None
    on_stop: Callable[[], None] = field(default=lambda: None, repr=False)

    def __post_init__(self) -> None:
        if not self.url:
            self.url = f"kafka://{self.bootstrap}"

    def stop(self) -> None:
        self.on_stop()


def requested_broker_kinds(variable: str = "WIREWATCH_TEST_BROKER") -> list[str]:
    """The broker kinds a run asks for ("embedded,kafka" unless the variable narrows it)."""
    chosen = os.environ.get(variable, ",".join(BROKER_KINDS))
    return [kind.strip() for kind in chosen.split(",") if kind.strip()]


def external_broker(address: str, kind: str = "external") -> Broker:
    """A broker someone else runs, at host:port or kafka://host:port; stopping it does nothing."""
    bootstrap = address.split("://", 1)[-1]
    return Broker(kind, bootstrap, url=address if "://" in address else "")


def start_embedded() -> Broker:
    """The embedded broker (in memory) on a free port."""
    from streams.runtime.broker import free_port, start_broker, stop_process

    port = free_port()
    process = start_broker(port)
    return Broker("embedded", f"127.0.0.1:{port}", pid=process.pid, port=port,
                  on_stop=lambda: stop_process(process))


def kafka_script(command: str, port: int, run_dir: Path, *options: str,
                 timeout: float = 300) -> subprocess.CompletedProcess:
    """scripts/apache-kafka.sh COMMAND for the broker on `port` kept in `run_dir`."""
    return subprocess.run(["bash", str(KAFKA_SCRIPT), command, *options, "--port", str(port),
                           "--run-dir", str(run_dir)], capture_output=True, text=True, timeout=timeout, check=False)


def start_kafka(parent: Path, name: str = "kafka-", *options: str) -> Broker:
    """Apache Kafka on a free port, its data in `parent`/`name`PORT; may be restarted with `kafka_command`.
    `options` go to `scripts/apache-kafka.sh start` (e.g. --sasl-ssl-port, --extra-config, --add-scram)."""
    from streams.runtime.broker import free_port

    if not KAFKA_SCRIPT.exists():
        raise RuntimeError(f"Apache Kafka is started by {KAFKA_SCRIPT}, which is missing")
    port = free_port()
    run_dir = parent / f"{name}{port}"
    result = kafka_script("start", port, run_dir, *options, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"Apache Kafka did not start: {(result.stderr.strip() or result.stdout.strip())[-2000:]}")
    match = re.search(r"\(pid (\d+)", result.stdout + result.stderr)

    def stop() -> None:
        kafka_script("stop", port, run_dir, timeout=120)

    return Broker("kafka", f"127.0.0.1:{port}", pid=int(match.group(1)) if match else None, port=port,
                  run_dir=run_dir, on_stop=stop)


def kafka_command(broker: Broker, command: str, *options: str) -> subprocess.CompletedProcess:
    """stop, start or restart (with --keep-data and the like) an Apache Kafka from `start_kafka`."""
    if broker.port is None or broker.run_dir is None:
        raise ValueError(f"{broker.kind} broker at {broker.bootstrap} was not started by start_kafka")
    return kafka_script(command, broker.port, broker.run_dir, *options)


def start_broker(kind: str, workdir: Path) -> Broker:
    """A fresh broker of this kind: "embedded", or "kafka" with its data under `workdir`."""
    if kind == "embedded":
        return start_embedded()
    if kind == "kafka":
        return start_kafka(workdir)
    raise ValueError(f"unknown broker kind {kind!r} (expected one of {', '.join(BROKER_KINDS)})")
