"""`wirewatch stories`: which stories it lists and how (the broker side is in
tests/test_stories_integration.py). Articles written for these tests."""

from __future__ import annotations

from test_stories import COPY, DISPATCH, OTHER

from streams.cli.stories import latest, story_line, story_record
from streams.stories.state import StoriesState

MARCHAL = {"id": "ww:PER:helene marchal", "name": "Hélène Marchal", "type": "PER", "aliases": [], "mentions": [],
           "salience": 0.7, "quoted": True}
PASSING = {"id": "Q90", "name": "Paris", "type": "LOC", "aliases": [], "mentions": [], "salience": 0.9, "quoted": False}


def state_with_two_stories() -> StoriesState:
    state = StoriesState()
    for article_id, source, body, language, when in [
        ("a1", "Le Courrier", DISPATCH, "fr", "2026-03-02T08:00:00Z"),
        ("c1", "Le Courrier", OTHER, "fr", "2026-03-02T09:00:00Z"),
        ("b1", "The Gazette", COPY, "en", "2026-03-02T10:00:00Z"),
    ]:
        state.apply({"id": article_id, "source": source, "language": language, "headline": f"head {article_id}",
                     "body": body, "entities": [MARCHAL, PASSING] if article_id != "c1" else []}, when)
    return state


def test_latest_first_with_size_languages_and_actors():
    stories = latest(state_with_two_stories().index.stories.values(), limit=10)
    assert [len(s.articles) for s in stories] == [2, 1]  # the pool story got b1 at 10:00
    pool = story_record(stories[0])
    assert pool["headline"] == "head a1" and pool["last_seen"] == "2026-03-02T10:00:00Z"
    assert pool["languages"] == ["fr", "en"] and pool["sources"] == ["Le Courrier", "The Gazette"]
    assert pool["actors"] == ["Hélène Marchal"]  # people and bodies only, counted per article
    assert "  2 articles" in story_line(stories[0]) and story_line(stories[0]).endswith("| head a1")


def test_limit_and_min_articles():
    stories = state_with_two_stories().index.stories.values()
    assert len(latest(stories, limit=1)) == 1
    assert [len(s.articles) for s in latest(stories, limit=10, min_articles=2)] == [2]


def test_a_new_version_does_not_count_its_actors_twice():
    state = StoriesState()
    event = {"id": "a1", "source": "X", "language": "fr", "headline": "h", "body": DISPATCH, "entities": [MARCHAL]}
    state.apply(event, "t1")
    state.apply(dict(event, version=2), "t2")
    (story,) = state.index.stories.values()
    assert story.actors == {"Hélène Marchal": 1} and story.last_seen == "t2"
