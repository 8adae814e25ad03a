"""Enriching gold sets and scoring them: the report behind `wirewatch eval`.

The enrichment is passed in as a callable, so the same scorer measures any pipeline (and this
module needs neither Kafka nor spaCy).
"""

from __future__ import annotations

import copy
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from streams.evaluation.gold import GoldSet
from streams.evaluation.quotes import THRESHOLDS, quote_scope
from streams.evaluation.scoring import (
    ArticleScore,
    aggregate,
    article_details,
    score_article,
)

__all__ = ["SetPredictions", "collect_predictions", "enriched_by", "evaluate", "report_from_predictions"]

Progress = Callable[[int, int, str], None]
Enrich = Callable[[list[dict]], list[dict]]


@dataclass
class SetPredictions:
    """What the pipeline returned for one gold set: the first prediction per id, and the enrich time."""

    by_id: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, predictions: Iterable[Any] | None) -> None:
        for pred in predictions or []:
            if isinstance(pred, Mapping) and isinstance(pred.get("id"), str):
                self.by_id.setdefault(pred["id"], pred)


def _timing(seconds: float, preds: Iterable[Mapping[str, Any]], n: int) -> dict[str, Any]:
    stage_sum: dict[str, float] = defaultdict(float)
    stage_n: dict[str, int] = defaultdict(int)
    for pred in preds:
        timings = pred.get("timings_ms")
        if isinstance(timings, Mapping):
            for stage, ms in timings.items():
                if isinstance(ms, (int, float)):
                    stage_sum[stage] += float(ms)
                    stage_n[stage] += 1
    return {
        "seconds": round(seconds, 4),
        "articles_per_second": round(n / seconds, 2) if seconds > 0 else None,
        "stage_ms_mean": {k: round(stage_sum[k] / stage_n[k], 3) for k in stage_sum},
    }


def report_from_predictions(
    sets: Sequence[GoldSet], predictions: Sequence[SetPredictions], details: bool = False
) -> dict[str, Any]:
    """Score every set's predictions against its gold: one block per set, and "overall".

    An article the pipeline did not return counts as an empty prediction ("missing"), so
    dropping hard articles cannot raise the scores. With `details`, each set's block gets
    "details": {article id: article_details()} for the articles with at least one error.
    """
    report: dict[str, Any] = {"sets": {}, "thresholds": list(THRESHOLDS)}
    all_scores: list[ArticleScore] = []
    all_preds: list[Mapping[str, Any]] = []
    total_seconds = 0.0
    for gold_set, found in zip(sets, predictions):
        scope = quote_scope(list(gold_set.gold.values()))
        scores = [score_article(found.by_id.get(a["id"]), gold_set.gold[a["id"]], a, scope) for a in gold_set.articles]
        block = aggregate(scores)
        if block.get("quotes") is not None:
            block["quotes"]["scored_from_words"] = scope  # shorter predictions: outside the set's annotation
        block["timing"] = _timing(found.seconds, found.by_id.values(), len(gold_set.articles))
        if details:
            block["details"] = {s.id: d for s in scores if (d := article_details(s)) is not None}
        report["sets"][gold_set.name] = block
        all_scores.extend(scores)
        all_preds.extend(found.by_id.values())
        total_seconds += found.seconds
    overall = aggregate(all_scores)
    overall["timing"] = _timing(total_seconds, all_preds, len(all_scores))
    report["overall"] = overall
    return report


def enriched_by(enricher: Any) -> Enrich:
    """The enrich callable of a pipeline Enricher: its enriched events (dead letters are left out,
    so they count as missing)."""

    def enrich(raw_articles: list[dict]) -> list[dict]:
        return [event for kind, event in enricher.enrich_many(raw_articles) if kind == "enriched"]

    return enrich


def collect_predictions(
    sets: Sequence[GoldSet], enrich: Enrich, progress: Progress | None = None, batch_size: int = 64
) -> Iterator[SetPredictions]:
    """Enrich every set's raw articles in batches; yield each set's predictions when the set is done.

    `enrich` gets copies, so it cannot change the gold set. `progress(done, total, set_name)` is
    called after each batch (done/total within that set).
    """
    step = max(1, batch_size)
    for gold_set in sets:
        found = SetPredictions()
        for start in range(0, len(gold_set.articles), step):
            batch = [copy.deepcopy(a) for a in gold_set.articles[start : start + step]]
            began = time.perf_counter()
            out = enrich(batch)
            found.seconds += time.perf_counter() - began
            found.add(out)
            if progress is not None:
                progress(min(start + len(batch), len(gold_set.articles)), len(gold_set.articles), gold_set.name)
        yield found


def evaluate(
    sets: Sequence[GoldSet],
    enrich: Enrich,
    progress: Progress | None = None,
    batch_size: int = 64,
    details: bool = False,
) -> dict[str, Any]:
    """Enrich every set's raw articles in batches and score them; returns a JSON-serialisable report
    (see collect_predictions and report_from_predictions)."""
    predictions = list(collect_predictions(sets, enrich, progress, batch_size))
    return report_from_predictions(sets, predictions, details=details)
