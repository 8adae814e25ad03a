"""What each named pass is worth: the eval with every pass on, then once per pass without it.

Parsing is most of the cost, so each article is parsed once: the run with every pass on is the
plain `wirewatch eval` run, and the post-parse stages (entities, quotes, topics) then run again
on the same parse once per pass, with that pass switched off (the stages only read the Doc).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Doc

from streams.config import Settings
from streams.evaluation.gold import GoldSet
from streams.evaluation.run import (
    SetPredictions,
    collect_predictions,
    enriched_by,
    report_from_predictions,
)
from streams.nlp.passes import Pass
from streams.nlp.pipeline import Enricher
from streams.topology import POST_PARSE_STAGE_NAMES

__all__ = ["PassProgress", "PassValues", "measure_pass_values"]

# progress(set name, articles parsed so far in the set, articles in the set, what runs now)
PassProgress = Callable[[str, int, int, str], None]


@dataclass
class PassValues:
    """The report with every pass on, and one report per pass run without it."""

    passes: tuple[Pass, ...]
    all_on: dict[str, Any]
    without: dict[str, dict[str, Any]]  # pass name -> report


class ParseKeepingEnricher(Enricher):
    """An Enricher that keeps the (event, Doc) pairs it parses, so that the later stages can run
    again on them."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.parsed: list[tuple[dict, Doc]] = []

    def annotate(self, events: Sequence[dict]) -> list[tuple[dict, Doc]]:
        pairs = super().annotate(events)
        self.parsed.extend(pairs)
        return pairs

    def take_parsed(self) -> list[tuple[dict, Doc]]:
        parsed, self.parsed = self.parsed, []
        return parsed

    def post_parse(self, event: dict, doc: Doc) -> dict | None:
        """The post-parse stages on a copy of a parsed event (None when one fails: a dead letter)."""
        event = copy.deepcopy(event)
        try:
            for stage in POST_PARSE_STAGE_NAMES:
                event = getattr(self, stage)(event, doc)
        except Exception:  # noqa: BLE001 - counted as missing, as a dead letter is
            return None
        return event


class _PassVariants:
    """The enrich callable of the measurement: the full pipeline's events are returned; each
    pass's events without it are kept aside, per set (`take_set`)."""

    def __init__(self, settings: Settings, passes: Sequence[Pass], sets: Sequence[GoldSet],
                 progress: PassProgress | None) -> None:
        self.enricher = ParseKeepingEnricher(settings)
        self.settings = settings
        self.variant_settings = {
            p.name: settings.with_overrides(disabled_passes=settings.disabled_passes | {p.name}) for p in passes
        }
        self.enrich_all_on = enriched_by(self.enricher)
        self.sets = sets
        self.progress = progress
        self.set_index = 0
        self.done = 0  # articles of the current set
        self.current = self._empty()

    def _empty(self) -> dict[str, SetPredictions]:
        return {name: SetPredictions() for name in self.variant_settings}

    def _report(self, articles: int, step: str) -> None:
        if self.progress is not None:
            gold_set = self.sets[self.set_index]
            self.progress(gold_set.name, self.done + articles, len(gold_set.articles), step)

    def __call__(self, raw_articles: list[dict]) -> list[dict]:
        self._report(len(raw_articles), "every pass on")
        events = self.enrich_all_on(raw_articles)
        parsed = self.enricher.take_parsed()
        try:
            for number, (name, settings) in enumerate(self.variant_settings.items(), 1):
                self._report(len(raw_articles), f"without {name} ({number}/{len(self.variant_settings)})")
                self.enricher.settings = settings
                began = time.perf_counter()
                self.current[name].add(self.enricher.post_parse(event, doc) for event, doc in parsed)
                self.current[name].seconds += time.perf_counter() - began
        finally:
            self.enricher.settings = self.settings
        self.done += len(raw_articles)
        return events

    def take_set(self) -> dict[str, SetPredictions]:
        done, self.current = self.current, self._empty()
        self.set_index += 1
        self.done = 0
        return done


def measure_pass_values(
    sets: Sequence[GoldSet],
    settings: Settings,
    passes: Sequence[Pass],
    progress: PassProgress | None = None,
    batch_size: int = 64,
    details: bool = False,
) -> PassValues:
    """Score the sets with the pipeline as configured, and once per pass with that pass also off.

    `progress` is called before each run over a batch of articles; `details` adds per-article
    errors to the full pipeline's report, as `wirewatch eval --details` does."""
    variants = _PassVariants(settings, passes, sets, progress)
    all_on: list[SetPredictions] = []
    without: dict[str, list[SetPredictions]] = {p.name: [] for p in passes}
    for found in collect_predictions(sets, variants, batch_size=batch_size):
        all_on.append(found)
        for name, variant in variants.take_set().items():
            without[name].append(variant)
    return PassValues(
        passes=tuple(passes),
        all_on=report_from_predictions(sets, all_on, details=details),
        without={name: report_from_predictions(sets, found) for name, found in without.items()},
    )
