"""Issue 18, part A, from outside on real brokers: a 410 disables a webhook target on
wire.alert-state (shown by GET /rules and `rules list`, kept across a restart) until `rules
enable`; the isolation and second-consumer-group fault scenarios, small."""

from __future__ import annotations

import json

import pytest

from streams.harness.faults.isolation import Endpoints, isolation, second_group
from streams.harness.faults.scenario import NATO_RULE, make_articles
from streams.harness.faults.webhooks import SECRET
from streams.harness.topics import TopicClient as Client
from streams.harness.workers import run_cli as cli
from streams.harness.workers import start_worker

pytestmark = pytest.mark.integration


def gone_state(worker) -> dict:
    rules = worker.http("GET", "/rules")[1]["rules"]
    return next(r for r in rules if r["id"] == "gone")["notify"][0]["state"]


def test_a_gone_target_stays_disabled_across_a_restart_until_enabled(broker, tmp_path):
    endpoints = Endpoints()
    prefix = f"gone{broker.kind}"
    client = Client(broker, prefix)
    worker = start_worker(broker, prefix, tmp_path)
    try:
        worker.load_rules([dict(NATO_RULE, id="gone", notify=[{"type": "webhook", "url": endpoints.url("/gone"),
                                                               "secret": SECRET}])])
        first, second, third = make_articles(3, f"{prefix}-a", nato_every=1)
        client.send(first)
        client.collect("alerts", 1, worker=worker)
        worker.wait_http("/rules", lambda body: body["rules"][0]["notify"][0]["state"]["disabled"])
        assert len(endpoints.to("/gone")) == 1
        listed = cli("rules", "list", env=worker.env)
        assert "DISABLED" in listed.stdout and "rules enable" in listed.stdout, listed.stdout
        assert SECRET not in listed.stdout
        as_json = json.loads(cli("rules", "list", "--json", env=worker.env).stdout)
        assert as_json["notify"][0]["state"]["disabled"] is True

        worker.stop()
        worker = start_worker(broker, prefix, tmp_path)  # same app id: a restart
        worker.wait_http("/rules", lambda body: bool(body["rules"]) and body["rules"][0]["notify"][0]["state"]["disabled"])
        client.send(second)
        client.collect("alerts", 1, worker=worker)
        client.drain("alerts", timeout=3)  # time for a delivery that should not happen
        assert len(endpoints.to("/gone")) == 1  # still disabled: the alert was skipped

        assert cli("rules", "enable", "nosuchrule", env=worker.env).returncode == 2
        wrong = cli("rules", "enable", "gone", "--url", "http://127.0.0.1:1/other", env=worker.env)
        assert wrong.returncode == 2 and "no webhook" in wrong.stderr
        enabled = cli("rules", "enable", "gone", env=worker.env)
        assert enabled.returncode == 0, enabled.stderr
        assert "1 had been disabled" in enabled.stdout
        worker.wait_http("/rules", lambda body: not body["rules"][0]["notify"][0]["state"]["disabled"])
        client.send(third)
        client.collect("alerts", 1, worker=worker)
        worker.wait_http("/rules", lambda body: body["rules"][0]["notify"][0]["state"]["disabled"])
        assert [article for _path, _id, article, _at in endpoints.to("/gone")] == [first["id"], third["id"]]
        metrics = worker.request("GET", "/metrics")[1].decode()
        assert "wirewatch_webhook_backlog{" in metrics and "wirewatch_alert_delivery_backlog " in metrics
    finally:
        client.close()
        worker.stop()
        endpoints.close()


def show(report) -> None:
    print(report.summary())
    assert report.ok, report.details()


def test_a_failing_refused_and_gone_webhook_never_hold_back_a_healthy_one(broker, tmp_path):
    """Small run of the isolation scenario (scripts/faults.py runs it with 200 alerts and
    checks the 1 s p99; tests assert no time)."""
    show(isolation(broker, tmp_path, alerts=12, p99_limit=None))


def test_a_second_consumer_group_delivers_nothing_again_and_nothing_older_than_its_rule(broker, tmp_path):
    show(second_group(broker, tmp_path, history=12, fresh=3))
