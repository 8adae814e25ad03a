"""Consecutive stages over a batch in one call, keeping every stage's output.

Why: a worker that runs normalize … topics would otherwise hand each article from agent to
agent through the broker (consume, decode, look the Doc up again) four times; here the stages
run back to back on the Doc just parsed, and the agent still publishes every intermediate
record (docs/benchmarks.md, issue #17). `wirewatch enrich` runs the whole chain the same way.

Pure of Kafka: per input, the outputs of the stages it passed, in order, and the stage that
failed with its input and error, so the caller dead-letters exactly what the stage-by-stage
agents would have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from spacy.tokens import Doc


class Stages(Protocol):
    """The stage functions of streams.nlp.pipeline.Enricher that a chain calls by name."""

    def normalize(self, payload: Any) -> dict: ...

    def annotate(self, events: Sequence[dict]) -> list[tuple[dict, Doc]]: ...


@dataclass
class Failure:
    stage: str
    payload: Any  # what the stage was given
    error: Exception

    def letter_payload(self) -> Any:
        """What a dead letter keeps: the stage's input, without the (large, binary) parse past normalize."""
        if self.stage == "normalize" or not isinstance(self.payload, dict):
            return self.payload
        return {k: v for k, v in self.payload.items() if k != "annotation"}


@dataclass
class Outcome:
    """What became of one input: each stage's output (stage, event), and where it stopped, if it did."""

    outputs: list[tuple[str, dict]] = field(default_factory=list)
    failure: Failure | None = None


@dataclass
class _Item:
    index: int
    value: Any
    doc: Doc | None = None


def run_chain(enricher: Stages, stages: Sequence[str], inputs: Sequence[Any]) -> list[Outcome]:
    """Run `stages` (consecutive, in pipeline order) over `inputs`: annotate parses the batch in
    one call (article by article only when the batch fails, to isolate the article that fails);
    every other stage goes article by article, on the Doc when it needs one."""
    outcomes = [Outcome() for _ in inputs]
    items = [_Item(index, value) for index, value in enumerate(inputs)]
    for stage in stages:
        items = _annotate(enricher, items, outcomes) if stage == "annotate" else _each(enricher, stage, items, outcomes)
    return outcomes


def _each(enricher: Stages, stage: str, items: list[_Item], outcomes: list[Outcome]) -> list[_Item]:
    function = getattr(enricher, stage)
    passed = []
    for item in items:
        try:
            value = function(item.value) if item.doc is None else function(item.value, item.doc)
        except Exception as exc:
            outcomes[item.index].failure = Failure(stage, item.value, exc)
            continue
        outcomes[item.index].outputs.append((stage, value))
        passed.append(_Item(item.index, value, item.doc))
    return passed


def _annotate(enricher: Stages, items: list[_Item], outcomes: list[Outcome]) -> list[_Item]:
    try:
        pairs = enricher.annotate([item.value for item in items])
    except Exception:
        return [parsed for item in items for parsed in _annotate_one(enricher, item, outcomes)]
    for item, (event, _doc) in zip(items, pairs):
        outcomes[item.index].outputs.append(("annotate", event))
    return [_Item(item.index, event, doc) for item, (event, doc) in zip(items, pairs)]


def _annotate_one(enricher: Stages, item: _Item, outcomes: list[Outcome]) -> list[_Item]:
    try:
        ((event, doc),) = enricher.annotate([item.value])
    except Exception as exc:
        outcomes[item.index].failure = Failure("annotate", item.value, exc)
        return []
    outcomes[item.index].outputs.append(("annotate", event))
    return [_Item(item.index, event, doc)]
