"""The add-a-rule form: its fields turned into a rule, validated exactly as `wirewatch rules add`
validates a file, and backtested on the articles the dashboard holds.

The form builds the same JSON a user would write in a rule file and hands it to
streams.alerts.rules.parse_rules, then compiles it with the same actor resolver: one validator,
one set of error messages, whichever door a rule comes in by.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from streams.alerts.matching import ArticleView, match_rule
from streams.alerts.rules import (
    CompiledRule,
    Rule,
    RuleError,
    as_new_rule,
    compile_rule,
    parse_rules,
)

FORM_NAME = "the form"  # how error messages name the input, where `rules add` names the file
LIST_FIELDS: tuple[str, ...] = ("actors", "all_of", "any_of", "none_of", "topics", "languages", "sources")
NUMBER_FIELDS: tuple[str, ...] = ("min_salience", "cooldown_seconds")
TEXT_FIELDS: tuple[str, ...] = ("id", "name", "match")
ALL_FIELDS: tuple[str, ...] = TEXT_FIELDS + LIST_FIELDS + NUMBER_FIELDS + ("webhook_url", "webhook_secret", "rule_text")
_LIST_SEPARATORS = re.compile(r"[,;\n]")


def split_list(text: str) -> list[str]:
    """'NATO, Jens Stoltenberg' (or one per line) -> ['NATO', 'Jens Stoltenberg']."""
    return [item.strip() for item in _LIST_SEPARATORS.split(text) if item.strip()]


def _number(text: str) -> Any:
    """A number when the text is one; otherwise the text itself, for the validator to name."""
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() else value


def form_to_rule_dict(form: Mapping[str, str]) -> dict[str, Any]:
    """The rule object a user would have written, from the form's fields (empty ones omitted)."""
    rule: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        value = (form.get(key) or "").strip()
        if value:
            rule[key] = value
    for key in LIST_FIELDS:
        items = split_list(form.get(key) or "")
        if items or key == "actors" and key in form:
            rule[key] = items
    for key in NUMBER_FIELDS:
        value = (form.get(key) or "").strip()
        if value:
            rule[key] = _number(value)
    rule["enabled"] = form.get("enabled") in ("on", "true", "1", "yes")
    url = (form.get("webhook_url") or "").strip()
    secret = (form.get("webhook_secret") or "").strip()
    if url or secret:
        rule["notify"] = [{"type": "webhook", "url": url, "secret": secret}]
    return rule


def rule_text_from_form(form: Mapping[str, str]) -> str:
    """The text parse_rules reads: the pasted YAML/JSON when given, else the fields as JSON."""
    pasted = (form.get("rule_text") or "").strip()
    return pasted if pasted else orjson.dumps(form_to_rule_dict(form)).decode()


@dataclass(frozen=True)
class CheckedRules:
    rules: list[Rule]
    compiled: list[CompiledRule]


def check_form(form: Mapping[str, str], resolve: Callable[[str], tuple[str, str]]) -> CheckedRules:
    """Validate and compile the form's rule(s); RuleError with the same message `rules add` gives."""
    rules = [as_new_rule(rule) for rule in parse_rules(rule_text_from_form(form), filename=FORM_NAME)]
    return CheckedRules(rules, [compile_rule(rule, resolve) for rule in rules])


@dataclass(frozen=True)
class BacktestHit:
    rule_id: str
    article: Mapping[str, Any]
    actors: tuple[str, ...]  # names of the matching entities
    quotes: int


def backtest(compiled: Iterable[CompiledRule], articles: Iterable[Mapping[str, Any]]) -> list[BacktestHit]:
    """Which of `articles` each rule would have fired on (disabled rules included, as `rules test`)."""
    rules = list(compiled)
    hits = []
    for article in articles:
        view = ArticleView.of(article)
        for rule in rules:
            evidence = match_rule(rule, view)
            if evidence:
                names = tuple(sorted({entity["name"] for entity in evidence["entities"]}))
                hits.append(BacktestHit(rule.rule.id, article, names, len(evidence["quotes"])))
    return hits


def toggled(rule: Mapping[str, Any], enabled: bool) -> Rule:
    """A stored rule with `enabled` changed, validated again before it is written back."""
    changed = dict(rule, enabled=enabled)
    (parsed,) = parse_rules(orjson.dumps(changed).decode(), filename=f"rule {rule.get('id')!r}")
    return parsed


__all__ = ["ALL_FIELDS", "BacktestHit", "CheckedRules", "RuleError", "backtest", "check_form", "form_to_rule_dict",
           "rule_text_from_form", "split_list", "toggled"]
