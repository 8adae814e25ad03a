"""`wirewatch bench`: the pipeline's speed against the raw spaCy limit, in one run, one corpus.

The spaCy parse is the physical limit of this product on a CPU, so every figure is reported
beside a raw ``nlp.pipe`` over the same articles with the same models, measured in the same
run on the same machine (other load on the machine moves both).  Phases:

1. raw spaCy ``nlp.pipe`` in a fresh process (and in one process per core, the machine's own
   scaling limit);
2. ``wirewatch enrich``'s code path (``Enricher.enrich_many``, all stages, no broker);
3. the streaming pipeline through a broker with one worker process, then one per core, in one
   consumer group: first produce to last enriched event, model loading excluded;
4. latency raw -> enriched and raw -> alert webhook at about half of one worker's capacity;
5. peak memory (VmHWM) of every measured process.

Timed work runs in child processes (``python -m streams.harness.bench child ...``) so that each
baseline starts from the same state as a worker and its memory high-water mark is its own.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from streams import __version__
from streams.paths import REPO_ROOT

DEFAULT_ARTICLES = 120
DEFAULT_OUTPUT = "bench-results.json"
STREAM_STAGES = "normalize,annotate,entities,quotes,topics"
WIRE_MIN_CHARS, WIRE_MAX_CHARS = 1500, 5000
HOP_TOPICS = ("normalized", "annotated", "entities", "quotes", "enriched")
TARGETS = {"one_worker_vs_raw": 0.85, "scaling": 0.9, "p99_ms": 1000.0}

# --- corpus ---------------------------------------------------------------------------------


def repo_root() -> Path:
    return REPO_ROOT


def default_data_dir() -> Path:
    """The shared gold data next to the repository (``../shared/data``), or $WIREWATCH_BENCH_DATA."""
    return Path(os.environ.get("WIREWATCH_BENCH_DATA") or repo_root().parent / "shared" / "data")


def french_stories_path() -> Path:
    return repo_root() / "benchmarks" / "french-wire.yaml"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def sample_articles() -> list[dict]:
    """The demo articles shipped in the package: the fallback corpus when nothing else is there."""
    from importlib import resources

    text = (resources.files("streams") / "samples" / "articles.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def assemble_french(stories: Sequence[dict], count: int, rng: random.Random) -> list[dict]:
    """Distinct wire-length French articles: a story's lead plus an ordered subset of the rest."""
    articles: list[dict] = []
    seen: set[tuple] = set()
    attempts = 0
    while len(articles) < count and stories and attempts < count * 50:
        attempts += 1
        story = stories[len(articles) % len(stories)]
        lead, rest = story["paragraphs"][0], story["paragraphs"][1:]
        keep = min(len(rest), rng.choice((5, 6)))
        chosen = tuple(sorted(rng.sample(range(len(rest)), keep)))
        headline = rng.choice(story["headlines"])
        if (story["id"], chosen, headline) in seen and attempts < count * 40:
            continue
        seen.add((story["id"], chosen, headline))
        articles.append({
            "id": f"bench-fr-{story['id']}-{len(articles):04d}",
            "version": 1,
            "source": story.get("source", "bench"),
            "language": "fr",
            "headline": headline,
            "body": "\n\n".join([lead, *(rest[i] for i in chosen)]),
        })
    return articles


def load_french(count: int, rng: random.Random, data_dir: Path | None) -> list[dict]:
    """French articles: the stories written for the benchmark, plus the shared seed article."""
    articles: list[dict] = []
    seed = data_dir / "seed" / "seed.raw.jsonl" if data_dir else None
    if seed and seed.exists():
        articles += [a for a in read_jsonl(seed) if a.get("language") == "fr"][:1]
    path = french_stories_path()
    if path.exists():
        import yaml

        stories = yaml.safe_load(path.read_text("utf-8"))["stories"]
        articles += assemble_french(stories, count - len(articles), rng)
    if not articles:
        articles = [a for a in sample_articles() if a.get("language") == "fr"]
    return articles[:count]


def load_english(count: int, rng: random.Random, data_dir: Path | None) -> list[dict]:
    """English wire-length articles from the shared PolNeAR set, else the shipped samples."""
    path = data_dir / "polnear-en-train" / "polnear-en-train.raw.jsonl" if data_dir else None
    articles: list[dict] = []
    if path and path.exists():
        articles = [a for a in read_jsonl(path) if WIRE_MIN_CHARS <= len(a.get("body") or "") <= WIRE_MAX_CHARS]
        rng.shuffle(articles)
    if not articles:
        articles = [a for a in sample_articles() if a.get("language") == "en"]
    return articles[:count]


def repeat_to(articles: list[dict], count: int) -> list[dict]:
    """Cycle through the articles until there are `count`, giving repeats fresh ids."""
    out: list[dict] = []
    for index in range(count if articles else 0):
        article = dict(articles[index % len(articles)])
        if index >= len(articles):
            article["id"] = f"{article['id']}~{index // len(articles)}"
        out.append(article)
    return out


def build_corpus(count: int, data_dir: Path | None = None, seed: int = 7) -> list[dict]:
    """`count` raw articles, half French and half English, shuffled (fixed seed: same corpus each run)."""
    rng = random.Random(seed)
    data_dir = data_dir if data_dir and data_dir.is_dir() else None
    n_fr = count // 2
    french = repeat_to(load_french(n_fr, rng, data_dir), n_fr)
    english = repeat_to(load_english(count - n_fr, rng, data_dir), count - n_fr)
    corpus = french + english
    rng.shuffle(corpus)
    return corpus


def describe_corpus(corpus: Sequence[dict]) -> dict:
    lengths = [len(a.get("body") or "") for a in corpus]
    return {
        "articles": len(corpus),
        "languages": dict(Counter(a.get("language") or "?" for a in corpus)),
        "mean_chars": round(sum(lengths) / max(1, len(lengths))),
        "min_chars": min(lengths, default=0),
        "max_chars": max(lengths, default=0),
        "total_chars": sum(lengths),
    }


# --- small measurements ---------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(values_ms: Sequence[float]) -> dict:
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return {
        "count": len(values_ms),
        "p50_ms": rounded(percentile(values_ms, 50)),
        "p95_ms": rounded(percentile(values_ms, 95)),
        "p99_ms": rounded(percentile(values_ms, 99)),
        "max_ms": rounded(max(values_ms) if values_ms else None),
    }


def scaling_ratio(n_workers_rate: float, one_worker_rate: float, workers: int) -> float | None:
    """N-worker throughput over N times one worker's (1.0 = perfect linear scaling)."""
    if not one_worker_rate or workers < 1:
        return None
    return n_workers_rate / (workers * one_worker_rate)


def status_kb(pid: int | str, field_name: str) -> int | None:
    """A /proc/PID/status size field (VmHWM, VmRSS) in kB; None where /proc is unavailable."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{field_name}:\s+(\d+)\s+kB", text, re.M)
    return int(match.group(1)) if match else None


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """Resident-set high-water mark in MB (VmHWM; getrusage for this process as a fallback)."""
    kb = status_kb(pid, "VmHWM")
    if kb is None and pid == "self":
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return None if kb is None else round(kb / 1024, 1)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (from /proc/PID/stat)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main_thread_cpu_seconds(pid: int) -> float | None:
    """CPU time of a process's main thread only (for a worker: the asyncio loop running the agents)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float, float] | None:
    """(busy, steal, total) CPU seconds of the whole machine so far (from /proc/stat)."""
    try:
        line = Path("/proc/stat").read_text().splitlines()[0]
    except OSError:
        return None
    values = [int(v) for v in line.split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    total = sum(values[:8])
    idle = values[3] + values[4]
    steal = values[7] if len(values) > 7 else 0
    return (total - idle - steal) / ticks, steal / ticks, total / ticks


def load_average() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def machine_description() -> dict:
    """CPU model, cores, memory, Python, spaCy and model versions: what the figures depend on."""
    cpu_model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_kb = None
    try:
        match = re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.M)
        memory_kb = int(match.group(1)) if match else None
    except OSError:
        pass
    versions = {}
    for package in ("spacy", "faust-streaming", "aiokafka", "kafka-python", "orjson"):
        versions[package] = _package_version(package)
    from streams.config import from_env

    models = {lang: f"{name} {_package_version(name) or '?'}" for lang, name in from_env().models.items()}
    return {
        "cpu_model": cpu_model or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1) if memory_kb else None,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "wirewatch": __version__,
        "packages": versions,
        "models": models,
    }


def _package_version(name: str) -> str | None:
    from importlib import metadata

    for candidate in (name, name.replace("_", "-")):
        try:
            return metadata.version(candidate)
        except metadata.PackageNotFoundError:
            continue
    return None


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- child processes: the raw spaCy and the enrich baselines ------------------------------


def _child_raw(corpus: list[dict]) -> Callable[[], dict]:
    """Load the models, warm up, and return the timed run: nlp.pipe per language, batch 16."""
    from streams.config import from_env
    from streams.nlp.annotate.parse import ModelRegistry
    from streams.text import nlp_view

    settings = from_env()
    registry = ModelRegistry(settings.models)
    by_language: dict[str, list[str]] = {}
    for article in corpus:
        by_language.setdefault(article.get("language") or "en", []).append(nlp_view(article.get("body") or ""))
    for language, texts in by_language.items():
        list(registry.get(language).pipe(texts[:2], batch_size=settings.batch_size))

    def run() -> dict:
        docs = 0
        for language, texts in by_language.items():
            for _doc in registry.get(language).pipe(texts, batch_size=settings.batch_size):
                docs += 1
        return {"docs": docs, "models": {lang: registry.describe(lang) for lang in by_language}}

    return run


def _child_enrich(corpus: list[dict]) -> Callable[[], dict]:
    """Load what the Enricher needs, warm up, and return the timed run over the corpus."""
    from streams.config import from_env
    from streams.nlp.pipeline import Enricher

    settings = from_env()
    enricher = Enricher(settings)
    enricher.warm_up()
    warm = [dict(a, id=f"warm-{i}") for i, a in enumerate(corpus[:4])]
    list(enricher.enrich_many(warm, batch_size=settings.batch_size))

    def run() -> dict:
        kinds: Counter[str] = Counter()
        stage_ms: Counter[str] = Counter()
        entities: dict[str, list[str]] = {}
        names: dict[str, tuple[str, str]] = {}
        for kind, event in enricher.enrich_many(corpus, batch_size=settings.batch_size):
            kinds[kind] += 1
            if kind != "enriched":
                continue
            for stage, ms in (event.get("timings_ms") or {}).items():
                stage_ms[stage] += ms
            ids = []
            for entity in event.get("entities") or []:
                ids.append(entity["id"])
                names[entity["id"]] = (entity["name"], entity["type"])
            entities[event["id"]] = sorted(set(ids))
        enriched = max(1, kinds["enriched"])
        return {
            "docs": sum(kinds.values()),
            "enriched": kinds["enriched"],
            "deadletter": kinds["deadletter"],
            "stage_ms": {stage: round(ms / enriched, 2) for stage, ms in stage_ms.items()},
            "entities": entities,
            "entity_names": {k: list(v) for k, v in names.items()},
        }

    run.after = lambda: {"overhead": overhead_breakdown(enricher, corpus[:24])}  # type: ignore[attr-defined]
    return run


def overhead_breakdown(enricher, articles: Sequence[dict]) -> dict:
    """Per-article costs the streaming path adds around the parse, measured in-process (ms, bytes).

    A worker serialises the parse once (annotate), then every later stage decodes the JSON
    event, rebuilds the Doc from it, and encodes its own output with the annotation inside."""
    from streams.nlp.annotate.parse import doc_from_annotation, serialize_doc
    from streams.runtime import codec

    pairs = enricher.annotate([enricher.normalize(a) for a in articles])
    if not pairs:
        return {}
    for event, _doc in pairs:  # the blank vocabulary per language is built once per process
        doc_from_annotation(event["annotation"], event["language"])
    totals: Counter[str] = Counter()
    for event, doc in pairs:
        started = time.perf_counter()
        data = serialize_doc(doc)
        totals["serialize_doc_ms"] += time.perf_counter() - started
        started = time.perf_counter()
        doc_from_annotation(event["annotation"], event["language"])
        totals["rebuild_doc_ms"] += time.perf_counter() - started
        started = time.perf_counter()
        encoded = codec.dumps(event)
        totals["json_dumps_ms"] += time.perf_counter() - started
        started = time.perf_counter()
        codec.loads(encoded)
        totals["json_loads_ms"] += time.perf_counter() - started
        totals["annotation_bytes"] += len(data)
        totals["event_bytes"] += len(encoded)
        totals["body_bytes"] += len(event["body"].encode("utf-8"))
    n = len(pairs)
    out = {k: round(v * 1000 / n, 3) if k.endswith("_ms") else round(v / n) for k, v in totals.items()}
    # The three hops carrying the annotation (annotated, entities, quotes) each cost one dumps in
    # the producer and one loads in the consumer. Entities, quotes and topics rebuild the Doc
    # only in a worker that did not parse the article (Enricher.doc keeps recent parses).
    json_ms = 3 * (out["json_dumps_ms"] + out["json_loads_ms"])
    out["per_article_extra_ms"] = round(out["serialize_doc_ms"] + json_ms, 3)
    out["per_article_extra_split_ms"] = round(out["serialize_doc_ms"] + 3 * out["rebuild_doc_ms"] + json_ms, 3)
    out["articles"] = n
    return out


def child_main(argv: Sequence[str]) -> int:
    """`python -m streams.harness.bench child raw|enrich CORPUS [--part I/N]`: load, print 'ready', then one
    timed run (one JSON line out) per line read on stdin, until stdin closes."""
    parser = argparse.ArgumentParser(prog="streams.harness.bench child")
    parser.add_argument("mode", choices=("raw", "enrich"))
    parser.add_argument("corpus")
    parser.add_argument("--part", default="0/1", help="I/N: take every N-th article from the I-th")
    args = parser.parse_args(list(argv))
    index, parts = (int(v) for v in args.part.split("/"))
    corpus = read_jsonl(Path(args.corpus))[index::parts]
    run = (_child_raw if args.mode == "raw" else _child_enrich)(corpus)
    print("ready", flush=True)
    while sys.stdin.readline():
        machine0, cpu0, started = machine_cpu(), time.process_time(), time.time()
        result = run()
        ended, cpu1, machine1 = time.time(), time.process_time(), machine_cpu()
        result.update(start=started, end=ended, seconds=ended - started, cpu_s=cpu1 - cpu0,
                      peak_rss_mb=peak_rss_mb(), machine_start=machine0, machine_end=machine1)
        if hasattr(run, "after"):  # untimed extra measurements
            result.update(run.after())
        print(json.dumps(result), flush=True)
    return 0


class ChildPool:
    """Baseline processes with their models loaded, run on demand and released together.

    Kept alive (idle, blocked on stdin) between runs, so the raw spaCy reference can be measured
    right before and right after each streaming window without reloading models."""

    def __init__(self, mode: str, corpus_path: Path, processes: int, workdir: Path, timeout: float = 300.0):
        self.mode = mode
        self.children: list[tuple[subprocess.Popen, Any]] = []
        for index in range(processes):
            log = open(workdir / f"child-{mode}-{processes}-{index}.log", "wb")
            command = [sys.executable, "-m", "streams.harness.bench", "child", mode, str(corpus_path),
                       "--part", f"{index}/{processes}"]
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                       cwd=str(repo_root()), env=_child_env())
            self.children.append((process, log))
        try:
            for process, log in self.children:
                if self._line(process, timeout) != "ready":
                    raise RuntimeError(f"{mode} baseline process failed to start; see {log.name}")
        except BaseException:
            self.close()
            raise

    def _line(self, process: subprocess.Popen, timeout: float) -> str:
        import select

        ready, _, _ = select.select([process.stdout], [], [], timeout)
        return process.stdout.readline().decode("utf-8", "replace").strip() if ready else ""

    def run(self, timeout: float) -> list[dict]:
        for process, _log in self.children:
            process.stdin.write(b"go\n")
            process.stdin.flush()
        results = []
        for process, log in self.children:
            line = self._line(process, timeout)
            if not line.startswith("{"):
                raise RuntimeError(f"{self.mode} baseline process failed (status {process.poll()}); see {log.name}")
            results.append(json.loads(line))
        return results

    def close(self) -> None:
        for process, log in self.children:
            if process.poll() is None:
                try:
                    process.stdin.close()
                    process.wait(10)
                except (OSError, subprocess.TimeoutExpired):
                    process.kill()
                    process.wait()
            log.close()

    def __enter__(self) -> "ChildPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _child_env() -> dict:
    env = dict(os.environ)
    root = str(repo_root())
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def combine(results: Sequence[dict]) -> dict:
    """One figure for processes run side by side: all their docs over the wall time they spanned."""
    docs = sum(r["docs"] for r in results)
    first = min(results, key=lambda r: r["start"])
    last = max(results, key=lambda r: r["end"])
    wall = last["end"] - first["start"]
    cpu = sum(r["cpu_s"] for r in results)
    out = {
        "docs": docs,
        "seconds": round(wall, 3),
        "docs_per_s": round(docs / wall, 3) if wall > 0 else None,
        "cpu_s_per_doc": round(cpu / max(1, docs), 4),
        "cores_used": round(cpu / wall, 2) if wall > 0 else None,
        "peak_rss_mb": max((r.get("peak_rss_mb") or 0) for r in results) or None,
    }
    if first.get("machine_start") and last.get("machine_end") and wall > 0:
        busy = last["machine_end"][0] - first["machine_start"][0]
        out["machine_busy_cores"] = round(busy / wall, 2)
        out["other_load_cores"] = round(max(0.0, busy - cpu) / wall, 2)
        out["steal_cores"] = round((last["machine_end"][1] - first["machine_start"][1]) / wall, 2)
    return out


# --- brokers, workers, watchers -------------------------------------------------------------


@dataclass
class BrokerHandle:
    kind: str
    url: str
    pid: int | None = None
    stop: Callable[[], None] = lambda: None


def start_broker(kind: str, url: str | None, workdir: Path) -> BrokerHandle:
    """The embedded broker, Apache Kafka (scripts/apache-kafka.sh), or one already running at `url`."""
    from streams.runtime.broker import free_port

    if url:
        return BrokerHandle("external", url if "://" in url else f"kafka://{url}")
    if kind == "embedded":
        from streams.runtime.broker import start_broker as start_embedded
        from streams.runtime.broker import stop_process

        port = free_port()
        process = start_embedded(port)
        return BrokerHandle("embedded", f"kafka://127.0.0.1:{port}", process.pid, lambda: stop_process(process))
    script = repo_root() / "scripts" / "apache-kafka.sh"
    if not script.exists():
        raise RuntimeError(f"--broker-kind kafka needs {script}; or pass --broker URL")
    port = free_port()
    run_dir = workdir / "kafka"
    command = ["bash", str(script), "start", "--port", str(port), "--run-dir", str(run_dir)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"Apache Kafka did not start: {(result.stderr or result.stdout).strip()[-500:]}")
    match = re.search(r"\(pid (\d+)", result.stdout + result.stderr)

    def stop() -> None:
        subprocess.run(["bash", str(script), "stop", "--port", str(port), "--run-dir", str(run_dir)],
                       capture_output=True, timeout=120)

    return BrokerHandle("kafka", f"kafka://127.0.0.1:{port}", int(match.group(1)) if match else None, stop)


class WorkerProcess:
    """One `wirewatch worker` subprocess, configured the way a user would: WIREWATCH_* variables."""

    def __init__(self, settings, stages: str | None, workdir: Path, index: int):
        from streams.runtime.broker import free_port

        self.web_port = free_port()
        self.log_path = workdir / f"worker-{settings.topic_prefix}-{index}.log"
        env = _child_env()
        env.update(
            WIREWATCH_BROKER=settings.broker,
            WIREWATCH_TOPIC_PREFIX=settings.topic_prefix,
            WIREWATCH_APP_ID=settings.app_id,
            WIREWATCH_PARTITIONS=str(settings.partitions),
            WIREWATCH_DATA_DIR=str(workdir / f"state-{settings.topic_prefix}-{index}"),
            WIREWATCH_WEB_PORT=str(self.web_port),
        )
        command = [sys.executable, "-m", "streams.cli", "worker", "--quiet"]
        if stages:
            command += ["--stages", stages]
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, env=env,
                                        cwd=str(repo_root()), start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def _get(self, path: str) -> str | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}{path}", timeout=2) as response:
                return response.read().decode("utf-8", "replace")
        except OSError:
            return None

    def healthy(self) -> bool:
        return self._get("/health") is not None

    def processed(self) -> dict[str, float]:
        """Articles per stage from the worker's Prometheus /metrics."""
        text = self._get("/metrics") or ""
        counts = {}
        for stage, value in re.findall(r'^wirewatch_articles_total\{stage="([^"]+)"\}\s+([0-9.eE+]+)', text, re.M):
            counts[stage] = float(value)
        return counts

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


class TopicWatcher(threading.Thread):
    """Reads topics from the beginning in a thread and notes when each key first arrived."""

    def __init__(self, settings, suffixes: Sequence[str], parse: bool = False):
        super().__init__(daemon=True)
        from kafka import KafkaConsumer, TopicPartition

        from streams.runtime.kafka_io import _client_options

        self.parse = parse
        self.suffix_of = {settings.topic(s): s for s in suffixes}
        self.arrivals: dict[str, dict[str, float]] = {s: {} for s in suffixes}
        self.events: dict[str, dict] = {}
        self.duplicates: Counter[str] = Counter()
        self.lock = threading.Lock()
        self._stop_event = threading.Event()
        self.consumer = KafkaConsumer(group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
                                      fetch_max_wait_ms=20, **_client_options(settings))
        self.consumer.assign([TopicPartition(topic, p) for topic in self.suffix_of for p in range(settings.partitions)])

    def run(self) -> None:
        try:
            while not self._stop_event.is_set():
                batch = self.consumer.poll(timeout_ms=100)
                now = time.time()
                for tp, records in batch.items():
                    suffix = self.suffix_of[tp.topic]
                    for record in records:
                        self._note(suffix, record, now)
        finally:
            self.consumer.close()

    def _note(self, suffix: str, record, now: float) -> None:
        key = (record.key or b"").decode("utf-8", "replace")
        if suffix == "alerts" or self.parse:
            try:
                value = json.loads(record.value)
            except (TypeError, ValueError):
                value = {}
            if suffix == "alerts":
                key = str(value.get("article_id") or key)
            elif suffix == "enriched":
                self.events[key] = {"enriched_at": value.get("enriched_at"), "timings_ms": value.get("timings_ms")}
        with self.lock:
            seen = self.arrivals[suffix]
            if key in seen:
                self.duplicates[suffix] += 1
            else:
                seen[key] = now

    def done(self, ids: Iterable[str]) -> int:
        """How many of these ids came out (enriched or dead-lettered)."""
        with self.lock:
            out = set(self.arrivals.get("enriched", {})) | set(self.arrivals.get("deadletter", {}))
        return sum(1 for i in ids if i in out)

    def wait_for(self, ids: Sequence[str], timeout: float, check: Callable[[], None] | None = None) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.done(ids) >= len(ids):
                return True
            if check:
                check()
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        self._stop_event.set()
        self.join(10)


class WebhookReceiver:
    """A local HTTP endpoint for alert webhooks: keeps every request (headers, body) and when
    each article's first alert arrived. The alert integration tests use it too."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                now = time.time()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                try:
                    article_id = str(json.loads(body).get("article_id"))
                    receiver.arrivals.setdefault(article_id, now)
                except (ValueError, AttributeError):
                    pass
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def posts(self) -> int:
        return len(self.requests)

    def wait_for(self, count: int, timeout: float = 60.0) -> list[tuple[dict, bytes]]:
        """The requests received once there are `count` of them, or at the timeout."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return list(self.requests)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    close = stop


# --- streaming phases -----------------------------------------------------------------------


@dataclass
class Cluster:
    """Workers of one consumer group on a fresh topic prefix, and what we read back from it."""

    settings: Any
    workers: list[WorkerProcess]
    watcher: TopicWatcher
    producer: Any
    warm_rounds: int = 0

    def check_alive(self) -> None:
        for worker in self.workers:
            if not worker.alive():
                raise RuntimeError(f"a worker exited with status {worker.process.returncode}:\n{worker.log_tail()}")

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


def start_cluster(broker: BrokerHandle, workers: int, partitions: int, stages: str | None, workdir: Path,
                  warm_article: dict, parse: bool = False, before_workers: Callable[[Any], None] | None = None,
                  watch: Sequence[str] = ("enriched", "deadletter"), timeout: float = 180.0) -> Cluster:
    """Fresh prefix and group, `workers` worker processes, and a warm-up that every worker took part in."""
    from streams.config import from_env
    from streams.runtime.kafka_io import ensure_topics, make_producer, wait_for_broker

    prefix = f"bench{uuid.uuid4().hex[:8]}"
    settings = from_env().with_overrides(broker=broker.url, topic_prefix=prefix, partitions=partitions,
                                         app_id=f"wirewatch-{prefix}")
    wait_for_broker(settings)
    ensure_topics(settings)
    if before_workers:
        before_workers(settings)
    procs = [WorkerProcess(settings, stages, workdir, i) for i in range(workers)]
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
            raise RuntimeError(f"warm-up articles did not come out in time:\n{cluster.workers[0].log_tail()}")
        counts = [w.processed() for w in cluster.workers]
        if all(c.get("annotate", 0) > 0 and c.get("topics", 0) > 0 for c in counts) and cluster.warm_rounds > 1:
            return
        if time.monotonic() > deadline:
            raise RuntimeError("not every worker received work during warm-up (consumer group never balanced)")


def process_snapshot(cluster: Cluster, broker: BrokerHandle) -> dict:
    return {
        "workers": [cpu_seconds(w.pid) for w in cluster.workers],
        "main_threads": [main_thread_cpu_seconds(w.pid) for w in cluster.workers],
        "broker": cpu_seconds(broker.pid) if broker.pid else None,
        "self": time.process_time(),
        "machine": machine_cpu(),
    }


def cpu_report(before: dict, after: dict, seconds: float, docs: int) -> dict:
    """Where the CPU went during a window: workers, broker, this driver, and everything else."""
    def delta(a, b):
        return None if a is None or b is None else b - a

    workers = [delta(a, b) for a, b in zip(before["workers"], after["workers"])]
    loops = [delta(a, b) for a, b in zip(before["main_threads"], after["main_threads"])]
    broker = delta(before["broker"], after["broker"])
    driver = after["self"] - before["self"]
    report = {
        "worker_cpu_s": [None if w is None else round(w, 2) for w in workers],
        "cpu_s_per_doc": round(sum(w or 0 for w in workers) / max(1, docs), 4),
        "cores_used": round(sum(w or 0 for w in workers) / seconds, 2) if seconds > 0 else None,
        # the event-loop thread (agents, Kafka client, JSON); the rest is the executor threads
        # (spaCy parse and stage functions) and the Faust consumer thread
        "loop_thread_cpu_s_per_doc": round(sum(v or 0 for v in loops) / max(1, docs), 4),
        "broker_cpu_s": None if broker is None else round(broker, 2),
        "driver_cpu_s": round(driver, 2),
    }
    if before["machine"] and after["machine"] and seconds > 0:
        busy = after["machine"][0] - before["machine"][0]
        steal = after["machine"][1] - before["machine"][1]
        ours = sum(w or 0 for w in workers) + (broker or 0) + driver
        report["machine_busy_cores"] = round(busy / seconds, 2)
        report["other_load_cores"] = round(max(0.0, busy - ours) / seconds, 2)
        report["steal_cores"] = round(steal / seconds, 2)
    return report


def stream_throughput(broker: BrokerHandle, corpus: list[dict], workers: int, partitions: int,
                      workdir: Path, probe: Callable[[], dict] | None = None) -> dict:
    """Produce the whole corpus at once; first produce to last enriched event, models already loaded."""
    say(f"streaming: starting {workers} worker(s) on {broker.kind} broker, {partitions} partitions …")
    started_setup = time.monotonic()
    cluster = start_cluster(broker, workers, partitions, STREAM_STAGES, workdir, corpus[0], parse=True)
    try:
        say(f"streaming: {workers} worker(s) ready in {time.monotonic() - started_setup:.1f}s "
            f"({cluster.warm_rounds} warm-up rounds); producing {len(corpus)} articles")
        raw_before = probe() if probe else None  # the limit, right now, workers idle
        before_counts = [w.processed() for w in cluster.workers]
        before = process_snapshot(cluster, broker)
        first_send = time.time()
        for article in corpus:
            cluster.send(article)
        cluster.producer.flush()
        ids = [a["id"] for a in corpus]
        complete = cluster.watcher.wait_for(ids, 60 + 3 * len(corpus), cluster.check_alive)
        after = process_snapshot(cluster, broker)
        raw_after = probe() if probe else None
        wanted = set(ids)
        with cluster.watcher.lock:
            arrivals = {i: t for s in ("enriched", "deadletter") for i, t in cluster.watcher.arrivals[s].items()
                        if i in wanted}
        last = max(arrivals.values(), default=first_send)
        seconds = last - first_send
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
            "steady_docs_per_s": _round(steady_rate(sorted(arrivals.values()))),
            "stage_ms": stage_ms,
            # share of the wall time the parse was running, per worker: what is not is waiting
            "annotate_duty": _round(stage_ms.get("annotate", 0) * len(arrivals) / 1000 / seconds / workers, 2)
            if seconds > 0 else None,
            "peak_rss_mb": [peak_rss_mb(w.pid) for w in cluster.workers],
            **cpu_report(before, after, seconds, len(arrivals)),
        }
        if raw_before and raw_after:
            result["raw_around"] = [raw_before, raw_after]
        say(f"streaming: {workers} worker(s): {len(arrivals)}/{len(ids)} docs in {seconds:.1f}s "
            f"→ {result['docs_per_s']} docs/s (per worker {per_worker})")
        return result
    finally:
        cluster.close()


def steady_rate(times: Sequence[float], low: float = 0.1, high: float = 0.9) -> float | None:
    """Docs/s between the 10th and 90th percent of arrivals: throughput without pipeline fill and drain."""
    if len(times) < 40:  # arrivals come in bursts (one per fetch): too few say nothing steady
        return None
    first, last = int(len(times) * low), int(len(times) * high) - 1
    span = times[last] - times[first]
    return (last - first) / span if span > 0 else None


def mean_stage_ms(timings: Iterable[dict | None]) -> dict:
    total: Counter[str] = Counter()
    count = 0
    for item in timings:
        if not item:
            continue
        count += 1
        for stage, ms in item.items():
            total[stage] += ms
    return {stage: round(ms / count, 2) for stage, ms in total.items()} if count else {}


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


def stream_latency(broker: BrokerHandle, corpus: list[dict], rate: float, count: int, partitions: int,
                   workdir: Path, actor: tuple[str, str, set[str]] | None) -> dict:
    """One worker (all stages, alerts included) fed at `rate` docs/s; raw->enriched and raw->webhook."""
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
                            watch=HOP_TOPICS + ("deadletter", "alerts"))
    try:
        say(f"latency: sending {len(articles)} articles at {rate:.2f}/s (paced, one every {1000 / rate:.0f} ms)")
        sent: dict[str, float] = {}
        before = process_snapshot(cluster, broker)
        start = time.time()
        for index, article in enumerate(articles):
            delay = start + index / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            sent[article["id"]] = cluster.send(article)
            cluster.producer.flush()
        ids = list(sent)
        complete = cluster.watcher.wait_for(ids, 60 + 2 * len(ids), cluster.check_alive)
        load = cpu_report(before, process_snapshot(cluster, broker), time.time() - start, len(ids))
        arrivals = cluster.watcher.arrivals["enriched"]
        enriched_ms = [(arrivals[i] - sent[i]) * 1000 for i in ids if i in arrivals]
        stamped_ms = [ms for ms in (_enriched_at_ms(cluster.watcher.events.get(i), sent[i]) for i in ids) if ms is not None]
        result: dict[str, Any] = {
            "rate_docs_per_s": round(rate, 3),
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
            receiver.stop()


def hop_latencies(sent: dict[str, float], arrivals: dict[str, dict[str, float]]) -> dict:
    """Median and p95 time of each hop (raw -> normalized -> ... -> enriched), seen by a consumer."""
    hops: dict[str, dict] = {}
    previous_name, previous = "raw", sent
    for suffix in HOP_TOPICS:
        current = arrivals.get(suffix, {})
        deltas = [(current[i] - previous[i]) * 1000 for i in sent if i in current and i in previous]
        summary = latency_summary(deltas)
        hops[f"{previous_name}->{suffix}"] = {k: summary[k] for k in ("p50_ms", "p95_ms")}
        previous_name, previous = suffix, current
    return hops


def _enriched_at_ms(event: dict | None, sent: float) -> float | None:
    from datetime import datetime

    stamp = (event or {}).get("enriched_at")
    if not stamp:
        return None
    try:
        return (datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() - sent) * 1000
    except ValueError:
        return None


# --- the run --------------------------------------------------------------------------------


@dataclass
class BenchOptions:
    articles: int = DEFAULT_ARTICLES
    output: str = DEFAULT_OUTPUT
    skip_streaming: bool = False
    skip_latency: bool = False
    broker_kind: str = "embedded"
    broker: str | None = None
    workers: int = 0
    partitions: int = 0
    corpus: str | None = None
    data_dir: str | None = None
    latency_seconds: float = 20.0
    keep: bool = False


def run_bench(options: BenchOptions) -> dict:
    """All phases, in order; returns the results document (also written to options.output)."""
    cores = os.cpu_count() or 1
    workers = options.workers or cores
    partitions = options.partitions or 2 * max(workers, 1)
    workdir = Path(tempfile.mkdtemp(prefix="wirewatch-bench-"))
    corpus = read_jsonl(Path(options.corpus)) if options.corpus else build_corpus(
        options.articles, Path(options.data_dir) if options.data_dir else default_data_dir())
    if options.corpus and options.articles:
        corpus = repeat_to(corpus, options.articles)
    if not corpus:
        raise ValueError("the corpus is empty")
    corpus_path = workdir / "corpus.jsonl"
    corpus_path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in corpus), "utf-8")
    doc: dict[str, Any] = {
        "wirewatch": __version__,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine_description(),
        "load_average": {"start": load_average()},
        "corpus": describe_corpus(corpus),
        "settings": {"workers": workers, "partitions": partitions, "batch_size": _batch_size(),
                     "broker_kind": "external" if options.broker else options.broker_kind},
        "results": {},
        "notes": [],
    }
    results = doc["results"]
    timeout = 120 + 5 * len(corpus)
    ok = False
    try:
        say(f"corpus: {doc['corpus']['articles']} articles {doc['corpus']['languages']}, "
            f"mean {doc['corpus']['mean_chars']} chars; load average {doc['load_average']['start']}")
        raw_pool = ChildPool("raw", corpus_path, 1, workdir, timeout)
        try:
            results["raw_spacy"] = raw_phase(raw_pool, timeout, "raw spaCy")
            if workers > 1:
                with ChildPool("raw", corpus_path, workers, workdir, timeout) as pool:
                    results["raw_spacy_parallel"] = raw_phase(pool, timeout, f"raw spaCy × {workers} processes")
            with ChildPool("enrich", corpus_path, 1, workdir, timeout) as pool:
                enrich_raw = pool.run(timeout)[0]
            enrich = combine([enrich_raw])
            enrich.update(enriched=enrich_raw["enriched"], deadletter=enrich_raw["deadletter"],
                          stage_ms=enrich_raw["stage_ms"], overhead=enrich_raw.get("overhead"))
            results["enrich"] = enrich
            say(f"enrich (all stages, no broker): {enrich['docs_per_s']} docs/s")
            if options.skip_streaming:
                results["raw_spacy_end"] = raw_phase(raw_pool, timeout, "raw spaCy, again at the end")
            else:
                run_streaming(options, doc, corpus, workers, partitions, workdir, enrich_raw,
                              lambda: raw_phase(raw_pool, timeout, "raw spaCy (reference)"))
        finally:
            raw_pool.close()
        ok = True
    finally:
        add_ratios(results, workers)
        doc["load_average"]["end"] = load_average()
        doc["targets"] = targets(results)
        Path(options.output).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", "utf-8")
        if ok and not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            say(f"logs kept in {workdir}")
    return doc


def raw_phase(pool: ChildPool, timeout: float, label: str) -> dict:
    children = pool.run(timeout)
    result = combine(children)
    result["processes"] = len(children)
    result["models"] = children[0].get("models")
    say(f"{label}: {result['docs']} docs in {result['seconds']:.1f}s → {result['docs_per_s']} docs/s "
        f"(other load {result.get('other_load_cores')} cores)")
    return result


def run_streaming(options: BenchOptions, doc: dict, corpus: list[dict], workers: int, partitions: int,
                  workdir: Path, enrich_raw: dict, probe: Callable[[], dict]) -> None:
    results = doc["results"]
    broker = start_broker(options.broker_kind, options.broker, workdir)
    say(f"broker: {broker.kind} at {broker.url}")
    try:
        one = results["stream_1"] = stream_throughput(broker, corpus, 1, partitions, workdir, probe)
        if workers > 1:
            results["stream_n"] = stream_throughput(broker, corpus, workers, partitions, workdir, probe)
        if not options.skip_latency and one.get("docs_per_s"):
            rate = one["docs_per_s"] / 2
            count = max(40, int(rate * options.latency_seconds))
            results["latency"] = stream_latency(broker, corpus, rate, count, partitions, workdir,
                                                pick_actor(enrich_raw))
    finally:
        broker.stop()


def add_ratios(results: dict, workers: int) -> None:
    """Every throughput against the raw spaCy limit, in docs/s and in CPU time per doc.

    Other load on a machine drifts, so each streaming window is compared with the raw runs
    made right before and right after it (workers idle); the rest with the mean of all raw runs."""
    raws = [results[k] for k in ("raw_spacy", "raw_spacy_end") if results.get(k, {}).get("docs_per_s")]
    for key in ("stream_1", "stream_n"):
        raws += [r for r in results.get(key, {}).get("raw_around", []) if r.get("docs_per_s")]
    if not raws:
        return
    reference = _mean([r["docs_per_s"] for r in raws])
    cpu_reference = _mean([r["cpu_s_per_doc"] for r in raws])
    results["reference"] = {"docs_per_s": round(reference, 3), "cpu_s_per_doc": round(cpu_reference, 4),
                            "runs": [r["docs_per_s"] for r in raws]}
    for key in ("raw_spacy", "raw_spacy_parallel", "enrich", "stream_1", "stream_n", "raw_spacy_end"):
        item = results.get(key)
        if not item:
            continue
        local, local_cpu = reference, cpu_reference
        around = [r for r in item.get("raw_around", []) if r.get("docs_per_s")]
        if around:
            local, local_cpu = _mean([r["docs_per_s"] for r in around]), _mean([r["cpu_s_per_doc"] for r in around])
            item["reference_docs_per_s"] = round(local, 3)
        item["ratio_to_raw"] = _ratio(item.get("docs_per_s"), local)
        if item.get("steady_docs_per_s"):
            item["steady_ratio_to_raw"] = _ratio(item["steady_docs_per_s"], local)
        if item.get("cpu_s_per_doc"):
            item["cpu_efficiency"] = _ratio(local_cpu, item["cpu_s_per_doc"])
    parallel = results.get("raw_spacy_parallel")
    if parallel:
        parallel["scaling"] = _round(scaling_ratio(parallel["docs_per_s"], reference, parallel["processes"]))
    one, many = results.get("stream_1"), results.get("stream_n")
    if one and many:
        many["scaling"] = _round(scaling_ratio(many["docs_per_s"] or 0, one["docs_per_s"] or 0, many["workers"]))
        if one.get("steady_docs_per_s") and many.get("steady_docs_per_s"):
            many["steady_scaling"] = _round(scaling_ratio(many["steady_docs_per_s"], one["steady_docs_per_s"],
                                                          many["workers"]))
        if parallel:
            many["ratio_to_raw_parallel"] = _ratio(many["docs_per_s"], parallel["docs_per_s"])


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def targets(results: dict) -> dict:
    one = results.get("stream_1", {}).get("ratio_to_raw")
    scaling = results.get("stream_n", {}).get("scaling")
    p99 = results.get("latency", {}).get("raw_to_enriched", {}).get("p99_ms")
    return {
        "one_worker_vs_raw": {"target": TARGETS["one_worker_vs_raw"], "reached": one,
                              "met": None if one is None else one >= TARGETS["one_worker_vs_raw"]},
        "scaling": {"target": TARGETS["scaling"], "reached": scaling,
                    "met": None if scaling is None else scaling >= TARGETS["scaling"]},
        "p99_latency_ms": {"target": TARGETS["p99_ms"], "reached": p99,
                           "met": None if p99 is None else p99 <= TARGETS["p99_ms"]},
    }


def _batch_size() -> int:
    from streams.config import from_env

    return from_env().batch_size


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _ratio(value: float | None, reference: float | None) -> float | None:
    return None if not value or not reference else round(value / reference, 3)


# --- the report -----------------------------------------------------------------------------


def format_table(doc: dict) -> str:
    """The human summary: one line per phase, figures side by side with the raw spaCy limit."""
    r = doc["results"]
    m = doc["machine"]
    c = doc["corpus"]
    broker = doc["settings"]["broker_kind"]
    lines = [
        f"wirewatch bench {doc['wirewatch']} — {c['articles']} articles {c['languages']}, mean {c['mean_chars']} chars",
        f"machine: {m['cpu_model']}, {m['cores']} cores, {m['memory_gb']} GB, Python {m['python']}, "
        f"spaCy {m['packages'].get('spacy')}; load average {doc['load_average'].get('start')} -> "
        f"{doc['load_average'].get('end')}",
        "",
        f"{'phase':<42}{'docs/s':>7}{'x raw':>7}{'scale':>7}{'CPU/doc':>9}{'CPU eff':>8}{'cores':>6}"
        f"{'other':>6}{'peak RSS':>10}  notes",
    ]

    def row(label: str, item: dict | None, note: str = "") -> None:
        if not item:
            return
        rss = item.get("peak_rss_mb")
        if isinstance(rss, list):
            rss = max((v for v in rss if v), default=None)
        cpu = item.get("cpu_s_per_doc")
        lines.append(
            f"{label:<42}{_fmt(item.get('docs_per_s')):>7}{_fmt(item.get('ratio_to_raw'), 2):>7}"
            f"{_fmt(item.get('scaling'), 2):>7}{(f'{cpu * 1000:.0f} ms' if cpu else '-'):>9}"
            f"{_fmt(item.get('cpu_efficiency'), 2):>8}{_fmt(item.get('cores_used'), 2):>6}"
            f"{_fmt(item.get('other_load_cores'), 1):>6}{(f'{rss:.0f} MB' if rss else '-'):>10}  {note}")

    row("raw spaCy nlp.pipe, 1 process (the limit)", r.get("raw_spacy"))
    par = r.get("raw_spacy_parallel")
    if par:
        row(f"raw spaCy nlp.pipe, {par['processes']} processes", par)
    row("wirewatch enrich (all stages, no broker)", r.get("enrich"))
    one, many = r.get("stream_1"), r.get("stream_n")
    if one:
        row(f"stream, {broker} broker, 1 worker", one, _stream_note(one))
    if many:
        row(f"stream, {broker} broker, {many['workers']} workers", many, _stream_note(many))
    row("raw spaCy nlp.pipe, 1 process, at the end", r.get("raw_spacy_end"))
    reference = r.get("reference")
    if reference:
        lines.append(f"  raw spaCy runs (docs/s): {', '.join(f'{v:.1f}' for v in reference['runs'])}; a stream row is "
                     "compared with the two made right before and after its window, the others with their mean")
    lines.append("  (x raw: docs/s over raw spaCy's; CPU/doc: CPU time of the measured processes per article; "
                 "CPU eff: raw CPU/doc over this one's; cores: CPU they used; other: CPU used by everything else)")
    overhead = (r.get("enrich") or {}).get("overhead")
    if overhead:
        lines.append(f"  per-article work the stream adds around the parse (in-process): serialise Doc "
                     f"{overhead['serialize_doc_ms']:.1f} ms, rebuild Doc {overhead['rebuild_doc_ms']:.1f} ms x0-3, "
                     f"JSON dumps+loads {overhead['json_dumps_ms'] + overhead['json_loads_ms']:.2f} ms x3 "
                     f"(event {overhead['event_bytes'] / 1000:.0f} kB, annotation {overhead['annotation_bytes'] / 1000:.0f} kB)"
                     f" = {overhead['per_article_extra_ms']:.1f} ms in a worker running every stage "
                     f"({overhead.get('per_article_extra_split_ms', 0):.1f} ms with stages split over workers, "
                     "which rebuild the Doc)")
    lat = r.get("latency")
    if lat:
        lines.append("")
        lines.append(f"latency at {lat['rate_docs_per_s']} docs/s (half of 1 worker), {lat['sent']} articles, "
                     f"other load {_fmt(lat.get('other_load_cores'), 1)} cores")
        lines.append(f"  {'':<44}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}")
        for label, key in (("raw -> wire.enriched (consumer receive)", "raw_to_enriched"),
                           ("raw -> enriched_at stamp", "raw_to_enriched_at"),
                           ("raw -> alert webhook received", "raw_to_webhook")):
            s = lat.get(key)
            if s and s.get("count"):
                lines.append(f"  {label:<44}{s['p50_ms']:>7.0f}ms{s['p95_ms']:>7.0f}ms{s['p99_ms']:>7.0f}ms"
                             f"{s['max_ms']:>7.0f}ms  (n={s['count']})")
        hops = lat.get("hops_ms") or {}
        if hops:
            lines.append("  per hop p50 (consumer receive times): " + ", ".join(
                f"{name} {_fmt(v.get('p50_ms'), 0)}" for name, v in hops.items()) + " ms")
        if "alerts_expected" in lat:
            lines.append(f"  alert rule on {lat['alert_rule']['actor']}: {lat['alerts_expected']} expected, "
                         f"{lat['alerts_on_topic']} on wire.alerts, {lat['webhooks_received']} webhooks received")
        for note in lat.get("notes", []):
            lines.append(f"  note: {note}")
    lines.append("")
    for name, t in doc.get("targets", {}).items():
        verdict = "n/a" if t["met"] is None else ("met" if t["met"] else "NOT met")
        lines.append(f"target {name}: {_fmt(t['reached'], 3)} (target {t['target']}) {verdict}")
    return "\n".join(lines)


def _stream_note(item: dict) -> str:
    parts = []
    if item.get("reference_docs_per_s") is not None:
        parts.append(f"raw around {item['reference_docs_per_s']:.1f}")
    if item.get("steady_docs_per_s") is not None:
        steady = f" ({item['steady_ratio_to_raw']:.2f} x raw)" if item.get("steady_ratio_to_raw") else ""
        parts.append(f"steady {item['steady_docs_per_s']:.1f} docs/s{steady}")
    if item.get("annotate_duty") is not None:
        parts.append(f"parse duty {item['annotate_duty']:.0%}")
    if item.get("broker_cpu_s") is not None:
        parts.append(f"broker CPU {item['broker_cpu_s']:.1f}s")
    if len(item.get("articles_per_worker") or []) > 1:
        parts.append(f"split {item['articles_per_worker']}")
    duplicates = sum((item.get("duplicates") or {}).values())
    if duplicates:
        parts.append(f"{duplicates} duplicate(s) out (redelivered)")
    if not item.get("complete", True):
        parts.append("INCOMPLETE")
    return "; ".join(parts)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


# --- command line ---------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES,
                        help=f"corpus size, half French, half English (default {DEFAULT_ARTICLES}: "
                        "about 3 minutes in all on 2 cores)")
    parser.add_argument("--corpus", help="JSON Lines of raw articles to use instead of the built corpus "
                        "(repeated to --articles)")
    parser.add_argument("--data-dir", help="shared gold data for the corpus (default ../shared/data or "
                        "$WIREWATCH_BENCH_DATA; the shipped samples are used when it is absent)")
    parser.add_argument("--skip-streaming", action="store_true",
                        help="only the raw spaCy and enrich baselines (no broker, no workers)")
    parser.add_argument("--skip-latency", action="store_true", help="no paced latency phase")
    parser.add_argument("--broker-kind", choices=("embedded", "kafka"), default="embedded",
                        help="embedded broker (default) or Apache Kafka started by scripts/apache-kafka.sh")
    parser.add_argument("--broker", help="use a broker already running here (kafka://host:port) instead")
    parser.add_argument("--workers", type=int, default=0,
                        help="workers of the scale-out run (default: one per core)")
    parser.add_argument("--partitions", type=int, default=0, help="partitions per topic (default 2 x workers)")
    parser.add_argument("--latency-seconds", type=float, default=20.0,
                        help="length of the paced latency run (default 20; at least 40 articles)")
    parser.add_argument("--output", default=DEFAULT_OUTPUT, help=f"JSON results file (default {DEFAULT_OUTPUT})")
    parser.add_argument("--keep", action="store_true", help="keep the working directory (worker logs, corpus)")


DESCRIPTION = (
    "Measure, in one run on one corpus (French and English wire copy): raw spaCy nlp.pipe (the limit), "
    "`wirewatch enrich`, the streaming pipeline through a broker with 1 worker and with one worker per "
    "core, latency raw->enriched and raw->alert webhook at half capacity, and peak memory. Prints a "
    "table, writes JSON. See docs/benchmarks.md.")


def register_bench(sub: argparse._SubParsersAction) -> None:
    """Add the `bench` verb to the wirewatch command line."""
    parser = sub.add_parser("bench", help="throughput and latency against the raw spaCy baseline",
                            description=DESCRIPTION)
    add_arguments(parser)
    parser.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    if args.articles < 1:
        raise _usage_error("--articles must be at least 1")
    if args.workers < 0 or args.partitions < 0:
        raise _usage_error("--workers and --partitions must be positive")
    if args.corpus and not Path(args.corpus).is_file():
        raise _usage_error(f"cannot read {args.corpus}")
    options = BenchOptions(
        articles=args.articles, output=args.output, skip_streaming=args.skip_streaming,
        skip_latency=args.skip_latency, broker_kind=args.broker_kind, broker=args.broker, workers=args.workers,
        partitions=args.partitions, corpus=args.corpus, data_dir=args.data_dir,
        latency_seconds=args.latency_seconds, keep=args.keep)
    doc = run_bench(options)
    print(format_table(doc), flush=True)
    say(f"results written to {options.output}")
    return 0


def _usage_error(message: str) -> Exception:
    from streams.errors import UsageError

    return UsageError(message)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m streams.harness.bench [options]` (same as `wirewatch bench`); `child ...` is internal."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["child"]:
        return child_main(argv[1:])
    parser = argparse.ArgumentParser(prog="wirewatch bench", description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return cmd_bench(args)
    except Exception as exc:
        from streams.errors import UsageError

        if isinstance(exc, UsageError):
            print(f"wirewatch: error: {exc}", file=sys.stderr)
            return 2
        if os.environ.get("WIREWATCH_DEBUG"):
            raise
        print(f"wirewatch: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
