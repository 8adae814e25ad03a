"""The README's topology (diagram and topic table) and the code's one declaration agree."""

from __future__ import annotations

import re
from pathlib import Path

from streams.runtime.kafka_io import ALL_TOPIC_SUFFIXES as CREATED_TOPICS
from streams.topology import (
    ENRICH_STAGES,
    HOP_TOPICS,
    POST_PARSE_STAGE_NAMES,
    STAGE_NAMES,
    STAGES,
    TOPICS,
    stage_topics,
)

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else None]


def test_readme_topic_table_lists_every_declared_topic_in_order():
    rows = re.findall(r"^\| `wire\.([a-z-]+)` \|[^|]*\| ([^|]+) \|$", _section("Topology"), re.M)
    assert [suffix for suffix, _key in rows] == [topic.suffix for topic in TOPICS]
    assert [key.strip() for _suffix, key in rows] == [topic.key for topic in TOPICS]


def test_readme_diagram_shows_every_stage_between_its_topics():
    diagram = re.search(r"```\n(.*?)```", _section("Topology"), re.S).group(1)
    for stage in STAGES:
        assert stage.name in diagram, stage.name
        assert f"wire.{stage.source}" in diagram
        if stage.target:
            assert f"wire.{stage.target}" in diagram
    # the enrichment chain reads left to right on the first line and right to left on the last
    first, last = diagram.splitlines()[1], diagram.splitlines()[-3]
    assert first.index("normalize") < first.index("annotate")
    assert last.index("topics") < last.index("quotes")


def test_stage_chain_is_connected_and_ends_at_the_public_event():
    for upstream, downstream in zip(STAGES, STAGES[1:]):
        assert upstream.target == downstream.source
    assert HOP_TOPICS[-1] == "enriched"
    assert [s.name for s in ENRICH_STAGES][2:] == list(POST_PARSE_STAGE_NAMES) == ["entities", "quotes", "topics",
                                                                                   "stories"]
    assert stage_topics("quotes") == ("entities", "quotes")
    assert len(set(STAGE_NAMES)) == len(STAGE_NAMES)


def test_topic_creation_covers_every_topic_a_stage_reads_or_writes():
    used = {s.source for s in STAGES} | {s.target for s in STAGES if s.target} | {"rules", "deadletter"}
    assert used <= set(CREATED_TOPICS)
    compacted = {t.suffix for t in TOPICS if t.compacted}
    assert compacted == {"rules", "alert-state", "story-state"}
