"""The streaming phases: workers of one consumer group on a fresh topic prefix, fed the corpus
at once (throughput) or at a steady pace with an alert rule and a webhook (latency)."""

from __future__ import annotations

import base64
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams.harness.bench.corpus import repeat_to
from streams.harness.bench.machine import cpu_report, peak_rss_mb, process_snapshot
from streams.harness.bench.report import say
from streams.harness.bench.stats import hop_latencies, latency_summary, mean_stage_ms, rounded, steady_rate
from streams.harness.brokers import Broker
from streams.harness.topics import TopicWatcher
from streams.harness.webhook_receiver import WebhookReceiver
from streams.harness.workers import Worker
from streams.topology import ENRICH_STAGE_NAMES, HOP_TOPICS


@dataclass
class Cluster:
    """Workers of one consumer group on a fresh topic prefix, and what we read back from it."""

    settings: Any
    workers: list[Worker]
    watcher: TopicWatcher
    producer: Any
    warm_rounds: int = 0

    def check_alive(self) -> None:
        for worker in self.workers:
            if not worker.alive():
                raise RuntimeError(f"a worker exited with status {worker.process.returncode}:\n{worker.log(2000)}")

    def send(self, article: dict, partition: int | None = None) -> float:
        from streams.runtime import codec

        sent = time.time()
        self.producer.send(self.settings.topic("raw"), key=article["id"].encode("utf-8"),
                           value=codec.dumps(article), partition=partition)
        return sent

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.watcher.stop()
        self.producer.close()


def start_cluster(broker: Broker, workers: int, partitions: int, stages: str | None, workdir: Path,
                  warm_article: dict, parse: bool = False, before_workers: Callable[[Any], None] | None = None,
                  watch: Sequence[str] = ("enriched", "deadletter"), timeout: float = 180.0,
                  warm_corpus: Sequence[dict] = ()) -> Cluster:
    """Fresh prefix and group, `workers` worker processes, and a warm-up that every worker took part in;
    then `warm_corpus` once under other ids (see warm_on_corpus)."""
    from streams.config import from_env
    from streams.runtime.kafka_io import ensure_topics, make_producer, wait_for_broker

    prefix = f"bench{uuid.uuid4().hex[:8]}"
    settings = from_env().with_overrides(broker=broker.url, topic_prefix=prefix, partitions=partitions,
                                         app_id=f"wirewatch-{prefix}")
    wait_for_broker(settings)
    ensure_topics(settings)
    if before_workers:
        before_workers(settings)
    procs = [Worker(broker, prefix, workdir, stages, settings.app_id, partitions=partitions, quiet=True,
                    data_dir=workdir / f"state-{prefix}-{i}", log_name=f"worker-{prefix}-{i}.log")
             for i in range(workers)]
    cluster = Cluster(settings, procs, TopicWatcher(settings, watch, parse=parse), make_producer(settings))
    cluster.watcher.start()
    try:
        deadline = time.monotonic() + timeout
        while not all(w.healthy() for w in procs):
            cluster.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError("workers did not answer /health in time")
            time.sleep(0.25)
        warm_up(cluster, warm_article, deadline)
        if warm_corpus:
            warm_on_corpus(cluster, warm_corpus, deadline + 3 * len(warm_corpus))
    except BaseException:
        cluster.close()
        raise
    return cluster


def warm_up(cluster: Cluster, article: dict, deadline: float) -> None:
    """Send rounds of warm-up articles to every raw partition until each worker has enriched some.

    Model loading, group joins and rebalances all happen here, before any clock starts."""
    partitions = cluster.settings.partitions
    while True:
        cluster.warm_rounds += 1
        ids = []
        for index in range(2 * partitions):
            article_id = f"warmup-{cluster.warm_rounds}-{index}"
            cluster.send(dict(article, id=article_id), partition=index % partitions)
            ids.append(article_id)
        cluster.producer.flush()
        if not cluster.watcher.wait_for(ids, max(1.0, deadline - time.monotonic()), cluster.check_alive):
            raise RuntimeError(f"warm-up articles did not come out in time:\n{cluster.workers[0].log(2000)}")
        counts = [w.processed() for w in cluster.workers]
        if all(c.get("annotate", 0) > 0 and c.get("topics", 0) > 0 for c in counts) and cluster.warm_rounds > 1:
            return
        if time.monotonic() > deadline:
            raise RuntimeError("not every worker received work during warm-up (consumer group never balanced)")


def warm_on_corpus(cluster: Cluster, corpus: Sequence[dict], deadline: float) -> None:
    """The corpus once, under other ids, before the clock: the raw spaCy reference parses the
    same texts again and again, so its vocabulary, tokenizer cache and lemmatizer cache already
    hold their words; a worker meeting them for the first time would pay for filling its own
    (docs/benchmarks.md, "Warm on the corpus")."""
    ids = []
    for article in corpus:
        article_id = f"warmcorpus-{article['id']}"
        cluster.send(dict(article, id=article_id))
        ids.append(article_id)
    cluster.producer.flush()
    if not cluster.watcher.wait_for(ids, max(1.0, deadline - time.monotonic()), cluster.check_alive):
        raise RuntimeError(f"the corpus warm-up did not come out in time:\n{cluster.workers[0].log(2000)}")


def snapshot(cluster: Cluster, broker: Broker) -> dict:
    return process_snapshot([w.pid for w in cluster.workers], broker.pid)


def stream_throughput(broker: Broker, corpus: list[dict], workers: int, partitions: int,
                      workdir: Path, probe: Callable[[], dict] | None = None,
                      beside: Callable[[Any], Any] | None = None) -> dict:
    """Produce the whole corpus at once; first produce to last enriched event, models already loaded.

    `beside(settings)`, when given, starts something next to the workers on their topic prefix for
    the window only (the dashboard, see beside_ui.py): it has `mark()`, `report(ids, seconds, docs)`
    and `close()`, and its report goes into the result under "beside"."""
    say(f"streaming: starting {workers} worker(s) on {broker.kind} broker, {partitions} partitions …")
    started_setup = time.monotonic()
    cluster = start_cluster(broker, workers, partitions, ",".join(ENRICH_STAGE_NAMES), workdir, corpus[0],
                            parse=True, warm_corpus=corpus)
    companion = None
    try:
        say(f"streaming: {workers} worker(s) ready in {time.monotonic() - started_setup:.1f}s "
            f"({cluster.warm_rounds} warm-up rounds); producing {len(corpus)} articles")
        raw_before = probe() if probe else None  # the limit, right now, workers idle
        if beside:
            companion = beside(cluster.settings)
            companion.mark()
        before_counts = [w.processed() for w in cluster.workers]
        before = snapshot(cluster, broker)
        first_send = time.time()
        for index, article in enumerate(corpus):  # every partition an equal share, as raw spaCy's processes get
            cluster.send(article, partition=index % partitions)
        cluster.producer.flush()
        ids = [a["id"] for a in corpus]
        complete = cluster.watcher.wait_for(ids, 60 + 3 * len(corpus), cluster.check_alive)
        after = snapshot(cluster, broker)
        wanted = set(ids)
        with cluster.watcher.lock:
            arrivals = {i: t for s in ("enriched", "deadletter") for i, t in cluster.watcher.arrivals[s].items()
                        if i in wanted}
        last = max(arrivals.values(), default=first_send)
        seconds = last - first_send
        beside_report = None
        if companion is not None:
            beside_report = companion.report(ids, seconds, len(arrivals))
            companion.close()  # the raw reference after the window runs without it, as before it
            companion = None
        raw_after = probe() if probe else None
        enriched = sum(1 for i in ids if i in cluster.watcher.arrivals["enriched"])
        stage_ms = mean_stage_ms(cluster.watcher.events[i]["timings_ms"] for i in ids if i in cluster.watcher.events)
        counts = [w.processed() for w in cluster.workers]
        per_worker = [round(c.get("annotate", 0) - b.get("annotate", 0)) for b, c in zip(before_counts, counts)]
        result = {
            "workers": workers,
            "partitions": partitions,
            "docs": len(arrivals),
            "enriched": enriched,
            "deadletter": len(arrivals) - enriched,
            "complete": complete,
            "seconds": round(seconds, 3),
            "docs_per_s": round(len(arrivals) / seconds, 3) if seconds > 0 else None,
            "articles_per_worker": per_worker,
            "duplicates": dict(cluster.watcher.duplicates),
            "steady_docs_per_s": rounded(steady_rate(sorted(arrivals.values()))),
            "stage_ms": stage_ms,
            # share of the wall time the parse was running, per worker: what is not is waiting
            "annotate_duty": rounded(stage_ms.get("annotate", 0) * len(arrivals) / 1000 / seconds / workers, 2)
            if seconds > 0 else None,
            "peak_rss_mb": [peak_rss_mb(w.pid) for w in cluster.workers],
            **cpu_report(before, after, seconds, len(arrivals)),
        }
        if raw_before and raw_after:
            result["raw_around"] = [raw_before, raw_after]
        if beside_report is not None:
            result["beside"] = beside_report
        say(f"streaming: {workers} worker(s): {len(arrivals)}/{len(ids)} docs in {seconds:.1f}s "
            f"→ {result['docs_per_s']} docs/s (per worker {per_worker})")
        return result
    finally:
        if companion is not None:
            companion.close()
        cluster.close()

def pick_actor(enrich_result: dict) -> tuple[str, str, set[str]] | None:
    """The entity in the most articles, as a rule actor ("TYPE:Name"), its id, and those articles."""
    entities: dict[str, list[str]] = enrich_result.get("entities") or {}
    frequency: Counter[str] = Counter(eid for ids in entities.values() for eid in ids)
    names = enrich_result.get("entity_names") or {}
    for entity_id, _count in frequency.most_common():
        if entity_id in names:
            name, type_ = names[entity_id]
            articles = {aid for aid, ids in entities.items() if entity_id in ids}
            return f"{type_}:{name}", entity_id, articles
    return None


def stream_latency(broker: Broker, corpus: list[dict], rate: float, count: int, partitions: int,
                   workdir: Path, actor: tuple[str, str, set[str]] | None, warm_news: Sequence[dict] = ()) -> dict:
    """One worker (all stages, alerts included) fed at `rate` docs/s; raw->enriched and raw->webhook.

    The worker is first warmed on `warm_news`, other articles than the timed ones (corpus.other_news):
    the rate is half of what a warm worker sustains, and a worker meeting every common word for the
    first time would be at more than half of its own capacity while it fills its caches."""
    from streams.alerts.rules import rule_from_dict
    from streams.alerts.store import put_rules

    receiver = WebhookReceiver() if actor else None
    notes: list[str] = []

    def add_rule(settings) -> None:
        secret = "whsec_" + base64.b64encode(os.urandom(24)).decode("ascii")
        rule = rule_from_dict({"id": "bench-actor", "name": f"bench: {actor[0]}", "actors": [actor[0]],
                               "match": "mentioned", "notify": [{"type": "webhook", "url": receiver.url,
                                                                 "secret": secret}]})
        put_rules(settings, [rule])

    articles = repeat_to(corpus, count)
    say(f"latency: starting 1 worker (all stages) with an alert rule on {actor[0] if actor else '-'} …")
    cluster = start_cluster(broker, 1, partitions, None, workdir, corpus[0], parse=True,
                            before_workers=add_rule if actor else None,
                            watch=(*HOP_TOPICS, "deadletter", "alerts"), warm_corpus=warm_news)
    try:
        say(f"latency: sending {len(articles)} articles at {rate:.2f}/s (paced, one every {1000 / rate:.0f} ms)")
        sent: dict[str, float] = {}
        before = snapshot(cluster, broker)
        start = time.time()
        for index, article in enumerate(articles):
            delay = start + index / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            sent[article["id"]] = cluster.send(article)
            cluster.producer.flush()
        ids = list(sent)
        complete = cluster.watcher.wait_for(ids, 60 + 2 * len(ids), cluster.check_alive)
        load = cpu_report(before, snapshot(cluster, broker), time.time() - start, len(ids))
        arrivals = cluster.watcher.arrivals["enriched"]
        enriched_ms = [(arrivals[i] - sent[i]) * 1000 for i in ids if i in arrivals]
        stamped_ms = [ms for ms in (_enriched_at_ms(cluster.watcher.events.get(i), sent[i]) for i in ids) if ms is not None]
        result: dict[str, Any] = {
            "rate_docs_per_s": round(rate, 3),
            "warmed_on_other_articles": len(warm_news),
            "sent": len(ids),
            "complete": complete,
            "duration_s": round(time.time() - start, 1),
            "raw_to_enriched": latency_summary(enriched_ms),
            "raw_to_enriched_at": latency_summary(stamped_ms),
            "stage_ms": mean_stage_ms(cluster.watcher.events[i]["timings_ms"] for i in ids
                                      if i in cluster.watcher.events),
            "hops_ms": hop_latencies(sent, cluster.watcher.arrivals),
            "peak_rss_mb": peak_rss_mb(cluster.workers[0].pid),
            "cores_used": load.get("cores_used"),
            "other_load_cores": load.get("other_load_cores"),
        }
        if receiver and actor:
            base = {a["id"]: corpus[i % len(corpus)]["id"] for i, a in enumerate(articles)}
            expected = [i for i in ids if base[i] in actor[2]]
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and sum(1 for i in expected if i in receiver.arrivals) < len(expected):
                time.sleep(0.1)
            webhook_ms = [(receiver.arrivals[i] - sent[i]) * 1000 for i in ids if i in receiver.arrivals]
            result["alert_rule"] = {"actor": actor[0], "entity_id": actor[1]}
            result["alerts_expected"] = len(expected)
            result["alerts_on_topic"] = sum(1 for i in ids if i in cluster.watcher.arrivals["alerts"])
            result["webhooks_received"] = len(webhook_ms)
            result["raw_to_webhook"] = latency_summary(webhook_ms)
            if not webhook_ms:
                notes.append("no webhook arrived: raw->alert latency not measured")
        else:
            notes.append("no entity found in the corpus to build an alert rule: raw->alert latency skipped")
        result["notes"] = notes
        summary = result["raw_to_enriched"]
        say(f"latency: raw->enriched p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, p99 {summary['p99_ms']} ms")
        return result
    finally:
        cluster.close()
        if receiver:
            receiver.close()

def _enriched_at_ms(event: dict | None, sent: float) -> float | None:
    from streams.timestamps import to_epoch

    stamp = (event or {}).get("enriched_at")
    if not stamp:
        return None
    try:
        return (to_epoch(stamp) - sent) * 1000
    except ValueError:
        return None
