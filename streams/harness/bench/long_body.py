"""The long-body phase: one body of N MB per language, timed stage by stage beyond its parse.

Issue #17 asks every stage to be linear and a 1 MB body to be enriched in under 2 s beyond its
parse. Each body is the corpus's articles of one language, repeated (paragraphs kept) to the
size; the process is set up as a worker is (models warm, long-lived objects frozen out of the
garbage collector), so the figure is what a worker would take."""

from __future__ import annotations

import time
from collections.abc import Sequence

from streams.harness.bench.baseline import Prepared

POST_PARSE = ("entities", "quotes", "topics", "stories")


def long_text(articles: Sequence[dict], size: int) -> str:
    """The articles' bodies one after the other, as often as needed, cut to `size` bytes of UTF-8
    (the unit of the raw article's body limit) without splitting a character."""
    bodies = [a["body"] for a in articles if a.get("body")]
    if not bodies or size <= 0:
        return ""
    parts: list[str] = []
    length = index = 0
    while length < size:
        parts.append(bodies[index % len(bodies)])
        length += len(parts[-1].encode("utf-8")) + 2
        index += 1
    return "\n\n".join(parts).encode("utf-8")[:size].decode("utf-8", "ignore")


def prepare_long_body(corpus: Sequence[dict], megabytes: float) -> Prepared:
    """Load and warm the Enricher as a worker does; the timed run enriches one long body per language."""
    from streams.config import from_env
    from streams.nlp.pipeline import Enricher
    from streams.runtime.heap import freeze_long_lived

    enricher = Enricher(from_env())
    enricher.warm_up(("annotate", "entities", "quotes", "topics"))
    languages = sorted({a.get("language") for a in corpus if a.get("language")})
    for language in languages:  # every stage's tables loaded before the clock
        sample = next(a for a in corpus if a.get("language") == language)
        list(enricher.enrich_many([dict(sample, id=f"warm-long-{language}")]))
    freeze_long_lived()
    size = int(megabytes * 1_000_000)

    def run() -> dict:
        by_language = {}
        for language in languages:
            text = long_text([a for a in corpus if a.get("language") == language], size)
            by_language[language] = enrich_timed(enricher, {"id": f"long-{language}", "source": "bench",
                                                             "language": language, "body": text})
        beyond = [item["beyond_parse_s"] for item in by_language.values()]
        return {"docs": len(by_language), "megabytes": megabytes, "languages": by_language,
                "beyond_parse_s": max(beyond) if beyond else None}

    return run, None


def enrich_timed(enricher, article: dict) -> dict:
    """Seconds per stage for one article, the parse apart (wall time: the process is alone)."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    event = enricher.normalize(article)
    timings["normalize"] = time.perf_counter() - started
    started = time.perf_counter()
    ((event, doc),) = enricher.annotate([event])
    parse = time.perf_counter() - started
    for stage in POST_PARSE:
        started = time.perf_counter()
        event = getattr(enricher, stage)(event, doc)
        timings[stage] = time.perf_counter() - started
    return {"bytes": len(article["body"].encode("utf-8")), "tokens": len(doc), "parse_s": round(parse, 2),
            "stages_s": {stage: round(seconds, 3) for stage, seconds in timings.items()},
            "beyond_parse_s": round(sum(timings.values()), 3),
            "entities": len(event.get("entities") or []), "quotes": len(event.get("quotes") or [])}
