"""The stories stage on a real broker with two workers: copies of one dispatch join one story,
a reprinted quote keeps one id, an English report of the same statement joins the story by the
event join, and a kill -9 of the worker running the stage loses nothing.

The workers run the stories stage alone (no spaCy): the test writes what the topics stage
would, on wire.stories-in. The articles are written for this test (tests/test_stories.py)."""

from __future__ import annotations

import orjson
import pytest
from test_stories import COPY, DISPATCH, OTHER

from streams.contracts import schema_problems as validate
from streams.harness.topics import TopicClient
from streams.harness.workers import child_env, run_cli, start_worker

pytestmark = pytest.mark.integration

MARCHAL = {"name": "Hélène Marchal", "entity_id": "ww:PER:helene marchal"}
SAID = "une décision douloureuse mais nécessaire devant une salle comble de parents inquiets"


SAID_EN = "a painful but necessary decision in front of a packed room of worried parents"
ENGLISH = ("Valbourg's council voted on Monday night to close the municipal swimming pool, too costly to heat since gas "
           "prices rose. Mayor Hélène Marchal called it " + SAID_EN + ". The opposition will appeal.")
# what the entities and topics stages found in the Valbourg reports, French or English
ABOUT_VALBOURG = {"entities": [
    {"id": "ww:PER:helene marchal", "name": "Hélène Marchal", "type": "PER", "aliases": [], "mentions": [],
     "salience": 0.8, "quoted": True},
    {"id": "ww:ORG:conseil communal de valbourg", "name": "Conseil communal de Valbourg", "type": "ORG", "aliases": [],
     "mentions": [], "salience": 0.5, "quoted": False},
    {"id": "ww:LOC:valbourg", "name": "Valbourg", "type": "LOC", "aliases": [], "mentions": [], "salience": 0.7,
     "quoted": False}], "topics": [{"code": "medtop:11000000", "label": "politics and government", "score": 0.6}]}


def topics_output(article_id: str, source: str, body: str, quote: str | None, language: str = "fr",
                  published_at: str = "2026-03-02T08:00:00Z", about: dict | None = None) -> dict:
    """An article as the topics stage writes it to wire.stories-in."""
    quotes = []
    if quote:
        start = body.find(quote) if quote in body else 0
        quotes.append({"text": quote, "start": start, "end": start + len(quote), "speaker": MARCHAL,
                       "cue": "a défendu", "kind": "direct"})
    about = about or {"entities": [], "topics": []}
    return {"id": article_id, "version": 1, "source": source, "language": language, "headline": "Valbourg",
            "body": body, "published_at": published_at, "dedup_key": f"{article_id}:1", "entities": about["entities"],
            "quotes": quotes, "topics": about["topics"], "enriched_at": "2026-03-02T08:00:00.000Z", "timings_ms": {},
            "models": {}}


def replayed_after_the_others(events: list[dict]) -> bool:
    ids = [event["id"] for event in events]
    return "d1" in ids and "a1" in ids[ids.index("d1"):]


def by_id(events: list[dict]) -> dict[str, dict]:
    return {event["id"]: event for event in events}


def test_two_workers_one_story_and_one_quote_id_across_a_kill(broker, tmp_path):
    prefix = f"st{broker.kind}"
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
    first = start_worker(broker, prefix, tmp_path / "a", stages="stories")
    second = start_worker(broker, prefix, tmp_path / "b", stages="stories")
    workers = [first, second]
    client = TopicClient(broker, prefix)
    try:
        client.send(topics_output("a1", "Le Courrier", DISPATCH, SAID, about=ABOUT_VALBOURG), suffix="stories-in")
        (a1,) = client.collect("enriched", 1)
        assert validate("enriched-article", a1) == []
        story, quote = a1["story"], a1["quotes"][0]
        assert story["articles"] == 1 and story["sources"] == ["Le Courrier"]
        assert quote["seen"] == {"articles": 1, "sources": ["Le Courrier"]}

        owner, survivor = (first, second) if first.processed().get("stories") else (second, first)
        assert owner.processed().get("stories") == 1
        owner.kill()  # SIGKILL: the survivor must take the partition and read the state back

        client.send(topics_output("b1", "La Gazette", COPY, SAID.replace("parents inquiets", "parents")), suffix="stories-in")
        client.send(topics_output("c1", "L'Écho", COPY, SAID), suffix="stories-in")
        client.send(topics_output("d1", "Le Courrier", OTHER, None), suffix="stories-in")
        client.send(topics_output("f1", "The Courier", ENGLISH, SAID_EN, language="en",
                                  published_at="2026-03-02T10:30:00Z", about=ABOUT_VALBOURG), suffix="stories-in")
        client.send(topics_output("a1", "Le Courrier", DISPATCH, SAID, about=ABOUT_VALBOURG), suffix="stories-in")  # a replay
        events = client.collect("enriched", 5, timeout=180, worker=survivor)
        while not replayed_after_the_others(events):
            events += client.collect("enriched", 1, timeout=180, worker=survivor)
        # at-least-once: the survivor may first redo a1 if its offset was not committed at the kill
        assert [e["id"] for e in events if e["id"] != "a1"] == ["b1", "c1", "d1", "f1"]  # one partition: in order
        assert all(e == a1 for e in events if e["id"] == "a1")  # a replay gets the event it got first
        got = by_id(events)
        for event in events:
            assert validate("enriched-article", event) == []
        assert got["b1"]["story"] == {"id": story["id"], "first_seen": story["first_seen"], "articles": 2,
                                      "sources": ["Le Courrier", "La Gazette"]}
        assert got["c1"]["story"]["id"] == story["id"] and got["c1"]["story"]["articles"] == 3
        assert got["d1"]["story"]["id"] != story["id"] and got["d1"]["story"]["articles"] == 1
        # no copy of any text, but the same speaker, council, place and topic within hours: the event join
        assert got["f1"]["story"]["id"] == story["id"] and got["f1"]["story"]["articles"] == 4
        assert got["f1"]["quotes"][0]["quote_id"] != quote["quote_id"]  # a translated quote is another statement
        assert got["b1"]["quotes"][0]["quote_id"] == got["c1"]["quotes"][0]["quote_id"] == quote["quote_id"]
        assert got["c1"]["quotes"][0]["seen"]["articles"] == 3
        assert survivor.processed().get("stories") == len(events)

        # the survivor killed too: a new worker, with nothing in memory, carries on the same story
        survivor.kill()
        third = start_worker(broker, prefix, tmp_path / "c", stages="stories")
        workers.append(third)
        client.send(topics_output("e1", "Le Soir", COPY, SAID), suffix="stories-in")
        later = client.collect("enriched", 1, timeout=180, worker=third)
        while later[-1]["id"] != "e1":  # after whatever it redoes of what the survivor had not committed
            later += client.collect("enriched", 1, timeout=180, worker=third)
        for event in later[:-1]:
            assert event == (a1 if event["id"] == "a1" else got[event["id"]])
        e1 = later[-1]
        assert e1["story"]["id"] == story["id"] and e1["story"]["articles"] == 5
        assert e1["story"]["sources"] == ["Le Courrier", "La Gazette", "L'Écho", "The Courier", "Le Soir"]
        assert e1["quotes"][0]["quote_id"] == quote["quote_id"] and e1["quotes"][0]["seen"]["articles"] == 4

        # `wirewatch stories` reads the same state back: the dispatch's story first, 5 articles
        listed = run_cli("stories", "--json", "--broker", broker.url, "--topic-prefix", prefix, env=child_env())
        assert listed.returncode == 0, listed.stderr
        stories = [orjson.loads(line) for line in listed.stdout.splitlines()]
        assert [(s["id"], s["articles"]) for s in stories] == [(story["id"], 5), (got["d1"]["story"]["id"], 1)]
        assert stories[0]["sources"] == e1["story"]["sources"] and stories[0]["languages"] == ["fr", "en"]
    finally:
        client.close()
        for worker in workers:
            worker.stop()
