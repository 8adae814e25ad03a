"""`wirewatch stories`: the latest stories, as the stories stage keeps them on wire.story-state
(a compacted topic, small, so it is read whole), with size, sources, languages and actors."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any, Iterable

from streams.cli.common import EXIT_OK, add_broker_options, positive_seconds, settings_from_args
from streams.config import Settings
from streams.stories.index import Story
from streams.stories.state import STORY, StoriesState


def latest(stories: Iterable[Story], limit: int, min_articles: int = 1) -> list[Story]:
    """The `limit` stories seen most recently with at least `min_articles` articles."""
    kept = [s for s in stories if s.size >= min_articles]
    kept.sort(key=lambda s: (s.last_seen or s.first_seen, s.id), reverse=True)
    return kept[:limit]


def top_actors(story: Story, count: int = 3) -> list[str]:
    return [name for name, _n in sorted(story.actors.items(), key=lambda item: (-item[1], item[0]))[:count]]


def story_line(story: Story) -> str:
    """One line per story: when last seen, size, sources, languages, main actors, headline."""
    actors = ", ".join(top_actors(story)) or "-"
    return (f"{story.last_seen or story.first_seen}  {story.size:>3} articles  "
            f"{len(story.sources):>2} sources  {','.join(story.languages) or '-':<5}  {actors}  | {story.headline}")


def story_record(story: Story) -> dict[str, Any]:
    return {"id": story.id, "first_seen": story.first_seen, "last_seen": story.last_seen,
            "articles": story.size, "sources": story.sources, "languages": story.languages,
            "actors": top_actors(story, 10), "headline": story.headline}


def read_stories(settings: Settings, timeout: float) -> list[Story]:
    """Every story on wire.story-state, read from its beginning to its end."""
    from kafka import KafkaConsumer, TopicPartition

    from streams.runtime import codec
    from streams.runtime.kafka_io import client_options

    topic = settings.topic("story-state")
    consumer = KafkaConsumer(group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
                             **client_options(settings))
    try:
        deadline = time.monotonic() + timeout
        partitions = None
        while not partitions:
            partitions = consumer.partitions_for_topic(topic) if topic in consumer.topics() else None
            if not partitions and time.monotonic() > deadline:
                raise RuntimeError(f"{topic} does not exist: no worker has run the stories stage on this prefix yet")
            if not partitions:
                time.sleep(0.2)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        state = StoriesState()
        while any(consumer.position(tp) < end[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{topic} could not be read to its end within {timeout:.0f} s")
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    key = record.key.decode("utf-8") if record.key is not None else ""
                    if key.startswith(STORY):
                        state.load(key, codec.loads(record.value) if record.value is not None else None)
        return list(state.index.stories.values())
    finally:
        consumer.close()


def cmd_stories(args: argparse.Namespace) -> int:
    stories = latest(read_stories(settings_from_args(args), args.timeout), args.limit, args.min_articles)
    for story in stories:
        print(json.dumps(story_record(story), ensure_ascii=False) if args.json else story_line(story))
    return EXIT_OK


def register_stories(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stories", help="latest stories: size, sources, languages, actors",
                       description="List the stories the stories stage has seen, most recent first: "
                       "articles, sources, languages, main actors and first headline (docs/stories.md).")
    add_broker_options(p)
    p.add_argument("-n", "--limit", type=int, default=20, help="how many stories (default 20)")
    p.add_argument("--min-articles", type=int, default=1, help="only stories with at least N articles (default 1)")
    p.add_argument("--json", action="store_true", help="one JSON object per story")
    p.add_argument("--timeout", type=positive_seconds, default=30.0,
                   help="seconds to wait for the broker and the topic (default 30)")
    p.set_defaults(func=cmd_stories)
