"""Alert rules live in the compacted topic wire.rules (key = rule id, value = rule JSON, a null
value deletes).  Every worker materialises the whole topic into memory (a global table that
survives restarts because the compacted topic is the source of truth); the CLI reads and
writes the same topic with plain kafka-python clients."""

from __future__ import annotations

import logging
import time
from typing import Any, Iterator, Mapping

from streams.alerts.rules import (
    CompiledRule,
    Rule,
    RuleError,
    compile_rule,
    rule_from_dict,
)
from streams.alerts.sealing import open_stored_rule, sealed_rule_bytes
from streams.config import Settings
from streams.runtime import codec
from streams.runtime.kafka_io import client_options, make_producer

log = logging.getLogger("wirewatch.rules")


def resolver(settings: Settings):
    """The actor resolver for rules: the same alias table the entities stage uses."""
    from streams.nlp.entities.aliases import load_alias_table, resolve_actor

    table = load_alias_table(settings.aliases_file)
    return lambda name: resolve_actor(name, table)


# --- command-line side (synchronous) ------------------------------------------------------


def read_topic(settings: Settings, topic: str, timeout_ms: int = 10000) -> Iterator[tuple[bytes | None, bytes | None]]:
    """Every (key, value) on a topic, from the beginning to the end offsets seen at the start."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(enable_auto_commit=False, group_id=None, **client_options(settings))
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        # Stop at the end offsets seen now, after one idle poll: the embedded broker reports
        # the end of a multi-record batch too early, so the offsets alone are not enough.
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            batch = consumer.poll(timeout_ms=300)
            for tp, records in batch.items():
                for record in records:
                    yield record.key, record.value
            if not batch:
                if all(consumer.position(tp) >= end[tp] for tp in tps):
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no data from {topic} within {timeout_ms / 1000:.0f}s while reading to its end")
            else:
                deadline = time.monotonic() + timeout_ms / 1000
    finally:
        consumer.close()


def topic_exists(settings: Settings, topic: str) -> bool:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(request_timeout_ms=10000, **client_options(settings))
    try:
        return topic in set(admin.list_topics())
    finally:
        admin.close()


def apply_rule_record(rules: dict[str, dict], key: bytes | None, value: bytes | None) -> None:
    """Fold one wire.rules record into the id -> rule map (null value = deleted)."""
    if key is None:
        return
    rule_id = key.decode("utf-8", "replace")
    if value is None:
        rules.pop(rule_id, None)
        return
    try:
        rule = codec.loads(value)
    except Exception:
        log.warning("ignoring unreadable rule record %r on the rules topic", rule_id)
        return
    if isinstance(rule, dict):
        rules[rule_id] = open_stored_rule(rule_id, rule)  # secrets are sealed at rest
    else:  # a JSON null written by a client that cannot send tombstones also deletes
        rules.pop(rule_id, None)


def read_rules(settings: Settings) -> dict[str, dict]:
    rules: dict[str, dict] = {}
    for key, value in read_topic(settings, settings.topic("rules")):
        apply_rule_record(rules, key, value)
    return rules


def put_rules(settings: Settings, rules: list[Rule]) -> None:
    records = [(rule.id, sealed_rule_bytes(rule)) for rule in rules]  # all sealed before any is sent
    producer = make_producer(settings)
    try:
        for rule_id, record in records:
            producer.send(settings.topic("rules"), key=rule_id.encode(), value=record)
        producer.flush()
    finally:
        producer.close()


def delete_rule(settings: Settings, rule_id: str) -> None:
    producer = make_producer(settings)
    try:
        producer.send(settings.topic("rules"), key=rule_id.encode(), value=None)
        producer.flush()
    finally:
        producer.close()


def read_target_states(settings: Settings) -> dict[str, dict]:
    """The webhook target states on wire.alert-state (key -> state), for `rules list`."""
    from streams.alerts.targets import TARGET_PREFIX

    states: dict[str, dict] = {}
    for key, value in read_topic(settings, settings.topic("alert-state")):
        name = key.decode("utf-8", "replace") if key is not None else ""
        if not name.startswith(TARGET_PREFIX):
            continue
        try:
            state = codec.loads(value) if value is not None else None
        except Exception:
            state = None
        if isinstance(state, dict):
            states[name] = state
        else:
            states.pop(name, None)
    return states


def put_target_states(settings: Settings, states: dict[str, dict]) -> None:
    """Write target states to wire.alert-state; every worker follows it (`rules enable`)."""
    producer = make_producer(settings)
    try:
        for key, state in states.items():
            producer.send(settings.topic("alert-state"), key=key.encode("utf-8"), value=codec.dumps(state))
        producer.flush()
    finally:
        producer.close()


# --- worker side (asyncio) ----------------------------------------------------------------


class RulesView:
    """The rules of wire.rules, compiled, kept current in a worker by a CompactedTopicReader."""

    def __init__(self, settings: Settings):
        from streams.runtime.compacted import CompactedTopicReader

        self.settings = settings
        self.raw: dict[str, dict] = {}
        self.compiled: dict[str, CompiledRule] = {}
        # rule id -> when its record was written (epoch seconds): the rule fires only on
        # articles that reached wire.raw later, whatever the consumer group replays.
        self.added_at: dict[str, float] = {}
        # the alert state (wire.alert-state) when this worker follows it: target states for GET /rules
        self.state: Mapping[str, Any] | None = None
        self.reader = CompactedTopicReader(settings, settings.topic("rules"), self._apply)
        self.ready = self.reader.loaded
        self._resolve = None

    def _apply(self, record) -> None:
        self.update(record.key, record.value)
        timestamp = getattr(record, "timestamp", None)
        if record.key is not None and isinstance(timestamp, (int, float)) and timestamp > 0:
            self.added_at[record.key.decode("utf-8", "replace")] = timestamp / 1000

    def described(self) -> list[dict]:
        """Every rule with its secrets masked and its webhook targets' state (GET /rules)."""
        from streams.alerts.rules import mask_secrets
        from streams.alerts.targets import describe_targets

        state = self.state if self.state is not None else {}
        return [describe_targets(mask_secrets(rule), state) for rule in self.raw.values()]

    def update(self, key: bytes | None, value: bytes | None) -> None:
        apply_rule_record(self.raw, key, value)
        if key is None:
            return
        rule_id = key.decode("utf-8", "replace")
        self.compiled.pop(rule_id, None)
        if rule_id in self.raw:
            try:
                if self._resolve is None:
                    self._resolve = resolver(self.settings)
                self.compiled[rule_id] = compile_rule(rule_from_dict(self.raw[rule_id]), self._resolve)
            except RuleError as exc:
                log.warning("rule %s is invalid and is ignored: %s", rule_id, exc)

    async def run(self) -> None:
        await self.reader.run()
