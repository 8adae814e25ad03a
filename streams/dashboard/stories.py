"""The stories view: the articles of the dashboard's window grouped by the `story` the stories
stage put on each enriched event (docs/stories.md), with what a reader scans a list of stories
by: size, languages, sources, the people and bodies it is about.

Built from the window, like every other page: the dashboard never reads the internal
wire.story-state. A story's size and sources are the stage's own figures (the latest event
of the story carries them, older articles included); languages and actors are counted over its
articles still in the window."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from streams.dashboard.window import ArticleEntry, top_actors

ORDERS = ("latest", "largest")


@dataclass
class StoryActor:
    id: str
    name: str
    type: str
    articles: int = 0
    quoted: bool = False


@dataclass
class StoryRow:
    """One story as the view lists it."""

    id: str
    first_seen: str
    size: int = 0  # articles the stage counted in the story, before the window too
    sources: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    entries: list[ArticleEntry] = field(default_factory=list)  # its articles in the window, newest first
    actors: dict[str, StoryActor] = field(default_factory=dict)

    @property
    def latest(self) -> ArticleEntry:
        return self.entries[0]

    @property
    def headline(self) -> str:
        """The headline of its earliest article in the window (a wire's first take names the event)."""
        for entry in reversed(self.entries):
            headline = entry.article.get("headline")
            if isinstance(headline, str) and headline:
                return headline
        return self.latest.id

    def top_actors(self, limit: int = 4) -> list[StoryActor]:
        ranked = sorted(self.actors.values(), key=lambda a: (-a.articles, not a.quoted, a.name.casefold()))
        return ranked[:limit]


def story_of(article: Mapping[str, Any]) -> Mapping[str, Any] | None:
    story = article.get("story")
    return story if isinstance(story, Mapping) and isinstance(story.get("id"), str) and story["id"] else None


def _add(row: StoryRow, entry: ArticleEntry, story: Mapping[str, Any]) -> None:
    article = entry.article
    row.entries.append(entry)
    articles = story.get("articles")
    if isinstance(articles, int) and not isinstance(articles, bool):
        row.size = max(row.size, articles)
    for source in [*(s for s in story.get("sources") or [] if isinstance(s, str)), article.get("source")]:
        if isinstance(source, str) and source and source not in row.sources:
            row.sources.append(source)
    language = article.get("language")
    if isinstance(language, str) and language and language not in row.languages:
        row.languages.append(language)
    for entity in top_actors(article, limit=4):
        actor = row.actors.setdefault(entity["id"], StoryActor(entity["id"], entity["name"], str(entity.get("type") or "")))
        actor.articles += 1
        actor.quoted = actor.quoted or bool(entity.get("quoted"))


def group_stories(entries: Iterable[ArticleEntry], order: str = "latest", limit: int = 50) -> list[StoryRow]:
    """The stories of ``entries`` (newest first), most recently updated first, or largest first;
    articles without a story (from before the stories stage) are left out."""
    rows: dict[str, StoryRow] = {}
    for entry in entries:
        story = story_of(entry.article)
        if story is None:
            continue
        row = rows.get(story["id"])
        if row is None:
            row = rows[story["id"]] = StoryRow(story["id"], str(story.get("first_seen") or ""))
        _add(row, entry, story)
    ranked = list(rows.values())  # newest update first, as the entries came
    if order == "largest":
        ranked.sort(key=lambda r: (-r.size, -len(r.languages), -r.latest.received_ms))
    for row in ranked:
        row.size = max(row.size, len(row.entries))
    return ranked[:limit]
