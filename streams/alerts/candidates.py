"""Candidates: the matches that one worker cannot decide alone (pure functions).

A `once_per: story | quote` match and an article counted by a surge rule are sent by the alerts
agent to wire.alert-scopes, keyed so that everything one decision depends on reaches one
partition: `<rule>|story:<id>`, `<rule>|quote:<id>`, or `<rule>` for a surge. The alert-scopes
agent decides them in that partition's order against wire.alert-state (`decide_candidate`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

from streams.alerts.matching import Evidence, build_alert, story_field
from streams.alerts.rules import CompiledRule
from streams.alerts.scopes import decide_scoped, scoped_alert, scopes
from streams.alerts.surge import SurgeSpec, observe, surge_alert_id
from streams.timestamps import format_rfc3339, to_epoch

ARTICLE_FIELDS = ("id", "version", "headline", "url", "source", "language", "story")


def event_time(article: Mapping[str, Any], arrived: float | None, now: float) -> float:
    """When the article happened for a surge: its published_at, else when it reached wire.raw,
    else now; never later than now (an article dated tomorrow counts today)."""
    try:
        published = to_epoch(article["published_at"])
    except (KeyError, TypeError, ValueError):
        published = None
    at = published if published is not None else arrived if arrived is not None else now
    return min(at, now)


def once_candidates(compiled: CompiledRule, article: Mapping[str, Any], evidence: Evidence,
                    fired_at: str) -> list[tuple[str, dict]]:
    """(key, value) per story or quote the match alerts for; [] when the rule is per article."""
    alert = build_alert(compiled, article, evidence, fired_at)
    version = alert["article_version"]
    return [(f"{compiled.id}|{scope.name}", {"kind": "once", "rule_id": compiled.id, "scope": scope.name,
                                              "article_version": version, "alert": scoped_alert(alert, scope)})
            for scope in scopes(compiled.rule, article, evidence)]


def surge_candidate(compiled: CompiledRule, article: Mapping[str, Any], evidence: Evidence,
                    at: float) -> tuple[str, dict]:
    """(key, value) of an article a surge rule counts."""
    return compiled.id, {"kind": "surge", "rule_id": compiled.id, "at": at, "evidence": evidence,
                         "article": {name: article.get(name) for name in ARTICLE_FIELDS if name in article}}


def decide_candidate(state: Mapping[str, Any], rules: Mapping[str, CompiledRule], candidate: Mapping[str, Any],
                     now: float, added_at: Mapping[str, float] | None = None) -> tuple[list[dict], dict[str, Any]]:
    """The alerts a candidate fires and the state keys to write (`added_at`: when each rule was
    written to wire.rules). A rule removed or changed into another kind meanwhile drops it."""
    compiled = rules.get(str(candidate.get("rule_id")))
    if compiled is None:
        return [], {}
    if candidate.get("kind") == "once" and compiled.rule.scope in ("story", "quote"):
        decision = decide_scoped(state, compiled.rule, str(candidate["scope"]),
                                 int(candidate.get("article_version") or 1), now)
        alert = {**candidate["alert"], "fired_at": format_rfc3339(now)}
        return ([alert] if decision.fire else []), decision.updates
    if candidate.get("kind") == "surge" and compiled.rule.surge is not None:
        if not compiled.rule.enabled:
            return [], {}
        spec = compiled.rule.surge
        article = candidate["article"]
        seen = observe(state, counts_id(compiled), spec, str(article["id"]), float(candidate["at"]), now,
                       (added_at or {}).get(compiled.id))
        if not seen.fire or seen.stats is None or seen.started is None:
            return [], seen.updates
        return [surge_alert(compiled, spec, article, candidate["evidence"], seen, now)], seen.updates
    return [], {}


NOT_COUNTING = ("name", "enabled", "notify", "cooldown_seconds", "once_per")


def counts_id(compiled: CompiledRule) -> str:
    """Whose counts a surge rule reads and writes: `<rule>~<digest of what it counts>`, so a rule
    rewritten under the same id to count something else starts from no history, and one whose
    name or webhooks changed keeps its counts ("~" is not in the rule id alphabet)."""
    counted = {k: v for k, v in compiled.rule.to_dict().items() if k not in NOT_COUNTING}
    digest = hashlib.sha256(orjson.dumps(counted, option=orjson.OPT_SORT_KEYS)).hexdigest()[:8]
    return f"{compiled.id}~{digest}"


def surge_alert(compiled: CompiledRule, spec: SurgeSpec, article: Mapping[str, Any], evidence: Evidence,
                seen: Any, now: float) -> dict[str, Any]:
    """The alert of a surge episode, on the article that tipped it."""
    alert = build_alert(compiled, article, evidence, format_rfc3339(now))
    alert["id"] = surge_alert_id(compiled.id, seen.started)
    if compiled.surge_actor is not None:
        subject = {"actor": spec.actor, "id": compiled.surge_actor.id, "name": compiled.surge_actor.name}
    else:
        subject = {"topic": compiled.surge_topic}
    stats = seen.stats
    alert["surge"] = {"subject": subject, "window": spec.to_dict()["window"], "baseline": spec.to_dict()["baseline"],
                      "count": stats.count, "mean": round(stats.mean, 3), "z": round(stats.z, 2),
                      "at": format_rfc3339(seen.started)}
    alert.update(story_field(article))
    return alert
