"""One bench run: the corpus, the baselines, the streaming phases, in order, into one document."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams import __version__
from streams.harness.articles import read_jsonl, write_jsonl
from streams.harness.bench.baseline import ChildPool, combine, raw_phase
from streams.harness.bench.corpus import build_corpus, default_data_dir, describe_corpus, other_news, repeat_to
from streams.harness.bench.machine import load_average, machine_description
from streams.harness.bench.report import add_ratios, say, targets
from streams.harness.bench.streaming import pick_actor, stream_latency, stream_throughput
from streams.harness.brokers import external_broker, start_broker

DEFAULT_ARTICLES = 120
DEFAULT_OUTPUT = "bench-results.json"


@dataclass
class BenchOptions:
    """What `wirewatch bench` was asked to do (its command-line options)."""

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
    with_ui: bool = False  # the streaming window alone and with the dashboard open (beside_ui.py)
    ui_rounds: int = 2
    ui_workers: int = 1
    stories_window: int = 10_000  # articles in the story window when the stories stage is timed
    long_body_mb: float = 1.0  # one body this long per language, timed beyond its parse (0: skipped)


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
    write_jsonl(corpus_path, corpus)
    doc: dict[str, Any] = {
        "wirewatch": __version__,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine_description(),
        "load_average": {"start": load_average()},
        "corpus": describe_corpus(corpus),
        "settings": {"workers": workers, "partitions": partitions, "batch_size": batch_size(),
                     **({"ui_rounds": options.ui_rounds, "ui_workers": options.ui_workers} if options.with_ui else {}),
                     "broker_kind": "external" if options.broker else options.broker_kind},
        "results": {},
        "notes": [],
    }
    results = doc["results"]
    timeout = 120 + 5 * len(corpus) + options.stories_window // 50
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
            with ChildPool("enrich", corpus_path, 1, workdir, timeout,
                           extra=("--stories-window", str(options.stories_window))) as pool:
                enrich_raw = pool.run(timeout)[0]
            enrich = combine([enrich_raw])
            enrich.update(enriched=enrich_raw["enriched"], deadletter=enrich_raw["deadletter"],
                          stage_ms=enrich_raw["stage_ms"], overhead=enrich_raw.get("overhead"),
                          stories_window=enrich_raw.get("stories_window"))
            results["enrich"] = enrich
            say(f"enrich (all stages, no broker): {enrich['docs_per_s']} docs/s")
            if options.long_body_mb > 0:
                results["long_body"] = long_body_phase(options, corpus_path, workdir)
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
        doc["targets"] = targets(results, doc["settings"]["broker_kind"])
        Path(options.output).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", "utf-8")
        if ok and not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            say(f"logs kept in {workdir}")
    return doc


def run_streaming(options: BenchOptions, doc: dict, corpus: list[dict], workers: int, partitions: int,
                  workdir: Path, enrich_raw: dict, probe: Callable[[], dict]) -> None:
    """Throughput with one worker, then one per core; latency at half of one worker's rate."""
    results = doc["results"]
    broker = external_broker(options.broker) if options.broker else start_broker(options.broker_kind, workdir)
    say(f"broker: {broker.kind} at {broker.url}")
    try:
        one = results["stream_1"] = stream_throughput(broker, corpus, 1, partitions, workdir, probe)
        if workers > 1:
            results["stream_n"] = stream_throughput(broker, corpus, workers, partitions, workdir, probe)
        if options.with_ui:
            from streams.harness.bench.beside_ui import ui_comparison

            results["ui"] = ui_comparison(broker, corpus, options.ui_workers, partitions, workdir, probe,
                                          options.ui_rounds)
        if not options.skip_latency and one.get("docs_per_s"):
            rate = one["docs_per_s"] / 2
            count = max(40, int(rate * options.latency_seconds))
            data_dir = Path(options.data_dir) if options.data_dir else default_data_dir()
            results["latency"] = stream_latency(broker, corpus, rate, count, partitions, workdir,
                                                pick_actor(enrich_raw), other_news(corpus, len(corpus), data_dir))
    finally:
        broker.stop()


def long_body_phase(options: BenchOptions, corpus_path: Path, workdir: Path) -> dict:
    """One body of options.long_body_mb MB per language, every stage beyond the parse timed (long_body.py)."""
    say(f"long body: {options.long_body_mb:g} MB per language (the parse alone takes a while) …")
    timeout = 600 + 600 * options.long_body_mb
    with ChildPool("long", corpus_path, 1, workdir, timeout,
                   extra=("--megabytes", str(options.long_body_mb))) as pool:
        result = pool.run(timeout)[0]
    for language, item in result["languages"].items():
        say(f"long body, {language}: {item['bytes']:,} bytes, parse {item['parse_s']} s, beyond it "
            f"{item['beyond_parse_s']} s ({', '.join(f'{k} {v}' for k, v in item['stages_s'].items())})")
    return result


def batch_size() -> int:
    from streams.config import from_env

    return from_env().batch_size
