"""Issue 18's rough edges, each as a user meets it: one clear line and the right exit status,
never a traceback or a wait without end."""

from __future__ import annotations

import socket

import pytest

from streams.cli.main import main
from streams.harness.workers import child_env, run_cli


def test_interval_below_zero_is_refused_by_argparse_before_any_broker(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["ingest", "rss", "--interval", "-5", "--broker", "kafka://127.0.0.1:1", "https://example.com/feed"])
    assert exit_.value.code == 2
    assert "--interval: must be a number of seconds above 0, got -5" in capsys.readouterr().err


@pytest.mark.parametrize("broker", ["http://localhost:9092", "https://kafka.example.com:9093"])
def test_an_http_broker_address_is_refused_with_one_line(broker, capsys):
    assert main(["tail", "enriched", "--broker", broker]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wirewatch: error: WIREWATCH_BROKER / --broker:") and "kafka://" in err
    assert len(err.strip().splitlines()) == 1


def test_security_settings_that_cannot_work_are_refused(monkeypatch, capsys):
    monkeypatch.setenv("WIREWATCH_SECURITY_PROTOCOL", "SASL_SSL")
    assert main(["tail", "enriched"]) == 2
    assert "needs WIREWATCH_SASL_USERNAME and WIREWATCH_SASL_PASSWORD" in capsys.readouterr().err
    monkeypatch.setenv("WIREWATCH_SECURITY_PROTOCOL", "TLS")
    assert main(["tail", "enriched"]) == 2
    assert "WIREWATCH_SECURITY_PROTOCOL must be one of" in capsys.readouterr().err


def test_a_web_port_in_use_is_one_clear_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("worker", "--stages", "normalize", "--web-port", str(port), "--broker", "kafka://127.0.0.1:1",
                         env=dict(child_env(), WIREWATCH_DATA_DIR=str(tmp_path)), timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"web port 127.0.0.1:{port} is not available" in result.stderr and "--web-port" in result.stderr


def test_a_worker_exposed_without_a_token_refuses_to_start(tmp_path):
    result = run_cli("worker", "--stages", "normalize", "--broker", "kafka://127.0.0.1:1",
                     env=dict(child_env(), WIREWATCH_WEB_HOST="0.0.0.0", WIREWATCH_DATA_DIR=str(tmp_path),
                              WIREWATCH_ADMIN_TOKEN="", WIREWATCH_API_TOKENS=""), timeout=60)
    assert result.returncode == 2, result.stderr
    assert "without a token" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.integration
def test_tail_of_a_topic_that_does_not_exist_ends_with_a_clear_error(broker):
    env = dict(child_env(), WIREWATCH_BROKER=broker.url, WIREWATCH_TOPIC_PREFIX="rough")
    unknown = run_cli("tail", "nosuchtopic", env=env, timeout=60)
    assert unknown.returncode == 2
    assert "no topic rough.nosuchtopic" in unknown.stderr and "enriched" in unknown.stderr
    not_yet = run_cli("tail", "enriched", env=env, timeout=60)
    assert not_yet.returncode == 1
    assert "rough.enriched does not exist yet" in not_yet.stderr and "a worker creates" in not_yet.stderr
