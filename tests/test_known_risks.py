"""Issue 18's known risks, on real brokers.

(a) Two workers on one partition of wire.enriched (a revoke longer than the rebalance
    timeout): both may fire the same alert. Here two alerts workers in two consumer groups
    own every partition at once, the worst case; the webhook must get each alert once, and a
    copy arriving after the delivery must not be delivered again.
(b) The compacted-topic catch-up (`position >= end offset`) on Apache Kafka when the cleaner
    has removed tombstones, including the ones that were at the partition's tail when written:
    the readers still report "loaded", because Kafka never cleans the active segment, so the
    record at the tail is always there to move the position to the end.
(c) An exception that leaves an enrichment agent outside its per-event `try`: Faust acknowledges
    the event in flight (its stream acks in a `finally`) and restarts the agent past it. A worker
    whose sends onwards (and some of whose dead letters) raise on chosen articles, at every
    enrichment stage (streams/harness/faults/agent_faults.py, a test-only entry point): each such
    article must come out on the dead-letter topic with the reason, every other one enriched,
    none lost, and the worker still running.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from streams.harness.articles import sample_articles
from streams.harness.brokers import requested_broker_kinds, start_kafka
from streams.harness.faults.checks import enriched_ids
from streams.harness.faults.poison_corpus import letter_key
from streams.harness.faults.scenario import STALL
from streams.harness.faults.security import SECRET, nato_enriched
from streams.harness.topics import TopicClient, poll_until, settle
from streams.harness.webhook_receiver import WebhookReceiver
from streams.harness.workers import Worker

pytestmark = pytest.mark.integration

ARTICLES = 30


def test_an_alert_fired_by_two_owners_of_a_partition_reaches_the_webhook_once(broker, tmp_path):
    prefix = f"owners{broker.kind}"
    receiver = WebhookReceiver()
    deliver = Worker(broker, prefix, tmp_path, stages="deliver")
    owners = [Worker(broker, prefix, tmp_path, stages="alerts", app_id=f"ww-{prefix}-{n}") for n in (1, 2)]
    client = TopicClient(broker, prefix)
    try:
        for worker in (deliver, *owners):
            worker.wait_http("/ready", lambda body: body.get("ready") is True, timeout=120)
        deliver.load_rules([{"id": "nato", "name": "NATO", "actors": ["NATO"],
                             "notify": [{"type": "webhook", "url": receiver.url, "secret": SECRET}]}])
        for worker in owners:
            worker.wait_http("/rules", lambda body: bool(body["rules"]))
        for n in range(ARTICLES):
            client.send(nato_enriched(f"{prefix}-{n:03d}"), suffix="enriched")
        copies = client.collect("alerts", ARTICLES, worker=deliver)
        receiver.wait_for(ARTICLES, timeout=90)
        copies += client.drain("alerts", timeout=5)  # the other owner's copies, if it fired too
        ids = Counter(alert["id"] for alert in copies)
        assert len(ids) == ARTICLES  # one alert id per article, whichever owner fired it

        # a late copy of alerts already delivered, as an owner stuck in its revoke would send it
        for alert in copies[:10]:
            client.send(alert, key=alert["article_id"], suffix="alerts")
        client.drain("alerts", timeout=5)
        attempts = receiver.attempts("/hook")
        assert set(attempts) == set(ids)
        assert max(attempts.values()) == 1, [i for i, n in attempts.items() if n > 1]
        print(f"{sum(ids.values()) - len(ids)} of {ARTICLES} alerts fired by both owners; each delivered once")
    finally:
        client.close()
        for worker in (deliver, *owners):
            worker.stop()
        receiver.close()


FAULTS = {  # id marker -> how many articles carry it (streams/harness/faults/agent_faults.py)
    "crash-annotate": 2,  # sent first and alone: the whole batch of an unfinished annotate goes
    "crash-normalize": 2,
    "crash-entities": 2,
    "crash-quotes": 2,
    "crash-topics": 2,
    "crash-stories": 2,  # sent alone next, for the same reason: the stories agent works a batch at a time
    "fail-quotes-dlfail": 2,  # the stage fails, then its dead letter raises (in the agent's except)
    "crash-topics-dlfail": 1,  # the send onwards and the first dead letter raise: letter without payload
}
CLEAN = 15


def test_an_exception_outside_an_enrichment_agents_try_dead_letters_the_article(broker, tmp_path):
    prefix = f"unfinished{broker.kind}"
    samples = sample_articles()
    faulty = [f"{prefix}-{marker}-{n}" for marker, count in FAULTS.items() for n in range(count)]
    clean = [f"{prefix}-clean-{n:02d}" for n in range(CLEAN)]
    worker = Worker(broker, prefix, tmp_path, entry="streams.harness.faults.agent_faults",
                    env={"WIREWATCH_FUSE_STAGES": "0"})  # every stage's own agent; fused: the test below
    client = TopicClient(broker, prefix)
    enriched, dead = client.reader("enriched"), client.reader("deadletter")

    def outcomes() -> Counter:
        return enriched_ids(enriched) + Counter(letter_key(d) for d in dead.values() if isinstance(d, dict))

    def send(ids: list[str]) -> None:
        for n, article_id in enumerate(ids):
            client.send(dict(samples[n % len(samples)], id=article_id))
        poll_until(lambda: set(ids) <= set(outcomes()), 300, (enriched, dead), worker, stall=STALL)

    try:
        worker.wait_http("/ready", lambda body: body.get("ready") is True, timeout=120)
        alone = [[i for i in faulty if marker in i] for marker in ("crash-annotate", "crash-stories")]
        for group in alone:
            send(group)
        rest = [i for i in faulty if not any(i in group for group in alone)]
        send([i for pair in zip(clean, rest + [None] * CLEAN) for i in pair if i])
        settle((enriched, dead), 3.0)  # a duplicate on its way gets the time to show up

        letters = {letter_key(d): d for d in dead.values() if isinstance(d, dict)}
        ids, out = enriched_ids(enriched), outcomes()
        lost = set(faulty + clean) - set(out)
        print(f"{len(faulty) + len(clean)} articles sent ({len(faulty)} with a fault): {len(ids)} enriched, "
              f"{len(letters)} dead-lettered, {len(lost)} lost; worker alive: {worker.alive()}")
        assert not lost, sorted(lost)
        assert set(ids) == set(clean) and max(ids.values()) == 1, ids
        assert set(letters) == set(faulty) and len(dead.values()) == len(faulty)
        for article_id in faulty:
            letter, stage = letters[article_id], article_id.split("-")[2]
            assert letter["stage"] == stage, letter
            assert letter["error"].startswith(f"unfinished: the {stage} agent failed outside its stage function"), letter
            assert "injected fault" in letter["error"]
            assert bool(letter["payload"]) == ("crash-topics-dlfail" not in article_id), letter
        assert "payload dropped" in letters[f"{prefix}-crash-topics-dlfail-0"]["error"]
        assert worker.alive() and worker.healthy(), worker.log()
    finally:
        client.close()
        worker.stop()


FUSED_FAULTS = {  # id marker -> (count, the stage its dead letter names, how its error starts)
    "crash-fused": (2, "normalize", "unfinished: the normalize-topics agent failed outside its stage function"),
    "fail-quotes": (2, "quotes", "injected fault: quotes stage function"),
    "fail-entities-dlfail": (1, "normalize", "unfinished: the normalize-topics agent failed outside"),
}


def test_the_fused_agent_dead_letters_what_fails_inside_and_outside_its_stages(broker, tmp_path):
    """(c) for the fused agent (all enrichment stages in one agent): a send that raises, a stage
    function that raises, and a dead letter that raises; each faulty article goes alone, so
    the batch an unfinished failure dead-letters is that article."""
    prefix = f"unfinishedfused{broker.kind}"
    samples = sample_articles()
    worker = Worker(broker, prefix, tmp_path, entry="streams.harness.faults.agent_faults")
    client = TopicClient(broker, prefix)
    enriched, dead = client.reader("enriched"), client.reader("deadletter")

    def outcomes() -> Counter:
        return enriched_ids(enriched) + Counter(letter_key(d) for d in dead.values() if isinstance(d, dict))

    try:
        worker.wait_http("/ready", lambda body: body.get("ready") is True, timeout=120)
        faulty = [f"{prefix}-{marker}-{n}" for marker, (count, _, _) in FUSED_FAULTS.items() for n in range(count)]
        clean = [f"{prefix}-clean-{n}" for n in range(len(faulty) + 1)]
        for n, article_id in enumerate([i for pair in zip(clean, faulty + [None]) for i in pair if i]):
            client.send(dict(samples[n % len(samples)], id=article_id))
            assert poll_until(lambda: article_id in outcomes(), 120, (enriched, dead), worker, stall=STALL), article_id
        settle((enriched, dead), 3.0)
        letters = {letter_key(d): d for d in dead.values() if isinstance(d, dict)}
        ids = enriched_ids(enriched)
        print(f"{len(faulty) + len(clean)} articles sent one at a time ({len(faulty)} with a fault): "
              f"{len(ids)} enriched, {len(letters)} dead-lettered; worker alive: {worker.alive()}")
        assert set(ids) == set(clean) and max(ids.values()) == 1, ids
        assert set(letters) == set(faulty) and len(dead.values()) == len(faulty)
        for marker, (_count, stage, error) in FUSED_FAULTS.items():
            for letter in (letters[i] for i in faulty if f"-{marker}-" in i):
                assert letter["stage"] == stage and error in letter["error"] and letter["payload"], letter
        assert worker.alive() and worker.healthy(), worker.log()
    finally:
        client.close()
        worker.stop()


@pytest.fixture(scope="module")
def eager_cleaner_kafka(tmp_path_factory):
    """Apache Kafka whose log cleaner looks for work every 200 ms (default 15 s)."""
    if "kafka" not in requested_broker_kinds():
        pytest.skip("WIREWATCH_TEST_BROKER excludes Apache Kafka")
    tmp = tmp_path_factory.mktemp("cleaner")
    extra = tmp / "cleaner.properties"
    extra.write_text("log.cleaner.backoff.ms=200\n")
    kafka = start_kafka(tmp, "kafka-cleaner-", "--extra-config", str(extra))
    yield kafka
    kafka.stop()


COMPACT_FAST = {"cleanup.policy": "compact", "segment.ms": "300", "min.cleanable.dirty.ratio": "0.01",
                "delete.retention.ms": "0", "min.compaction.lag.ms": "0"}


def records_of(bootstrap: str, topic: str) -> list[tuple[int, bytes | None, bytes | None]]:
    """(offset, key, value) of every record a fresh consumer reads, and the end offset last."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        end = consumer.end_offsets([tp])[tp]
        found: list = []
        deadline = time.monotonic() + 10
        while consumer.position(tp) < end and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=300).values():
                found += [(r.offset, r.key, r.value) for r in records]
        return found
    finally:
        consumer.close()


def test_tombstones_cleaned_at_a_compacted_partitions_tail_still_let_readers_load(eager_cleaner_kafka):
    from kafka import KafkaProducer
    from kafka.admin import KafkaAdminClient, NewTopic

    from streams.alerts.store import read_topic
    from streams.config import Settings
    from streams.runtime.compacted import CompactedTopicReader

    bootstrap, topic = eager_cleaner_kafka.bootstrap, "risk.alert-state"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, 1, 1, topic_configs=COMPACT_FAST)])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for key in (b"seen|r|a", b"seen|r|b"):
        producer.send(topic, key=key, value=b'{"seen_at": 1}')
    for key in (b"seen|r|a", b"seen|r|b"):  # expiry: tombstones, the partition's tail for now
        producer.send(topic, key=key, value=None)
    producer.flush()

    # Each tick (a tombstone too) rolls a segment once segment.ms has passed, which makes the
    # segment before it cleanable; wait until the cleaner has removed the first keys entirely
    # and some ticks, each the partition's tail when it was written.
    deadline, tick = time.monotonic() + 90, 0
    while True:
        time.sleep(0.5)
        producer.send(topic, key=b"tick|%d" % tick, value=None).get(timeout=10)
        tick += 1
        remaining = records_of(bootstrap, topic)
        cleaned_ticks = len(remaining) < tick  # a tick tombstone removed: a gap just before the tail
        if cleaned_ticks and not any(key.startswith(b"seen|") for _offset, key, _value in remaining):
            break
        assert time.monotonic() < deadline, f"the cleaner did not run: {remaining[:6]}"
    producer.close()
    last_offset, last_key, last_value = remaining[-1]
    assert remaining[0][0] > 0  # offsets 0-3 (the values and their tombstones) are gone
    assert (last_key, last_value) == (b"tick|%d" % (tick - 1), None)  # the tail tombstone stays

    settings = Settings(broker=eager_cleaner_kafka.url)
    applied: list = []

    async def load() -> None:
        reader = CompactedTopicReader(settings, topic, lambda record: applied.append(record.offset))
        task = asyncio.create_task(reader.run())
        try:
            await asyncio.wait_for(reader.loaded.wait(), 30)
            await reader.caught_up(timeout=30)
        finally:
            task.cancel()

    asyncio.run(load())
    assert applied[-1] == last_offset
    assert list(read_topic(settings, topic))[-1] == (last_key, None)  # the CLI's reader ends too
