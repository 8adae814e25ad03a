"""`once_per: story | quote`: what a rule alerts once for when it is not the article (pure).

Why a scope key: copies of one dispatch are different articles on different partitions of
wire.enriched, so the (rule, article) dedup cannot see that they are one story. The alerts agent
turns each match of such a rule into a candidate keyed by (rule, scope) on wire.alert-scopes, so
every candidate of one (rule, story) or (rule, quote) reaches one partition, in order, and one
worker decides with the `once|<rule>|<scope>` entry of wire.alert-state, which every worker
follows: the dedup holds across workers, restarts and consumer groups.

Fallbacks: an article without a story (the stories stage did not run) is deduplicated per
article; a `quote` rule whose evidence has no quote with a `quote_id` falls back to the story.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, NamedTuple

import orjson

from streams.alerts.matching import SeenValue, cooldown_key
from streams.alerts.rules import Rule


class Scope(NamedTuple):
    name: str  # "story:<id>" or "quote:<quote id>"
    evidence: dict[str, Any]  # the evidence the alert for this scope reports


def story_of(article: Mapping[str, Any]) -> Mapping[str, Any] | None:
    story = article.get("story")
    return story if isinstance(story, Mapping) and isinstance(story.get("id"), str) and story["id"] else None


def scopes(rule: Rule, article: Mapping[str, Any], evidence: Mapping[str, Any]) -> list[Scope]:
    """The scopes a match of `rule` on `article` alerts for; [] means per article."""
    story = story_of(article)
    if rule.scope == "quote":
        by_quote: dict[str, list] = {}
        for quote in evidence.get("quotes") or ():
            quote_id = quote.get("quote_id") if isinstance(quote, Mapping) else None
            if isinstance(quote_id, str) and quote_id:
                by_quote.setdefault(quote_id, []).append(quote)
        if by_quote:
            return [Scope(f"quote:{quote_id}", {"entities": list(evidence.get("entities") or ()), "quotes": quotes})
                    for quote_id, quotes in by_quote.items()]
    if rule.scope in ("story", "quote") and story is not None:
        return [Scope(f"story:{story['id']}", dict(evidence))]
    return []


def scope_key(rule_id: str, scope: str) -> str:
    """State key of one (rule, story or quote); rule ids never contain "|"."""
    return f"once|{rule_id}|{scope}"


def scoped_alert_id(rule_id: str, scope: str) -> str:
    """One id per (rule, scope): whichever article of the story fires it, a replay gets the same."""
    return hashlib.sha256(orjson.dumps([rule_id, scope])).hexdigest()[:32]


def scoped_alert(alert: Mapping[str, Any], scope: Scope) -> dict[str, Any]:
    """The article's alert as the alert of its story or quote."""
    out = dict(alert)
    out["id"] = scoped_alert_id(str(alert["rule_id"]), scope.name)
    out["evidence"] = scope.evidence
    if scope.name.startswith("quote:"):
        out["quote_id"] = scope.name[len("quote:"):]
    return out


class ScopeDecision(NamedTuple):
    fire: bool
    reason: str  # "new" | "duplicate" | "cooldown" | "disabled"
    updates: dict[str, Any]


def decide_scoped(state: Mapping[str, Any], rule: Rule, scope: str, article_version: int,
                  now: float) -> ScopeDecision:
    """Whether the (rule, scope) fires now: once for the life of the deployment (until the
    entry expires with WIREWATCH_ALERT_STATE_DAYS, after which nothing that old is evaluated)."""
    if not rule.enabled:
        return ScopeDecision(False, "disabled", {})
    key = scope_key(rule.id, scope)
    if state.get(key) is not None:
        return ScopeDecision(False, "duplicate", {})
    updates: dict[str, Any] = {key: SeenValue(fingerprint=[scope], article_version=article_version, seen_at=now)}
    if rule.cooldown_seconds > 0:
        last = (state.get(cooldown_key(rule.id)) or {}).get("last_fired")
        if isinstance(last, (int, float)) and now - last < rule.cooldown_seconds:
            return ScopeDecision(False, "cooldown", updates)
        updates[cooldown_key(rule.id)] = {"last_fired": now}
    return ScopeDecision(True, "new", updates)


def describe_scope(rule: Mapping[str, Any]) -> str:
    """'once per story', 'once per article (stored without once_per)', or the surge condition:
    what `rules list` and the dashboard say of a stored rule."""
    from streams.alerts.surge import SurgeSpec

    surge = rule.get("surge")
    if isinstance(surge, Mapping):
        try:
            return SurgeSpec.from_dict(surge).describe()
        except (KeyError, ValueError):
            return "surge (invalid)"
    once_per = rule.get("once_per")
    return f"once per {once_per}" if once_per else "once per article (stored without once_per)"
