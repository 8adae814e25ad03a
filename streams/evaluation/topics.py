"""Topics: gold and predicted topics as IPTC Media Topic codes, and one article's top-1 and recall@3."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams.evaluation.errors import EvalInputError
from streams.paths import DATA_DIR
from streams.text import fold_loose

__all__ = ["TopicScore", "score_topics", "topic_code"]

_TSV_NAME = "iptc-mediatopics-top.tsv"
_SHARED_TSV = Path(__file__).resolve().parents[2] / "shared" / "data" / _TSV_NAME  # ../shared/data next to a checkout
_CODE_RE = re.compile(r"^(?:medtop:)?(\d{8})$", re.IGNORECASE)


@dataclass
class TopicScore:
    """Topic result of one article."""

    gold: list[str]
    predicted_top3: list[str]
    top1_correct: bool
    recall_at_3: float


@functools.lru_cache(maxsize=1)
def _iptc_labels() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(code, (folded labels...)) of the IPTC top level, from the packaged TSV or the shared copy."""
    candidates = [DATA_DIR / _TSV_NAME, _SHARED_TSV]
    for path in candidates:
        if path.is_file():
            rows = []
            for line in path.read_text(encoding="utf-8").splitlines()[1:]:
                cells = line.split("\t")
                if len(cells) >= 2 and cells[0].strip():
                    rows.append((cells[0].strip(), tuple(fold_loose(c) for c in cells[1:] if c.strip())))
            return tuple(rows)
    raise EvalInputError(
        "IPTC topic labels are needed to read a gold topic label but no "
        f"{_TSV_NAME} was found (looked in: {', '.join(map(str, candidates))})"
    )


def _own_label_to_code(label: str) -> str | None:
    """The one code whose label equals, then starts with, then contains the label (None if ambiguous)."""
    wanted = fold_loose(label).strip()
    if not wanted:
        return None
    table = _iptc_labels()
    for test in (
        lambda known: known == wanted,
        lambda known: known.startswith(wanted),
        lambda known: wanted in known,
    ):
        hits = {code for code, labels in table if any(test(known) for known in labels)}
        if len(hits) == 1:
            return hits.pop()
        if len(hits) > 1:
            return None
    return None


def _external_label_to_code(label: str) -> str | None:
    """The topics stage's own label lookup (English and French labels), when it can be imported."""
    try:
        from streams.nlp.topics.classify import label_to_code
    except ImportError:
        return None
    try:
        code = label_to_code(label)
    except Exception:  # noqa: BLE001 - another module's lookup failing is just "unknown"
        return None
    return code if isinstance(code, str) else None


def topic_code(value: str) -> str | None:
    """Map a gold/predicted topic ("medtop:11000000", "11000000" or a label) to "medtop:NNNNNNNN"."""
    value = (value or "").strip()
    match = _CODE_RE.match(value)
    if match:
        return f"medtop:{match.group(1)}"
    for lookup in (_external_label_to_code, _own_label_to_code):
        code = lookup(value)
        if code:
            match = _CODE_RE.match(code.strip())
            if match:
                return f"medtop:{match.group(1)}"
    return None


def score_topics(pred: Mapping[str, Any], gold: Mapping[str, Any]) -> TopicScore | None:
    """Top-1 and recall@3 of the predicted topics, ranked by score; None when gold names no known topic."""
    gold_codes = list(dict.fromkeys(gold.get("topic_codes") or [topic_code(t) for t in gold["topics"]]))
    gold_codes = [c for c in gold_codes if c]
    if not gold_codes:
        return None
    topics = [t for t in pred.get("topics") or [] if isinstance(t, Mapping)]
    ranked = sorted(enumerate(topics), key=lambda item: (-float(item[1].get("score") or 0.0), item[0]))
    codes: list[str] = []
    for _, topic in ranked:
        code = topic_code(str(topic.get("code") or ""))
        if code and code not in codes:
            codes.append(code)
    top3 = codes[:3]
    return TopicScore(
        gold=gold_codes,
        predicted_top3=top3,
        top1_correct=bool(codes) and codes[0] in gold_codes,
        recall_at_3=len(set(top3) & set(gold_codes)) / len(gold_codes),
    )
