"""Issue #20's alerts through a real broker, two workers and a kill -9: one quote reprinted by
three outlets fires one alert with `once_per: story` (the default of a rule added now) and
`once_per: quote`, three with `once_per: article`; a surge rule fires once when a burst arrives
after hours of steady flow, and a rule on a steady flow never fires. Nothing is lost and
nothing is fired twice, across the kill and a restart.

The workers run the alerts stage alone (no spaCy): the test writes enriched events, as the
stories stage would, on wire.enriched. Time is the articles' published_at (event time), so
eight hours of wire are sent in seconds; see docs/stories.md, "Surge rules"."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from streams.contracts import schema_problems as validate
from streams.harness.topics import TopicClient
from streams.harness.workers import run_cli, start_worker

pytestmark = pytest.mark.integration

RULES = """\
- {id: marchal-story, name: Marchal quoted, actors: [Hélène Marchal], match: quoted}
- {id: marchal-article, name: Marchal quoted (each copy), actors: [Hélène Marchal], match: quoted, once_per: article}
- {id: marchal-quote, name: Marchal's statements, actors: [Hélène Marchal], match: quoted, once_per: quote}
- {id: durand-surge, name: Durand surge, surge: {actor: Paul Durand, window: 1h, baseline: 7d, threshold: 3, min_articles: 5}}
- {id: lemaire-surge, name: Lemaire surge, surge: {actor: Anne Lemaire, window: 1h, baseline: 7d, threshold: 3, min_articles: 5}}
"""
SAID = "une décision douloureuse mais nécessaire devant une salle comble de parents inquiets"
STORY = "st-valbourg-piscine"
QUOTE_ID = "q-marchal-piscine"
START = datetime(2026, 3, 2, tzinfo=UTC)


def person(name: str, quoted: bool = False) -> dict:
    return {"id": f"ww:PER:{name.casefold()}", "name": name, "type": "PER", "aliases": [],
            "mentions": [{"text": name, "start": 0, "end": len(name)}], "salience": 0.7, "quoted": quoted}


def copy_of_the_quote(article_id: str, source: str, articles: int) -> dict:
    """One outlet's copy of the Valbourg dispatch, as the stories stage writes it."""
    body = f"Hélène Marchal a parlé d'{SAID}."
    start = body.index(SAID)
    return {"id": article_id, "version": 1, "source": source, "language": "fr", "headline": "Valbourg ferme sa piscine",
            "body": body, "published_at": "2026-03-02T08:00:00Z", "entities": [person("Hélène Marchal", True)],
            "quotes": [{"text": SAID, "start": start, "end": start + len(SAID), "cue": "a parlé",
                        "speaker": {"name": "Hélène Marchal", "entity_id": "ww:PER:hélène marchal"},
                        "kind": "direct", "quote_id": QUOTE_ID, "seen": {"articles": articles, "sources": [source]}}],
            "topics": [], "story": {"id": STORY, "first_seen": "2026-03-02T08:00:00.000Z", "articles": articles,
                                    "sources": [source]}}


def wire_item(article_id: str, at: datetime, *names: str) -> dict:
    body = " et ".join(names) + " ont été vus à Valbourg."
    return {"id": article_id, "version": 1, "source": "Le Fil", "language": "fr", "headline": article_id, "body": body,
            "published_at": at.isoformat().replace("+00:00", "Z"), "entities": [person(n) for n in names],
            "quotes": [], "topics": []}


STEADY = [wire_item(f"steady-{h}-{i}", START + timedelta(hours=h, minutes=5 + 10 * i), "Paul Durand", "Anne Lemaire")
          for h in range(8) for i in range(6)]  # 6 an hour for 8 hours, both actors: above min_articles
BURST = [wire_item(f"burst-{i}", START + timedelta(hours=8, minutes=i), "Paul Durand") for i in range(20)]


def counted(client: TopicClient, rule_id: str) -> int:
    """Articles a surge rule has counted, from its rows on wire.alert-state (latest per key)."""
    reader = client.reader("alert-state")
    reader.poll(500)
    rows = dict(reader.records)
    return sum(len((value or {}).get("ids") or {}) for key, value in rows.items()
               if key and key.startswith(f"surge|{rule_id}~") and key.count("|") == 2)


def wait_counted(client: TopicClient, rule_id: str, wanted: int, worker) -> None:
    for _ in range(600):
        if counted(client, rule_id) >= wanted:
            return
        assert worker.alive(), worker.log()
    raise AssertionError(f"{rule_id}: {counted(client, rule_id)} articles counted, {wanted} wanted\n{worker.log()}")


def test_alerts_once_per_story_quote_article_and_surges_across_a_kill(broker, tmp_path):
    prefix = f"as{broker.kind}"
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
    first = start_worker(broker, prefix, tmp_path / "a", stages="alerts")
    second = start_worker(broker, prefix, tmp_path / "b", stages="alerts")
    workers = [first, second]
    client = TopicClient(broker, prefix)
    try:
        rules_file = tmp_path / "rules.yaml"
        rules_file.write_text(RULES, encoding="utf-8")
        added = run_cli("rules", "add", str(rules_file), env=first.env)
        assert added.returncode == 0, added.stderr
        listed = run_cli("rules", "list", env=first.env)
        assert "marchal-story: Marchal quoted — quoted Hélène Marchal, once per story" in listed.stdout, listed.stdout
        assert "once per article" in listed.stdout and "once per quote" in listed.stdout
        assert "durand-surge: Durand surge — mentioned, surge of actor Paul Durand: >= 5 articles in 1h" in listed.stdout
        for worker in workers:
            worker.wait_http("/rules", lambda body: len(body["rules"]) == 5)

        client.send(copy_of_the_quote("a1", "Le Courrier", 1), suffix="enriched")
        for item in STEADY[:24]:
            client.send(item, suffix="enriched")
        before = client.collect("alerts", 3, timeout=120)
        assert sorted(a["rule_id"] for a in before) == ["marchal-article", "marchal-quote", "marchal-story"]

        # SIGKILL the worker that decided more of them: the survivor takes its partitions of
        # wire.enriched and wire.alert-scopes and reads wire.alert-state back first
        owner = max(workers, key=lambda w: w.processed().get("alerts", 0))
        survivor = second if owner is first else first
        owner.kill()

        client.send(copy_of_the_quote("b1", "La Gazette", 2), suffix="enriched")
        client.send(copy_of_the_quote("c1", "L'Écho", 3), suffix="enriched")
        client.send(copy_of_the_quote("a1", "Le Courrier", 1), suffix="enriched")  # a replay
        for item in STEADY[24:]:
            client.send(item, suffix="enriched")
        wait_counted(client, "lemaire-surge", len(STEADY), survivor)
        wait_counted(client, "durand-surge", len(STEADY), survivor)
        for item in BURST:  # the burst arrives after eight hours of steady flow
            client.send(item, suffix="enriched")
        after = client.collect("alerts", 3, timeout=180, worker=survivor)  # b1, c1 per article; the surge
        wait_counted(client, "durand-surge", len(STEADY) + len(BURST), survivor)
        after += client.drain("alerts", timeout=5)  # time for a wrongly duplicated alert to show up

        # a restart: the survivor killed too, a new worker carries on with a fourth copy
        survivor.kill()
        third = start_worker(broker, prefix, tmp_path / "c", stages="alerts")
        workers.append(third)
        third.wait_http("/rules", lambda body: len(body["rules"]) == 5)
        client.send(copy_of_the_quote("d1", "Le Soir", 4), suffix="enriched")
        later = client.collect("alerts", 1, timeout=180, worker=third)
        later += client.drain("alerts", timeout=5)

        alerts = before + after + later
        for alert in alerts:
            assert validate("alert", alert) == [], alert
        by_rule = Counter(a["rule_id"] for a in alerts)
        print(f"\n{broker.kind}: alerts by rule {dict(by_rule)}")
        assert by_rule == {"marchal-article": 4, "marchal-story": 1, "marchal-quote": 1, "durand-surge": 1}
        assert len({a["id"] for a in alerts}) == len(alerts)  # no duplicate, not even one with the same id
        assert sorted(a["article_id"] for a in alerts if a["rule_id"] == "marchal-article") == ["a1", "b1", "c1", "d1"]
        (story_alert,) = [a for a in alerts if a["rule_id"] == "marchal-story"]
        assert story_alert["once_per"] == "story" and story_alert["story"] == {"id": STORY, "articles": 1}
        (quote_alert,) = [a for a in alerts if a["rule_id"] == "marchal-quote"]
        assert quote_alert["quote_id"] == QUOTE_ID
        (surge,) = [a for a in alerts if a["rule_id"] == "durand-surge"]
        assert surge["article_id"].startswith("burst-") and surge["once_per"] == "surge"
        assert surge["surge"]["count"] >= 5 and surge["surge"]["z"] >= 3
        assert surge["surge"]["subject"]["actor"] == "Paul Durand"
        assert surge["surge"]["at"].startswith("2026-03-02T08:")  # event time, not the wall clock
        print(f"{broker.kind}: surge {surge['surge']}")
    finally:
        client.close()
        for worker in workers:
            worker.stop()
