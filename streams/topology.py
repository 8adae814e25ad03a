"""The one declaration of the pipeline's stages and topics.

The Faust app, topic creation, ``wirewatch enrich``, the benchmark, the fault scenarios and the
README test all read this module, so a stage or topic is added or renamed here and nowhere else.
Topic names are ``<prefix>.<suffix>``; the prefix is configurable (default ``wire``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Topic:
    suffix: str
    description: str
    key: str = "article id"
    compacted: bool = False
    internal: bool = False
    partitions: Optional[int] = None  # None: the configured partition count


@dataclass(frozen=True)
class Stage:
    name: str
    source: str  # the topic suffix it reads
    target: Optional[str]  # the topic suffix it writes (None: it writes outside Kafka)
    enriches: bool  # part of the article's enrichment chain (and of ``wirewatch enrich``)


TOPICS: tuple[Topic, ...] = (
    Topic("raw", "raw articles (schemas/raw-article.json)"),
    Topic("normalized", "validated, cleaned text, language, dedup key id:version"),
    Topic("annotated", "+ the spaCy parse (a DocBin, base64)", internal=True),
    Topic("entities", "+ entities"),
    Topic("quotes", "+ quotes, speakers linked to entities"),
    # one partition: story assignment needs every article of the window in one place, in order
    Topic("stories-in", "+ topics, to the one stories sequencer", internal=True, partitions=1),
    Topic("enriched", "+ story and quote ids: the public event (schemas/enriched-article.json)"),
    Topic("alerts", "alerts (schemas/alert.json)"),
    # re-keyed so that one (rule, story), (rule, quote) or surge rule is decided on one partition
    Topic("alert-scopes", "matches of once_per story/quote rules and articles counted by surge rules",
          key="rule id and scope", internal=True),
    Topic("rules", "alert rules (schemas/rule.json)", key="rule id", compacted=True),
    Topic("deadletter", "what could not be processed, with the reason (schemas/deadletter.json)",
          key="as received"),
    Topic("alert-state", "which (rule, article) already fired, rule cool-downs", key="state key",
          compacted=True, internal=True),
    Topic("story-state", "the stories stage's state: articles in the window, stories, quotes",
          key="state key", compacted=True, internal=True, partitions=1),
)

STAGES: tuple[Stage, ...] = (
    Stage("normalize", "raw", "normalized", enriches=True),
    Stage("annotate", "normalized", "annotated", enriches=True),
    Stage("entities", "annotated", "entities", enriches=True),
    Stage("quotes", "entities", "quotes", enriches=True),
    Stage("topics", "quotes", "stories-in", enriches=True),
    Stage("stories", "stories-in", "enriched", enriches=True),  # docs/stories.md
    Stage("alerts", "enriched", "alerts", enriches=False),
    Stage("deliver", "alerts", None, enriches=False),  # signed webhooks
)

STAGE_NAMES: tuple[str, ...] = tuple(stage.name for stage in STAGES)
ENRICH_STAGES: tuple[Stage, ...] = tuple(stage for stage in STAGES if stage.enriches)
ENRICH_STAGE_NAMES: tuple[str, ...] = tuple(stage.name for stage in ENRICH_STAGES)
# The stages that run on a parsed Doc, in order (the chain after normalize and annotate).
POST_PARSE_STAGE_NAMES: tuple[str, ...] = ENRICH_STAGE_NAMES[2:]
# Topics an article passes through after wire.raw, in order, ending with the public event.
HOP_TOPICS: tuple[str, ...] = tuple(stage.target for stage in ENRICH_STAGES if stage.target)
ALL_TOPIC_SUFFIXES: tuple[str, ...] = tuple(topic.suffix for topic in TOPICS)
COMPACTED: frozenset[str] = frozenset(topic.suffix for topic in TOPICS if topic.compacted)
FIXED_PARTITIONS: dict[str, int] = {topic.suffix: topic.partitions for topic in TOPICS if topic.partitions}
STAGE_BY_NAME: dict[str, Stage] = {stage.name: stage for stage in STAGES}


def stage_topics(name: str) -> tuple[str, Optional[str]]:
    """(input suffix, output suffix) of a stage."""
    stage = STAGE_BY_NAME[name]
    return stage.source, stage.target
