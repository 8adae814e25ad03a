"""The stories stage state: additions to the event, replays, and rebuilding from its rows.

The articles here are written for these tests."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

from test_stories import COPY, DISPATCH, OTHER, SAME_TOPIC

from streams.runtime.stories import WINDOW
from streams.stories.state import StoriesState, decorate, to_utc, utc_time

MARCHAL = {"name": "Hélène Marchal", "entity_id": "ww:PER:helene marchal"}
SAID = "une décision douloureuse mais nécessaire pour les finances de la commune"


def article(article_id: str, source: str, body: str, version: int = 1, quotes: tuple[str, ...] = ()) -> dict:
    return {"id": article_id, "version": version, "source": source, "language": "fr", "headline": "",
            "body": body, "quotes": [{"text": q, "start": 0, "end": len(q), "speaker": MARCHAL, "cue": "a dit",
                                      "kind": "direct"} for q in quotes]}


def persisted(rows_so_far: dict, rows: list) -> None:
    """What a compacted topic keeps: the last value of each key, in first-write order."""
    for key, value in rows:
        rows_so_far.pop(key, None)
        rows_so_far[key] = value


def test_copies_share_a_story_and_reprinted_quotes_one_id():
    state = StoriesState()
    a, _ = state.apply(article("a1", "Le Courrier", DISPATCH, quotes=(SAID,)), "2026-03-02T08:00:00Z")
    b, _ = state.apply(article("b1", "La Gazette", COPY, quotes=(SAID.replace("mais", "mais bien"),)), "2026-03-02T08:05:00Z")
    c, _ = state.apply(article("c1", "Le Courrier", OTHER), "2026-03-02T09:00:00Z")
    assert b["story"] == {"id": a["story"]["id"], "first_seen": "2026-03-02T08:00:00Z", "articles": 2,
                          "sources": ["Le Courrier", "La Gazette"]}
    assert c["story"]["id"] != a["story"]["id"]
    assert b["quotes"][0]["quote_id"] == a["quotes"][0]["quote_id"]
    assert b["quotes"][0]["seen"] == {"articles": 2, "sources": ["Le Courrier", "La Gazette"]}
    event = decorate(article("b1", "La Gazette", COPY, quotes=(SAID,)), b)
    assert event["story"]["articles"] == 2 and event["quotes"][0]["quote_id"] == a["quotes"][0]["quote_id"]


def test_a_replay_gets_the_same_additions_and_writes_nothing():
    state = StoriesState()
    first, rows = state.apply(article("a1", "Le Courrier", DISPATCH, quotes=(SAID,)), "t1")
    state.apply(article("b1", "La Gazette", COPY, quotes=(SAID,)), "t2")
    again, again_rows = state.apply(article("a1", "Le Courrier", DISPATCH, quotes=(SAID,)), "t9")
    assert again == first and first["story"]["articles"] == 1 and again_rows == [] and rows


def test_a_new_version_keeps_its_story_and_is_counted_once():
    state = StoriesState()
    first, _ = state.apply(article("a1", "Le Courrier", DISPATCH), "t1")
    second, rows = state.apply(article("a1", "Le Courrier", COPY, version=2), "t2")
    assert second["story"]["id"] == first["story"]["id"] and second["story"]["articles"] == 1 and rows


def test_a_worker_that_takes_over_rebuilds_the_same_state_from_the_rows():
    live, topic = StoriesState(), {}
    for n, (aid, source, body) in enumerate([("a1", "Le Courrier", DISPATCH), ("c1", "Le Courrier", OTHER)]):
        _, rows = live.apply(article(aid, source, body, quotes=(SAID,)), f"t{n}")
        persisted(topic, rows)
    rebuilt = StoriesState()
    for key, value in topic.items():
        rebuilt.load(key, json.loads(json.dumps(value)))  # through JSON, as on the topic
    nxt = article("b1", "La Gazette", COPY, quotes=(SAID,))
    assert rebuilt.apply(nxt, "t5") == live.apply(nxt, "t5")
    replay = article("a1", "Le Courrier", DISPATCH, quotes=(SAID,))
    assert rebuilt.apply(replay, "t6") == live.apply(replay, "t6")


def test_eviction_writes_tombstones_that_rebuild_without_the_article():
    state, topic = StoriesState(), {}
    first, rows = state.apply(article("a1", "Le Courrier", DISPATCH, quotes=(SAID,)), "2026-03-01T00:00:00Z")
    persisted(topic, rows)
    tombstones = state.evict_before("2026-03-02T00:00:00Z")
    story_key, quote_key = "s:" + first["story"]["id"], "q:" + first["quotes"][0]["quote_id"]
    assert sorted(tombstones) == sorted([("a:a1", None), (story_key, None), (quote_key, None)])
    persisted(topic, tombstones)
    assert {key for key, value in topic.items() if value is not None} == set()
    rebuilt = StoriesState()
    for key, value in topic.items():
        rebuilt.load(key, value)
    assert len(rebuilt.index) == 0 and rebuilt.index.stories == {} and rebuilt.quotes.records == {}
    added, _ = rebuilt.apply(article("b1", "La Gazette", COPY), "2026-03-02T08:00:00Z")
    assert added["story"]["articles"] == 1 and added["story"]["id"] != first["story"]["id"]


def test_a_story_seen_within_the_window_is_kept_and_its_old_articles_go():
    state = StoriesState()
    state.apply(article("a1", "Le Courrier", DISPATCH, quotes=(SAID,)), "2026-03-01T00:00:00Z")
    kept, _ = state.apply(article("b1", "La Gazette", COPY, quotes=(SAID,)), "2026-03-02T12:00:00Z")
    tombstones = state.evict_before("2026-03-02T00:00:00Z")
    story_key = "s:" + kept["story"]["id"]
    assert [key for key, _ in tombstones] == ["a:a1", story_key]  # the story and the quote were seen since
    assert tombstones[1][1]["articles"] == ["b1"] and tombstones[1][1]["earlier"] == 1
    assert state.index.stories[kept["story"]["id"]].size == 2 and len(state.quotes.records) == 1


def dispatch_text(seed: int) -> str:
    """A dispatch of its own: words drawn from the test articles, in an order no other seed gives."""
    words = f"{DISPATCH} {OTHER} {SAME_TOPIC}".split()
    return " ".join(random.Random(seed).choices(words, k=120))


def test_the_state_stays_bounded_on_a_wire_that_runs_for_days():
    """Each hour a dispatch printed twice and an article of its own, for eight days, evicted as
    the stage does: the live rows of the compacted topic (and the memory) hold about two days."""
    state, topic = StoriesState(), {}
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for hour in range(8 * 24):
        for n, text in enumerate([dispatch_text(2 * hour)] * 2 + [dispatch_text(2 * hour + 1)]):
            when = to_utc(start + timedelta(hours=hour, minutes=10 * n))
            _, rows = state.apply(article(f"h{hour}-{n}", f"source {n}", text, quotes=(f"{SAID} {hour} {n // 2}",)), when)
            persisted(topic, rows)
        persisted(topic, state.evict_window(WINDOW, start + timedelta(days=60)))
    live = [key for key, value in topic.items() if value is not None]
    per_kind = {kind: sum(key.startswith(kind) for key in live) for kind in ("a:", "s:", "q:")}
    assert 3 * 48 <= per_kind["a:"] <= 3 * 49 and per_kind["s:"] <= 2 * 49 and per_kind["q:"] <= 2 * 49, per_kind
    assert len(state.index) == per_kind["a:"] and len(state.index.stories) == per_kind["s:"]
    assert len(state.quotes.records) == per_kind["q:"] and len(state.events) == per_kind["a:"]
    assert sum(value is None for value in topic.values()) > 2 * len(live)  # tombstones, until compaction drops them


def test_a_story_that_runs_for_days_counts_its_old_articles_and_lists_only_the_window():
    state, topic = StoriesState(), {}
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for hour in range(0, 6 * 24, 4):
        _, rows = state.apply(article(f"r{hour}", "Le Courrier", DISPATCH), to_utc(start + timedelta(hours=hour)))
        persisted(topic, rows)
        persisted(topic, state.evict_window(WINDOW, start + timedelta(days=60)))
    (story,) = state.index.stories.values()
    assert story.size == 36 and len(story.articles) <= 13
    rebuilt = StoriesState()
    for key, value in topic.items():
        rebuilt.load(key, json.loads(json.dumps(value)))
    nxt = article("last", "La Gazette", COPY)
    when = to_utc(start + timedelta(days=6))
    assert rebuilt.apply(nxt, when) == state.apply(nxt, when)
    assert state.index.stories[story.id].as_event()["articles"] == 37


def test_the_window_follows_the_stream_not_the_wall_clock():
    """A replay of last month's wire keeps last month's window; an article dated in the future
    does not evict the present."""
    state = StoriesState()
    state.apply(article("a1", "Le Courrier", DISPATCH), "2026-03-01T00:00:00Z")
    assert state.evict_window(WINDOW, datetime(2026, 6, 1, tzinfo=UTC)) == []
    state.apply(article("c1", "Le Courrier", OTHER), "2030-01-01T00:00:00Z")
    assert state.evict_window(WINDOW, datetime(2026, 3, 2, tzinfo=UTC)) == []
    assert next(key for key, _ in state.evict_window(WINDOW, datetime(2026, 3, 4, tzinfo=UTC))) == "a:a1"


def test_first_seen_times_are_utc_strings():
    assert utc_time("2026-03-02T08:00:00+01:00") == "2026-03-02T07:00:00Z"
    assert utc_time("2026-03-02T07:00:00.250Z") == "2026-03-02T07:00:00.250Z"
    assert utc_time("2026-03-02T07:00:00") is None and utc_time(None) is None
