"""The stories stage's cost with a full window, against the parse of the same articles (#20's
target: under 5 % of an article's parse with 10,000 articles in the window).

Why this window: a bench corpus is ~100 articles, and what the stage costs depends on what it
must compare an article with. The window holds the real articles of the shared sets (2,791 in
../shared/data, from which the bench corpus is also drawn: its articles have copies there),
topped up with articles made of their paragraphs drawn at random (3 to 8 each, so shingles recur
and LSH bands collide: candidates to verify abound), as scripts/bench_stories.py does; each
carries the entities, quotes and topics of a corpus article drawn at random (so the event join
has candidates by actor: every actor of the corpus is in ~80 window articles per corpus article
naming it), first seen over the last 48 h. Without the shared sets, the corpus's own paragraphs
are used (far more collisions per paragraph than a wire has: a pessimistic figure). Then each corpus
article, as the topics stage hands it on, goes through `StoriesState.apply`, the stage's own
function, timed: fingerprint, copy index, event join, quote ids and state rows; three rounds
under new ids, the median reported.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from streams.stories.state import StoriesState

WINDOW_ARTICLES = 10_000
ROUNDS = 3  # the corpus applied three times (median): a shared machine's load comes in bursts
WINDOW = timedelta(hours=48)
SEED = 20


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def shared_texts(data_dir: Path) -> list[dict]:
    """Headline, body and source of every raw article of the shared sets ([] when absent)."""
    texts = []
    for path in sorted(data_dir.glob("*/*.raw.jsonl")):
        for line in path.open(encoding="utf-8"):
            if line.strip():
                article = json.loads(line)
                texts.append({"headline": article.get("headline") or "", "body": article.get("body") or "",
                              "source": article.get("source") or ""})
    return texts


def filled_state(events: Sequence[dict], size: int = WINDOW_ARTICLES, seed: int = SEED,
                 end: datetime | None = None, texts: Sequence[dict] = ()) -> StoriesState:
    """A StoriesState holding `size` articles (`texts`, then articles made of their paragraphs,
    or of the events' when there are none), first seen over the 48 h before `end`."""
    rng = random.Random(seed)
    end = end or datetime(2026, 1, 1, tzinfo=UTC)
    texts = list(texts)[:size]
    paragraphs = [p for e in (texts or events) for p in str(e.get("body") or "").split("\n\n") if p.strip()]
    state = StoriesState()
    for n in range(size):
        model = rng.choice(events)
        if n < len(texts):
            body = texts[n]["body"]
        else:
            body = "\n\n".join(rng.sample(paragraphs, min(len(paragraphs), rng.randint(3, 8))))
        seen = _rfc3339(end - WINDOW + WINDOW * (n / size))
        state.apply({"id": f"window-{n}", "version": 1, "source": f"outlet-{n % 40}", "headline": "",
                     "body": body, "entities": model.get("entities") or [], "quotes": model.get("quotes") or [],
                     "topics": model.get("topics") or []}, seen)
    return state


def stories_cost(events: Sequence[dict], parse_ms: float | None, size: int = WINDOW_ARTICLES,
                 texts: Sequence[dict] = ()) -> dict:
    """ms per article of the stories stage with `size` articles in the window, and its share of
    `parse_ms` (the parse of the same articles, measured by the caller)."""
    if not events:
        return {}
    end = datetime(2026, 1, 1, tzinfo=UTC)
    started = time.perf_counter()
    state = filled_state(events, size, end=end, texts=texts)
    fill_s = time.perf_counter() - started
    seen = _rfc3339(end)
    window_articles = len(state.index)
    rounds = []
    for round_ in range(ROUNDS):  # new ids each round: every round applies new articles
        probes = [{k: v for k, v in e.items() if k != "story"} | {"id": f"probe-{round_}-{e['id']}"} for e in events]
        started = time.perf_counter()
        for event in probes:
            state.apply(event, seen)
        rounds.append((time.perf_counter() - started) * 1000 / len(probes))
    stories_ms = statistics.median(rounds)
    share = stories_ms / parse_ms if parse_ms else None
    return {"window_articles": window_articles, "articles": len(events), "rounds_ms": [round(r, 3) for r in rounds],
            "stories_ms": round(stories_ms, 3), "parse_ms": round(parse_ms, 2) if parse_ms else None,
            "share_of_parse": round(share, 4) if share is not None else None, "fill_s": round(fill_s, 1),
            "real_articles_in_window": min(len(texts), size)}
