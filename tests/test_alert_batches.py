"""The alerts agent's batches, without a broker: one article twice in a batch alerts once;
an article that cannot be read, or whose alert the broker refuses, is dead-lettered and its
state is not written, while the rest of the batch fires and is recorded."""

from __future__ import annotations

import asyncio
from collections import deque
from types import SimpleNamespace

import orjson

from streams.alerts.matching import dedup_key
from streams.alerts.rules import compile_rule, rule_from_dict
from streams.alerts.store import resolver
from streams.config import Settings
from streams.harness.faults.security import nato_enriched
from streams.runtime import alerting
from streams.runtime.metrics import Metrics
from tests.test_webhook_targets import DictState


def make_ctx(sent: list, letters: list, refuse: set[str] = frozenset()) -> SimpleNamespace:
    settings = Settings()
    rule = compile_rule(rule_from_dict({"id": "nato", "name": "NATO", "actors": ["NATO"]}), resolver(settings))

    async def send(topic, key, value):
        if key in refuse:
            raise ValueError("MessageSizeTooLargeError")
        sent.append((topic, key, value["id"]))

    async def send_dead_letter(stage, event, payload, error):
        letters.append((stage, str(error).split(":")[0]))

    return SimpleNamespace(rules=SimpleNamespace(compiled={"nato": rule}, added_at={}), settings=settings,
                           metrics=Metrics(), recent_alerts=deque(maxlen=10), send=send,
                           send_dead_letter=send_dead_letter)


def event(value: dict | bytes) -> SimpleNamespace:
    return SimpleNamespace(value=value if isinstance(value, bytes) else orjson.dumps(value),
                           message=SimpleNamespace(partition=0, headers=(), timestamp=None))


def test_an_article_twice_in_a_batch_alerts_once_and_both_articles_are_recorded():
    sent, letters, state = [], [], DictState()
    batch = [event(nato_enriched("a")), event(nato_enriched("a")), event(nato_enriched("b"))]
    asyncio.run(alerting.fire_batch(make_ctx(sent, letters), state, "alerts", batch))
    assert [key for _topic, key, _id in sent] == ["a", "b"]
    assert dedup_key("nato", "a") in state and dedup_key("nato", "b") in state
    assert letters == []
    asyncio.run(alerting.fire_batch(make_ctx(sent, letters), state, "alerts", batch))  # a replay
    assert len(sent) == 2


def test_what_cannot_be_read_or_sent_is_dead_lettered_and_not_recorded():
    sent, letters, state = [], [], DictState()
    batch = [event(b"[1, 2]"), event(nato_enriched("huge")), event(nato_enriched("ok"))]
    asyncio.run(alerting.fire_batch(make_ctx(sent, letters, refuse={"huge"}), state, "alerts", batch))
    assert [key for _topic, key, _id in sent] == ["ok"]
    assert [stage for stage, _error in letters] == ["alerts", "alerts"]
    assert letters[1][1] == "MessageSizeTooLargeError"
    assert dedup_key("nato", "ok") in state and dedup_key("nato", "huge") not in state
