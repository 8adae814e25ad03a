"""Entities: one article's predicted PER/ORG/LOC entities matched one-to-one to gold by surface form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from streams.evaluation.text_match import normalize_name

__all__ = ["SCORED_ENTITY_TYPES", "EntityScore", "score_entities"]

SCORED_ENTITY_TYPES = frozenset({"PER", "ORG", "LOC"})


@dataclass
class EntityScore:
    """Entity counts of one article (PER/ORG/LOC; MISC predictions are ignored)."""

    gold: int
    predicted: int
    matched: int
    matched_any_type: int
    canonical_correct: int  # matched gold entities whose predicted name is the gold (English) name
    cross_lingual: bool  # the article is not in English
    errors: dict[str, list] = field(default_factory=dict, repr=False, compare=False)  # see article_details()


def _entity_forms(entity: Mapping[str, Any]) -> set[str]:
    """Every normalised way the prediction writes the entity: name, aliases, mention texts."""
    forms = [entity.get("name")]
    forms += list(entity.get("aliases") or [])
    forms += [m.get("text") for m in entity.get("mentions") or [] if isinstance(m, Mapping)]
    return {normalize_name(form) for form in forms if isinstance(form, str)} - {""}


def _max_matching(edges: list[list[int]]) -> dict[int, int]:
    """Maximum bipartite matching (augmenting paths); edges[left] lists right nodes in preference order."""
    owner: dict[int, int] = {}

    def augment(left: int, seen: set[int]) -> bool:
        for right in edges[left]:
            if right in seen:
                continue
            seen.add(right)
            if right not in owner or augment(owner[right], seen):
                owner[right] = left
                return True
        return False

    for left in range(len(edges)):
        augment(left, set())
    return {left: right for right, left in owner.items()}


def _mention_texts(entity: Mapping[str, Any]) -> list[str]:
    mentions = entity.get("mentions") or []
    return list(dict.fromkeys(m["text"] for m in mentions if isinstance(m, Mapping) and isinstance(m.get("text"), str)))


def score_entities(pred: Mapping[str, Any], gold: Mapping[str, Any], language: str | None) -> EntityScore:
    """Match gold to predicted entities (a shared surface form; with and without the type) and count."""
    gold_entities = [e for e in gold["entities"] if e.get("type") in SCORED_ENTITY_TYPES]
    pred_entities = [
        e for e in pred.get("entities") or [] if isinstance(e, Mapping) and e.get("type") in SCORED_ENTITY_TYPES
    ]
    pred_forms = [_entity_forms(e) for e in pred_entities]
    pred_names = [normalize_name(e.get("name")) for e in pred_entities]

    def edges(typed: bool) -> list[list[int]]:
        out = []
        for gold_entity in gold_entities:
            forms = {normalize_name(s) for s in gold_entity.get("surface") or []} | {normalize_name(gold_entity["name"])}
            forms.discard("")
            name = normalize_name(gold_entity["name"])
            hits = [
                pred_index
                for pred_index, candidate in enumerate(pred_entities)
                if (not typed or candidate.get("type") == gold_entity["type"]) and forms & pred_forms[pred_index]
            ]
            hits.sort(key=lambda pred_index: pred_names[pred_index] != name)  # prefer a canonical-name match
            out.append(hits)
        return out

    typed = _max_matching(edges(True))
    untyped = _max_matching(edges(False))
    canonical = sum(
        pred_names[pred_index] == normalize_name(gold_entities[gold_index]["name"])
        for gold_index, pred_index in typed.items()
    )
    lang = (language or "").lower()
    typed_pred = set(typed.values())
    missed = []
    for gold_index, gold_entity in enumerate(gold_entities):
        if gold_index in typed:
            continue
        miss = {"name": gold_entity["name"], "type": gold_entity["type"], "surface": list(gold_entity.get("surface") or [])}
        pred_index = untyped.get(gold_index)
        if pred_index is not None and pred_index not in typed_pred:  # found, but with another type
            found = pred_entities[pred_index]
            miss["found_as"] = {"name": found.get("name"), "type": found.get("type")}
        missed.append(miss)
    false_positive = [
        {"name": p.get("name"), "type": p.get("type"), "mentions": _mention_texts(p)}
        for pred_index, p in enumerate(pred_entities)
        if pred_index not in typed_pred
    ]
    return EntityScore(
        gold=len(gold_entities),
        predicted=len(pred_entities),
        matched=len(typed),
        matched_any_type=len(untyped),
        canonical_correct=canonical,
        cross_lingual=bool(lang) and not (lang == "en" or lang.startswith("en-")),
        errors={"missed": missed, "false_positive": false_positive},
    )
