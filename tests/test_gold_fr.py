"""Regression check of the whole enrichment (no broker) on the French wire gold set.

tests/gold/fr-wire holds 14 short French wire-style articles written for this project (see its
README) with gold quotes, speakers (canonical full names), entities and topics. The floors
below sit about five points under the figures measured when the set was made, so that a
change that breaks French quote attribution fails here; they are not targets to tune to.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.config import Settings
from streams.evaluate import evaluate, load_gold_set
from streams.pipeline import Enricher

GOLD = Path(__file__).resolve().parent / "gold" / "fr-wire"

# Measured on the set when it was written (quotes 82, entities 132, 14 articles):
# quotes F1 98.8 at 0.3 and 0.8, speaker accuracy 86.2, entity F1 85.2, topics top-1 92.9.
FLOORS = {
    ("quotes", "overlap_0.3", "f1"): 0.93,
    ("quotes", "overlap_0.8", "f1"): 0.93,
    ("speakers", "overlap_0.3", "accuracy"): 0.81,
    # Entities and topics belong to other stages; their floors only catch a collapse.
    ("entities", "f1"): 0.75,
    ("topics", "top1_accuracy"): 0.78,
}


@pytest.fixture(scope="module")
def report():
    sets = load_gold_set(GOLD)
    enricher = Enricher(Settings())

    def enrich(raw: list[dict]) -> list[dict]:
        return [event for kind, event in enricher.enrich_many(raw) if kind == "enriched"]

    return evaluate(sets, enrich)["sets"]["fr-wire"]


def test_fr_wire_set_is_complete(report):
    assert report["articles"] == 14 and report["missing"] == 0
    assert report["quotes"]["gold"] >= 80
    assert report["quotes"]["gold_not_in_body"] == 0


@pytest.mark.parametrize("path,floor", sorted(FLOORS.items()), ids=lambda x: ".".join(x)
                         if isinstance(x, tuple) else str(x))
def test_fr_wire_scores_stay_above_floor(report, path, floor):
    value = report
    for key in path:
        value = value[key]
    assert value >= floor, f"{'.'.join(path)} = {value:.3f} < {floor}"
