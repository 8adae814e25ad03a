"""Quotes and speakers: one article's predicted quotes matched to gold by span overlap, speakers checked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from streams.evaluation.text_match import (
    locate,
    normalize_name,
    span_overlap,
    text_overlap,
    word_tokens,
)

__all__ = ["THRESHOLDS", "QuoteScore", "is_description", "quote_scope", "same_entity", "score_quotes", "speaker_correct"]

# A predicted quote matches a gold one when they share at least this share of the longer span;
# figures are given at each threshold (loose and strict).
THRESHOLDS: tuple[float, ...] = (0.3, 0.8)

# Words that open a described, unnamed source: "un diplomate européen", "l'un d'eux", "les supporters
# rennais" (a group: French marks the plural), "a senior official".
_DESCRIPTION_OPENERS = frozenset("""un une des les plusieurs certains certaines deux trois quelques l'un l'une
    a an one some several two three""".split())


@dataclass
class QuoteScore:
    """Quote and speaker counts of one article; per-threshold dicts are keyed by threshold."""

    gold: int
    predicted: int
    matched: dict[float, int]
    speaker_correct: dict[float, int]
    speaker_entity_correct: dict[float, int] = field(default_factory=dict)  # right entity, any name form
    pairs: list[tuple[int, int, float]] = field(default_factory=list)  # (gold index, pred index, overlap)
    unlocated: int = 0  # gold quotes whose text is not in the body (scored by text overlap)
    errors: dict[str, list] = field(default_factory=dict, repr=False, compare=False)  # see article_details()


def _pred_span(quote: Mapping[str, Any], body: str) -> tuple[int, int] | None:
    start, end = quote.get("start"), quote.get("end")
    if isinstance(start, int) and isinstance(end, int) and 0 <= start <= end:
        return (start, end)
    located = locate(body, quote.get("text") or "")
    return located[0] if located else None


def _speaker_forms(speaker: Any) -> list[str]:
    """The predicted speaker's source span text and name (those that are not blank)."""
    if not isinstance(speaker, Mapping):
        return []
    forms = []
    span = speaker.get("span")
    if isinstance(span, Mapping) and isinstance(span.get("text"), str):
        forms.append(span["text"])
    if isinstance(speaker.get("name"), str):
        forms.append(speaker["name"])
    return [form for form in forms if normalize_name(form)]


def _speaker_name(speaker: Any) -> str | None:
    """The predicted speaker as shown in error details: its name, else its source span."""
    forms = _speaker_forms(speaker)
    return forms[-1] if forms else None


def _contains_run(longer: list[str], shorter: list[str]) -> bool:
    n = len(shorter)
    return n > 0 and any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


def is_description(pred_speaker: Any) -> bool:
    """An unnamed source the pipeline describes: no entity, and a phrase of two or more words opened
    by an indefinite or plural determiner ("un diplomate européen", "L'un d'eux", "a senior official"); a lone
    pronoun the pipeline could not resolve ("il", "he") is not one."""
    if not isinstance(pred_speaker, Mapping) or pred_speaker.get("entity_id"):
        return False
    name = pred_speaker.get("name")
    words = name.replace("\u2019", "'").lower().split() if isinstance(name, str) else []
    return len(words) >= 2 and words[0] in _DESCRIPTION_OPENERS


def speaker_correct(pred_speaker: Any, gold_speaker: str | None, mode: str) -> bool:
    """Is the predicted speaker right? full: same normalised name; lenient: matches the gold source span.

    In full mode the gold names people, and null means "no one named": a predicted description of
    an unnamed source says the same thing, so it matches null (and never matches a name).
    """
    forms = _speaker_forms(pred_speaker)
    if gold_speaker is None or not normalize_name(gold_speaker):
        return not forms or mode == "full" and is_description(pred_speaker)
    if not forms:
        return False
    if mode == "full":
        return normalize_name(pred_speaker.get("name")) == normalize_name(gold_speaker)
    gold_tokens = word_tokens(gold_speaker)
    for form in forms:
        tokens = word_tokens(form)
        if not tokens:
            continue
        if tokens == gold_tokens or _contains_run(gold_tokens, tokens) or _contains_run(tokens, gold_tokens):
            return True
        if len(tokens) > 1 and len(gold_tokens) > 1:
            shorter, longer = sorted((tokens, gold_tokens), key=len)
            if set(shorter) <= set(longer):
                return True
    return False


def _entity_forms(entity: Mapping[str, Any], key: str) -> set[str]:
    """An entity's name and the forms written for it (gold `surface`, predicted `mentions`)."""
    forms = {entity.get("name")} | set(entity.get("aliases") or [])
    for form in entity.get(key) or []:
        forms.add(form.get("text") if isinstance(form, Mapping) else form)
    return {normalize_name(form) for form in forms if isinstance(form, str) and normalize_name(form)}


def same_entity(pred_speaker: Any, gold_speaker: str | None, pred: Mapping[str, Any], gold: Mapping[str, Any]) -> bool:
    """The predicted speaker is the gold speaker's entity, whatever name form each uses: the
    predicted entity's mentions and the gold entity's surface forms share a form ('Corriere'
    for 'Corriere della Sera', 'Bank of France' written 'Banque de France'). What an alert rule
    on the entity id sees."""
    if not isinstance(pred_speaker, Mapping) or not gold_speaker:
        return False
    wanted = normalize_name(gold_speaker)
    gold_forms = {wanted}
    for entity in gold.get("entities") or []:
        if isinstance(entity, Mapping) and normalize_name(entity.get("name")) == wanted:
            gold_forms |= _entity_forms(entity, "surface")
    pred_forms = {normalize_name(pred_speaker.get("name"))}
    for entity in pred.get("entities") or []:
        if isinstance(entity, Mapping) and entity.get("id") and entity.get("id") == pred_speaker.get("entity_id"):
            pred_forms |= _entity_forms(entity, "mentions")
    return bool(pred_forms & gold_forms - {""})


def _match_one_to_one(candidates: list[tuple[float, int, int]]) -> list[tuple[int, int, float]]:
    """Greedy one-to-one pairing of (overlap, gold index, pred index) candidates, best overlap first."""
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs = []
    for overlap, gold_index, pred_index in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if gold_index in used_gold or pred_index in used_pred:
            continue
        used_gold.add(gold_index)
        used_pred.add(pred_index)
        pairs.append((gold_index, pred_index, overlap))
    return pairs


# A set annotates fragments when it has at least one gold quote this short (see quote_scope).
_FRAGMENT_WORDS = 2
_SCOPE_MIN_QUOTES = 100


def quote_scope(gold_records: Sequence[Mapping[str, Any]]) -> int:
    """The fewest words a quote needs to be scored in a gold set: 1, unless the set has at least
    100 gold quotes and none under three words (PolNeAR annotates no fragments such as a
    "brazen breach"), in which case shorter predictions are outside what the set annotates and
    count neither way."""
    lengths = [len(q["text"].split()) for record in gold_records for q in record.get("quotes") or []
               if isinstance(q, Mapping) and isinstance(q.get("text"), str)]
    if len(lengths) < _SCOPE_MIN_QUOTES or min(lengths) <= _FRAGMENT_WORDS:
        return 1
    return min(lengths)


def score_quotes(pred: Mapping[str, Any], gold: Mapping[str, Any], body: str, min_words: int = 1) -> QuoteScore:
    """Match predicted quotes to gold quotes (span overlap, else text overlap) and check each
    pair's speaker; predictions under `min_words` words are outside the set's scope (quote_scope)."""
    gold_quotes = gold["quotes"]
    pred_quotes = [q for q in pred.get("quotes") or [] if isinstance(q, Mapping)
                   and len(str(q.get("text") or "").split()) >= min_words]
    pred_spans = [_pred_span(q, body) for q in pred_quotes]
    candidates: list[tuple[float, int, int]] = []
    unlocated = 0
    for gold_index, gold_quote in enumerate(gold_quotes):
        spans = locate(body, gold_quote["text"])
        if not spans:
            unlocated += 1
        for pred_index, pred_quote in enumerate(pred_quotes):
            if spans and pred_spans[pred_index] is not None:
                overlap = max(span_overlap(span, pred_spans[pred_index]) for span in spans)
            else:
                overlap = text_overlap(gold_quote["text"], pred_quote.get("text") or "")
            if overlap >= min(THRESHOLDS):
                candidates.append((overlap, gold_index, pred_index))
    pairs = _match_one_to_one(candidates)
    mode = gold.get("speaker_match") or "full"
    matched = {t: 0 for t in THRESHOLDS}
    correct = {t: 0 for t in THRESHOLDS}
    entity_correct = {t: 0 for t in THRESHOLDS}
    errors: dict[str, list] = {"missed": [], "false_positive": [], "wrong_speaker": [], "partial": []}
    for gold_index, pred_index, overlap in pairs:
        gold_quote, pred_quote = gold_quotes[gold_index], pred_quotes[pred_index]
        said_by = pred_quote.get("speaker")
        if said_by is None and mode == "lenient" and isinstance(pred_quote.get("source"), Mapping):
            said_by = {"span": pred_quote["source"]}  # source spans as written: an unnamed source counts
        right = speaker_correct(said_by, gold_quote.get("speaker"), mode)
        right_entity = right or (mode == "full" and same_entity(pred_quote.get("speaker"), gold_quote.get("speaker"),
                                                                pred, gold))
        for t in THRESHOLDS:
            if overlap >= t:
                matched[t] += 1
                correct[t] += right
                entity_correct[t] += right_entity
        if not right:
            errors["wrong_speaker"].append({
                "text": gold_quote["text"],
                "gold": gold_quote.get("speaker"),
                "predicted": _speaker_name(pred_quote.get("speaker")),
                "overlap": round(overlap, 3),
            })
        if overlap < max(THRESHOLDS):
            errors["partial"].append(
                {"gold": gold_quote["text"], "predicted": pred_quote.get("text"), "overlap": round(overlap, 3)}
            )
    paired_gold = {gold_index for gold_index, _, _ in pairs}
    paired_pred = {pred_index for _, pred_index, _ in pairs}
    errors["missed"] = [
        {"text": q["text"], "speaker": q.get("speaker")} for i, q in enumerate(gold_quotes) if i not in paired_gold
    ]
    errors["false_positive"] = [
        {"text": q.get("text"), "speaker": _speaker_name(q.get("speaker"))}
        for i, q in enumerate(pred_quotes)
        if i not in paired_pred
    ]
    return QuoteScore(len(gold_quotes), len(pred_quotes), matched, correct, entity_correct, pairs, unlocated, errors)
