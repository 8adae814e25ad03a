"""Delivery isolation, persisted target state and replay-proof deliveries, without a broker:
the alert state is a dict here; tests/test_webhook_targets_integration.py runs them on real
brokers."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import orjson

from streams.alerts import targets
from streams.alerts.matching import predates_rule, too_old
from streams.alerts.target_queues import Job, TargetQueues
from streams.alerts.webhooks import DeliveryResult
from streams.config import Settings
from streams.runtime import alerting
from streams.runtime.metrics import Metrics


class DictState(dict):
    """The alert state as a dict: what AlertStateStore offers the dispatcher."""

    async def write(self, updates: dict[str, Any]) -> None:
        for key, value in updates.items():
            if value is None:
                self.pop(key, None)
            else:
                self[key] = value


def make_ctx(rules: dict[str, dict], letters: list) -> SimpleNamespace:
    async def send_dead_letter(stage, event, payload, error):
        letters.append((stage, str(error), event.message.partition))

    return SimpleNamespace(rules=SimpleNamespace(raw=rules), metrics=Metrics(), settings=Settings(),
                           send_dead_letter=send_dead_letter)


def event_of(alert: dict, partition: int = 0) -> SimpleNamespace:
    return SimpleNamespace(value=orjson.dumps(alert), message=SimpleNamespace(partition=partition))


def alert(alert_id: str, rule_id: str = "r") -> dict:
    return {"id": alert_id, "rule_id": rule_id, "article_id": f"art-{alert_id}",
            "fired_at": "2099-01-01T00:00:00.000Z"}


async def settle(dispatcher: alerting.WebhookDispatcher) -> None:
    while dispatcher.queues.total():
        await asyncio.sleep(0.01)


# ------------------------------------------------------------------ target queues


def test_a_stuck_target_does_not_delay_another():
    release = asyncio.Event()
    done: list[str] = []

    async def run(job: Job) -> None:
        if job.target == "stuck":
            await release.wait()
        done.append(f"{job.target}:{job.alert_id}")

    async def main() -> tuple[int, list[str]]:
        queues = TargetQueues(run, size=50, concurrency=2)
        for i in range(20):
            assert queues.offer(Job("stuck", f"a{i}", 0, None))
            assert queues.offer(Job("healthy", f"a{i}", 0, None))
        while queues.backlog("healthy"):
            await asyncio.sleep(0)
        stuck = queues.backlog("stuck")
        healthy_done = list(done)
        release.set()
        while queues.total():
            await asyncio.sleep(0)
        await queues.close()
        return stuck, healthy_done

    stuck, healthy_done = asyncio.run(main())
    assert stuck == 20
    assert healthy_done == [f"healthy:a{i}" for i in range(20)]


def test_a_full_queue_refuses_and_a_known_job_is_not_queued_twice():
    async def main() -> list[bool]:
        queues = TargetQueues(lambda job: asyncio.Event().wait(), size=2, concurrency=1)
        offers = [queues.offer(Job("t", f"a{i}", 0, None)) for i in range(4)]
        offers.append(queues.offer(Job("t", "a0", 0, None)))
        await asyncio.sleep(0)
        await queues.close()
        return offers

    # a0 is taken by the one task only once the loop runs: a0, a1 queued, a2 refused...
    assert asyncio.run(main()) == [True, True, False, False, True]


def test_dropping_a_partition_forgets_its_jobs():
    ran: list[str] = []

    async def run(job: Job) -> None:
        ran.append(job.alert_id)

    async def main() -> int:
        queues = TargetQueues(run, size=10, concurrency=1)
        for i, partition in enumerate([0, 1, 0, 1]):
            queues.offer(Job("t", f"a{i}", partition, None))
        dropped = queues.drop_partitions({1})
        while queues.total():
            await asyncio.sleep(0)
        await queues.close()
        return dropped

    assert asyncio.run(main()) == 2
    assert ran == ["a0", "a2"]


# ------------------------------------------------------------------ target state


def test_target_state_transitions():
    gone = targets.after_delivery(None, "r", "https://h/…", "disabled", "HTTP 410", 100.0)
    assert gone["disabled"] and gone["disabled_at"] == 100.0 and gone["last_error"] == "HTTP 410"
    assert targets.after_delivery(gone, "r", "https://h/…", "disabled", "HTTP 410", 101.0) is None
    late_success = targets.after_delivery(gone, "r", "https://h/…", "delivered", None, 200.0)
    assert late_success["disabled"] and late_success["last_success_at"] == 200.0
    assert targets.after_delivery(late_success, "r", "https://h/…", "delivered", None, 210.0) is None
    again = targets.enabled(late_success, "r", "https://h/…")
    assert not targets.is_disabled(again) and again["last_error"] == "HTTP 410"
    failed = targets.after_delivery(again, "r", "https://h/…", "exhausted", "HTTP 500", 300.0)
    assert failed["last_error"] == "HTTP 500" and failed["last_error_at"] == 300.0
    assert targets.after_delivery(failed, "r", "https://h/…", "exhausted", "HTTP 500", 301.0) is None
    assert targets.after_delivery(failed, "r", "https://h/…", "exhausted", "HTTP 502", 301.0) is not None


def test_rules_are_described_with_their_targets_state_and_no_secret():
    rule = {"id": "r", "notify": [{"url": "https://a.example/h", "secret": "***"},
                                  {"url": "https://b.example/h", "secret": "***"}]}
    state = {targets.target_key("r", "https://a.example/h"): {"disabled": True, "disabled_at": 5.0,
                                                              "last_error": "HTTP 410"}}
    described = targets.describe_targets(rule, state)
    assert described["notify"][0]["state"]["disabled"] is True
    assert described["notify"][1]["state"] == {"disabled": False, "disabled_at": None, "last_error": None,
                                               "last_error_at": None, "last_success_at": None}
    assert rule["notify"][0].get("state") is None  # the input is left alone


def test_age_checks():
    assert predates_rule(10.0, 11.0) and not predates_rule(11.0, 11.0)
    assert not predates_rule(None, 11.0) and not predates_rule(10.0, None)
    assert too_old(0.0, 100.0, 50.0) and not too_old(60.0, 100.0, 50.0) and not too_old(None, 100.0, 1.0)


# ------------------------------------------------------------------ the dispatcher


def test_a_gone_target_is_disabled_on_the_state_and_a_failure_dead_lettered(monkeypatch):
    gone, bad, good = "https://gone.example/h", "https://bad.example/h", "https://good.example/h"
    outcomes = {gone: DeliveryResult("disabled", 1, 410, "HTTP 410"),
                bad: DeliveryResult("failed", 1, 400, "HTTP 400"),
                good: DeliveryResult("delivered", 1, 204)}
    posted: list[str] = []

    async def deliver(session, url, secret, alert):
        posted.append(url)
        return outcomes[url]

    monkeypatch.setattr(alerting, "deliver", deliver)
    letters: list = []
    rules = {"r": {"id": "r", "notify": [{"url": url, "secret": "s"} for url in outcomes]}}
    state = DictState()
    dispatcher = alerting.WebhookDispatcher(make_ctx(rules, letters), state)

    async def main():
        await dispatcher.accept([event_of(alert("a1"), partition=3)])
        await settle(dispatcher)
        await dispatcher.accept([event_of(alert("a2"))])
        await settle(dispatcher)
        await dispatcher.accept([event_of(alert("a1"), partition=3)])  # replayed: done already
        await settle(dispatcher)
        await dispatcher.close()

    asyncio.run(main())
    assert sorted(posted) == sorted([gone, bad, good, bad, good])
    assert letters == [("deliver", "webhook delivery failed after 1 attempt(s): HTTP 400", 3),
                       ("deliver", "webhook delivery failed after 1 attempt(s): HTTP 400", 0)]
    assert targets.is_disabled(state[targets.target_key("r", gone)])
    assert state[targets.target_key("r", good)]["last_success_at"] > 0
    assert targets.is_done(state[targets.sent_key("a1")]) and targets.is_done(state[targets.sent_key("a2")])
    assert dispatcher.session is None


def test_pending_deliveries_are_resumed_by_the_partition_owner(monkeypatch):
    posted: list[tuple[str, str]] = []

    async def deliver(session, url, secret, alert):
        posted.append((alert["id"], url))
        return DeliveryResult("delivered", 1, 204)

    monkeypatch.setattr(alerting, "deliver", deliver)
    a, b = "https://a.example/h", "https://b.example/h"
    rules = {"r": {"id": "r", "notify": [{"url": a}, {"url": b}]}}
    state = DictState({
        targets.sent_key("x"): targets.pending_sent(alert("x"), [targets.url_digest(b)], 1, 0.0),
        targets.sent_key("y"): targets.pending_sent(alert("y"), [targets.url_digest(a)], 2, 0.0),
    })
    dispatcher = alerting.WebhookDispatcher(make_ctx(rules, []), state)

    async def main() -> int:
        dispatcher.assigned({1})
        resumed = await dispatcher.resume()
        await settle(dispatcher)
        assert dispatcher.pending_alerts() == 1  # y belongs to another worker's partition
        await dispatcher.close()
        return resumed

    assert asyncio.run(main()) == 1
    assert posted == [("x", b)]
    assert targets.is_done(state[targets.sent_key("x")])


def test_a_disabled_target_is_skipped_until_enabled(monkeypatch):
    posted: list[str] = []

    async def deliver(session, url, secret, alert):
        posted.append(alert["id"])
        return DeliveryResult("delivered", 1, 204)

    monkeypatch.setattr(alerting, "deliver", deliver)
    url = "https://a.example/h"
    key = targets.target_key("r", url)
    state = DictState({key: {"disabled": True}})
    dispatcher = alerting.WebhookDispatcher(make_ctx({"r": {"id": "r", "notify": [{"url": url}]}}, []), state)

    async def main():
        await dispatcher.accept([event_of(alert("a1"))])
        await settle(dispatcher)
        state[key] = targets.enabled(state[key], "r", "https://a.example/…")
        await dispatcher.accept([event_of(alert("a2"))])
        await settle(dispatcher)
        await dispatcher.close()

    asyncio.run(main())
    assert posted == ["a2"]


def test_an_alert_fired_twice_is_delivered_once(monkeypatch):
    """Two workers on one partition after a revoke longer than the rebalance timeout may both
    fire an alert: the ids are equal (rule, article, evidence), so the webhook gets it once,
    whether the copies come in one batch or later, pending or done."""
    posted: list[str] = []

    async def deliver(session, url, secret, alert):
        posted.append(alert["id"])
        return DeliveryResult("delivered", 1, 204)

    monkeypatch.setattr(alerting, "deliver", deliver)
    state = DictState({targets.sent_key("p"): targets.pending_sent(alert("p"), ["x"], 5, 0.0)})
    rules = {"r": {"id": "r", "notify": [{"url": "https://a.example/h"}]}}
    dispatcher = alerting.WebhookDispatcher(make_ctx(rules, []), state)

    async def main():
        await dispatcher.accept([event_of(alert("a1")), event_of(alert("a1"))])
        await dispatcher.accept([event_of(alert("a1"))])
        await settle(dispatcher)
        await dispatcher.accept([event_of(alert("a1")), event_of(alert("p"))])
        await settle(dispatcher)
        await dispatcher.close()

    asyncio.run(main())
    assert posted == ["a1"]


def test_what_cannot_be_delivered_or_recorded_is_dead_lettered_never_dropped(monkeypatch):
    """Not an alert, or an alert the state topic refuses (too large): a dead letter each, and the
    batch's other alerts are delivered (an exception leaving the agent would make Faust ack them)."""
    posted: list[str] = []

    async def deliver(session, url, secret, alert):
        posted.append(alert["id"])
        return DeliveryResult("delivered", 1, 204)

    class RefusingState(DictState):
        async def write(self, updates):
            if targets.sent_key("huge") in updates:
                raise ValueError("MessageSizeTooLargeError")
            await super().write(updates)

    monkeypatch.setattr(alerting, "deliver", deliver)
    letters: list = []
    rules = {"r": {"id": "r", "notify": [{"url": "https://a.example/h"}]}}
    dispatcher = alerting.WebhookDispatcher(make_ctx(rules, letters), RefusingState())
    garbage = SimpleNamespace(value=b"[1, 2]", message=SimpleNamespace(partition=0))

    async def main():
        await dispatcher.accept([garbage, event_of(alert("huge")), event_of(alert("ok"))])
        await settle(dispatcher)
        await dispatcher.close()

    asyncio.run(main())
    assert posted == ["ok"]
    assert [error.split(":")[0] for _stage, error, _p in letters] == [
        "internal event is a JSON list, expected an object", "could not record the alert's deliveries on wire.alert-state"]
