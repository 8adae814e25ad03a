"""Restarts under a running stream: a worker killed (kill -9) or stopped (SIGTERM) and replaced,
and Apache Kafka restarted under a worker. Nothing may be lost, no alert may fire twice."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Any

from streams.harness.brokers import Broker, kafka_command, start_kafka
from streams.harness.faults.checks import check_alerts_once, check_enrichment, enriched_ids, where_lost
from streams.harness.faults.scenario import (
    NATO_RULE,
    STALL,
    Report,
    as_items,
    close_all,
    make_articles,
    mentions_nato,
    new_prefix,
)
from streams.harness.topics import Sender, TopicReader, poll_until, settle, topic_readers
from streams.harness.workers import start_worker
from streams.topology import ENRICH_STAGE_NAMES


def kill_and_restart(broker: Broker, workdir: Path, articles: int = 120, kills: int = 1,
                     interval: float = 0.1, alerts: bool = True, sig: int = signal.SIGKILL) -> Report:
    """Send `articles` at a steady pace (about what one worker enriches, so the stream goes on
    while no worker runs); kill -9 the worker `kills` times mid-stream (when a share of them is
    enriched), starting a new one each time; then count. alerts=False runs the enrichment
    stages only (no alert table to recover), to tell the two apart; sig=SIGTERM makes it a
    clean restart, as a deployment does."""
    report = Report("kill-9" if sig == signal.SIGKILL else f"{signal.Signals(sig).name.lower()}-restart", broker.kind)
    prefix = new_prefix("k")
    readers: list[TopicReader] = []
    sender = None
    try:
        stages = None if alerts else ",".join(ENRICH_STAGE_NAMES)
        worker = start_worker(broker, prefix, workdir, stages=stages)
        report.workers.append(worker)
        if alerts:
            worker.load_rules([NATO_RULE])
        readers = enriched, fired, dead = topic_readers(broker, prefix, "enriched", "alerts", "deadletter")
        batch = make_articles(articles, prefix)
        wanted = {a["id"] for a in batch}
        sender = Sender(broker.bootstrap, f"{prefix}.raw")
        thread = sender.send_paced(as_items(batch), interval)
        for n in range(kills):
            threshold = max(1, articles * (n + 1) // (kills + 2))
            reached = poll_until(lambda wanted=threshold: len(enriched_ids(enriched)) >= wanted, 60 + articles,
                                 readers, worker, stall=STALL)
            if not report.check(reached, f"only {len(enriched_ids(enriched))} enriched before kill {n + 1} "
                                f"(wanted {threshold})"):
                break
            worker.kill(sig)
            at_kill = len(sender.futures)
            report.notes.append(f"{signal.Signals(sig).name} #{n + 1} with {len(enriched_ids(enriched))} of "
                                f"{articles} enriched, {at_kill} sent")
            worker.stop()
            worker = start_worker(broker, prefix, workdir, stages=stages)
            report.workers.append(worker)
            report.counts["sent_while_down"] = report.counts.get("sent_while_down", 0) + len(sender.futures) - at_kill
        thread.join(timeout=articles * interval + 120)
        acked, failed = sender.confirm()
        report.counts["sent"] = len(set(acked))
        report.check(not failed, f"{len(failed)} article(s) the broker did not acknowledge")
        poll_until(lambda: wanted <= set(enriched_ids(enriched)), 90 + articles, readers, worker, stall=STALL)
        check_enrichment(report, enriched, wanted)
        if report.counts["lost"]:
            report.notes.append(where_lost(broker.bootstrap, prefix, wanted - set(enriched_ids(enriched))))
        expected = {("nato", e["id"]) for e in enriched.values() if mentions_nato(e)} if alerts else set()
        poll_until(lambda: expected <= {(a["rule_id"], a["article_id"]) for a in fired.values()}, 60, readers, worker,
                 stall=STALL)
        settle(readers, 3.0)
        check_alerts_once(report, fired, expected)
        report.counts["dead_lettered"] = len(dead.values())
        report.check(not dead.values(), f"good articles dead-lettered: {[d.get('error') for d in dead.values()][:3]}")
        report.check(worker.process.poll() is None, "the restarted worker is not running")
        report.counts["kills"] = kills
    finally:
        close_all(readers, sender, report.workers)
    return report


def kafka_restart(workdir: Path, articles: int = 90, outage: float = 0.0, interval: float = 0.1) -> Report:
    """A third of the articles before the restart, a third while Kafka stops and starts (the
    producer buffers and retries), a third after; the worker must reconnect on its own."""
    report = Report("kafka-restart", "kafka")
    readers: list[TopicReader] = []
    sender = None
    broker = start_kafka(workdir)
    try:
        prefix = new_prefix("r")
        worker = start_worker(broker, prefix, workdir)
        report.workers.append(worker)
        readers = enriched, dead = topic_readers(broker, prefix, "enriched", "deadletter")
        batch = make_articles(articles, prefix)
        wanted = {a["id"] for a in batch}
        third = max(1, articles // 3)
        before, during, after = as_items(batch[:third]), as_items(batch[third:2 * third]), as_items(batch[2 * third:])
        sender = Sender(broker.bootstrap, f"{prefix}.raw")
        for key, value in before:
            sender.send(key, value)
        sender.producer.flush()
        report.check(poll_until(lambda: len(enriched_ids(enriched)) >= max(1, third // 2), 120, readers, worker,
                                      stall=STALL),
                     "the worker enriched nothing before the restart")
        report.notes.append(f"restart with {len(enriched_ids(enriched))} of {articles} enriched")
        started = time.monotonic()
        outcome: dict[str, Any] = {}

        def restart() -> None:
            if outage > 0:
                outcome["stop"] = kafka_command(broker, "stop", "--keep-data")
                time.sleep(outage)
                outcome["start"] = kafka_command(broker, "start", "--keep-data")
            else:
                outcome["start"] = kafka_command(broker, "restart")
            outcome["seconds"] = time.monotonic() - started

        restarter = threading.Thread(target=restart, daemon=True)
        restarter.start()
        sender.send_paced(during, interval).join()
        restarter.join(timeout=400)
        started_ok = outcome.get("start") is not None and outcome["start"].returncode == 0
        if not report.check(started_ok, f"Kafka did not come back: {outcome.get('start') and outcome['start'].stderr}"):
            return report
        report.counts["restart_s"] = round(outcome["seconds"])
        for key, value in after:
            sender.send(key, value)
        acked, failed = sender.confirm()
        report.counts["send_failures"] = len(failed)
        if failed:  # a producer whose delivery timed out sends again, as any real producer would
            items = dict(before + during + after)
            for key in failed:
                sender.send(key, items[key])
            more, failed = sender.confirm()
            acked += more
        report.counts["sent"] = len(set(acked))
        report.check(not failed, f"{len(failed)} article(s) could not be sent even after the restart")
        poll_until(lambda: wanted <= set(enriched_ids(enriched)), 120 + articles, readers, worker, stall=2 * STALL)
        settle(readers, 1.0)
        check_enrichment(report, enriched, wanted)
        if report.counts["lost"]:
            report.notes.append(where_lost(broker.bootstrap, prefix, wanted - set(enriched_ids(enriched))))
        report.counts["dead_lettered"] = len(dead.values())
        report.check(not dead.values(), f"good articles dead-lettered: {[d.get('error') for d in dead.values()][:3]}")
        report.check(worker.process.poll() is None,
                     f"the worker exited ({worker.process.poll()}) instead of reconnecting")
        report.check(worker.healthy(), "the worker's /health does not answer after the restart")
    finally:
        close_all(readers, sender, report.workers)
        broker.stop()
    return report
