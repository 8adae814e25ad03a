"""streams/harness without a broker: the webhook receiver, broker handles, polling, and the rule
that the runtime never imports the harness."""

from __future__ import annotations

import ast
import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from streams.harness.brokers import Broker, external_broker, kafka_command, requested_broker_kinds, start_broker
from streams.harness.topics import poll_until
from streams.harness.webhook_receiver import WebhookReceiver, unreachable_url
from streams.paths import REPO_ROOT

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def receiver():
    instance = WebhookReceiver(slow_seconds=0.3, failures=2)
    yield instance
    instance.close()


def test_receiver_keeps_every_delivery_and_each_articles_first_arrival(receiver):
    assert post(receiver.url, json.dumps({"article_id": "a1"}).encode(), {"webhook-id": "m1"}) == 204
    assert post(receiver.url, json.dumps({"article_id": "a1"}).encode(), {"webhook-id": "m2"}) == 204
    assert post(receiver.url, b"not json") == 204
    hooks = receiver.wait_for(3, timeout=5)
    assert len(hooks) == 3 and receiver.posts == 3
    headers, body = hooks[0]
    assert headers["webhook-id"] == "m1" and json.loads(body) == {"article_id": "a1"}
    assert list(receiver.arrivals) == ["a1"]
    assert receiver.arrivals["a1"] == receiver.received("/hook")[0].received_at


def test_flaky_endpoint_fails_each_message_twice_then_accepts(receiver):
    url = receiver.url_for("/flaky")
    assert [post(url, b"{}", {"webhook-id": "m1"}) for _ in range(3)] == [500, 500, 200]
    assert post(url, b"{}", {"webhook-id": "m2"}) == 500  # counted per message
    assert receiver.delivered("/flaky") == {"m1"}
    assert receiver.attempts("/flaky") == {"m1": 3, "m2": 1}


def test_slow_endpoint_answers_late(receiver):
    started = time.monotonic()
    assert post(receiver.url_for("/slow"), b"{}", {"webhook-id": "s1"}) == 204
    assert time.monotonic() - started >= 0.3
    assert receiver.delivered("/slow") == {"s1"} and receiver.delivered("/hook") == set()


def test_bad_signatures_counts_what_does_not_verify(receiver):
    body = json.dumps({"article_id": "a1"}).encode()
    now = datetime.now(UTC)
    signature = Webhook(SECRET).sign("m1", now, body.decode())
    headers = {"webhook-id": "m1", "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signature}
    post(receiver.url, body, headers)
    assert receiver.bad_signatures("/hook", SECRET) == 0
    post(receiver.url, body.replace(b"a1", b"a2"), headers)
    assert receiver.bad_signatures("/hook", SECRET) == 1


def test_unreachable_url_refuses_connections():
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(urllib.request.Request(unreachable_url(), data=b"{}", method="POST"), timeout=5)


def test_external_broker_accepts_an_address_or_a_url():
    plain = external_broker("127.0.0.1:9092")
    assert (plain.kind, plain.bootstrap, plain.url) == ("external", "127.0.0.1:9092", "kafka://127.0.0.1:9092")
    named = external_broker("kafka://host:19092", kind="kafka")
    assert (named.kind, named.bootstrap, named.url) == ("kafka", "host:19092", "kafka://host:19092")
    named.stop()  # someone else's broker: nothing to stop


def test_requested_broker_kinds(monkeypatch):
    monkeypatch.delenv("WIREWATCH_TEST_BROKER", raising=False)
    assert requested_broker_kinds() == ["embedded", "kafka"]
    monkeypatch.setenv("WIREWATCH_TEST_BROKER", " kafka , ")
    assert requested_broker_kinds() == ["kafka"]


def test_broker_misuse_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown broker kind"):
        start_broker("zookeeper", tmp_path)
    with pytest.raises(ValueError, match="not started by start_kafka"):
        kafka_command(Broker("embedded", "127.0.0.1:1"), "restart")


def test_poll_until_returns_when_the_condition_holds_or_the_time_is_up():
    moments = iter(range(100))
    assert poll_until(lambda: next(moments) >= 2, timeout=5)
    started = time.monotonic()
    assert not poll_until(lambda: False, timeout=0.2)
    assert 0.2 <= time.monotonic() - started < 5


def test_the_runtime_never_imports_the_harness():
    """The harness drives the product from outside: no runtime, NLP, alerting or ingest module imports it."""
    offenders = []
    for package in ("runtime", "nlp", "alerts", "ingest"):
        for path in sorted((REPO_ROOT / "streams" / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                if any(name == "streams.harness" or name.startswith("streams.harness.") for name in names):
                    offenders.append(str(Path(path).relative_to(REPO_ROOT)))
    assert offenders == []


def test_an_alert_sent_again_with_its_id_is_a_copy_a_second_id_is_a_second_alert():
    from types import SimpleNamespace

    from streams.harness.faults.checks import check_alerts_once
    from streams.harness.faults.scenario import Report

    def check(records):
        report = Report("kill-9", "embedded")
        check_alerts_once(report, SimpleNamespace(values=lambda: records), {("nato", "a1"), ("nato", "a2")})
        return report

    first, again = {"id": "x1", "rule_id": "nato", "article_id": "a1"}, {"id": "x2", "rule_id": "nato", "article_id": "a2"}
    copied = check([first, again, dict(first)])
    assert copied.ok and copied.counts["alert_copies"] == 1 and copied.counts["alert_duplicates"] == 0
    second = check([first, again, dict(first, id="x3")])
    assert not second.ok and second.counts["alert_duplicates"] == 1
