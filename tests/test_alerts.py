"""Alert matching, alert events and the dedup / cool-down state machine (streams.alerts.matching)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Optional

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.alerts.matching import (
    ArticleView,
    apply,
    build_alert,
    cooldown_key,
    decide,
    dedup_key,
    evidence_fingerprint,
    match_rule,
)
from streams.alerts.rules import Rule, compile_rule, normalize_name
from streams.timestamps import format_rfc3339, to_epoch

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def schema_validator(name: str):
    """A draft 2020-12 validator for schemas/NAME.json, or None while the file does not exist."""
    path = SCHEMAS / f"{name}.json"
    if not path.exists():
        return None
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))


# Stand-in for streams.aliases.resolve_actor: NATO/OTAN share an id, unknown names get "ww:".
ALIASES = {"nato": ("Q7184", "NATO"), "otan": ("Q7184", "NATO"), "russia": ("Q159", "Russia"),
           "russie": ("Q159", "Russia"), "moscow": ("Q649", "Moscow"), "moscou": ("Q649", "Moscow")}


def fake_resolve(name: str) -> tuple[str, str]:
    key = normalize_name(name)
    return ALIASES.get(key) or ("ww:PER:" + key.replace(" ", "-"), name.strip())

# --------------------------------------------------------------------------- fixtures
# Articles written for these tests (not taken from any sample set).


def spans(body: str, text: str) -> list[dict[str, Any]]:
    out, at = [], body.find(text)
    while at >= 0:
        out.append({"text": text, "start": at, "end": at + len(text)})
        at = body.find(text, at + len(text))
    assert out, text
    return out


def entity(body, id, name, type, surfaces, salience=0.5, aliases=(), quoted=False):
    mentions = sorted((m for s in surfaces for m in spans(body, s)), key=lambda m: m["start"])
    return {"id": id, "name": name, "type": type, "aliases": list(aliases or surfaces),
            "mentions": mentions, "salience": salience, "quoted": quoted}


def quote(body, text, speaker: Optional[tuple[str, Optional[str]]], cue="a déclaré"):
    [span] = spans(body, text)
    return {**span, "speaker": None if speaker is None else {"name": speaker[0], "entity_id": speaker[1]},
            "cue": cue, "kind": "direct"}


FR_BODY = (
    "L’OTAN a invité la Russie à reprendre le dialogue, a annoncé mardi le secrétaire général "
    "de l’Alliance, Jens Stoltenberg.\n\n"
    "« Nous restons ouverts au dialogue avec Moscou », a déclaré Stoltenberg devant la presse.\n\n"
    "La Russie n’a pas répondu."
)


def french_article(version: int = 1, body: str = FR_BODY, extra_quote: Optional[str] = None) -> dict:
    quotes = [quote(body, "Nous restons ouverts au dialogue avec Moscou", ("Jens Stoltenberg", "Q100001"))]
    if extra_quote:
        quotes.append(quote(body, extra_quote, ("Stoltenberg", "Q100001")))
    return {
        "id": "fr-1", "version": version, "source": "AFP-test", "language": "fr",
        "headline": "L’OTAN tend la main", "url": "https://news.example.org/fr-1", "body": body,
        "entities": [
            entity(body, "Q7184", "NATO", "ORG", ["OTAN"], 0.8, aliases=["OTAN", "NATO"]),
            entity(body, "Q159", "Russia", "LOC", ["Russie"], 0.5),
            entity(body, "Q100001", "Jens Stoltenberg", "PER", ["Jens Stoltenberg", "Stoltenberg"], 0.6,
                   aliases=["Stoltenberg"], quoted=True),
            entity(body, "Q649", "Moscow", "LOC", ["Moscou"], 0.1),
        ],
        "quotes": quotes,
        "topics": [{"code": "medtop:11000000", "label": "politics and government", "score": 0.7},
                   {"code": "medtop:16000000", "label": "conflict, war and peace", "score": 0.4}],
    }


EN_BODY = (
    "NATO allies met in Brussels on Tuesday.\n\n"
    "\u201cWe will keep the door open,\u201d said Anna Berg, a spokeswoman for the alliance."
)


def english_article() -> dict:
    return {
        "id": "en-1", "version": 1, "source": "Wire-test", "language": "en-GB", "headline": None,
        "url": None, "body": EN_BODY,
        "entities": [
            entity(EN_BODY, "Q7184", "NATO", "ORG", ["NATO"], 0.7),
            entity(EN_BODY, "Q239", "Brussels", "LOC", ["Brussels"], 0.2),
            entity(EN_BODY, "ww:PER:anna-berg", "Anna Berg", "PER", ["Anna Berg"], 0.4, quoted=True),
        ],
        "quotes": [quote(EN_BODY, "We will keep the door open,", ("Anna Berg", "ww:PER:anna-berg"), "said")],
        "topics": [{"code": "medtop:11000000", "label": "politics and government", "score": 0.9}],
    }


def compiled(**fields):
    base = {"id": "r", "name": "r", "actors": ["NATO"]}
    base.update(fields)
    from streams.alerts.rules import rule_from_dict

    return compile_rule(rule_from_dict(base), fake_resolve)


NATO = compiled(id="nato", name="NATO mentioned", actors=["NATO"])
STOLTENBERG = compiled(id="stoltenberg", name="Jens Stoltenberg quoted", actors=["Jens Stoltenberg"],
                       match="quoted")

# --------------------------------------------------------------------------- matching


def test_french_story_fires_nato_and_quoted_stoltenberg():
    article = french_article()
    nato = match_rule(NATO, article)
    assert nato is not None
    assert [e["id"] for e in nato["entities"]] == ["Q7184"]
    assert nato["entities"][0]["mentions"][0]["text"] == "OTAN"
    stolt = match_rule(STOLTENBERG, article)
    assert stolt is not None
    assert [e["name"] for e in stolt["entities"]] == ["Jens Stoltenberg"]
    [q] = stolt["quotes"]
    assert q["text"] == FR_BODY[q["start"]:q["end"]]
    assert q["speaker"] == {"name": "Jens Stoltenberg", "entity_id": "Q100001"}


def test_rule_written_in_french_matches_english_story():
    rule = compiled(actors=["OTAN"])
    assert match_rule(rule, english_article()) is not None


def test_english_story_quoting_someone_else_fires_only_mentioned_rule():
    article = english_article()
    assert match_rule(NATO, article) is not None
    assert match_rule(STOLTENBERG, article) is None


def test_unknown_actor_matches_by_name_whatever_the_entity_id():
    # The resolver does not know "Jens Stoltenberg" (ww: id); the article links him to Q100001.
    assert STOLTENBERG.actors[0].id.startswith("ww:")
    article = french_article()
    article["entities"][2]["id"] = "ww:PER:jens-stoltenberg-2"
    article["quotes"][0]["speaker"]["entity_id"] = "ww:PER:jens-stoltenberg-2"
    assert match_rule(STOLTENBERG, article) is not None


def test_speaker_matched_by_name_when_not_linked_to_an_entity():
    article = french_article()
    article["quotes"][0]["speaker"] = {"name": "Jens Stoltenberg", "entity_id": None}
    evidence = match_rule(STOLTENBERG, article)
    assert evidence is not None and len(evidence["quotes"]) == 1
    article["quotes"][0]["speaker"] = None
    assert match_rule(STOLTENBERG, article) is None


def test_two_known_ids_sharing_a_name_do_not_match():
    rule = compile_rule(Rule(id="g", name="g", actors=("Georgia",)), lambda n: ("Q1428", "Georgia"))
    article = english_article()
    article["entities"].append(entity(EN_BODY, "Q230", "Georgia", "LOC", ["Brussels"], 0.9))
    assert match_rule(rule, article) is None
    article["entities"][-1]["id"] = "ww:LOC:georgia"  # unlinked: the name decides
    assert match_rule(rule, article) is not None


def test_actors_are_any_of():
    rule = compiled(actors=["Kremlin", "Russia"])
    evidence = match_rule(rule, french_article())
    assert evidence is not None and [e["id"] for e in evidence["entities"]] == ["Q159"]


def test_all_any_none_of():
    article = french_article()
    assert match_rule(compiled(all_of=["Russie", "Moscow"]), article) is not None
    assert match_rule(compiled(all_of=["Russie", "Kremlin"]), article) is None
    assert match_rule(compiled(any_of=["Kremlin", "Moscow"]), article) is not None
    assert match_rule(compiled(any_of=["Kremlin", "Beijing"]), article) is None
    assert match_rule(compiled(none_of=["Moscow"]), article) is None
    assert match_rule(compiled(none_of=["Beijing"]), article) is not None
    # all_of/any_of are about mentions even for a quoted rule
    rule = compiled(actors=["Jens Stoltenberg"], match="quoted", all_of=["Russia"])
    evidence = match_rule(rule, article)
    assert evidence is not None
    assert {e["id"] for e in evidence["entities"]} == {"Q100001", "Q159"}


def test_evidence_includes_quotes_that_mention_the_actor():
    evidence = match_rule(compiled(actors=["Moscow"]), french_article())
    assert evidence is not None
    assert [q["text"] for q in evidence["quotes"]] == ["Nous restons ouverts au dialogue avec Moscou"]
    assert match_rule(NATO, french_article())["quotes"] == []  # NATO is not inside the quote


def test_filters_topics_languages_sources():
    article = french_article()
    assert match_rule(compiled(topics=["conflict, war and peace"]), article) is not None
    assert match_rule(compiled(topics=["sport", "health"]), article) is None
    assert match_rule(compiled(languages=["en", "fr"]), article) is not None
    assert match_rule(compiled(languages=["en"]), article) is None
    assert match_rule(compiled(languages=["en"]), english_article()) is not None  # en matches en-GB
    assert match_rule(compiled(languages=["en-US"]), english_article()) is None
    assert match_rule(compiled(sources=["afp-TEST"]), article) is not None
    assert match_rule(compiled(sources=["Reuters"]), article) is None
    no_lang = {**article, "language": None}
    assert match_rule(compiled(languages=["fr"]), no_lang) is None


def test_min_salience_applies_to_the_matched_actor():
    article = french_article()
    assert match_rule(compiled(actors=["Moscow"], min_salience=0.1), article) is not None
    assert match_rule(compiled(actors=["Moscow"], min_salience=0.2), article) is None
    # a speaker with no entity has no salience: only rules without a threshold accept it
    article["entities"] = [e for e in article["entities"] if e["id"] != "Q100001"]
    article["quotes"][0]["speaker"] = {"name": "Jens Stoltenberg", "entity_id": None}
    assert match_rule(compiled(actors=["Jens Stoltenberg"], match="quoted"), article) is not None
    assert match_rule(compiled(actors=["Jens Stoltenberg"], match="quoted", min_salience=0.1), article) is None


def test_article_view_can_be_shared_between_rules_and_tolerates_missing_fields():
    view = ArticleView.of(french_article())
    assert match_rule(NATO, view) == match_rule(NATO, french_article())
    assert match_rule(NATO, {"id": "x", "source": "s"}) is None
    messy = {"id": "x", "source": "s", "entities": [None, {"id": "Q7184"}], "quotes": ["?"], "topics": ["medtop:1"]}
    evidence = match_rule(NATO, messy)
    assert evidence is not None and evidence["entities"][0]["id"] == "Q7184"


# --------------------------------------------------------------------------- alert events


def test_build_alert_fields_and_schema():
    article = french_article()
    evidence = match_rule(STOLTENBERG, article)
    alert = build_alert(STOLTENBERG, article, evidence, "2024-01-02T03:04:05.678Z")
    assert alert["rule_id"] == "stoltenberg" and alert["rule_name"] == "Jens Stoltenberg quoted"
    assert alert["article_id"] == "fr-1" and alert["article_version"] == 1
    assert alert["match"] == "quoted" and alert["source"] == "AFP-test"
    assert alert["headline"] == "L’OTAN tend la main" and alert["language"] == "fr"
    assert set(alert) == {"id", "rule_id", "rule_name", "article_id", "article_version", "fired_at",
                          "headline", "url", "source", "language", "match", "evidence", "once_per"}
    assert alert["once_per"] == "article"  # a rule without once_per (stored before the option existed)
    orjson.dumps(alert)
    validator = schema_validator("alert")
    if validator is not None:
        for a in (alert, build_alert(NATO.rule, english_article(), match_rule(NATO, english_article()),
                                     format_rfc3339(1_700_000_000))):
            errors = [e.message for e in validator.iter_errors(a)]
            assert errors == []


def test_alert_id_is_stable_across_replays_and_offset_shifts():
    article = french_article()
    a1 = build_alert(NATO, article, match_rule(NATO, article), "2024-01-01T00:00:00Z")
    a2 = build_alert(NATO, copy.deepcopy(article), match_rule(NATO, article), "2024-02-01T00:00:00Z")
    assert a1["id"] == a2["id"] and len(a1["id"]) == 32
    shifted = french_article(version=2, body="Mise à jour.\n\n" + FR_BODY)
    a3 = build_alert(NATO, shifted, match_rule(NATO, shifted), "2024-01-01T00:00:01Z")
    assert a3["id"] == a1["id"]  # same evidence, only offsets moved
    other_rule = build_alert(STOLTENBERG, article, match_rule(STOLTENBERG, article), "2024-01-01T00:00:00Z")
    assert other_rule["id"] != a1["id"]


def test_fingerprint_ignores_offsets_and_counts_quotes_by_text():
    e1 = match_rule(STOLTENBERG, french_article())
    shifted = match_rule(STOLTENBERG, french_article(body="Avant.\n\n" + FR_BODY))
    assert evidence_fingerprint(e1) == evidence_fingerprint(shifted)
    assert e1["quotes"][0]["start"] != shifted["quotes"][0]["start"]
    fp = evidence_fingerprint(e1)
    assert "e:Q100001" in fp and sum(k.startswith("q:") for k in fp) == 1


# --------------------------------------------------------------------------- dedup / cool-down

T0 = 1_700_000_000.0


def run(state, rule, article, now):
    evidence = match_rule(rule, article)
    decision = decide(state, rule, article, evidence, now)
    apply(state, decision.updates)
    # the state is what a Faust table would store: JSON values only
    assert orjson.loads(orjson.dumps(state)) == state
    return decision


def test_replay_never_fires_twice():
    state: dict = {}
    assert run(state, NATO, french_article(), T0) == (True, "new", state_updates(state, NATO, "fr-1"))
    for i in range(3):
        fire, reason, updates = run(state, NATO, french_article(), T0 + 1 + i)
        assert (fire, reason, updates) == (False, "duplicate", {})


def state_updates(state, rule, article_id):
    return {dedup_key(rule.id, article_id): state[dedup_key(rule.id, article_id)]}


def test_new_version_fires_only_with_new_evidence():
    state: dict = {}
    assert run(state, STOLTENBERG, french_article(), T0).reason == "new"
    moved = french_article(version=2, body="Mise à jour.\n\n" + FR_BODY)
    assert run(state, STOLTENBERG, moved, T0 + 5).reason == "duplicate"
    extra = "Le dialogue reste notre priorité."
    body3 = FR_BODY + f"\n\n« {extra} », a ajouté Stoltenberg."
    d3 = run(state, STOLTENBERG, french_article(version=3, body=body3, extra_quote=extra), T0 + 10)
    assert d3.fire and d3.reason == "new-evidence"
    assert state[dedup_key("stoltenberg", "fr-1")]["article_version"] == 3
    # replaying any earlier version afterwards is silent
    assert run(state, STOLTENBERG, french_article(version=1), T0 + 20).reason == "stale-version"
    assert run(state, STOLTENBERG, french_article(version=3, body=body3, extra_quote=extra), T0 + 30).reason == "duplicate"


def test_new_matching_entity_is_new_evidence():
    rule = compiled(id="nr", actors=["NATO", "Russia"])
    state: dict = {}
    article = french_article()
    article["entities"] = [e for e in article["entities"] if e["id"] != "Q159"]
    assert run(state, rule, article, T0).reason == "new"
    assert run(state, rule, french_article(version=2), T0 + 1).reason == "new-evidence"


def test_cooldown_per_rule():
    rule = compiled(id="cool", cooldown_seconds=60)
    state: dict = {}
    a = french_article()
    b = {**english_article(), "id": "en-2"}
    c = {**english_article(), "id": "en-3"}
    assert run(state, rule, a, T0).fire
    assert state[cooldown_key("cool")]["last_fired"] == T0
    d = run(state, rule, b, T0 + 30)
    assert (d.fire, d.reason) == (False, "cooldown")
    # suppressed evidence counts as seen: replaying b later stays silent
    assert run(state, rule, b, T0 + 600).reason == "duplicate"
    assert run(state, rule, c, T0 + 60).fire
    # a rule without cool-down never writes the per-rule key
    state2: dict = {}
    run(state2, NATO, a, T0)
    assert cooldown_key(NATO.id) not in state2


def test_disabled_and_no_match():
    state: dict = {}
    disabled = compiled(enabled=False)
    assert run(state, disabled, french_article(), T0) == (False, "disabled", {})
    assert match_rule(disabled, french_article()) is not None  # backtests still see matches
    assert run(state, STOLTENBERG, english_article(), T0) == (False, "no-match", {})
    assert state == {}


def test_keys_do_not_collide():
    assert dedup_key("cool", "x") != cooldown_key("cool")
    # rule ids cannot contain "|", so "seen|<rule>|<article>" splits unambiguously
    from streams.alerts.rules import RuleError, rule_from_dict

    with pytest.raises(RuleError):
        rule_from_dict({"id": "a|b", "name": "n", "actors": ["x"]})
    assert dedup_key("a", "b|c").split("|", 2) == ["seen", "a", "b|c"]


def test_time_helpers():
    assert to_epoch("2023-11-14T22:13:20Z") == T0
    assert to_epoch(format_rfc3339(T0)) == T0
    assert format_rfc3339(T0) == "2023-11-14T22:13:20.000Z"
    with pytest.raises(TypeError):
        to_epoch(True)


# property: whatever the order of (re)deliveries, an alert's evidence is never sent twice

POOL = ["q1", "q2", "q3"]


def synthetic(version: int, quotes: list[str]) -> tuple[dict, dict]:
    article = {"id": "p-1", "version": version, "source": "s"}
    evidence = {"entities": [{"id": "Q7184", "name": "NATO", "type": "ORG", "mentions": []}],
                "quotes": [{"text": q, "start": 0, "end": len(q), "speaker": None} for q in quotes]}
    return article, evidence


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 4), st.sets(st.sampled_from(POOL))), min_size=1, max_size=12),
       st.sampled_from([0, 10]))
def test_no_evidence_is_alerted_twice(events, cooldown):
    rule = Rule(id="p", name="p", actors=("NATO",), cooldown_seconds=cooldown)
    state: dict = {}
    consumed: set[str] = set()  # evidence already alerted or swallowed by a cool-down
    fired = 0
    for step, (version, quotes) in enumerate(events):
        article, evidence = synthetic(version, sorted(quotes))
        fire, reason, updates = decide(state, rule, article, evidence, T0 + step * 7)
        apply(state, updates)
        fp = set(evidence_fingerprint(evidence))
        if fire or reason == "cooldown":
            assert fp - consumed, "fired or consumed without new evidence"
            consumed |= fp
        fired += fire
    assert 1 <= fired <= 1 + len(POOL)
    for step, (version, quotes) in enumerate(events):  # full replay: silence
        article, evidence = synthetic(version, sorted(quotes))
        assert not decide(state, rule, article, evidence, T0 + 10_000 + step).fire
