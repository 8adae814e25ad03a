"""`wirewatch rules ...`: add, list, remove and backtest alert rules."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from streams.errors import UsageError
from streams.runtime import codec


def _read_rule_file(path: str):
    from streams.alerts.rules import RuleError, parse_rules

    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"cannot read {path}: not UTF-8 text") from None
    try:
        return parse_rules(text, filename=path)
    except RuleError as exc:
        raise UsageError(str(exc)) from None


# --- rules --------------------------------------------------------------------------------


def cmd_rules_add(args: argparse.Namespace) -> int:
    from streams.alerts.rules import as_new_rule, compile_rule
    from streams.alerts.scopes import describe_scope
    from streams.alerts.store import put_rules, resolver
    from streams.alerts.url_policy import UrlRefused, check_rule_targets_sync
    from streams.cli.common import settings_from_args
    from streams.runtime.kafka_io import ensure_topics, wait_for_broker

    rules = [as_new_rule(rule) for rule in _read_rule_file(args.file)]  # once_per: story unless given
    settings = settings_from_args(args)
    resolve = resolver(settings)
    for rule in rules:  # resolve actors now, so a typo shows before the rule goes live
        compiled = compile_rule(rule, resolve)
        refs = (*compiled.actors, *((compiled.surge_actor,) if compiled.surge_actor else ()))
        actors = ", ".join(f"{a.query} -> {a.name} ({a.id})" for a in refs)
        print(f"rule {rule.id} ({rule.match}, {describe_scope(rule.to_dict())}): {actors}", file=sys.stderr)
    try:  # webhooks to private, loopback or link-local addresses are refused (WIREWATCH_WEBHOOK_ALLOW)
        check_rule_targets_sync(rules)
    except UrlRefused as exc:
        raise UsageError(str(exc)) from None
    wait_for_broker(settings, timeout=15)
    ensure_topics(settings)
    put_rules(settings, rules)
    print(f"added {len(rules)} rule(s) to {settings.topic('rules')}: {', '.join(r.id for r in rules)}")
    return 0


def cmd_rules_list(args: argparse.Namespace) -> int:
    from streams.alerts.rules import mask_secrets
    from streams.alerts.scopes import describe_scope
    from streams.alerts.store import read_rules, read_target_states
    from streams.alerts.targets import describe_targets
    from streams.cli.common import settings_from_args
    from streams.runtime.kafka_io import wait_for_broker

    settings = settings_from_args(args)
    wait_for_broker(settings, timeout=15)
    rules = read_rules(settings)
    states = read_target_states(settings) if rules else {}
    described = {rule_id: describe_targets(mask_secrets(rule), states) for rule_id, rule in rules.items()}
    if args.json:
        for rule in described.values():
            print(codec.dumps(rule).decode())
        return 0
    if not rules:
        print("no rules")
        return 0
    for rule_id, rule in sorted(described.items()):
        hooks = ", ".join(f"{n.get('url')} ({n.get('secret', '-')}{target_status(n.get('state'))})"
                          for n in rule.get("notify") or []) or "topic only"
        watched = f"{rule.get('match', 'mentioned')} {', '.join(rule.get('actors') or [])}".strip()
        print(f"{rule_id}: {rule.get('name')} — {watched}, {describe_scope(rule)} → {hooks}")
    return 0


def target_status(state: dict | None) -> str:
    """', DISABLED (410 at …)' / ', last error …' / ', last success …' for `rules list`."""
    from streams.timestamps import format_rfc3339

    if not state:
        return ""

    def when(seconds) -> str:
        return format_rfc3339(seconds, precision="seconds") if isinstance(seconds, (int, float)) else "?"

    parts = []
    if state.get("disabled"):
        parts.append(f"DISABLED since {when(state.get('disabled_at'))}: {state.get('last_error') or 'HTTP 410 Gone'}"
                     " (wirewatch rules enable)")
    elif state.get("last_error") and (state.get("last_error_at") or 0) > (state.get("last_success_at") or 0):
        parts.append(f"last error {when(state.get('last_error_at'))}: {state.get('last_error')}")
    if state.get("last_success_at"):
        parts.append(f"last success {when(state.get('last_success_at'))}")
    return "".join(f", {part}" for part in parts)


def cmd_rules_enable(args: argparse.Namespace) -> int:
    """Re-enable the webhook targets of a rule (disabled after a 410 Gone): every worker follows
    the change on wire.alert-state; alerts skipped meanwhile are not sent again."""
    from streams.alerts.store import put_target_states, read_rules, read_target_states
    from streams.alerts.targets import enabled, target_key
    from streams.alerts.webhooks import redact_url
    from streams.cli.common import settings_from_args
    from streams.runtime.kafka_io import ensure_topics, wait_for_broker

    settings = settings_from_args(args)
    wait_for_broker(settings, timeout=15)
    rule = read_rules(settings).get(args.id)
    if rule is None:
        raise UsageError(f"no rule with id {args.id!r}")
    urls = [n["url"] for n in rule.get("notify") or [] if isinstance(n, dict) and isinstance(n.get("url"), str)]
    if args.url is not None:
        if args.url not in urls:
            raise UsageError(f"rule {args.id!r} has no webhook {redact_url(args.url)}")
        urls = [args.url]
    if not urls:
        raise UsageError(f"rule {args.id!r} has no webhook")
    ensure_topics(settings)
    states = read_target_states(settings)
    updates = {target_key(args.id, url): enabled(states.get(target_key(args.id, url)), args.id, redact_url(url))
               for url in urls}
    put_target_states(settings, updates)
    was_disabled = sum(1 for key in updates if (states.get(key) or {}).get("disabled"))
    print(f"enabled {len(updates)} webhook(s) of rule {args.id} ({was_disabled} had been disabled)")
    return 0


def cmd_rules_rm(args: argparse.Namespace) -> int:
    from streams.alerts.store import delete_rule, read_rules
    from streams.cli.common import settings_from_args
    from streams.runtime.kafka_io import wait_for_broker

    settings = settings_from_args(args)
    wait_for_broker(settings, timeout=15)
    if args.id not in read_rules(settings):
        raise UsageError(f"no rule with id {args.id!r}")
    delete_rule(settings, args.id)
    print(f"removed rule {args.id}")
    return 0


def cmd_rules_test(args: argparse.Namespace) -> int:
    """Backtest: which articles already on wire.enriched would have fired the rule(s)."""
    from streams.alerts.matching import ArticleView, match_rule
    from streams.alerts.rules import as_new_rule, compile_rule
    from streams.alerts.scopes import scopes
    from streams.alerts.store import read_topic, resolver
    from streams.cli.common import settings_from_args
    from streams.runtime.kafka_io import wait_for_broker

    rules = [as_new_rule(rule) for rule in _read_rule_file(args.file)]  # as `rules add` would store them
    settings = settings_from_args(args)
    resolve = resolver(settings)
    compiled = [compile_rule(rule, resolve) for rule in rules]
    wait_for_broker(settings, timeout=15)
    scanned = fired = 0
    latest: dict[str, dict] = {}
    for _key, value in read_topic(settings, settings.topic("enriched")):
        try:
            article = codec.loads(value)
        except Exception:
            continue
        scanned += 1
        previous = latest.get(article.get("id"))
        if previous is None or article.get("version", 1) >= previous.get("version", 1):
            latest[article.get("id")] = article
    alerted: set[str] = set()  # (rule, story or quote) already alerted in this backtest
    for article in latest.values():
        view = ArticleView.of(article)
        for rule in compiled:
            evidence = match_rule(rule, view) if rule.rule.surge is None else None
            if not evidence:
                continue
            keys = [f"{rule.id}|{scope.name}" for scope in scopes(rule.rule, article, evidence)]
            if keys and alerted.issuperset(keys):
                continue  # once per story or quote: this one already fired
            alerted.update(keys)
            fired += 1
            who = ", ".join(sorted({e["name"] for e in evidence["entities"]})) or "-"
            print(f"{rule.id}: {article.get('id')} v{article.get('version', 1)} [{article.get('language')}] "
                  f"{(article.get('headline') or '')[:70]} — {who}, {len(evidence['quotes'])} quote(s)")
    fired += backtest_surges([rule for rule in compiled if rule.rule.surge is not None], latest.values())
    print(f"scanned {scanned} enriched events ({len(latest)} articles); {fired} alert(s) would have fired",
          file=sys.stderr)
    return 0


def backtest_surges(rules: list, articles) -> int:
    """Surge rules over the history, in event-time order (as if each rule had been there since
    the first article): one line per surge that would have fired. Returns how many."""
    import time

    from streams.alerts.candidates import event_time
    from streams.alerts.matching import surge_hit
    from streams.alerts.surge import observe
    from streams.timestamps import format_rfc3339

    now = time.time()
    dated = sorted(((event_time(a, None, now), a) for a in articles), key=lambda pair: pair[0])
    fired = 0
    for rule in rules:
        state: dict = {}
        for at, article in dated:
            if not surge_hit(rule, article):
                continue
            seen = observe(state, rule.id, rule.rule.surge, str(article.get("id")), at, now)
            state.update(seen.updates)
            if seen.fire and seen.stats is not None:
                fired += 1
                print(f"{rule.id}: surge at {format_rfc3339(at, precision='seconds')}: {seen.stats.count} articles in "
                      f"the window, mean {seen.stats.mean:.1f}, z {seen.stats.z:.1f} — {article.get('id')} "
                      f"{(article.get('headline') or '')[:60]}")
    return fired


def register_rules(sub) -> None:
    from streams.cli.common import add_broker_options, add_command_group

    verbs = add_command_group(sub, "rules", help="add / list / remove / test (backtest) alert rules",
                              description="Manage the alert rules stored in the compacted topic wire.rules.",
                              dest="rules_command", metavar="VERB")
    p = verbs.add_parser("add", help="add or replace rules from a JSON or YAML file",
                         description="Validate the rules in FILE (JSON or YAML, one rule or a list) and store them. "
                         "once_per: article | story | quote says what a rule alerts once for (default for a rule "
                         "added now: story, i.e. one alert for all the copies and reports of one story; a rule "
                         "stored before the option existed keeps alerting once per article). A rule with "
                         "surge: {actor | topic, window, baseline, threshold, min_articles} fires once when the "
                         "articles about its subject in the window are at least min_articles and threshold "
                         "standard deviations above their mean over the baseline (event time: published_at). "
                         "See README, Alert rules.")
    p.add_argument("file", help="rule file, or - for stdin")
    add_broker_options(p)
    p.set_defaults(func=cmd_rules_add)
    p = verbs.add_parser("list", help="list the rules (secrets masked) and their webhooks' state",
                         description="List the stored rules, secrets masked, what each alerts once for "
                         "(once_per, or its surge condition), with the state of each webhook "
                         "(disabled after a 410 Gone, last error, last success) from wire.alert-state.")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    add_broker_options(p)
    p.set_defaults(func=cmd_rules_list)
    p = verbs.add_parser("enable", help="re-enable a rule's webhooks disabled by a 410 Gone",
                         description="Re-enable the webhook targets of a rule that a 410 Gone answer disabled "
                         "(all of them, or the one given with --url). Alerts skipped while a target was disabled "
                         "are not sent again.")
    p.add_argument("id", help="rule id")
    p.add_argument("--url", help="only this webhook URL of the rule")
    add_broker_options(p)
    p.set_defaults(func=cmd_rules_enable)
    p = verbs.add_parser("rm", aliases=["remove"], help="remove a rule by id", description="Remove a rule (a tombstone on wire.rules).")
    p.add_argument("id", help="rule id")
    add_broker_options(p)
    p.set_defaults(func=cmd_rules_rm)
    p = verbs.add_parser("test", help="backtest rules against the history on wire.enriched",
                         description="Print which articles already on wire.enriched would have fired the rules "
                         "in FILE, without storing them: once per story or quote as the rule's once_per says (a "
                         "rule without it: once per article), and for a surge rule each surge it would have "
                         "fired over the history in event-time order.")
    p.add_argument("file", help="rule file, or - for stdin")
    add_broker_options(p)
    p.set_defaults(func=cmd_rules_test)
