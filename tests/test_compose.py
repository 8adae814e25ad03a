"""docker-compose.yml cannot run here (no Docker engine): check it parses and agrees with the
configuration (service names, topics, environment variables, CLI verbs)."""

from __future__ import annotations

from pathlib import Path

import yaml

from streams.cli.main import build_parser
from streams.config import ENV_VARS, Settings, from_env

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services():
    services = compose()["services"]
    assert set(services) == {"kafka", "worker", "poller"}
    assert services["kafka"]["image"].startswith("apache/kafka:")
    kafka = services["kafka"]["environment"]
    assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller"
    advertised = kafka["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert "PLAINTEXT://kafka:9092" in advertised  # for the worker and poller
    host_port = next(a for a in advertised if "localhost" in a).rsplit(":", 1)[1]
    assert f"{host_port}:{host_port}" in services["kafka"]["ports"][0]  # for the CLI on the host


def test_wirewatch_services_use_known_variables_and_reach_the_broker():
    services = compose()["services"]
    known = set(ENV_VARS)
    for name in ("worker", "poller"):
        env = services[name]["environment"]
        assert set(env) <= known, set(env) - known
        settings = from_env({k: str(v) for k, v in env.items()})
        assert settings.bootstrap_servers == ["kafka:9092"]
        assert settings.topic("raw") == "wire.raw" == Settings().topic("raw")
        assert services[name]["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_service_commands_are_real_cli_verbs(tmp_path):
    services = compose()["services"]
    parser = build_parser()
    worker = parser.parse_args(services["worker"]["command"])
    assert worker.func.__name__ == "cmd_worker"
    poller = parser.parse_args(services["poller"]["command"])
    assert poller.func.__name__ == "cmd_ingest_rss"
    assert (ROOT / poller.feeds_file.replace("/etc/wirewatch/", "")).exists()


def test_kafka_partitions_match_the_worker_setting():
    services = compose()["services"]
    assert int(services["kafka"]["environment"]["KAFKA_NUM_PARTITIONS"]) == int(
        services["worker"]["environment"]["WIREWATCH_PARTITIONS"])
