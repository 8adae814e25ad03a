"""The stories stage state: additions to the event, replays, and rebuilding from its rows.

The articles here are written for these tests."""

from __future__ import annotations

import json

from streams.stories.state import StoriesState, decorate, utc_time
from test_stories import COPY, DISPATCH, OTHER

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
    _, rows = state.apply(article("a1", "Le Courrier", DISPATCH), "2026-03-01T00:00:00Z")
    persisted(topic, rows)
    tombstones = state.evict_before("2026-03-02T00:00:00Z")
    assert tombstones == [("a:a1", None)]
    persisted(topic, tombstones)
    rebuilt = StoriesState()
    for key, value in topic.items():
        rebuilt.load(key, value)
    added, _ = rebuilt.apply(article("b1", "La Gazette", COPY), "2026-03-02T08:00:00Z")
    assert added["story"]["articles"] == 1


def test_first_seen_times_are_utc_strings():
    assert utc_time("2026-03-02T08:00:00+01:00") == "2026-03-02T07:00:00Z"
    assert utc_time("2026-03-02T07:00:00.250Z") == "2026-03-02T07:00:00.250Z"
    assert utc_time("2026-03-02T07:00:00") is None and utc_time(None) is None
