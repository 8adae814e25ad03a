"""The dashboard's stories view: the window's articles grouped by the `story` on each enriched
event, rendered by the aiohttp app without a broker. Articles written for this test."""

from __future__ import annotations

import asyncio
from html import unescape

from test_dashboard import dashboard_with, enriched, fetch

from streams.dashboard.stories import group_stories


def in_story(article: dict, story_id: str, articles: int, sources: list[str]) -> dict:
    return dict(article, story={"id": story_id, "first_seen": "2026-04-14T07:10:00Z", "articles": articles,
                                "sources": sources})


def three_stories() -> list[dict]:
    return [
        in_story(enriched("en1"), "st-talks", 1, ["Test Wire"]),
        in_story(enriched("solo", headline="Harbour reopens after the storm", source="Coast News"), "st-harbour", 1,
                 ["Coast News"]),
        in_story(enriched("fr1", language="fr", source="Agence Test", headline="L’OTAN appelle à la patience"),
                 "st-talks", 2, ["Test Wire", "Agence Test"]),
        # a story whose first articles left the window: the stage's count still says 4
        in_story(enriched("late", headline="Fourth report on the talks", source="Wire Three"), "st-old", 4,
                 ["A", "B", "C", "Wire Three"]),
        enriched("before"),  # enriched before the stories stage existed: no story
    ]


def test_stories_group_the_window_by_story_with_size_languages_sources_and_actors():
    dash = dashboard_with(*three_stories())
    latest = group_stories(dash.window.entries())
    assert [s.id for s in latest] == ["st-old", "st-talks", "st-harbour"]  # most recently updated first
    talks = latest[1]
    assert talks.size == 2 and talks.languages == ["fr", "en"] and talks.sources == ["Test Wire", "Agence Test"]
    assert talks.headline == "Minister warns of long talks"  # its first article in the window
    assert [e.id for e in talks.entries] == ["fr1", "en1"]
    assert [(a.name, a.articles, a.quoted) for a in talks.top_actors()] == [("Anna Berg", 2, True), ("NATO", 2, False)]
    largest = group_stories(dash.window.entries(), "largest")
    assert [(s.id, s.size) for s in largest] == [("st-old", 4), ("st-talks", 2), ("st-harbour", 1)]


def test_the_stories_page_lists_them_escaped_and_follows_live():
    hostile = in_story(enriched("x1", headline="Talks <script>window.__xss=1</script>", source="<b>Wire</b>"),
                       "st-x", 1, ["<b>Wire</b>"])
    dash = dashboard_with(*three_stories(), hostile)
    (page, largest, empty) = asyncio.run(fetch(dash, ("GET", "/stories", None), ("GET", "/stories?order=largest", None),
                                               ("GET", "/stories?order=nonsense", None)))
    assert page[0] == largest[0] == empty[0] == 200
    html = page[1]
    assert "<script>window" not in html and "<b>Wire" not in html
    assert "Talks &lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    assert 'data-story="st-talks"' in html and "/events?kinds=stories-latest" in html
    text = unescape(html)
    assert "2 in the window" in text and "Test Wire · Agence Test" in text
    assert largest[1].index('data-story="st-old"') < largest[1].index('data-story="st-talks"')
    assert "/events?kinds=stories-largest" in largest[1] and "/events?kinds=stories-latest" in empty[1]
    assert 'href="/stories" aria-current="page"' in html  # in the navigation


def test_no_story_yet_says_where_stories_come_from():
    (page,) = asyncio.run(fetch(dashboard_with(enriched("before")), ("GET", "/stories", None)))
    assert "No story in the last 500 articles yet" in page[1]
