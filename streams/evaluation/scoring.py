"""One article's scores, its errors for the report, and micro-averaged figures over many articles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from streams.evaluation.entities import EntityScore, score_entities
from streams.evaluation.quotes import THRESHOLDS, QuoteScore, score_quotes
from streams.evaluation.topics import TopicScore, score_topics, topic_code

__all__ = ["ArticleScore", "aggregate", "article_details", "score_article", "threshold_key"]


@dataclass
class ArticleScore:
    """Scores of one article; a part is None when its gold field is null (not annotated)."""

    id: str
    language: str | None
    predicted: bool
    quotes: QuoteScore | None
    entities: EntityScore | None
    topics: TopicScore | None


def score_article(pred: Mapping[str, Any] | None, gold: Mapping[str, Any], raw: Mapping[str, Any] | None = None,
                  min_quote_words: int = 1) -> ArticleScore:
    """Score one enriched article against its gold record (pred None/{} = the pipeline dropped it);
    predicted quotes under `min_quote_words` words are outside the set's scope (quote_scope)."""
    pred = pred or {}
    body = pred.get("body")
    if not isinstance(body, str):
        body = (raw or {}).get("body") if isinstance((raw or {}).get("body"), str) else ""
    language = gold.get("language") or (raw or {}).get("language") or pred.get("language")
    if gold.get("topics") is not None and "topic_codes" not in gold:
        gold = {**gold, "topic_codes": [topic_code(t) for t in gold["topics"]]}
    return ArticleScore(
        id=str(gold.get("id")),
        language=language,
        predicted=bool(pred),
        quotes=score_quotes(pred, gold, body, min_quote_words) if gold.get("quotes") is not None else None,
        entities=score_entities(pred, gold, language) if gold.get("entities") is not None else None,
        topics=score_topics(pred, gold) if gold.get("topics") is not None else None,
    )


def article_details(score: ArticleScore) -> dict[str, Any] | None:
    """The errors of one article for the report's "details" (None when it has none).

    quotes: gold quotes missed (text, speaker), predictions matching no gold quote, matched quotes
    with a wrong speaker (gold vs predicted) and "partial" matches (overlap below the higher
    threshold); entities: gold entities missed (name, type, surface; "found_as" when only the type
    was wrong) and predictions matching nothing (name, type, mentions); topics: gold vs predicted
    top 3 when top-1 is wrong or recall@3 < 1. Empty parts are left out.
    """
    out: dict[str, Any] = {}
    if not score.predicted:
        out["missing"] = True
    for part, value in (("quotes", score.quotes), ("entities", score.entities)):
        if value is not None:
            errors = {kind: listed for kind, listed in value.errors.items() if listed}
            if errors:
                out[part] = errors
    topics = score.topics
    if topics is not None and not (topics.top1_correct and topics.recall_at_3 == 1.0):
        out["topics"] = {"gold": topics.gold, "predicted_top3": topics.predicted_top3}
    return out or None


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, Any]:
    """Precision/recall are None when their denominator is 0; F1 = 2tp/(pred+gold) is 0 for a silent system."""
    precision = _ratio(tp, n_pred)
    recall = _ratio(tp, n_gold)
    f1 = _ratio(2 * tp, n_pred + n_gold)
    return {"tp": tp, "fp": n_pred - tp, "fn": n_gold - tp, "precision": precision, "recall": recall, "f1": f1}


def threshold_key(threshold: float) -> str:
    """The report key of the quote figures at one overlap threshold ("overlap_0.3")."""
    return f"overlap_{threshold:g}"


def _aggregate_quotes(scores: Sequence[QuoteScore]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The report's "quotes" and "speakers" blocks."""
    n_gold = sum(q.gold for q in scores)
    n_pred = sum(q.predicted for q in scores)
    quotes: dict[str, Any] = {
        "articles": len(scores),
        "gold": n_gold,
        "predicted": n_pred,
        "gold_not_in_body": sum(q.unlocated for q in scores),
    }
    speakers: dict[str, Any] = {}
    for threshold in THRESHOLDS:
        matched = sum(q.matched[threshold] for q in scores)
        correct = sum(q.speaker_correct[threshold] for q in scores)
        entity_correct = sum(q.speaker_entity_correct.get(threshold, 0) for q in scores)
        quotes[threshold_key(threshold)] = _prf(matched, n_pred, n_gold)
        speakers[threshold_key(threshold)] = {
            "matched": matched,
            "correct": correct,
            "accuracy": _ratio(correct, matched),
            # right entity whatever its name form (what a rule on the entity id sees)
            "entity_accuracy": _ratio(entity_correct, matched),
            "correct_over_gold": _ratio(correct, n_gold),
        }
    return quotes, speakers


def _canonical_share(scores: Sequence[EntityScore]) -> dict[str, Any]:
    matched = sum(e.matched for e in scores)
    correct = sum(e.canonical_correct for e in scores)
    return {"matched": matched, "correct": correct, "share": _ratio(correct, matched)}


def _aggregate_entities(scores: Sequence[EntityScore]) -> dict[str, Any]:
    n_gold = sum(e.gold for e in scores)
    n_pred = sum(e.predicted for e in scores)
    cross = [e for e in scores if e.cross_lingual]
    entities = {"articles": len(scores), "gold": n_gold, "predicted": n_pred,
                **_prf(sum(e.matched for e in scores), n_pred, n_gold)}
    entities["any_type"] = _prf(sum(e.matched_any_type for e in scores), n_pred, n_gold)
    entities["canonical_name"] = {"articles": len(cross), **_canonical_share(cross)}
    entities["canonical_name_all"] = _canonical_share(scores)
    return entities


def _aggregate_topics(scores: Sequence[TopicScore]) -> dict[str, Any]:
    return {
        "articles": len(scores),
        "top1_correct": sum(t.top1_correct for t in scores),
        "top1_accuracy": sum(t.top1_correct for t in scores) / len(scores),
        "recall_at_3": sum(t.recall_at_3 for t in scores) / len(scores),
    }


def aggregate(scores: Sequence[ArticleScore]) -> dict[str, Any]:
    """Micro-averaged metrics over articles; a block is None when no article had that gold field."""
    report: dict[str, Any] = {
        "articles": len(scores),
        "predicted": sum(s.predicted for s in scores),
        "missing": sum(not s.predicted for s in scores),
    }
    quote_scores = [s.quotes for s in scores if s.quotes is not None]
    if quote_scores:
        report["quotes"], report["speakers"] = _aggregate_quotes(quote_scores)
    else:
        report["quotes"] = report["speakers"] = None
    entity_scores = [s.entities for s in scores if s.entities is not None]
    report["entities"] = _aggregate_entities(entity_scores) if entity_scores else None
    topic_scores = [s.topics for s in scores if s.topics is not None]
    report["topics"] = _aggregate_topics(topic_scores) if topic_scores else None
    return report
