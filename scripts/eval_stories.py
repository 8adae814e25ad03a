"""Measure story identity on a dispatch set (../shared/data/dispatches-fr by default).

Feeds the raw articles in file order through StoryIndex and compares the pairs that share a
story with the gold `dispatch` ids: recall of the known pairs, and the pairs joined that the
gold does not pair, written out (headlines, containment) so they can be read by hand.

    .venv/bin/python scripts/eval_stories.py [SET_DIR] [--unknown-out FILE]

With --events ENRICHED.jsonl (the set through `wirewatch enrich`: entities, quotes, topics), it
also runs the whole stage (StoriesState: copies, then event joins) with every article at the
same moment, which is the most an undated set can merge, and counts the stories that the event
join merges; --merges-out FILE writes each merge (the article, the one it was joined through,
what they share) for reading by hand.
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

from streams.stories.event_join import aboutness  # noqa: E402
from streams.stories.index import StoryIndex, containment, fingerprint  # noqa: E402
from streams.stories.state import StoriesState  # noqa: E402

DEFAULT_SET = Path(__file__).resolve().parents[2] / "shared" / "data" / "dispatches-fr"


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set_dir", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument("--unknown-out", type=Path, help="write the joined pairs the gold does not pair (JSON Lines)")
    parser.add_argument("--events", type=Path, help="the set's enriched events (JSON Lines): measure the event join too")
    parser.add_argument("--merges-out", type=Path, help="with --events: write every event-join merge (JSON Lines)")
    args = parser.parse_args()
    if args.merges_out and not args.events:
        parser.error("--merges-out needs --events")
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
    if args.events:
        merges = event_joins(_read(args.events), story_of)
        print(f"event join: {len(merges)} articles with no copy joined another story "
              f"(stories {len(by_story)} -> {len(by_story) - len(merges)})")
        if args.merges_out:
            with args.merges_out.open("w", encoding="utf-8") as out:
                for merge in merges:
                    out.write(json.dumps(merge, ensure_ascii=False) + "\n")
    return 0


MOMENT = "2019-01-12T12:00:00Z"  # the set is undated: every article at once, the most it can merge


def event_joins(events: list[dict], copy_story: dict[str, str]) -> list[dict]:
    """Run the stage over the enriched events; each article that would start a story of its own
    (by copies alone) but joins another one by the event join is one merge."""
    state = StoriesState()
    merges = []
    headlines = {e["id"]: e.get("headline") for e in events}
    for event in events:
        about = aboutness(event, when=MOMENT)
        fp = fingerprint(str(event.get("headline") or ""), str(event.get("body") or ""))
        copies = state.index.matches(fp, exclude=event["id"])
        through = [] if copies else state.events.matches(about, exclude=event["id"])
        added, _ = state.apply(event, MOMENT)
        if copies or not through:
            continue
        joined = added["story"]["id"]
        via = next(a for a in through if state.index.entry(a)[1] == joined)  # type: ignore[index]
        other = state.events.about(via)
        merges.append({"article": event["id"], "via": via, "story": joined,
                       "same_copy_story": copy_story.get(event["id"]) == copy_story.get(via),
                       "headline": event.get("headline"), "via_headline": headlines[via],
                       "speakers": sorted(about.speakers & other.speakers), "actors": sorted(about.actors & other.actors),
                       "places": sorted(about.places & other.places),
                       "topic": about.topic if about.topic == other.topic else None})
    return merges


if __name__ == "__main__":
    raise SystemExit(main())
