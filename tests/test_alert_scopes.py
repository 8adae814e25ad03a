"""once_per (article / story / quote) and surge rules, as pure functions: the rule contract, the
scopes a match alerts for, the decisions of wire.alert-scopes, and the surge counts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.alerts.candidates import (
    decide_candidate,
    event_time,
    once_candidates,
    surge_candidate,
)
from streams.alerts.matching import match_rule, surge_hit
from streams.alerts.rules import (
    RuleError,
    as_new_rule,
    compile_rule,
    parse_rules,
    rule_from_dict,
)
from streams.alerts.scopes import scope_key, scopes
from streams.alerts.surge import (
    SurgeSpec,
    bucket_key,
    duration_seconds,
    episode_key,
    observe,
)
from streams.contracts import rule_problems, schema_problems

HOUR = 3600.0
T0 = datetime(2026, 3, 2, tzinfo=UTC).timestamp()
NOW = T0 + 30 * 86400  # the wall clock: well after every event of these tests


def resolve(name: str) -> tuple[str, str]:
    return {"hélène marchal": ("ww:PER:helene marchal", "Hélène Marchal")}.get(
        name.casefold(), (f"ww:MISC:{name.casefold()}", name))


def compiled(rule: dict):
    return compile_rule(rule_from_dict(rule), resolve)


def article(article_id: str, story: str | None = "st-1", quote_id: str | None = "q-1", *, articles: int = 1,
            published_at: str | None = None, quoted: bool = True) -> dict:
    body = "Hélène Marchal a dit « une décision douloureuse mais nécessaire » hier soir."
    quote = {"text": "une décision douloureuse mais nécessaire", "start": 26, "end": 66,
             "speaker": {"name": "Hélène Marchal", "entity_id": "ww:PER:helene marchal"}, "cue": "a dit",
             "kind": "direct"}
    if quote_id:
        quote["quote_id"] = quote_id
    out = {"id": article_id, "version": 1, "source": f"src-{article_id}", "language": "fr", "headline": "Valbourg",
           "body": body, "entities": [{"id": "ww:PER:helene marchal", "name": "Hélène Marchal", "type": "PER",
                                        "aliases": [], "mentions": [{"text": "Hélène Marchal", "start": 0, "end": 14}],
                                        "salience": 0.8, "quoted": quoted}],
           "quotes": [quote] if quoted else [], "topics": [{"code": "medtop:11000000", "label": "politics", "score": 0.6}]}
    if story:
        out["story"] = {"id": story, "first_seen": "2026-03-02T08:00:00.000Z", "articles": articles,
                        "sources": [out["source"]]}
    if published_at:
        out["published_at"] = published_at
    return out


RULE = {"id": "marchal", "name": "Marchal quoted", "actors": ["Hélène Marchal"], "match": "quoted"}


# ------------------------------------------------------------------ the rule contract


def test_once_per_defaults_to_story_for_new_rules_and_article_for_stored_ones():
    (parsed,) = parse_rules('{"id": "r", "name": "R", "actors": ["X"]}')
    assert parsed.once_per is None and parsed.scope == "article"  # as read back from wire.rules
    new = as_new_rule(parsed)
    assert new.scope == "story" and new.to_dict()["once_per"] == "story"
    assert "once_per" not in parsed.to_dict()
    explicit = as_new_rule(rule_from_dict({**RULE, "once_per": "article"}))
    assert explicit.scope == "article"
    assert rule_from_dict(new.to_dict()) == new  # round trip through wire.rules
    assert rule_problems({**RULE, "once_per": "day"}) == ['once_per: must be "article" or "story" or "quote"']


def test_surge_rule_needs_no_actors_and_one_subject():
    surge = {"id": "s", "name": "S", "surge": {"actor": "Hélène Marchal", "window": "1h", "baseline": "7d",
                                               "threshold": 3, "min_articles": 5}}
    rule = as_new_rule(rule_from_dict(surge))
    assert rule.scope == "surge" and rule.once_per is None and rule.actors == ()
    assert rule.surge == SurgeSpec(window=3600, baseline=7 * 86400, threshold=3.0, min_articles=5,
                                   actor="Hélène Marchal")
    assert rule_from_dict(rule.to_dict()) == rule
    assert rule_problems({"id": "s", "name": "S"}) == ["actors: is required (a list of actor names)"]
    assert rule_problems({"id": "s", "name": "S", "surge": {"window": "1h"}}) == [
        "surge: give exactly one of actor or topic"]
    assert rule_problems({"id": "s", "name": "S", "surge": {"topic": "politics", "window": "2h", "baseline": "3h"}}) == [
        "surge.baseline: must be a multiple of the window, at least twice as long"]
    assert rule_problems({"id": "s", "name": "S", "surge": {"topic": "politics", "window": "1 hour"}}) == [
        "surge.window: expected a duration like 30m, 1h or 7d, got '1 hour'"]
    with pytest.raises(RuleError, match="surge.topic: unknown IPTC Media Topic"):
        rule_from_dict({"id": "s", "name": "S", "surge": {"topic": "knitting"}})
    assert duration_seconds("90m") == 5400 and compiled(surge).surge_actor.id == "ww:PER:helene marchal"


# ------------------------------------------------------------------ once per story / quote


def test_scopes_of_a_match():
    story_rule = as_new_rule(rule_from_dict(RULE))
    quote_rule = rule_from_dict({**RULE, "once_per": "quote"})
    a = article("a1")
    evidence = match_rule(compiled(RULE), a)
    assert [s.name for s in scopes(story_rule, a, evidence)] == ["story:st-1"]
    (quote_scope,) = scopes(quote_rule, a, evidence)
    assert quote_scope.name == "quote:q-1" and quote_scope.evidence["quotes"][0]["quote_id"] == "q-1"
    # no quote id: the story; no story either: per article (the (rule, article) dedup)
    no_id = article("a2", quote_id=None)
    assert [s.name for s in scopes(quote_rule, no_id, match_rule(compiled(RULE), no_id))] == ["story:st-1"]
    bare = article("a3", story=None, quote_id=None)
    assert scopes(story_rule, bare, match_rule(compiled(RULE), bare)) == []
    assert scopes(rule_from_dict(RULE), a, evidence) == []  # a stored rule without once_per


def decide_all(rule: dict, articles: list[dict], state: dict | None = None) -> tuple[list[dict], dict]:
    """Every article through the alerts agent's split and the alert-scopes decisions, in order."""
    state = {} if state is None else state
    rule_c = compiled(rule)
    fired: list[dict] = []
    for a in articles:
        for _key, candidate in once_candidates(rule_c, a, match_rule(rule_c, a), "2026-03-02T08:00:00.000Z"):
            alerts, updates = decide_candidate(state, {rule_c.id: rule_c}, candidate, NOW)
            fired += alerts
            state.update(updates)
    return fired, state


def test_one_quote_reprinted_by_three_outlets_is_one_alert_per_story():
    copies = [article(f"a{i}", articles=i) for i in (1, 2, 3)]
    fired, state = decide_all({**RULE, "once_per": "story"}, copies)
    assert len(fired) == 1
    (alert,) = fired
    assert alert["story"] == {"id": "st-1", "articles": 1} and alert["once_per"] == "story"
    assert alert["article_id"] == "a1" and schema_problems("alert", alert) == []
    assert scope_key("marchal", "story:st-1") in state
    again, _ = decide_all({**RULE, "once_per": "story"}, copies, state)  # a replay: nothing
    assert again == []
    # the candidates of a replay carry the same key and alert id
    rule_c = compiled({**RULE, "once_per": "story"})
    first = once_candidates(rule_c, copies[0], match_rule(rule_c, copies[0]), "x")
    assert first == once_candidates(rule_c, copies[0], match_rule(rule_c, copies[0]), "x")
    assert first[0][0] == "marchal|story:st-1"


def test_once_per_quote_fires_per_statement():
    articles = [article("a1"), article("a2", story="st-2"), article("a3", story="st-3", quote_id="q-2")]
    fired, _ = decide_all({**RULE, "once_per": "quote"}, articles)
    assert [(a["article_id"], a["quote_id"]) for a in fired] == [("a1", "q-1"), ("a3", "q-2")]


def test_a_disabled_or_removed_rule_decides_nothing():
    rule_c = compiled({**RULE, "once_per": "story", "enabled": False})
    (_key, candidate), = once_candidates(rule_c, article("a1"), match_rule(rule_c, article("a1")), "x")
    assert decide_candidate({}, {rule_c.id: rule_c}, candidate, NOW) == ([], {})
    assert decide_candidate({}, {}, candidate, NOW) == ([], {})


# ------------------------------------------------------------------ surge


SPEC = SurgeSpec(window=3600, baseline=7 * 86400, threshold=3.0, min_articles=5, actor="Hélène Marchal")


def count(state: dict, times: list[float], prefix: str, rule_added: float | None = None) -> list[float]:
    """Observe one article per time; the times at which the rule fired."""
    fired = []
    for index, t in enumerate(times):
        seen = observe(state, "s", SPEC, f"{prefix}{index}", t, NOW, rule_added)
        state.update(seen.updates)
        for key in [k for k, v in state.items() if v is None]:
            del state[key]
        if seen.fire:
            fired.append(t)
    return fired


def steady(hours: int, per_hour: int, start: float = T0) -> list[float]:
    return [start + h * HOUR + (i + 0.5) * HOUR / per_hour for h in range(hours) for i in range(per_hour)]


def test_a_steady_flow_never_surges():
    state: dict = {}
    assert count(state, steady(10 * 24, 6), "a") == []  # ten days of 6 an hour, above min_articles
    assert sum(1 for key in state if key.startswith("surge|s|")) <= 7 * 24 + 3  # old buckets evicted


def test_a_burst_fires_once_per_episode_and_again_after_a_quiet_window():
    state: dict = {}
    flow = steady(12, 6)
    assert count(state, flow, "a") == []
    burst_start = T0 + 12 * HOUR
    burst = [burst_start + i * 60 for i in range(20)]  # 20 articles in 20 minutes
    fired = count(state, burst, "b")
    assert len(fired) == 1
    assert state[episode_key("s")]["active"] is True
    assert count(state, burst, "b") == []  # a replay of the burst: not counted, no second alert
    # the flow goes on for three hours: the episode ends, nothing fires
    assert count(state, steady(3, 6, burst_start + HOUR), "c") == []
    assert state[episode_key("s")]["active"] is False
    second = [burst_start + 4 * HOUR + i * 60 for i in range(25)]
    assert len(count(state, second, "d")) == 1  # a new burst is a new episode


def test_no_history_no_surge_but_a_rule_added_long_ago_has_one():
    burst = [T0 + i * 60 for i in range(20)]
    assert count({}, burst, "b") == []  # a rule that counted nothing before: no baseline yet
    assert len(count({}, burst, "b", rule_added=T0 - 7 * 86400)) == 1  # a week of silence, then a burst


def test_replayed_article_is_counted_once():
    state: dict = {}
    first = observe(state, "s", SPEC, "x1", T0, NOW)
    state.update(first.updates)
    again = observe(state, "s", SPEC, "x1", T0, NOW)
    assert again.updates == {} and not again.fire
    assert list(state[bucket_key("s", int(T0 // 3600))]["ids"].values()) == [T0]


def test_surge_candidates_and_alert():
    rule = {"id": "s", "name": "Marchal surge", "surge": {"actor": "Hélène Marchal", "min_articles": 5}}
    rule_c = compiled(rule)
    assert surge_hit(rule_c, article("a1", quoted=False)) is not None
    other = article("z1")
    other["entities"][0].update(id="ww:PER:x", name="X")
    other["quotes"] = []
    assert surge_hit(rule_c, other) is None
    published = "2026-03-02T09:00:00Z"
    assert event_time(article("a", published_at=published), None, NOW) == T0 + 9 * HOUR
    assert event_time(article("a"), T0, NOW) == T0 and event_time(article("a"), None, NOW) == NOW
    state: dict = {}
    fired: list[dict] = []
    times = steady(6, 2) + [T0 + 6 * HOUR + i * 60 for i in range(8)]
    for index, t in enumerate(times):
        key, candidate = surge_candidate(rule_c, article(f"a{index}"), surge_hit(rule_c, article(f"a{index}")), t)
        assert key == "s"
        alerts, updates = decide_candidate(state, {"s": rule_c}, candidate, NOW)
        state.update(updates)
        fired += alerts
    (alert,) = fired
    assert alert["once_per"] == "surge" and alert["surge"]["count"] >= 5 and alert["surge"]["z"] >= 3
    assert alert["surge"]["subject"] == {"actor": "Hélène Marchal", "id": "ww:PER:helene marchal",
                                         "name": "Hélène Marchal"}
    assert schema_problems("alert", alert) == []


def test_the_readme_examples_are_valid_rules():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Alert rules\n"):readme.index("## Measuring\n")]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)
    rules = [rule for block in blocks for rule in parse_rules(block)]
    by_id = {rule.id: as_new_rule(rule) for rule in rules}
    assert by_id["castaner-quoted"].scope == "story"
    assert by_id["stoltenberg-surge"].surge == SurgeSpec(window=3600, baseline=7 * 86400, threshold=3.0,
                                                         min_articles=5, actor="Jens Stoltenberg")


def test_rules_test_backtests_a_surge_in_event_time_order(capsys):
    from streams.cli.rules import backtest_surges

    rule_c = compiled({"id": "s", "name": "S", "surge": {"actor": "Hélène Marchal"}})
    hours = [T0 + h * HOUR + m * 600 for h in range(6) for m in range(2)]  # 2 an hour for 6 hours
    burst = [T0 + 6 * HOUR + m * 60 for m in range(10)]
    articles = [article(f"a{n}", story=f"st-{n}", published_at=datetime.fromtimestamp(t, UTC).isoformat())
                for n, t in enumerate(hours + burst)]
    articles.reverse()  # history order is not event-time order
    assert backtest_surges([rule_c], articles) == 1
    out = capsys.readouterr().out
    assert out.startswith("s: surge at 2026-03-02T06:0") and "z " in out


def test_a_surge_rule_rewritten_to_count_something_else_starts_afresh():
    from streams.alerts.candidates import counts_id

    rule = {"id": "s", "name": "S", "surge": {"actor": "Hélène Marchal"}}
    renamed = compiled({**rule, "name": "Marchal surging", "notify": None})
    other = compiled({**rule, "surge": {"actor": "Paul Durand"}})
    assert counts_id(compiled(rule)) == counts_id(renamed) != counts_id(other)
    assert counts_id(other).startswith("s~")
