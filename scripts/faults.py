#!/usr/bin/env python3
"""Fault scenarios for wirewatch against a real broker and real `wirewatch worker` processes.

Four scenarios, each ending in counts (sent, enriched, dead-lettered, duplicates, lost) and a
list of broken promises:

  kill           kill -9 of a worker in the middle of a stream, then a restart (same app id):
                 every article enriched, duplicates counted, no alert fired twice.
  kafka-restart  Apache Kafka stopped and restarted (data kept) under a running worker, with
                 articles sent before, during and after: the worker reconnects, nothing lost.
  poison         a property-based poison corpus (hypothesis, fixed seed) interleaved with good
                 and hostile-but-valid articles: each bad record dead-lettered once with a
                 reason, the worker stays up, every good article enriched; plus one valid
                 article whose enriched form outgrows 1 MB (enriched or dead-lettered, once).
  webhooks       webhooks that are slow, answer 500 then 200, or are down: deliveries retry,
                 enrichment keeps its pace, nothing lost (the down one ends on wire.deadletter).

tests/test_faults.py runs the same functions with small counts; this script runs them at any
scale.  It needs the test extras (pytest, hypothesis) and, for Apache Kafka, java and mvn.
Exit status: 0 when every promise held, 1 when one broke, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import orjson
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "tests"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from conftest import KAFKA_SCRIPT, Broker, Worker, _start_embedded  # noqa: E402

SAMPLES_FILE = ROOT / "streams" / "samples" / "articles.jsonl"
SECRET = "whsec_" + base64.b64encode(b"wirewatch-fault-tests-secret-0123").decode()
NATO_RULE = {"id": "nato", "name": "NATO mentioned", "actors": ["NATO"], "match": "mentioned"}
MAX_BODY_BYTES = 1024 * 1024  # the worker's default WIREWATCH_MAX_BODY_BYTES
VOLATILE = ("enriched_at", "timings_ms")
COLUMNS = ("sent", "enriched", "dead_lettered", "duplicates", "lost")  # the counts every scenario reports
STALL = 45.0  # seconds without any new record before a wait gives up: the pipeline is stuck


# --- reports --------------------------------------------------------------------------------


@dataclass
class Report:
    """Counts of one scenario on one broker, and every promise that did not hold."""

    scenario: str
    broker: str
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)

    def check(self, ok: bool, problem: str) -> bool:
        if not ok:
            self.problems.append(problem)
        return ok

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        order = [c for c in COLUMNS if c in self.counts] + [k for k in self.counts if k not in COLUMNS]
        counts = " ".join(f"{k}={self.counts[k]}" for k in order)
        return f"{self.scenario:<16} {self.broker:<8} {counts}  {'OK' if self.ok else 'FAILED'}"

    def details(self) -> str:
        """Problems, notes and the tail of each worker's log: what a failing test shows."""
        lines = [self.summary(), *(f"  problem: {p}" for p in self.problems), *(f"  note: {n}" for n in self.notes)]
        for worker in self.workers:
            lines.append(f"--- {worker.log_path} (exit {worker.process.poll()}): warnings and errors ---")
            lines.extend(log_highlights(worker.log_path))
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"scenario": self.scenario, "broker": self.broker, "counts": self.counts, "notes": self.notes,
                "problems": self.problems, "ok": self.ok}


def log_highlights(path: Path, limit: int = 15) -> list[str]:
    """The distinct warnings and errors of a worker log, without timestamps: the shutdown
    chatter at the end of a log says nothing about what went wrong."""
    seen: dict[str, None] = {}
    for line in path.read_text(errors="replace").splitlines():
        if "[ERROR]" in line or "[WARNING]" in line or "Traceback" in line:
            text = line.split("] ", 3)[-1].strip()[:300]
            seen.setdefault(text, None)
    return list(seen)[:limit]


# --- talking to the broker and the worker as any user would -----------------------------------


def _decode(value: bytes | None) -> Any:
    if value is None:
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return {"_undecodable": len(value)}


class TopicReader:
    """Every record of one topic since its start (group-less consumer), polled on demand."""

    def __init__(self, bootstrap: str, topic: str):
        from kafka import KafkaConsumer

        self.topic = topic
        self.consumer = KafkaConsumer(
            topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest",
            enable_auto_commit=False, max_partition_fetch_bytes=16 * 1024 * 1024,
            fetch_max_bytes=64 * 1024 * 1024, reconnect_backoff_max_ms=1000,
        )
        self.records: list[tuple[str | None, Any]] = []

    def poll(self, timeout_ms: int = 100) -> None:
        for batch in self.consumer.poll(timeout_ms=timeout_ms).values():
            for record in batch:
                key = record.key.decode("utf-8", "replace") if record.key is not None else None
                self.records.append((key, _decode(record.value)))

    def values(self) -> list[Any]:
        return [value for _key, value in self.records]

    def close(self) -> None:
        self.consumer.close()


class Sender:
    """A kafka-python producer (acks=all, retries, reconnects within a second) that keeps the
    delivery future of every record, so "sent" means "acknowledged by the broker"."""

    def __init__(self, bootstrap: str, topic: str, **options: Any):
        from kafka import KafkaProducer

        self.topic = topic
        self.producer = KafkaProducer(
            bootstrap_servers=bootstrap, acks="all", reconnect_backoff_max_ms=1000, linger_ms=2,
            max_block_ms=120_000, delivery_timeout_ms=120_000, **options,
        )
        self.futures: list[tuple[str, Any]] = []

    def send(self, key: str, value: bytes | None) -> None:
        self.futures.append((key, self.producer.send(self.topic, key=key.encode("utf-8"), value=value)))

    def send_paced(self, items: Sequence[tuple[str, bytes | None]], interval: float) -> threading.Thread:
        def run() -> None:
            for key, value in items:
                self.send(key, value)
                time.sleep(interval)
            self.producer.flush()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def confirm(self, timeout: float = 120.0) -> tuple[list[str], list[str]]:
        """Keys the broker acknowledged, and keys whose delivery failed (then forgotten)."""
        self.producer.flush(timeout=timeout)
        acked, failed = [], []
        for key, future in self.futures:
            try:
                future.get(timeout=max(1.0, timeout))
                acked.append(key)
            except Exception:
                failed.append(key)
        self.futures = []
        return acked, failed

    def close(self) -> None:
        self.producer.close(timeout=10)


def topic_readers(broker: Broker, prefix: str, *suffixes: str) -> list[TopicReader]:
    return [TopicReader(broker.bootstrap, f"{prefix}.{suffix}") for suffix in suffixes]


def wait_for(condition: Callable[[], bool], timeout: float, readers: Iterable[TopicReader] = (),
             worker: Worker | None = None, stall: float | None = None,
             progress: Callable[[], int] | None = None) -> bool:
    """Poll the readers until the condition holds, the time is up, the worker died, or nothing
    moved (records read, or `progress`) for `stall` seconds: a stuck pipeline fails fast."""
    readers = list(readers)
    deadline = time.monotonic() + timeout
    measure = progress or (lambda: sum(len(reader.records) for reader in readers))
    last, last_change = measure(), time.monotonic()
    while True:
        for reader in readers:
            reader.poll(50)
        if condition():
            return True
        now = time.monotonic()
        if measure() != last:
            last, last_change = measure(), now
        if (now > deadline or (worker is not None and worker.process.poll() is not None)
                or (stall is not None and now - last_change > stall)):
            return condition()
        if not readers:
            time.sleep(0.1)


def settle(readers: Iterable[TopicReader], seconds: float) -> None:
    """Keep reading for a while: a duplicate that is coming gets the time to show up."""
    wait_for(lambda: False, seconds, readers)


def http(worker: Worker, path: str, body: bytes | None = None, method: str = "GET", timeout: float = 5.0) -> Any:
    request = urllib.request.Request(f"http://127.0.0.1:{worker.web_port}{path}", data=body, method=method,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return orjson.loads(response.read())


def healthy(worker: Worker) -> bool:
    try:
        return http(worker, "/health", timeout=3).get("status") == "ok"
    except (OSError, ValueError, urllib.error.URLError):
        return False


def start_worker(broker: Broker, prefix: str, workdir: Path, timeout: float = 90.0,
                 stages: str | None = None) -> Worker:
    """A `wirewatch worker` process; same prefix and workdir = same app id and state: a restart."""
    worker = Worker(broker, prefix, workdir, stages=stages)
    deadline = time.monotonic() + timeout
    while not healthy(worker):
        if worker.process.poll() is not None or time.monotonic() > deadline:
            log = worker.log()
            worker.stop()
            raise RuntimeError(f"worker did not become healthy (exit {worker.process.poll()}):\n{log}")
        time.sleep(0.2)
    return worker


def add_rules(worker: Worker, rules: list[dict], timeout: float = 30.0) -> None:
    """POST the rules to the worker and wait until it has read them back from wire.rules."""
    http(worker, "/rules", orjson.dumps(rules), method="POST")
    wanted = {rule["id"] for rule in rules}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if wanted <= {rule["id"] for rule in http(worker, "/rules")["rules"]}:
            return
        time.sleep(0.2)
    raise RuntimeError(f"the worker did not load rules {sorted(wanted)} within {timeout:.0f}s")


def new_prefix(tag: str) -> str:
    return f"f{tag}{uuid.uuid4().hex[:8]}"


# --- articles ---------------------------------------------------------------------------------


def load_samples() -> list[dict]:
    return [orjson.loads(line) for line in SAMPLES_FILE.read_bytes().splitlines() if line.strip()]


def make_articles(count: int, tag: str, nato_every: int | None = None) -> list[dict]:
    """`count` good articles with unique ids, cycling the demo samples. With nato_every=k only
    every k-th article is the sample that mentions NATO (and fires the NATO rules); with 0, none."""
    samples = load_samples()
    nato = [a for a in samples if "NATO" in a["body"]]
    other = [a for a in samples if "NATO" not in a["body"]]
    articles = []
    for i in range(count):
        if nato_every is None:
            template = samples[i % len(samples)]
        elif nato_every and i % nato_every == 0:
            template = nato[i % len(nato)]
        else:
            template = other[i % len(other)]
        articles.append(dict(template, id=f"{tag}-{i:05d}"))
    return articles


def as_items(articles: Iterable[dict]) -> list[tuple[str, bytes]]:
    return [(a["id"], orjson.dumps(a)) for a in articles]


def mentions_nato(event: dict) -> bool:
    return any(entity.get("name") == "NATO" for entity in event.get("entities") or [])


def enriched_ids(reader: TopicReader) -> Counter:
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


STAGE_TOPICS = ("raw", "normalized", "annotated", "entities", "quotes", "enriched")
STAGE_NAMES = ("normalize", "annotate", "entities", "quotes", "topics")  # the enrichment stages


def where_lost(bootstrap: str, prefix: str, lost: set[str]) -> str:
    """How far the lost articles got (how many of them each stage topic holds), and the
    consumer group's lag per topic partition: where a pipeline is stuck."""
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

    seen = []
    for suffix in STAGE_TOPICS:
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
        tps = [TopicPartition(f"{prefix}.{s}", p) for s in STAGE_TOPICS[:-1] for p in
               sorted(consumer.partitions_for_topic(f"{prefix}.{s}") or ())]
        ends = consumer.end_offsets(tps)
        consumer.close()
        for tp in tps:
            done = committed.get(tp).offset if committed.get(tp) else 0
            if ends[tp] - done:
                lag.append(f"{tp.topic.split('.')[-1]}[{tp.partition}]={ends[tp] - done}")
    except Exception as exc:  # a diagnosis must not hide the failure it explains
        lag.append(f"unknown ({exc})")
    return (f"lost articles reached: {', '.join(seen)}; uncommitted records per partition: "
            f"{', '.join(lag) or 'none'}")


def check_alerts_once(report: Report, alerts: TopicReader, expected: set[tuple[str, str]]) -> None:
    """Exactly one alert per expected (rule_id, article_id), and no other."""
    pairs = Counter((a.get("rule_id"), a.get("article_id")) for a in alerts.values())
    twice = {pair: n for pair, n in pairs.items() if n > 1}
    report.counts["alerts"] = sum(pairs.values())
    report.counts["alert_duplicates"] = sum(n - 1 for n in twice.values())
    report.counts["alerts_lost"] = len(expected - set(pairs))
    report.check(not twice, f"alerts fired more than once: {sorted(twice.items())[:5]}")
    report.check(not (expected - set(pairs)), f"alerts never fired: {sorted(expected - set(pairs))[:5]}")
    report.check(not (set(pairs) - expected), f"unexpected alerts: {sorted(set(pairs) - expected)[:5]}")


# --- scenario 1: kill -9 and restart --------------------------------------------------------


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
        stages = None if alerts else ",".join(STAGE_NAMES)
        worker = start_worker(broker, prefix, workdir, stages=stages)
        report.workers.append(worker)
        if alerts:
            add_rules(worker, [NATO_RULE])
        readers = enriched, fired, dead = topic_readers(broker, prefix, "enriched", "alerts", "deadletter")
        batch = make_articles(articles, prefix)
        wanted = {a["id"] for a in batch}
        sender = Sender(broker.bootstrap, f"{prefix}.raw")
        thread = sender.send_paced(as_items(batch), interval)
        for n in range(kills):
            threshold = max(1, articles * (n + 1) // (kills + 2))
            reached = wait_for(lambda: len(enriched_ids(enriched)) >= threshold, 60 + articles, readers, worker,
                               stall=STALL)
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
        wait_for(lambda: wanted <= set(enriched_ids(enriched)), 90 + articles, readers, worker, stall=STALL)
        check_enrichment(report, enriched, wanted)
        if report.counts["lost"]:
            report.notes.append(where_lost(broker.bootstrap, prefix, wanted - set(enriched_ids(enriched))))
        expected = {("nato", e["id"]) for e in enriched.values() if mentions_nato(e)} if alerts else set()
        wait_for(lambda: expected <= {(a["rule_id"], a["article_id"]) for a in fired.values()}, 60, readers, worker,
                 stall=STALL)
        settle(readers, 3.0)
        check_alerts_once(report, fired, expected)
        report.counts["dead_lettered"] = len(dead.values())
        report.check(not dead.values(), f"good articles dead-lettered: {[d.get('error') for d in dead.values()][:3]}")
        report.check(worker.process.poll() is None, "the restarted worker is not running")
        report.counts["kills"] = kills
    finally:
        _close(readers, sender, report.workers)
    return report


def _close(readers: Iterable[TopicReader], sender: Sender | None, workers: Iterable[Worker]) -> None:
    for reader in readers:
        reader.close()
    if sender is not None:
        sender.close()
    for worker in workers:
        worker.stop()


# --- scenario 2: Apache Kafka restarted under a running worker ----------------------------------


def start_dedicated_kafka(workdir: Path) -> Broker:
    """An Apache Kafka of our own (scripts/apache-kafka.sh) that we may stop and restart."""
    from streams.runtime.broker import free_port

    port = free_port()
    run_dir = workdir / f"kafka-{port}"
    result = subprocess.run(["bash", str(KAFKA_SCRIPT), "start", "--port", str(port), "--run-dir", str(run_dir)],
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"Apache Kafka did not start: {result.stderr.strip() or result.stdout.strip()}")

    def stop() -> None:
        subprocess.run(["bash", str(KAFKA_SCRIPT), "stop", "--port", str(port), "--run-dir", str(run_dir)],
                       capture_output=True, timeout=120)

    broker = Broker("kafka", f"127.0.0.1:{port}", stop)
    broker.port, broker.run_dir = port, run_dir
    return broker


def kafka_command(broker: Broker, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(KAFKA_SCRIPT), *args, "--port", str(broker.port), "--run-dir",
                           str(broker.run_dir)], capture_output=True, text=True, timeout=300)


def kafka_restart(workdir: Path, articles: int = 90, outage: float = 0.0, interval: float = 0.1) -> Report:
    """A third of the articles before the restart, a third while Kafka stops and starts (the
    producer buffers and retries), a third after; the worker must reconnect on its own."""
    report = Report("kafka-restart", "kafka")
    readers: list[TopicReader] = []
    sender = None
    broker = start_dedicated_kafka(workdir)
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
        report.check(wait_for(lambda: len(enriched_ids(enriched)) >= max(1, third // 2), 120, readers, worker,
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
        wait_for(lambda: wanted <= set(enriched_ids(enriched)), 120 + articles, readers, worker, stall=2 * STALL)
        settle(readers, 1.0)
        check_enrichment(report, enriched, wanted)
        if report.counts["lost"]:
            report.notes.append(where_lost(broker.bootstrap, prefix, wanted - set(enriched_ids(enriched))))
        report.counts["dead_lettered"] = len(dead.values())
        report.check(not dead.values(), f"good articles dead-lettered: {[d.get('error') for d in dead.values()][:3]}")
        report.check(worker.process.poll() is None,
                     f"the worker exited ({worker.process.poll()}) instead of reconnecting")
        report.check(healthy(worker), "the worker's /health does not answer after the restart")
    finally:
        _close(readers, sender, report.workers)
        broker.stop()
    return report


# --- scenario 3: a poison corpus -----------------------------------------------------------


def examples(strategy: st.SearchStrategy, count: int, seed: int) -> list:
    """`count` values drawn by hypothesis from `strategy`, reproducibly (fixed seed, no database).

    The broker test checks the whole corpus in one run (one worker, one pass), so the values are
    collected here rather than each one driving its own run."""
    found: list = []

    @hypothesis_seed(seed)
    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value):
        found.append(value)

    collect()
    while found and len(found) < count:  # a small space (e.g. missing fields) is cycled
        found.extend(found[: count - len(found)])
    return found[:count]


_SAMPLE_INDEX = st.integers(min_value=0, max_value=3)
_INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)  # what JSON encoders here can write
_STRING_FIELDS = ("id", "source", "language", "headline", "body", "body_html", "url", "byline", "published_at")
_SCALARS = st.one_of(
    _INT64, st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.lists(_INT64, max_size=3),
    st.dictionaries(st.text(max_size=5), _INT64, max_size=3),
)
_BAD_VERSIONS = st.one_of(st.text(max_size=8), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
                          st.integers(min_value=-(2**63), max_value=0), st.lists(_INT64, max_size=2))


def _sample(index: int) -> dict:
    samples = load_samples()
    return dict(samples[index % len(samples)])


def _filler(size: int, alphabet: str) -> str:
    unit = "".join(alphabet) + " "
    return (unit * (size // len(unit) + 1))[:size]


def _with_field(index: int, name: str, value: Any) -> bytes:
    article = _sample(index)
    article[name] = value
    return orjson.dumps(article)


def _without(index: int, names: tuple[str, ...]) -> bytes:
    article = _sample(index)
    for name in names:
        article.pop(name, None)
    return orjson.dumps(article)


def _truncated(index: int, fraction: float) -> bytes:
    data = orjson.dumps(_sample(index))
    return data[: max(1, min(len(data) - 1, int(fraction * len(data))))]


def _nested_inside_article(index: int, depth: int) -> bytes:
    """A valid article carrying an extra field nested `depth` levels (orjson reads up to 1024,
    writes up to 254): written by hand, as orjson cannot."""
    return orjson.dumps(_sample(index))[:-1] + b',"extra":' + b"[" * depth + b"]" * depth + b"}"


def _bad_utf8(index: int, junk: bytes) -> bytes:
    article = _sample(index)
    article["body"] = article["body"][:40] + "\x00JUNK\x00" + article["body"][40:]
    return orjson.dumps(article).replace(b"\\u0000JUNK\\u0000", junk)


def _lone_surrogate(index: int, code: int) -> bytes:
    article = _sample(index)
    article["headline"] = "MARK"
    return orjson.dumps(article).replace(b"MARK", f"\\u{code:04x}".encode())


def _binary(kind: str, tail: bytes) -> bytes:
    article_json = orjson.dumps(_sample(0))
    return {
        "png": b"\x89PNG\r\n\x1a\n" + tail,
        "gzip": gzip.compress(article_json + tail, mtime=0),
        "utf-16": article_json.decode().encode("utf-16"),
        "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + tail,
    }[kind]


def _huge(index: int, extra: int, name: str) -> bytes:
    article = _sample(index)
    article.pop("body", None)
    text = _filler(MAX_BODY_BYTES + extra, "Lorem ipsum dolor sit amet")
    article[name] = f"<p>{text}</p>" if name == "body_html" else text
    return orjson.dumps(article)


def _wrong_type(pair: tuple[str, Any], index: int) -> bytes:
    return _with_field(index, *pair)


_WRONG_TYPES = st.one_of(
    st.tuples(st.sampled_from(_STRING_FIELDS), _SCALARS),
    st.tuples(st.just("version"), _BAD_VERSIONS),
    st.tuples(st.sampled_from(("id", "source")), st.text(alphabet=" \t\n\u00a0", max_size=4)),
    st.tuples(st.just("id"), st.integers(min_value=513, max_value=4000).map(lambda n: "x" * n)),
    st.tuples(st.just("published_at"), st.text(alphabet="abcxyz :/", min_size=1, max_size=20)),
)

# kind -> strategy of the bytes to send (None = a null value, a "tombstone"); every one must be
# dead-lettered with a reason.
POISON: dict[str, st.SearchStrategy] = {
    "random-bytes": st.binary(min_size=1, max_size=4096),
    "random-text": st.text(min_size=1, max_size=2000).map(lambda s: s.encode("utf-8")),
    "binary-format": st.builds(_binary, st.sampled_from(["png", "gzip", "utf-16", "pdf"]), st.binary(max_size=512)),
    "truncated-json": st.builds(_truncated, _SAMPLE_INDEX, st.floats(min_value=0, max_value=1)),
    "deep-nesting": st.builds(lambda depth, open_close: open_close[0] * depth + open_close[1] * depth,
                              st.integers(min_value=1025, max_value=10_000),
                              st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")])),
    "nested-article": st.builds(_nested_inside_article, _SAMPLE_INDEX, st.integers(min_value=255, max_value=1000)),
    "huge-body": st.builds(_huge, _SAMPLE_INDEX, st.integers(min_value=1, max_value=256 * 1024),
                           st.sampled_from(["body", "body_html"])),
    "wrong-type": st.builds(_wrong_type, _WRONG_TYPES, _SAMPLE_INDEX),
    "missing-field": st.builds(_without, _SAMPLE_INDEX, st.sampled_from([("id",), ("source",), ("body", "body_html")])),
    "not-an-object": st.one_of(st.lists(_INT64, max_size=5), st.text(max_size=50), _INT64,
                               st.booleans(), st.none(),
                               st.floats(allow_nan=False, allow_infinity=False)).map(orjson.dumps),
    "empty": st.sampled_from([b"", None]),
    "bad-utf8": st.builds(_bad_utf8, _SAMPLE_INDEX,
                          st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80\x80"])),
    "lone-surrogate": st.builds(_lone_surrogate, _SAMPLE_INDEX, st.integers(min_value=0xD800, max_value=0xDFFF)),
}


_BROKEN_HTML = ["<p>", "</p></p>", "<b><i>", "</div>", "<a href='", "<<>>", "&amp", "&#99999999;", "&bogus;",
                "<p\n", "<table><td>", "<br/>", "</>", "<img src=x onerror=alert(1)>", "<!DOCTYPE", "]]>"]
_QUOTES = ["«", "»", "“", "”", '"', "„", "‹", "›", "'", "‘", "’", "« ", " »"]
_NOISE = ["\U0001f600", "\u0301", "\u200f", "\u202e", "\u200d", "\x00", "\x07", "\u2028", "\ufffd", "ﷺ", "\u00a0",
          "\t", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\u0640" * 5, "\r\n"]


def _insert(text: str, pieces: list[tuple[float, str]]) -> str:
    for fraction, piece in sorted(pieces, reverse=True):
        at = int(fraction * len(text))
        text = text[:at] + piece + text[at:]
    return text


def _broken_html(index: int, pieces: list[tuple[float, str]]) -> dict:
    article = _sample(index)
    paragraphs = article.pop("body").split("\n\n")
    rest = "".join(f"<p>{p}" for p in paragraphs[1:])
    article["body_html"] = f"<p>{paragraphs[0]}</p>" + _insert(rest, pieces)
    return article


def _body_with(index: int, pieces: list[tuple[float, str]]) -> dict:
    article = _sample(index)
    article["body"] = _insert(article["body"], pieces)
    return article


def _odd_language(index: int, language: str | None) -> dict:
    article = _sample(index)
    if language is None:
        article.pop("language", None)
    else:
        article["language"] = language
    return article


_JSON_VALUES = st.recursive(st.none() | st.booleans() | _INT64
                            | st.text(max_size=20), lambda inner: st.lists(inner, max_size=3)
                            | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=10)
_RESERVED = set(_STRING_FIELDS) | {"version", "annotation", "boilerplate", "language_detected", "dedup_key",
                                   "entities", "quotes", "topics", "models", "enriched_at", "timings_ms"}

# Hostile but valid articles: each must be enriched.
HOSTILE: dict[str, st.SearchStrategy] = {
    "broken-html": st.builds(_broken_html, _SAMPLE_INDEX,
                             st.lists(st.tuples(st.floats(0, 1), st.sampled_from(_BROKEN_HTML)),
                                      min_size=1, max_size=8)),
    "unbalanced-quotes": st.builds(_body_with, _SAMPLE_INDEX,
                                   st.lists(st.tuples(st.floats(0, 1), st.sampled_from(_QUOTES)),
                                            min_size=1, max_size=9)),
    "unicode-noise": st.builds(_body_with, _SAMPLE_INDEX,
                               st.lists(st.tuples(st.floats(0, 1), st.sampled_from(_NOISE)), min_size=1, max_size=12)),
    "odd-language": st.builds(_odd_language, _SAMPLE_INDEX,
                              st.sampled_from(["zz", "x-private", "de", "EN-gb", "", "123", "fr_FR", None])),
    "extra-fields": st.builds(lambda index, extra, version: {**extra, **_sample(index), "version": version},
                              _SAMPLE_INDEX,
                              st.dictionaries(st.text(min_size=1, max_size=10).filter(lambda k: k not in _RESERVED),
                                              _JSON_VALUES, max_size=4),
                              st.integers(min_value=1, max_value=2**63 - 1)),
}


@dataclass
class Record:
    kind: str
    key: str
    value: bytes | None
    expect: str  # "deadletter" or "enriched"


def poison_corpus(prefix: str, bad: int, good: int, seed: int = 0) -> list[Record]:
    """`bad` poison records spread over every POISON kind, `good` articles (plain ones and
    every HOSTILE kind), shuffled together with a fixed seed."""
    records: list[Record] = []
    kinds = list(POISON)
    for n, kind in enumerate(kinds):
        share = bad // len(kinds) + (1 if n < bad % len(kinds) else 0)
        for value in examples(POISON[kind], share, seed + n) if share else []:
            records.append(Record(kind, f"{prefix}-bad-{len(records):05d}", value, "deadletter"))
    hostile_kinds = list(HOSTILE)
    plain = good - good // 2
    hostile = good - plain
    goods: list[tuple[str, dict]] = [("good", a) for a in make_articles(plain, f"{prefix}-good")]
    for n, kind in enumerate(hostile_kinds):
        share = hostile // len(hostile_kinds) + (1 if n < hostile % len(hostile_kinds) else 0)
        goods += [(kind, article) for article in (examples(HOSTILE[kind], share, seed + 100 + n) if share else [])]
    for n, (kind, article) in enumerate(goods):
        key = f"{prefix}-ok-{n:05d}"
        records.append(Record(kind, key, orjson.dumps(dict(article, id=key)), "enriched"))
    random.Random(seed).shuffle(records)
    return records


def letter_key(letter: dict) -> str | None:
    """Which sent record a dead letter is about: its key, else the id in its payload."""
    if letter.get("key"):
        return letter["key"]
    if letter.get("article_id"):
        return letter["article_id"]
    try:
        payload = orjson.loads(letter.get("payload") or b"")
        return payload.get("id") or payload.get("article_id")
    except (orjson.JSONDecodeError, AttributeError):
        return None


def _renamed(record: Record, key: str) -> Record:
    """The record under a new key, and with that id when it is an article."""
    value = record.value
    try:
        article = orjson.loads(value or b"")
        if isinstance(article, dict) and "id" in article:
            value = orjson.dumps(dict(article, id=key))
    except orjson.JSONDecodeError:
        pass
    return Record(record.kind, key, value, record.expect)


def poison(broker: Broker, workdir: Path, good: int = 60, bad: int = 90, seed: int = 0,
           extra: Sequence[Record] = ()) -> Report:
    """Send the corpus (plus `extra` records) in one go; every record must end up exactly once
    where it belongs: bad ones on wire.deadletter with stage and error, good ones enriched,
    "either" ones in one of the two."""
    from streams.evaluation.evaluate import validate
    from streams.topology import STAGE_NAMES as STAGES

    report = Report("poison", broker.kind)
    prefix = new_prefix("p")
    readers: list[TopicReader] = []
    sender = None
    try:
        corpus = poison_corpus(prefix, bad, good, seed) + [_renamed(r, f"{prefix}-{r.key}") for r in extra]
        worker = start_worker(broker, prefix, workdir)
        report.workers.append(worker)
        readers = enriched, dead = topic_readers(broker, prefix, "enriched", "deadletter")
        # gzip and a large request size: huge bodies must reach the worker to be judged there
        sender = Sender(broker.bootstrap, f"{prefix}.raw", compression_type="gzip", max_request_size=8 * 1024 * 1024)
        for record in corpus:
            sender.send(record.key, record.value)
        acked, failed = sender.confirm()
        report.counts["sent"] = len(acked)
        report.check(not failed, f"the broker refused {len(failed)} record(s): "
                     f"{[(r.kind, len(r.value or b'')) for r in corpus if r.key in set(failed)][:5]}")
        sent = set(acked)
        expect = {r.key: r.expect for r in corpus if r.key in sent}
        kinds = {r.key: r.kind for r in corpus}
        bad_keys = {k for k, e in expect.items() if e == "deadletter"}
        good_keys = {k for k, e in expect.items() if e == "enriched"}

        def outcomes() -> Counter:
            """key -> how many times it came out (enriched or dead-lettered)."""
            return enriched_ids(enriched) + Counter(letter_key(d) for d in dead.values() if isinstance(d, dict))

        wait_for(lambda: set(expect) <= set(outcomes()), 90 + len(corpus) / 2, readers, worker, stall=STALL)
        settle(readers, 2.0)
        letters = [d for d in dead.values() if isinstance(d, dict)]
        lettered = Counter(letter_key(d) for d in letters)
        ids = enriched_ids(enriched)
        out = outcomes()
        report.counts["bad"] = len(bad_keys)
        report.counts["good"] = len(good_keys)
        report.counts["dead_lettered"] = len(letters)
        report.counts["enriched"] = len(set(ids) & good_keys)
        report.counts["duplicates"] = sum(n - 1 for n in out.values() if n > 1)
        lost = set(expect) - set(out)
        report.counts["lost"] = len(lost)
        report.counts["kinds"] = len({kinds[k] for k in expect})

        def by_kind(keys: Iterable[str]) -> dict[str, int]:
            return dict(Counter(kinds.get(k, "?") for k in keys))

        report.check(not lost, f"records neither dead-lettered nor enriched (lost), by kind: {by_kind(lost)}")
        report.check(not (bad_keys & set(ids)), f"bad records enriched, by kind: {by_kind(bad_keys & set(ids))}")
        misfiled = good_keys & set(lettered)
        report.check(not misfiled, f"good articles dead-lettered, by kind: {by_kind(misfiled)}: "
                     f"{[d['error'] for d in letters if letter_key(d) in misfiled][:4]}")
        report.check(len(letters) == len(bad_keys) + len(set(lettered) - bad_keys - good_keys),
                     f"{len(letters)} dead letters for {len(bad_keys)} bad records")
        twice = {k: n for k, n in out.items() if n > 1}
        report.check(not twice, f"records that came out more than once, by kind: {by_kind(twice)}")
        unknown = [d for d in letters if letter_key(d) not in kinds]
        report.check(not unknown, f"dead letters for records never sent: {[d.get('error') for d in unknown][:3]}")
        for letter in letters:
            invalid = validate("deadletter", letter)
            if not report.check(letter.get("stage") in STAGES and isinstance(letter.get("error"), str)
                                and letter["error"].strip() and not invalid,
                                f"dead letter without a proper stage/error: stage={letter.get('stage')!r} "
                                f"error={letter.get('error')!r} schema={invalid[:2]}"):
                break
        for key in (k for k, e in expect.items() if e == "either"):
            outcome = "enriched" if key in ids else "dead-lettered" if key in lettered else "lost"
            reasons = [d["error"] for d in letters if letter_key(d) == key]
            report.notes.append(f"{kinds[key]}: {outcome}" + (f" ({reasons[0]})" if reasons else ""))
        report.notes.append("dead letters per stage: " + ", ".join(
            f"{stage}={n}" for stage, n in Counter(d.get("stage") for d in letters).items()))
        report.check(worker.process.poll() is None, f"the worker exited ({worker.process.poll()})")
        report.check(healthy(worker), "the worker's /health does not answer")
    finally:
        _close(readers, sender, report.workers)
    return report


def outgrowing_article(key: str = "outgrows", size: int = 160_000) -> Record:
    """A valid article (body far under the 1 MiB limit) whose enriched form is over 1 MB: dense
    in quotations, speakers and places, so later stages add far more than the body holds."""
    unit = "« Nous ne céderons pas », a déclaré Emmanuel Macron à Paris. "
    body = "\n\n".join([unit] * (size // (len(unit) + 2)))
    article = {"id": key, "source": "Fault Wire", "language": "fr", "headline": "Dense", "body": body}
    return Record("outgrows-limit", key, orjson.dumps(article), "either")


# --- scenario 4: webhooks in trouble ---------------------------------------------------------


class Hooks:
    """Local webhook endpoints: /slow answers after 3 s, /flaky answers 500 to the first two
    attempts of each alert then 200; `down_url` points to a port where nothing listens."""

    def __init__(self, slow_seconds: float = 3.0, failures: int = 2):
        from streams.runtime.broker import free_port

        self.requests: dict[str, list[tuple[str, int, dict, bytes]]] = defaultdict(list)
        self.lock = threading.Lock()
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                msg_id = headers.get("webhook-id", "")
                if self.path == "/slow":
                    time.sleep(slow_seconds)
                    status = 204
                else:
                    with hooks.lock:
                        seen = sum(1 for r in hooks.requests[self.path] if r[0] == msg_id)
                    status = 500 if seen < failures else 200
                with hooks.lock:
                    hooks.requests[self.path].append((msg_id, status, headers, body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.slow_url, self.flaky_url = f"{base}/slow", f"{base}/flaky"
        self.down_url = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self, path: str) -> set[str]:
        """Alert ids the endpoint accepted (2xx)."""
        with self.lock:
            return {r[0] for r in self.requests[path] if 200 <= r[1] < 300}

    def attempts(self, path: str) -> Counter:
        with self.lock:
            return Counter(r[0] for r in self.requests[path])

    def verify_all(self, path: str) -> int:
        """How many requests carry a bad Standard Webhooks signature."""
        from standardwebhooks.webhooks import Webhook

        bad = 0
        with self.lock:
            requests = list(self.requests[path])
        for _id, _status, headers, body in requests:
            try:
                Webhook(SECRET).verify(body, headers)
            except Exception:
                bad += 1
        return bad

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def webhooks(broker: Broker, workdir: Path, articles: int = 60, nato_every: int = 6) -> Report:
    """Three rules on the same actor, each with one troubled webhook. Wave 1 (calm: no alert)
    times enrichment; wave 2 fires the alerts; wave 3, sent while deliveries are in trouble,
    must be enriched as promptly as wave 1. Then every delivery must have ended well."""
    report = Report("webhooks", broker.kind)
    prefix = new_prefix("w")
    readers: list[TopicReader] = []
    sender = None
    hooks = Hooks()
    try:
        worker = start_worker(broker, prefix, workdir)
        report.workers.append(worker)
        targets = {"slow": hooks.slow_url, "flaky": hooks.flaky_url, "down": hooks.down_url}
        add_rules(worker, [dict(NATO_RULE, id=name, name=f"NATO ({name} webhook)",
                                notify=[{"type": "webhook", "url": url, "secret": SECRET}])
                           for name, url in targets.items()])
        readers = enriched, alerts, dead = topic_readers(broker, prefix, "enriched", "alerts", "deadletter")
        sender = Sender(broker.bootstrap, f"{prefix}.raw")
        third = max(1, articles // 3)
        calm = make_articles(third, f"{prefix}-calm", nato_every=0)
        firing = make_articles(articles - 2 * third, f"{prefix}-fire", nato_every=max(1, nato_every // 2))
        during = make_articles(third, f"{prefix}-during", nato_every=nato_every)
        wanted = {a["id"] for a in calm + firing + during}

        def wave(batch: list[dict]) -> float:
            """Send a batch at once; seconds until all of it is enriched (inf if not in time)."""
            started = time.monotonic()
            for key, value in as_items(batch):
                sender.send(key, value)
            sender.producer.flush()
            ids = {a["id"] for a in batch}
            if wait_for(lambda: ids <= set(enriched_ids(enriched)), 60 + len(batch), readers, worker, stall=STALL):
                return time.monotonic() - started
            return float("inf")

        calm_s = wave(calm)
        report.check(calm_s < float("inf"), "the calm wave was not enriched within its time")
        started = time.monotonic()
        for key, value in as_items(firing):
            sender.send(key, value)
        sender.producer.flush()
        report.check(wait_for(lambda: bool(alerts.values()), 60 + articles, readers, worker, stall=STALL),
                     "no alert fired")
        during_s = wave(during)
        pending_slow = len({a["id"] for a in alerts.values() if a["rule_id"] == "slow"} - hooks.delivered("/slow"))
        report.counts["calm_ms_per_article"] = round(1000 * calm_s / max(1, len(calm)))
        report.counts["trouble_ms_per_article"] = (round(1000 * during_s / max(1, len(during)))
                                                   if during_s < float("inf") else -1)
        report.counts["slow_pending_when_enriched"] = pending_slow
        report.check(during_s <= 60 + len(during),
                     f"articles sent during the webhook trouble took {during_s:.0f}s to enrich")
        acked, failed = sender.confirm()
        report.counts["sent"] = len(set(acked))
        wait_for(lambda: wanted <= set(enriched_ids(enriched)), 60 + articles, readers, worker, stall=STALL)
        nato_ids = {e["id"] for e in enriched.values() if mentions_nato(e)}
        expected = {(rule, article) for rule in targets for article in nato_ids}

        def down_letters() -> set[str]:
            found = set()
            for letter in dead.values():
                if letter.get("stage") == "deliver":
                    try:
                        found.add(orjson.loads(letter["payload"])["id"])
                    except (orjson.JSONDecodeError, KeyError, TypeError):
                        found.add(letter.get("key") or "?")
            return found

        def alert_ids(rule: str) -> set[str]:
            return {a["id"] for a in alerts.values() if a.get("rule_id") == rule}

        def all_delivered() -> bool:
            return (expected <= {(a["rule_id"], a["article_id"]) for a in alerts.values()}
                    and alert_ids("slow") <= hooks.delivered("/slow")
                    and alert_ids("flaky") <= hooks.delivered("/flaky")
                    and alert_ids("down") <= down_letters())

        wait_for(all_delivered, 120 + 10 * len(nato_ids), readers, worker, stall=STALL,
                 progress=lambda: sum(len(r.records) for r in readers) + sum(len(v) for v in hooks.requests.values()))
        report.counts["deliveries_s"] = round(time.monotonic() - started)
        settle(readers, 2.0)
        check_enrichment(report, enriched, wanted)
        check_alerts_once(report, alerts, expected)
        slow_missing = alert_ids("slow") - hooks.delivered("/slow")
        flaky_missing = alert_ids("flaky") - hooks.delivered("/flaky")
        down_missing = alert_ids("down") - down_letters()
        report.counts["slow_delivered"] = len(hooks.delivered("/slow") & alert_ids("slow"))
        report.counts["flaky_delivered"] = len(hooks.delivered("/flaky") & alert_ids("flaky"))
        report.counts["flaky_attempts"] = sum(hooks.attempts("/flaky").values())
        report.counts["down_dead_lettered"] = len(down_letters() & alert_ids("down"))
        report.counts["dead_lettered"] = len(dead.values())
        report.counts["lost"] += len(slow_missing) + len(flaky_missing) + len(down_missing)
        report.check(not slow_missing, f"{len(slow_missing)} alert(s) never delivered to the slow webhook")
        report.check(not flaky_missing, f"{len(flaky_missing)} alert(s) never delivered to the 500-then-200 webhook")
        retried = hooks.attempts("/flaky")
        report.check(all(retried[i] >= 3 for i in alert_ids("flaky")), "the 500-then-200 webhook was not retried")
        report.check(not down_missing,
                     f"{len(down_missing)} alert(s) for the down webhook missing from wire.deadletter")
        for letter in dead.values():
            if letter.get("stage") == "deliver":
                report.check("attempt" in letter.get("error", ""),
                             f"deliver dead letter without the attempts: {letter.get('error')}")
                break
        others = [d for d in dead.values() if d.get("stage") != "deliver"]
        report.check(not others, f"unexpected dead letters: {[d.get('error') for d in others][:3]}")
        report.check(hooks.verify_all("/slow") + hooks.verify_all("/flaky") == 0, "webhook signatures do not verify")
        report.check(worker.process.poll() is None, f"the worker exited ({worker.process.poll()})")
    finally:
        _close(readers, sender, report.workers)
        hooks.close()
    return report


# --- command line --------------------------------------------------------------------------


SCENARIOS = ("kill", "kafka-restart", "poison", "webhooks")


def run(args: argparse.Namespace) -> list[Report]:
    scenarios = SCENARIOS if "all" in args.scenario else args.scenario
    reports: list[Report] = []
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="wirewatch-faults-"))
    workdir.mkdir(parents=True, exist_ok=True)
    for kind in (["embedded", "kafka"] if args.broker == "both" else [args.broker]):
        broker: Broker | None = None
        try:
            for scenario in scenarios:
                scratch = workdir / f"{kind}-{scenario}"
                scratch.mkdir(exist_ok=True)
                if scenario == "kafka-restart":
                    if kind != "kafka":
                        continue
                    report = kafka_restart(scratch, articles=args.articles, outage=args.outage)
                else:
                    if broker is None:
                        if args.bootstrap:
                            broker = Broker(kind, args.bootstrap, lambda: None)
                        else:
                            broker = _start_embedded() if kind == "embedded" else start_dedicated_kafka(workdir)
                    if scenario == "kill":
                        report = kill_and_restart(broker, scratch, articles=args.articles, kills=args.kills,
                                                  interval=args.interval, alerts=not args.no_alerts,
                                                  sig=getattr(signal, f"SIG{args.signal}"))
                    elif scenario == "poison":
                        report = poison(broker, scratch, good=args.articles, bad=args.bad or args.articles,
                                        seed=args.seed, extra=[outgrowing_article()])
                    else:
                        report = webhooks(broker, scratch, articles=args.articles)
                reports.append(report)
                print(report.summary(), flush=True)
                if not report.ok:
                    print(report.details() if args.verbose else "\n".join(f"  problem: {p}" for p in report.problems),
                          flush=True)
        finally:
            if broker is not None:
                broker.stop()
    return reports


def print_table(reports: list[Report]) -> None:
    header = f"{'scenario':<17}{'broker':<10}" + "".join(f"{c:>15}" for c in COLUMNS) + "  result"
    print("\n" + header + "\n" + "-" * len(header))
    for r in reports:
        cells = "".join(f"{r.counts.get(c, '-'):>15}" for c in COLUMNS)
        print(f"{r.scenario:<17}{r.broker:<10}{cells}  {'ok' if r.ok else 'FAILED'}")
        extras = {k: v for k, v in r.counts.items() if k not in COLUMNS}
        if extras:
            print(" " * 24 + ", ".join(f"{k}={v}" for k, v in extras.items()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="faults.py", description=__doc__.rsplit("\n\n", 1)[0],
        epilog="Example: python scripts/faults.py --broker both --articles 500 --kills 3 --json faults.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--broker", choices=["embedded", "kafka", "both"], default="embedded",
                        help="which real broker to run against (default embedded; kafka needs java and mvn)")
    parser.add_argument("--bootstrap", help="use a broker already running at HOST:PORT instead of starting one "
                        "(kafka-restart always starts its own Apache Kafka)")
    parser.add_argument("--scenario", nargs="+", choices=[*SCENARIOS, "all"], default=["all"],
                        help="scenarios to run (default all)")
    parser.add_argument("--articles", type=int, default=300, help="articles per scenario (default 300)")
    parser.add_argument("--bad", type=int, help="poison records (default: as many as --articles)")
    parser.add_argument("--kills", type=int, default=3, help="kill -9 / restart cycles in 'kill' (default 3)")
    parser.add_argument("--signal", choices=["KILL", "TERM"], default="KILL",
                        help="'kill': how the worker is stopped (default KILL, i.e. kill -9)")
    parser.add_argument("--no-alerts", action="store_true",
                        help="'kill': run the enrichment stages only (no rule, no alert table)")
    parser.add_argument("--interval", type=float, default=0.1,
                        help="seconds between two articles of the stream in 'kill' (default 0.1)")
    parser.add_argument("--outage", type=float, default=0.0,
                        help="seconds Apache Kafka stays down in 'kafka-restart' (default 0: a plain restart)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the poison corpus (default 1)")
    parser.add_argument("--workdir", help="where worker logs and state go (default: a new temporary directory)")
    parser.add_argument("--json", help="also write the reports as JSON to this file")
    parser.add_argument("-v", "--verbose", action="store_true", help="print worker log tails of failed scenarios")
    args = parser.parse_args(argv)
    if args.articles < 3 or args.kills < 0 or (args.bad is not None and args.bad < 1):
        parser.error("--articles must be >= 3, --kills >= 0, --bad >= 1")
    try:
        reports = run(args)
    except KeyboardInterrupt:
        return 130
    except RuntimeError as exc:
        print(f"faults.py: error: {exc}", file=sys.stderr)
        return 1
    print_table(reports)
    if args.json:
        Path(args.json).write_text(json.dumps([r.to_dict() for r in reports], indent=2))
    return 0 if reports and all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
