"""The promises every scenario checks on what came out: each article enriched once (replays
identical), each alert fired once, and where lost articles got stuck."""

from __future__ import annotations

from collections import Counter

from streams.harness.faults.scenario import Report
from streams.harness.topics import TopicReader, settle
from streams.topology import HOP_TOPICS

VOLATILE = ("enriched_at", "timings_ms")  # what may differ when an article is enriched again


def enriched_ids(reader: TopicReader) -> Counter:
    """How many times each article id came out on the reader's topic."""
    return Counter(v.get("id") for v in reader.values() if isinstance(v, dict))


def stable(event: dict) -> dict:
    return {k: v for k, v in event.items() if k not in VOLATILE}


def check_enrichment(report: Report, reader: TopicReader, wanted: set[str]) -> Counter:
    """enriched/duplicates/lost counts, and replays must give the same event."""
    ids = enriched_ids(reader)
    report.counts["enriched"] = len(set(ids) & wanted)
    report.counts["duplicates"] = sum(ids.values()) - len(ids)
    report.counts["lost"] = len(wanted - set(ids))
    report.check(not (wanted - set(ids)), f"{len(wanted - set(ids))} article(s) never enriched, "
                 f"e.g. {sorted(wanted - set(ids))[:5]}")
    report.check(not (set(ids) - wanted), f"unexpected enriched ids {sorted(set(ids) - wanted)[:5]}")
    first: dict[str, dict] = {}
    differing = set()
    for event in reader.values():
        if event["id"] in first and stable(event) != stable(first[event["id"]]):
            differing.add(event["id"])
        first.setdefault(event["id"], event)
    report.check(not differing, f"replayed articles gave a different enriched event: {sorted(differing)[:5]}")
    return ids


def where_lost(bootstrap: str, prefix: str, lost: set[str]) -> str:
    """How far the lost articles got (how many of them each stage topic holds), and the
    consumer group's lag per topic partition: where a pipeline is stuck."""
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

    chain = ("raw", *HOP_TOPICS)
    seen = []
    for suffix in chain:
        reader = TopicReader(bootstrap, f"{prefix}.{suffix}")
        settle([reader], 2.0)
        seen.append(f"{suffix}={len(lost & {key for key, _ in reader.records})}")
        reader.close()
    lag = []
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        committed = next(iter(admin.list_group_offsets(f"ww-{prefix}").values()), {})
        admin.close()
        consumer = KafkaConsumer(bootstrap_servers=bootstrap)
        tps = [TopicPartition(f"{prefix}.{s}", p) for s in chain[:-1] for p in
               sorted(consumer.partitions_for_topic(f"{prefix}.{s}") or ())]
        ends = consumer.end_offsets(tps)
        consumer.close()
        for tp in tps:
            done = committed.get(tp).offset if committed.get(tp) else 0
            if ends[tp] - done:
                lag.append(f"{tp.topic.split('.')[-1]}[{tp.partition}]={ends[tp] - done}")
    except Exception as exc:  # noqa: BLE001 - a diagnosis must not hide the failure it explains
        lag.append(f"unknown ({exc})")
    return (f"lost articles reached: {', '.join(seen)}; uncommitted records per partition: "
            f"{', '.join(lag) or 'none'}")


def check_alerts_once(report: Report, alerts: TopicReader, expected: set[tuple[str, str]]) -> None:
    """Exactly one alert (one alert id) per expected (rule_id, article_id), and no other.

    A kill -9 between sending a batch's alerts and recording them puts the same alert, same id,
    on wire.alerts again (at-least-once, docs/deliveries.md): webhooks get it once, subscribers
    drop it by id. Such copies are counted apart; a second alert is a second id for one pair."""
    records = list(alerts.values())
    ids: dict[tuple[str, str], set[str]] = {}
    for alert in records:
        ids.setdefault((alert.get("rule_id"), alert.get("article_id")), set()).add(alert.get("id"))
    pairs = Counter({pair: len(found) for pair, found in ids.items()})
    twice = {pair: n for pair, n in pairs.items() if n > 1}
    report.counts["alerts"] = sum(pairs.values())
    report.counts["alert_copies"] = len(records) - sum(pairs.values())
    report.counts["alert_duplicates"] = sum(n - 1 for n in twice.values())
    report.counts["alerts_lost"] = len(expected - set(pairs))
    report.check(not twice, f"alerts fired more than once: {sorted(twice.items())[:5]}")
    report.check(not (expected - set(pairs)), f"alerts never fired: {sorted(expected - set(pairs))[:5]}")
    report.check(not (set(pairs) - expected), f"unexpected alerts: {sorted(set(pairs) - expected)[:5]}")
