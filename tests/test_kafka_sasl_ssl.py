"""TLS and SASL (SCRAM-SHA-512) to Apache Kafka: a broker with a SASL_SSL listener and a
certificate made by the test; the command line (kafka-python) and a worker (Faust/aiokafka)
connect through it, verify the certificate, and refuse a wrong password or an unknown CA."""

from __future__ import annotations

import json

import pytest

from streams.harness.brokers import Broker, requested_broker_kinds, start_kafka
from streams.harness.tls import make_certificates
from streams.harness.topics import decode
from streams.harness.workers import Worker, child_env, run_cli

pytestmark = pytest.mark.integration

USER, PASSWORD = "wirewatch-app", "scram-password-of-the-test"


@pytest.fixture(scope="module")
def secure_kafka(tmp_path_factory):
    """Apache Kafka with PLAINTEXT (for its own readiness probe) and SASL_SSL listeners; the
    settings a client needs, as WIREWATCH_* variables."""
    if "kafka" not in requested_broker_kinds():
        pytest.skip("WIREWATCH_TEST_BROKER excludes Apache Kafka")
    from streams.runtime.broker import free_port

    tmp = tmp_path_factory.mktemp("sasl-ssl")
    certs = make_certificates(tmp / "certs")
    sasl_port = free_port()
    extra = tmp / "sasl-ssl.properties"
    extra.write_text("\n".join([
        "sasl.enabled.mechanisms=SCRAM-SHA-512",
        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config="
        "org.apache.kafka.common.security.scram.ScramLoginModule required;",
        "listener.name.sasl_ssl.ssl.keystore.type=PEM",
        f"listener.name.sasl_ssl.ssl.keystore.location={certs.server}",
        "listener.name.sasl_ssl.ssl.client.auth=none",
        "",
    ]))
    kafka = start_kafka(tmp, "kafka-sasl-", "--sasl-ssl-port", str(sasl_port), "--extra-config", str(extra),
                        "--add-scram", f"SCRAM-SHA-512=[name={USER},password={PASSWORD}]")
    env = {
        "WIREWATCH_BROKER": f"kafka://127.0.0.1:{sasl_port}",
        "WIREWATCH_SECURITY_PROTOCOL": "SASL_SSL",
        "WIREWATCH_SASL_MECHANISM": "SCRAM-SHA-512",
        "WIREWATCH_SASL_USERNAME": USER,
        "WIREWATCH_SASL_PASSWORD": PASSWORD,
        "WIREWATCH_SSL_CAFILE": str(certs.ca),
        "WIREWATCH_TOPIC_PREFIX": "tls",
    }
    yield kafka, sasl_port, env, tmp
    kafka.stop()


def cli_env(env: dict[str, str], **changes: str) -> dict[str, str]:
    return {**child_env(), **env, **changes}


def test_cli_and_worker_work_over_sasl_ssl(secure_kafka):
    kafka, sasl_port, env, tmp = secure_kafka
    rules = tmp / "rules.json"
    rules.write_text(json.dumps({"id": "tls-nato", "name": "NATO", "actors": ["NATO"]}))
    added = run_cli("rules", "add", str(rules), env=cli_env(env))
    assert added.returncode == 0, added.stderr
    listed = run_cli("rules", "list", "--json", env=cli_env(env))
    assert listed.returncode == 0 and '"tls-nato"' in listed.stdout, listed.stderr

    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        worker = Worker(Broker("kafka", f"127.0.0.1:{sasl_port}"), "tls", tmp, stages="normalize")
    try:
        ready = worker.wait_http("/ready", lambda body: body["ready"] is True, timeout=120)
        assert ready["checks"]["broker"]["detail"] == "reachable"
        article = tmp / "article.jsonl"
        article.write_text(json.dumps({"id": "tls-1", "source": "Test Wire", "language": "en",
                                       "body": "NATO ministers met in Brussels on Tuesday."}) + "\n")
        sent = run_cli("ingest", "file", str(article), env=cli_env(env))
        assert sent.returncode == 0, sent.stderr
        tail = run_cli("tail", "normalized", "--from-beginning", "-n", "1", "--json", env=cli_env(env), timeout=120)
        assert tail.returncode == 0, tail.stderr + worker.log()
        assert decode(tail.stdout.strip().encode())["id"] == "tls-1"
    finally:
        worker.stop()
    assert PASSWORD not in worker.log(chars=10_000_000)


@pytest.mark.parametrize("wrong", ["password", "ca"])
def test_a_wrong_password_or_an_unknown_ca_is_refused_with_one_line(secure_kafka, wrong):
    _kafka, _port, env, tmp = secure_kafka
    if wrong == "password":
        change = {"WIREWATCH_SASL_PASSWORD": "not-the-password"}
    else:  # a CA that did not sign the broker's certificate
        change = {"WIREWATCH_SSL_CAFILE": str(make_certificates(tmp / "other-ca").ca)}
    listed = run_cli("rules", "list", env=cli_env(env, **change), timeout=120)
    assert listed.returncode == 1, listed.stdout
    assert "Traceback" not in listed.stderr
    assert listed.stderr.startswith("wirewatch: error:") and len(listed.stderr.strip().splitlines()) == 1, listed.stderr
    assert "not-the-password" not in listed.stderr and "tls-nato" not in listed.stdout
