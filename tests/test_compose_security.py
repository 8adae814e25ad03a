"""docker-compose.yml and the Dockerfile, as issue 18 wants them: a token and a sealing key from
.env (no default anyone could read), ports on loopback only, healthchecks, a Kafka data volume,
an unprivileged user."""

from __future__ import annotations

import base64
from pathlib import Path

import yaml

from streams.alerts.sealing import load_key
from streams.api_auth import tokens_from_env

ROOT = Path(__file__).resolve().parents[1]


def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_the_worker_requires_a_token_and_a_key_from_the_environment():
    env = services()["worker"]["environment"]
    assert env["WIREWATCH_ADMIN_TOKEN"].startswith("${WIREWATCH_ADMIN_TOKEN:?")
    assert env["WIREWATCH_SECRET_KEY"].startswith("${WIREWATCH_SECRET_KEY:?")
    assert env["WIREWATCH_WEB_HOST"] == "0.0.0.0"
    # what the README's .env line makes is accepted
    assert tokens_from_env({"WIREWATCH_ADMIN_TOKEN": "ab" * 24}).enabled
    assert load_key({"WIREWATCH_SECRET_KEY": base64.b64encode(bytes(32)).decode()}) == bytes(32)


def test_ports_are_published_on_loopback_only():
    for service in services().values():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), port


def test_healthchecks_volumes_and_an_unprivileged_user():
    found = services()
    for name in ("kafka", "worker", "poller"):
        assert found[name]["healthcheck"]["test"], name
    assert "/ready" in " ".join(found["worker"]["healthcheck"]["test"])
    kafka = found["kafka"]
    assert any(volume.startswith("kafka-data:") for volume in kafka["volumes"])
    assert kafka["environment"]["KAFKA_LOG_DIRS"] == "/var/lib/kafka/data"
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
