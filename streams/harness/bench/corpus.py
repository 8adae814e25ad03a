"""The bench corpus: half French, half English wire-length articles, the same on every run.

French: the shared seed article and articles assembled from benchmarks/french-wire.yaml;
English: PolNeAR articles of wire length from ../shared/data; the shipped samples when the
shared data is absent.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from streams.harness.articles import read_jsonl, sample_articles
from streams.paths import REPO_ROOT

WIRE_MIN_CHARS, WIRE_MAX_CHARS = 1500, 5000


def default_data_dir() -> Path:
    """The shared gold data next to the repository (``../shared/data``), or $WIREWATCH_BENCH_DATA."""
    return Path(os.environ.get("WIREWATCH_BENCH_DATA") or REPO_ROOT.parent / "shared" / "data")


def french_stories_path() -> Path:
    return REPO_ROOT / "benchmarks" / "french-wire.yaml"


def assemble_french(stories: Sequence[dict], count: int, rng: random.Random) -> list[dict]:
    """Distinct wire-length French articles: a story's lead plus an ordered subset of the rest."""
    articles: list[dict] = []
    seen: set[tuple] = set()
    attempts = 0
    while len(articles) < count and stories and attempts < count * 50:
        attempts += 1
        story = stories[len(articles) % len(stories)]
        lead, rest = story["paragraphs"][0], story["paragraphs"][1:]
        keep = min(len(rest), rng.choice((5, 6)))
        chosen = tuple(sorted(rng.sample(range(len(rest)), keep)))
        headline = rng.choice(story["headlines"])
        if (story["id"], chosen, headline) in seen and attempts < count * 40:
            continue
        seen.add((story["id"], chosen, headline))
        articles.append({
            "id": f"bench-fr-{story['id']}-{len(articles):04d}",
            "version": 1,
            "source": story.get("source", "bench"),
            "language": "fr",
            "headline": headline,
            "body": "\n\n".join([lead, *(rest[i] for i in chosen)]),
        })
    return articles


def load_french(count: int, rng: random.Random, data_dir: Path | None) -> list[dict]:
    """French articles: the stories written for the benchmark, plus the shared seed article."""
    articles: list[dict] = []
    seed = data_dir / "seed" / "seed.raw.jsonl" if data_dir else None
    if seed and seed.exists():
        articles += [a for a in read_jsonl(seed) if a.get("language") == "fr"][:1]
    path = french_stories_path()
    if path.exists():
        import yaml

        stories = yaml.safe_load(path.read_text("utf-8"))["stories"]
        articles += assemble_french(stories, count - len(articles), rng)
    if not articles:
        articles = [a for a in sample_articles() if a.get("language") == "fr"]
    return articles[:count]


def load_english(count: int, rng: random.Random, data_dir: Path | None) -> list[dict]:
    """English wire-length articles from the shared PolNeAR set, else the shipped samples."""
    path = data_dir / "polnear-en-train" / "polnear-en-train.raw.jsonl" if data_dir else None
    articles: list[dict] = []
    if path and path.exists():
        articles = [a for a in read_jsonl(path) if WIRE_MIN_CHARS <= len(a.get("body") or "") <= WIRE_MAX_CHARS]
        rng.shuffle(articles)
    if not articles:
        articles = [a for a in sample_articles() if a.get("language") == "en"]
    return articles[:count]


def other_news(corpus: Sequence[dict], count: int, data_dir: Path | None = None) -> list[dict]:
    """Up to `count` articles that are not in `corpus`, half French (dispatches-fr) and half
    English (other PolNeAR articles of wire length): what a worker that has been running for a
    while has seen. Warmed on them, its vocabulary and caches hold the common words of the news
    but not the timed articles' own names and phrases. Empty without the shared data."""
    data_dir = data_dir if data_dir and data_dir.is_dir() else None
    if data_dir is None or count <= 0:
        return []
    taken_ids = {a.get("id") for a in corpus}
    taken_bodies = {a.get("body") for a in corpus}
    sources = (("fr", data_dir / "dispatches-fr" / "dispatches-fr.raw.jsonl"),
               ("en", data_dir / "polnear-en-train" / "polnear-en-train.raw.jsonl"))
    out: list[dict] = []
    for index, (language, path) in enumerate(sources):
        wanted = (count - len(out)) // (len(sources) - index)
        if not path.exists():
            continue
        fresh = [a for a in read_jsonl(path) if a.get("id") not in taken_ids and a.get("body") not in taken_bodies
                 and (a.get("language") or language) == language
                 and WIRE_MIN_CHARS <= len(a.get("body") or "") <= WIRE_MAX_CHARS]
        out += fresh[:wanted]
    return out


def repeat_to(articles: list[dict], count: int) -> list[dict]:
    """Cycle through the articles until there are `count`, giving repeats fresh ids."""
    out: list[dict] = []
    for index in range(count if articles else 0):
        article = dict(articles[index % len(articles)])
        if index >= len(articles):
            article["id"] = f"{article['id']}~{index // len(articles)}"
        out.append(article)
    return out


def build_corpus(count: int, data_dir: Path | None = None, seed: int = 7) -> list[dict]:
    """`count` raw articles, half French and half English, shuffled (fixed seed: same corpus each run)."""
    rng = random.Random(seed)
    data_dir = data_dir if data_dir and data_dir.is_dir() else None
    n_fr = count // 2
    french = repeat_to(load_french(n_fr, rng, data_dir), n_fr)
    english = repeat_to(load_english(count - n_fr, rng, data_dir), count - n_fr)
    corpus = french + english
    rng.shuffle(corpus)
    return corpus


def describe_corpus(corpus: Sequence[dict]) -> dict:
    lengths = [len(a.get("body") or "") for a in corpus]
    return {
        "articles": len(corpus),
        "languages": dict(Counter(a.get("language") or "?" for a in corpus)),
        "mean_chars": round(sum(lengths) / max(1, len(lengths))),
        "min_chars": min(lengths, default=0),
        "max_chars": max(lengths, default=0),
        "total_chars": sum(lengths),
    }
