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
