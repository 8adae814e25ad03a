"""What each page shows, gathered from the dashboard's state (no HTTP, no HTML here).

Each function returns the template context of one page or panel, so the same context serves the
first render and the fragments pushed to open pages, and tests can check content without
parsing HTML.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from streams.alerts.rules import mask_secret
from streams.alerts.scopes import describe_scope
from streams.dashboard.actors import SPANS
from streams.dashboard.health import stage_rows, topic_rows
from streams.dashboard.markup import QuotePart, mark_up, numbered_quotes
from streams.dashboard.state import Dashboard
from streams.dashboard.stories import ORDERS, group_stories
from streams.dashboard.window import ArticleFilter, entities_of
from streams.runtime import codec

LIVE_ROWS = 100  # rows on the live page's first render
LIVE_MAX_ROWS = 200  # rows the browser keeps as new ones arrive


def common(dash: Dashboard) -> dict[str, Any]:
    """What every page's frame shows."""
    return {
        "broker": dash.settings.broker, "prefix": dash.settings.topic_prefix, "feed": dash.status,
        "window_size": dash.window.max_articles, "seen": dash.window.articles_seen,
    }


def live(dash: Dashboard, query: Mapping[str, str]) -> dict[str, Any]:
    article_filter = ArticleFilter.from_query(query)
    actor_label = ""
    if article_filter.actor:
        record = dash.board.actor(article_filter.actor)
        actor_label = record.name if record else article_filter.actor
    return {
        "title": "Live", "active": "/", "filter": article_filter, "facets": dash.window.facets(),
        "entries": dash.window.articles(article_filter, LIVE_ROWS), "max_rows": LIVE_MAX_ROWS,
        "actor_label": actor_label,
    }


def _sorted_entities(article: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    def salience(entity: Mapping[str, Any]) -> float:
        value = entity.get("salience")
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0

    return sorted(entities_of(article), key=lambda entity: -salience(entity))


def article(dash: Dashboard, article_id: str) -> dict[str, Any] | None:
    entry = dash.window.article(article_id)
    if entry is None:
        return None
    return {
        "title": str(entry.article.get("headline") or article_id), "active": "/", "entry": entry,
        "paragraphs": mark_up(entry.article), "quotes": numbered_quotes(entry.article),
        "entities": _sorted_entities(entry.article), "alerts": dash.window.latest_alerts(50, article_id),
    }


def span_name(value: str | None) -> str:
    return value if value in SPANS else "hour"


def actors_panel(dash: Dashboard, span: str, now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    seconds = SPANS[span]
    return {
        "span": "hour" if span == "hour" else "24 hours",
        "quoted": dash.board.top(now, seconds, "quoted"),
        "mentioned": dash.board.top(now, seconds, "mentioned"),
        "latest": dash.board.latest_quotes(15),
    }


def actors(dash: Dashboard, span: str) -> dict[str, Any]:
    return {"title": "Actors", "active": "/actors", **actors_panel(dash, span), "span": span}


def story_order(value: str | None) -> str:
    return value if value in ORDERS else "latest"


def stories_panel(dash: Dashboard, order: str) -> dict[str, Any]:
    return {"order": order, "stories": group_stories(dash.window.entries(), order), "window_size": dash.window.max_articles}


def stories(dash: Dashboard, order: str) -> dict[str, Any]:
    return {"title": "Stories", "active": "/stories", **stories_panel(dash, order)}


def actor(dash: Dashboard, actor_id: str, now: float | None = None) -> dict[str, Any] | None:
    now = time.time() if now is None else now
    record = dash.board.actor(actor_id)
    entries = dash.window.articles(ArticleFilter(actor=actor_id), 20)
    if record is None and not entries:
        return None
    aliases: set[str] = set()
    name, entity_type = (record.name, record.type) if record else (actor_id, "MISC")
    for entry in entries:
        for entity in entities_of(entry.article):
            if entity["id"] == actor_id:
                name, entity_type = entity["name"], str(entity.get("type") or entity_type)
                aliases.update(m.get("text") for m in entity.get("mentions") or () if isinstance(m, Mapping)
                               and isinstance(m.get("text"), str))
    aliases.discard(name)
    return {
        "title": name, "active": "/actors", "actor_id": actor_id, "name": name, "type": entity_type,
        "languages": sorted(record.languages) if record else [],
        "aliases": sorted(aliases, key=str.casefold)[:12],
        "hour": dash.board.counts(record, now, SPANS["hour"]) if record else (0, 0),
        "day": dash.board.counts(record, now, SPANS["day"]) if record else (0, 0),
        "quotes": list(reversed(record.quotes)) if record else [], "entries": entries,
    }


@dataclass(frozen=True)
class TargetRow:
    url: str
    secret: str  # masked


@dataclass(frozen=True)
class RuleRow:
    id: str
    name: str
    match: str
    actors: list[str]
    conditions: list[str]
    enabled: bool
    targets: list[TargetRow]
    fired: int
    last_fired: str | None
    failures: int  # dead-lettered webhook deliveries of this rule's alerts in the window
    last_error: str


def _delivery_failures(dash: Dashboard) -> dict[str, tuple[int, str]]:
    """rule id -> (failed deliveries, last reason), from the deliver stage's dead letters."""
    failures: dict[str, tuple[int, str]] = {}
    for letter in dash.window.deadletters:
        if letter.get("stage") != "deliver" or not isinstance(letter.get("payload"), str):
            continue
        try:
            alert = codec.loads(letter["payload"])
        except codec.JSONDecodeError:
            alert = None
        rule_id = alert.get("rule_id") if isinstance(alert, dict) else None
        if isinstance(rule_id, str):
            count, _ = failures.get(rule_id, (0, ""))
            failures[rule_id] = (count + 1, str(letter.get("error") or ""))
    return failures


def _conditions(rule: Mapping[str, Any]) -> list[str]:
    labels = {"all_of": "all of", "any_of": "any of", "none_of": "none of", "topics": "topics",
              "languages": "languages", "sources": "sources"}
    found = [f"{label}: {', '.join(map(str, rule[key]))}" for key, label in labels.items()
             if isinstance(rule.get(key), list) and rule[key]]
    if rule.get("min_salience"):
        found.append(f"salience ≥ {rule['min_salience']}")
    if rule.get("cooldown_seconds"):
        found.append(f"cool-down {rule['cooldown_seconds']} s")
    found.append(describe_scope(rule))  # as `wirewatch rules list` says it
    return found


def rule_rows(dash: Dashboard) -> list[RuleRow]:
    fired: dict[str, list[str]] = {}
    for alert in dash.window.alerts:
        fired.setdefault(str(alert.get("rule_id")), []).append(str(alert.get("fired_at") or ""))
    failures = _delivery_failures(dash)
    rows = []
    for rule_id, rule in sorted(dash.rules.items()):
        targets = [TargetRow(str(n.get("url") or ""), mask_secret(n.get("secret")))
                   for n in rule.get("notify") or () if isinstance(n, Mapping)]
        times = fired.get(rule_id, [])
        failed, last_error = failures.get(rule_id, (0, ""))
        rows.append(RuleRow(
            id=rule_id, name=str(rule.get("name") or rule_id), match=str(rule.get("match") or "mentioned"),
            actors=[str(a) for a in rule.get("actors") or ()], conditions=_conditions(rule),
            enabled=rule.get("enabled", True) is not False, targets=targets, fired=len(times),
            last_fired=max(times) if times else None, failures=failed, last_error=last_error))
    return rows


def alerts(dash: Dashboard, *, form: Mapping[str, str] | None = None, error: str = "", notice: str = "",
           backtest: list | None = None) -> dict[str, Any]:
    return {
        "title": "Alerts & rules", "active": "/alerts", "alerts": dash.window.latest_alerts(100),
        "rules": rule_rows(dash), "rules_loaded": dash.rules_loaded, "form": dict(form or {}), "error": error,
        "notice": notice, "backtest": backtest, "window_count": len(dash.window),
    }


def health_panel(dash: Dashboard) -> dict[str, Any]:
    timings = dash.window.stage_timings()
    samples = max((timing.samples for timing in timings.values()), default=0)
    return {
        "stages": stage_rows(dash.topic, dash.meter, dash.lags, dash.window.deadletters_by_stage, timings),
        "topics": topic_rows(dash.topic, dash.meter), "group": dash.group_id, "timing_samples": samples,
        "latency": dash.window.latency(), "deadletters": dash.window.latest_deadletters(30),
        "deadletter_total": sum(dash.window.deadletters_by_stage.values()),
        "deadletters_by_stage": sorted(dash.window.deadletters_by_stage.items()),
        "prefix": dash.settings.topic_prefix, "enriched_rate": dash.meter.rate(dash.topic("enriched"), 10),
        "backlog_total": sum(dash.lags.values()) if dash.lags else None, "articles_seen": dash.window.articles_seen,
    }


def health(dash: Dashboard) -> dict[str, Any]:
    return {"title": "Health", "active": "/health", **health_panel(dash)}


def is_quote(piece: object) -> bool:
    return isinstance(piece, QuotePart)
