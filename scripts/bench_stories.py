"""Cost of the stories stage against a spaCy parse, on the shared sets (no broker).

Indexes every article of the shared sets and, up to --window articles, articles made of
paragraphs of those drawn at random (a pessimistic window: every paragraph recurs in several
articles, so bands collide and candidates must be checked); then times fingerprint + index of
each article of dispatches-fr against that index, and the French spaCy parse of the same
articles.

    .venv/bin/python scripts/bench_stories.py [--window 10000] [--parse-sample N]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streams.stories.index import StoryIndex, fingerprint  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=int, default=10_000)
    parser.add_argument("--parse-sample", type=int, default=100)
    args = parser.parse_args()
    window = [json.loads(line) for path in sorted(DATA.glob("*/*.raw.jsonl")) for line in path.open(encoding="utf-8")]
    paragraphs = [p for a in window for p in (a.get("body") or "").split("\n\n") if p.strip()]
    rng = random.Random(20)
    while len(window) < args.window:
        window.append({"source": "mix", "body": "\n\n".join(rng.sample(paragraphs, rng.randint(3, 8)))})
    probe = [json.loads(line) for line in (DATA / "dispatches-fr" / "dispatches-fr.raw.jsonl").open(encoding="utf-8")]
    index = StoryIndex()
    for n, article in enumerate(window):
        index.add(f"w{n}", article.get("source", ""), fingerprint(article.get("headline", ""), article.get("body", "")), f"{n:08d}")
    size = len(index)
    start = time.perf_counter()
    for article in probe:
        index.add("probe-" + article["id"], article.get("source", ""), fingerprint(article.get("headline", ""), article.get("body", "")), "z")
    stories_ms = (time.perf_counter() - start) / len(probe) * 1000

    import spacy
    nlp = spacy.load("fr_core_news_md")
    sample = probe[: args.parse_sample]
    start = time.perf_counter()
    for article in sample:
        nlp(article["body"])
    parse_ms = (time.perf_counter() - start) / len(sample) * 1000
    print(f"window {size} articles; stories {stories_ms:.2f} ms/article; "
          f"spaCy fr_core_news_md parse {parse_ms:.1f} ms/article; ratio {stories_ms / parse_ms:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
