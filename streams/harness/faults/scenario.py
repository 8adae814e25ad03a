"""What every fault scenario shares: its report, a fresh topic prefix, and closing what it opened."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from streams.harness.articles import sample_articles
from streams.harness.topics import Sender, TopicReader
from streams.harness.workers import Worker

COLUMNS = ("sent", "enriched", "dead_lettered", "duplicates", "lost")  # the counts every scenario reports
STALL = 45.0  # seconds without any new record before a wait gives up: the pipeline is stuck


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


def new_prefix(tag: str) -> str:
    """A topic prefix no earlier run used (so: fresh topics and a fresh consumer group)."""
    return f"f{tag}{uuid.uuid4().hex[:8]}"


def close_all(readers: Iterable[TopicReader], sender: Sender | None, workers: Iterable[Worker]) -> None:
    for reader in readers:
        reader.close()
    if sender is not None:
        sender.close()
    for worker in workers:
        worker.stop()


# --- the articles and the rule the scenarios send --------------------------------------------

# once per article: the scenarios send copies of the samples under new ids (one story), and count
# alerts per article (a rule added without once_per would alert once per story)
NATO_RULE = {"id": "nato", "name": "NATO mentioned", "actors": ["NATO"], "match": "mentioned", "once_per": "article"}


def make_articles(count: int, tag: str, nato_every: int | None = None) -> list[dict]:
    """`count` good articles with unique ids, cycling the demo samples. With nato_every=k only
    every k-th article is the sample that mentions NATO (and fires the NATO rules); with 0, none."""
    samples = sample_articles()
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
    """(key, value) records of the articles, keyed by id."""
    return [(a["id"], orjson.dumps(a)) for a in articles]


def mentions_nato(event: dict) -> bool:
    return any(entity.get("name") == "NATO" for entity in event.get("entities") or [])
