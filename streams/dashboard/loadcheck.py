"""`python -m streams.dashboard.loadcheck`: does an open dashboard slow the pipeline down?

One worker (the enrichment stages) on a fresh topic prefix enriches the same batch of articles
three times: alone, then with `wirewatch ui` following its topics and a headless Chromium showing
the live page, then alone again. The two runs alone bracket the one with the dashboard, so load
that drifts on a shared machine shows as a difference between them. It prints articles per
second and the CPU time per article of the worker and of the dashboard.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import orjson

ENRICH_STAGES = "normalize,annotate,entities,quotes,topics,stories"
BROWSER_SETTLE_SECONDS = 10.0  # a browser just started works for some seconds after the page loaded


@dataclass(frozen=True)
class RoundResult:
    name: str
    articles: int
    seconds: float
    worker_cpu_ms: float  # per article
    dashboard_cpu_ms: float | None  # per article, when the dashboard ran
    browser_cpu_ms: float | None  # per article, when a browser showed the live page

    @property
    def per_second(self) -> float:
        return self.articles / self.seconds if self.seconds else 0.0


def corpus(count: int, tag: str) -> list[tuple[str, bytes]]:
    """`count` raw articles from the shipped samples, with ids of their own."""
    from streams.cli.dev import sample_articles

    samples = [orjson.loads(line) for line in sample_articles()]
    items = []
    for number in range(count):
        article = dict(samples[number % len(samples)])
        article["id"] = f"{tag}-{number}-{article['id']}"
        items.append((article["id"], orjson.dumps(article)))
    return items


def _cpu(pid: int | None) -> float:
    from streams.harness.bench.machine import cpu_seconds

    return (cpu_seconds(pid) or 0.0) if pid else 0.0


def run_round(name: str, count: int, sender, watcher, worker, dashboard_pid: int | None = None,
              driver=None) -> RoundResult:
    from streams.dashboard.browser import browser_cpu_seconds

    items = corpus(count, f"{name}-{uuid.uuid4().hex[:4]}")
    worker_cpu, dashboard_cpu = _cpu(worker.pid), _cpu(dashboard_pid)
    browser_cpu = browser_cpu_seconds(driver) if driver is not None else 0.0
    started = time.monotonic()
    for key, value in items:
        sender.send(key, value)
    sender.producer.flush()
    if not watcher.wait_for([key for key, _ in items], timeout=30 + 5 * count):
        raise RuntimeError(f"{name}: only {watcher.done(key for key, _ in items)} of {count} articles came out")
    seconds = time.monotonic() - started
    dashboard_ms = (_cpu(dashboard_pid) - dashboard_cpu) * 1000 / count if dashboard_pid else None
    browser_ms = (browser_cpu_seconds(driver) - browser_cpu) * 1000 / count if driver is not None else None
    return RoundResult(name, count, seconds, (_cpu(worker.pid) - worker_cpu) * 1000 / count, dashboard_ms,
                       browser_ms)


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} ms"


def main(argv: list[str] | None = None) -> int:
    from streams.config import from_env
    from streams.dashboard.browser import missing_browser, start_chromium
    from streams.dashboard.launch import DashboardProcess
    from streams.harness.brokers import external_broker, start_embedded
    from streams.harness.topics import Sender, TopicWatcher
    from streams.harness.workers import child_env, start_worker
    from streams.paths import REPO_ROOT
    from streams.runtime.broker import free_port

    parser = argparse.ArgumentParser(prog="python -m streams.dashboard.loadcheck", description=__doc__)
    parser.add_argument("--articles", type=int, default=60, help="articles per round (default 60)")
    parser.add_argument("--broker", help="a running broker (kafka://host:port); default: an embedded one")
    args = parser.parse_args(argv)
    broker = external_broker(args.broker) if args.broker else start_embedded()
    workdir = Path(tempfile.mkdtemp(prefix="wirewatch-uiload-"))
    prefix = f"uiload{uuid.uuid4().hex[:6]}"
    settings = from_env().with_overrides(broker=broker.url, topic_prefix=prefix, partitions=2,
                                         app_id=f"wirewatch-{prefix}")
    worker = start_worker(broker, prefix, workdir, stages=ENRICH_STAGES)
    watcher = TopicWatcher(settings, ["enriched", "deadletter"])
    watcher.start()
    sender = Sender(broker.bootstrap, settings.topic("raw"))
    results: list[RoundResult] = []
    try:
        run_round("warm-up", 6, sender, watcher, worker)
        results.append(run_round("alone", args.articles, sender, watcher, worker))
        dashboard = DashboardProcess(settings, port=free_port(), log_path=workdir / "dashboard.log",
                                     env=child_env(), cwd=str(REPO_ROOT))
        driver = None
        try:
            if not dashboard.wait_ready(60):
                raise RuntimeError(f"the dashboard did not start:\n{dashboard.log()}")
            if missing_browser() is None:
                driver = start_chromium()
                driver.get(dashboard.url)
                time.sleep(BROWSER_SETTLE_SECONDS)
            else:
                print(f"no browser ({missing_browser()}): the dashboard runs without an open page", file=sys.stderr)
            results.append(run_round("with dashboard", args.articles, sender, watcher, worker, dashboard.pid, driver))
        finally:
            if driver is not None:
                driver.quit()
            dashboard.stop()
        results.append(run_round("alone again", args.articles, sender, watcher, worker))
    finally:
        sender.close()
        watcher.stop()
        worker.stop()
        with contextlib.suppress(Exception):
            broker.stop()
    print(f"{'round':<16}{'articles':>9}{'art/s':>8}  CPU per article: {'worker':>8}{'dashboard':>11}{'browser':>9}")
    for result in results:
        print(f"{result.name:<16}{result.articles:>9}{result.per_second:>8.2f}{'':>18}{_ms(result.worker_cpu_ms):>8}"
              f"{_ms(result.dashboard_cpu_ms):>11}{_ms(result.browser_cpu_ms):>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
