"""`wirewatch enrich` runs the stories stage too: copies from two outlets get one story and the
reprinted quote one id, on events valid against the schema. Articles written for this test."""

from __future__ import annotations

from test_stories import COPY, DISPATCH, OTHER

from streams.config import Settings
from streams.contracts import schema_problems as validate
from streams.nlp.pipeline import Enricher


def test_enrich_puts_copies_in_one_story_with_one_quote_id():
    raw = [
        {"id": "e-a1", "source": "Le Courrier", "language": "fr", "headline": "Valbourg ferme sa piscine", "body": DISPATCH,
         "published_at": "2026-03-02T08:00:00+01:00"},
        {"id": "e-b1", "source": "La Gazette", "language": "fr", "headline": "La piscine, c'est fini", "body": COPY,
         "published_at": "2026-03-02T08:05:00+01:00"},
        {"id": "e-c1", "source": "Le Courrier", "language": "fr", "headline": "Jazz à Montclair", "body": OTHER},
    ]
    out = {event["id"]: event for kind, event in Enricher(Settings()).enrich_many(raw) if kind == "enriched"}
    assert len(out) == 3
    for event in out.values():
        assert validate("enriched-article", event) == []
    a1, b1, c1 = out["e-a1"], out["e-b1"], out["e-c1"]
    assert b1["story"] == {"id": a1["story"]["id"], "first_seen": "2026-03-02T07:00:00Z", "articles": 2,
                           "sources": ["Le Courrier", "La Gazette"]}
    assert c1["story"]["id"] != a1["story"]["id"]
    said = {q["quote_id"] for q in a1["quotes"]} & {q["quote_id"] for q in b1["quotes"]}
    assert said, (a1["quotes"], b1["quotes"])  # « douloureuse mais nécessaire », reprinted
    assert "stories" in b1["timings_ms"]


NATO_FR = {"id": "x-fr", "source": "Le Courrier", "language": "fr", "headline": "L'OTAN appelle ses membres à dépenser plus",
           "published_at": "2026-04-14T09:10:00+02:00",
           "body": "Le secrétaire général de l'OTAN, Jens Stoltenberg, a appelé mardi à Bruxelles les pays membres à augmenter "
                   "leurs dépenses militaires.\n\n« Nous devons investir davantage dans notre défense commune, et nous devons le "
                   "faire maintenant », a déclaré Jens Stoltenberg lors d'une conférence de presse au siège de l'Alliance.\n\n"
                   "Les ministres de la Défense des trente pays membres se réunissent mercredi et jeudi à Bruxelles."}
NATO_EN = {"id": "x-en", "source": "The Courier", "language": "en", "headline": "NATO chief urges allies to spend more",
           "published_at": "2026-04-14T08:30:00Z",
           "body": "NATO Secretary General Jens Stoltenberg on Tuesday urged member states in Brussels to raise their military "
                   "spending.\n\n\"We must invest more in our common defence, and we must do it now,\" Jens Stoltenberg told a "
                   "news conference at the alliance's headquarters.\n\nDefence ministers of the thirty member states meet in "
                   "Brussels on Wednesday and Thursday."}
# the same speaker a week later, in another place, on another subject
OSLO = {"id": "x-oslo", "source": "The Courier", "language": "en", "headline": "Stoltenberg opens a ski race in Oslo",
        "published_at": "2026-04-21T10:00:00Z",
        "body": "Jens Stoltenberg on Tuesday opened a cross-country ski race in Oslo, where he was the mayor's guest of honour."
                "\n\n\"Skiing is the heart of Norway, and I am proud to be here,\" Jens Stoltenberg said at the start line.\n\n"
                "More than two thousand skiers took part in the race."}
# the same speaker, place and subject a week later, in other words: another event
NATO_EN_LATER = {"id": "x-en-later", "source": "The Courier", "language": "en", "headline": "Stoltenberg warns allies again",
                 "published_at": "2026-04-21T08:30:00Z",
                 "body": "Jens Stoltenberg warned NATO ministers in Brussels on Tuesday that budgets were still too low.\n\n"
                         "\"Too many allies are still below the target we agreed together,\" Jens Stoltenberg said after the "
                         "meeting.\n\nThe ministers will report on their plans in June."}


def test_french_and_english_reports_of_one_statement_join_one_story():
    out = {event["id"]: event for kind, event in
           Enricher(Settings()).enrich_many([NATO_FR, NATO_EN, OSLO, NATO_EN_LATER]) if kind == "enriched"}
    assert len(out) == 4
    fr, en, oslo, later = out["x-fr"], out["x-en"], out["x-oslo"], out["x-en-later"]
    assert en["story"] == {"id": fr["story"]["id"], "first_seen": "2026-04-14T07:10:00Z", "articles": 2,
                           "sources": ["Le Courrier", "The Courier"]}
    assert oslo["story"]["id"] != fr["story"]["id"] and oslo["story"]["articles"] == 1
    assert later["story"]["id"] not in (fr["story"]["id"], oslo["story"]["id"]) and later["story"]["articles"] == 1
    for event in out.values():
        assert validate("enriched-article", event) == []
