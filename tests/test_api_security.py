"""Issue 18, part B, from outside on a real broker: the worker's API refuses requests without a
valid token (401) and writes with a read-only token (403), changing nothing; webhook URLs to
private ranges are refused; the webhook secret is sealed on wire.rules, never in a log, and
still signs the alerts it is meant to sign. The `security` fault scenario counts the same."""

from __future__ import annotations

import orjson
import pytest
from standardwebhooks.webhooks import Webhook

from streams.harness.faults.security import (
    ADMIN,
    ATTEMPTS,
    PRIVATE_URLS,
    READER,
    SECRET,
    WRITES,
    WRONG_TOKENS,
    call,
    nato_enriched,
    private_rule,
    sealed_on_topic,
    secret_in,
    secured_worker,
    security,
)
from streams.harness.topics import TopicClient
from streams.harness.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def secured(broker, tmp_path_factory):
    """A worker (alerts and webhooks only) that requires tokens."""
    worker = secured_worker(broker, f"sec{broker.kind}", tmp_path_factory.mktemp(f"secured-{broker.kind}"))
    client = TopicClient(broker, worker.prefix)
    receiver = WebhookReceiver()
    worker.wait_http("/ready", lambda body: body.get("ready") is True, timeout=120)
    yield worker, client, receiver
    receiver.close()
    client.close()
    worker.stop()


def test_without_a_valid_token_nothing_is_read_or_changed(secured):
    worker, client, _receiver = secured
    for method, path, body in ATTEMPTS:
        for token in WRONG_TOKENS:
            status, answer = call(worker, method, path, token, body)
            assert status == 401, (method, path, token, answer)
            assert "token" in answer["error"]
    for method, path, body in WRITES:
        status, answer = call(worker, method, path, READER, body)
        assert status == 403, (method, path, answer)
        assert "read-only" in answer["error"]
    status, answer = call(worker, "GET", "/rules", READER)
    assert status == 200 and answer["rules"] == []  # nothing was added
    assert client.drain("raw", timeout=2) == []  # no article was sent
    for path in ("/health", "/ready", "/metrics"):  # probes and scrapes need no token
        assert worker.request("GET", path)[0] in (200, 503)
        assert call(worker, "GET", path, None)[0] in (200, 503)


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_webhooks_to_private_ranges_are_refused(secured, url):
    worker, _client, _receiver = secured
    status, answer = call(worker, "POST", "/rules", ADMIN, private_rule(url))
    assert status == 400, answer
    assert "refused" in answer["error"] and "WIREWATCH_WEBHOOK_ALLOW" in answer["error"]
    assert "private" not in {r["id"] for r in call(worker, "GET", "/rules", READER)[1]["rules"]}


def test_the_secret_is_sealed_on_the_topic_and_absent_from_logs_yet_signs(secured):
    worker, client, receiver = secured
    rule = {"id": "sealed", "name": "NATO, signed", "actors": ["NATO"],
            "notify": [{"type": "webhook", "url": receiver.url, "secret": SECRET}]}
    worker.load_rules([rule])
    listed = call(worker, "GET", "/rules", READER)[1]["rules"]
    assert not secret_in(orjson.dumps(listed).decode())
    assert sealed_on_topic(worker, "sealed") == (True, True)  # sealed, and nowhere in clear

    client.send(nato_enriched("sec-nato"), suffix="enriched")
    (headers, body), = receiver.wait_for(1)
    assert Webhook(SECRET).verify(body, headers)["rule_id"] == "sealed"  # opened with the right key
    assert not secret_in(worker.log(chars=10_000_000))


def test_the_security_scenario_counts_what_it_checks(broker, tmp_path):
    report = security(broker, tmp_path)
    assert report.ok, report.details()
    assert report.counts["answered_401"] == report.counts["unauthenticated_requests"] == 15
    assert report.counts["answered_403"] == report.counts["read_only_writes"] == 3
    assert report.counts["private_urls_refused"] == len(PRIVATE_URLS)
    assert report.counts["secret_in_log"] == report.counts["secret_on_rules_topic"] == 0
