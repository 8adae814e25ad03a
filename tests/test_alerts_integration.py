"""Issue #5 from outside: rules added with the CLI, a French story fires both rules as signed
webhooks, a replay fires nothing, an English story fires only the NATO rule."""

from __future__ import annotations

import base64
import json

import pytest
from standardwebhooks.webhooks import Webhook

from streams.contracts import schema_problems as validate
from streams.harness.topics import TopicClient as Client
from streams.harness.webhook_receiver import WebhookReceiver as Receiver
from streams.harness.workers import Worker
from streams.harness.workers import run_cli as cli

pytestmark = pytest.mark.integration

SECRET = "whsec_" + base64.b64encode(b"wirewatch-test-secret-0123456789").decode()

ENGLISH_NATO = {
    "id": "alert-en-nato",
    "source": "Test Wire",
    "language": "en",
    "headline": "NATO plans new exercise in the Baltic",
    "body": "NATO will hold a large naval exercise in the Baltic Sea next month, officials said.\n\n"
    "“The exercise is routine and planned long in advance,” said Admiral Pierre Vandier, who leads "
    "the alliance's transformation command.",
}


def test_rules_fire_once_as_signed_webhooks(broker, tmp_path, seed_article):
    receiver = Receiver()
    prefix = f"al{broker.kind}"
    worker = Worker(broker, prefix, tmp_path)
    client = Client(broker, prefix)
    try:
        rules = [
            {"id": "nato", "name": "NATO mentioned", "actors": ["NATO"], "match": "mentioned",
             "notify": [{"type": "webhook", "url": receiver.url, "secret": SECRET}]},
            {"id": "stoltenberg", "name": "Stoltenberg quoted", "actors": ["Jens Stoltenberg"], "match": "quoted",
             "notify": [{"type": "webhook", "url": receiver.url, "secret": SECRET}]},
        ]
        rules_file = tmp_path / "rules.json"
        rules_file.write_text(json.dumps(rules))
        added = cli("rules", "add", str(rules_file), env=worker.env)
        assert added.returncode == 0, added.stderr
        listed = cli("rules", "list", env=worker.env)
        assert listed.returncode == 0 and "nato" in listed.stdout and "stoltenberg" in listed.stdout
        assert SECRET not in listed.stdout + listed.stderr

        client.send(seed_article)
        hooks = receiver.wait_for(2)
        assert len(hooks) == 2, worker.log()
        fired = set()
        for headers, body in hooks:
            payload = Webhook(SECRET).verify(body, headers)  # raises when the signature is wrong
            fired.add(payload["rule_id"])
        assert fired == {"nato", "stoltenberg"}

        client.send(seed_article)  # a replay: enriched again, but no second alert
        client.collect("enriched", 2, worker=worker)
        client.send(ENGLISH_NATO)
        client.collect("enriched", 1, worker=worker)
        alerts = client.collect("alerts", 3, worker=worker)
        alerts += client.drain("alerts", timeout=4)  # time for a wrongly duplicated alert to show up
        assert len(alerts) == 3, [a["rule_id"] for a in alerts]
        assert sorted(a["rule_id"] for a in alerts) == ["nato", "nato", "stoltenberg"]
        english = [a for a in alerts if a["article_id"] == ENGLISH_NATO["id"]]
        assert [a["rule_id"] for a in english] == ["nato"]
        for alert in alerts:
            assert validate("alert", alert) == []
            assert alert["evidence"]["entities"] or alert["evidence"]["quotes"]
        quoted = next(a for a in alerts if a["rule_id"] == "stoltenberg")
        assert quoted["evidence"]["quotes"]
        assert len(receiver.wait_for(3)) == 3

        backtest = cli("rules", "test", str(rules_file), env=worker.env)
        assert backtest.returncode == 0, backtest.stderr
        assert "stoltenberg: seed-nato-russia-talks" in backtest.stdout
        assert f"nato: {ENGLISH_NATO['id']}" in backtest.stdout
    finally:
        client.close()
        worker.stop()
        receiver.close()


def test_rules_web_api(broker, tmp_path):
    prefix = f"web{broker.kind}"
    worker = Worker(broker, prefix, tmp_path, stages="alerts")
    call = worker.http

    def wait_rules(predicate):
        return worker.wait_http("/rules", lambda body: predicate(body["rules"]))["rules"]

    try:
        wait_rules(lambda rules: rules == [])
        rule = f"id: web1\nname: Web rule\nactors: [OTAN]\nnotify: [{{type: webhook, url: 'https://example.org/h', secret: '{SECRET}'}}]\n"
        status, body = call("POST", "/rules", rule.encode())
        assert status == 201 and body == {"added": ["web1"]}
        rules = wait_rules(lambda rules: len(rules) == 1)
        assert rules[0]["id"] == "web1" and SECRET not in json.dumps(rules)
        assert rules[0]["once_per"] == "story"  # the default of a rule added now
        status, body = call("POST", "/rules", b"id: bad\nname: B\nactors: []\n")
        assert status == 400 and "actors" in body["error"]
        assert call("DELETE", "/rules/nope")[0] == 404
        assert call("DELETE", "/rules/web1")[0] == 200
        wait_rules(lambda rules: rules == [])
        listed = cli("rules", "list", env=worker.env)
        assert listed.stdout.strip() == "no rules"
    finally:
        worker.stop()
