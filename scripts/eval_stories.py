"""Measure story identity on a dispatch set (../shared/data/dispatches-fr by default).

Feeds the raw articles in file order through StoryIndex and compares the pairs that share a
story with the gold `dispatch` ids: recall of the known pairs, and the pairs joined that the
gold does not pair, written out (headlines, containment) so they can be read by hand.

    .venv/bin/python scripts/eval_stories.py [SET_DIR] [--unknown-out FILE]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streams.stories.index import StoryIndex, containment, fingerprint  # noqa: E402

DEFAULT_SET = Path(__file__).resolve().parents[2] / "shared" / "data" / "dispatches-fr"


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set_dir", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument("--unknown-out", type=Path, help="write the joined pairs the gold does not pair (JSON Lines)")
    args = parser.parse_args()
    name = args.set_dir.name
    raw = _read(args.set_dir / f"{name}.raw.jsonl")
    gold = {g["id"]: g.get("dispatch") for g in _read(args.set_dir / f"{name}.gold.jsonl")}

    index = StoryIndex()
    fps = {}
    story_of: dict[str, str] = {}
    start = time.perf_counter()
    for n, article in enumerate(raw):
        fp = fingerprint(article.get("headline", ""), article.get("body", ""))
        fps[article["id"]] = fp
        story, _ = index.add(article["id"], article.get("source", ""), fp, seen=f"{n:08d}")
        story_of[article["id"]] = story.id
    per_article_ms = (time.perf_counter() - start) / len(raw) * 1000

    by_gold: dict[str, list[str]] = defaultdict(list)
    for article_id, dispatch in gold.items():
        by_gold[dispatch].append(article_id)
    gold_pairs = {frozenset(p) for ids in by_gold.values() for p in itertools.combinations(ids, 2)}
    by_story: dict[str, list[str]] = defaultdict(list)
    for article_id, story_id in story_of.items():
        by_story[story_id].append(article_id)
    joined = {frozenset(p) for ids in by_story.values() for p in itertools.combinations(ids, 2)}

    found = gold_pairs & joined
    unknown = sorted(joined - gold_pairs, key=sorted)
    heads = {a["id"]: a.get("headline", "") for a in raw}
    print(f"articles {len(raw)}  stories {len(by_story)}  largest {max(len(v) for v in by_story.values())}")
    print(f"known pairs {len(gold_pairs)}  joined {len(found)}  recall {len(found) / len(gold_pairs):.3f}")
    print(f"other pairs joined {len(unknown)}")
    print(f"fingerprint + index per article: {per_article_ms:.2f} ms")
    for pair in sorted(gold_pairs - joined, key=sorted):
        a, b = sorted(pair)
        share, shared, cover = containment(fps[a].shingles, fps[b].shingles)
        print(f"  missed {a} {b} containment {share:.2f} shared {shared}")
    if args.unknown_out:
        with args.unknown_out.open("w", encoding="utf-8") as out:
            for pair in unknown:
                a, b = sorted(pair)
                share, shared, cover = containment(fps[a].shingles, fps[b].shingles)
                out.write(json.dumps({"a": a, "b": b, "containment": round(share, 3), "shared": shared, "cover": round(cover, 3),
                                      "sizes": [len(fps[a].shingles), len(fps[b].shingles)],
                                      "headline_a": heads[a], "headline_b": heads[b]}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
