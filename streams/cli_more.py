"""`wirewatch rules ...` and `wirewatch ingest ...`: the verbs that manage rules and feed wire.raw."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import codec
from .errors import UsageError


def _read_rule_file(path: str):
    from .rules import RuleError, parse_rules

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
    from .cli import _settings
    from .kafka_io import ensure_topics, wait_for_broker
    from .rules_store import put_rules, resolver
    from .rules import compile_rule

    rules = _read_rule_file(args.file)
    settings = _settings(args)
    resolve = resolver(settings)
    for rule in rules:  # resolve actors now, so a typo shows before the rule goes live
        compiled = compile_rule(rule, resolve)
        actors = ", ".join(f"{a.query} -> {a.name} ({a.id})" for a in compiled.actors)
        print(f"rule {rule.id} ({rule.match}): {actors}", file=sys.stderr)
    wait_for_broker(settings, timeout=15)
    ensure_topics(settings)
    put_rules(settings, rules)
    print(f"added {len(rules)} rule(s) to {settings.topic('rules')}: {', '.join(r.id for r in rules)}")
    return 0


def cmd_rules_list(args: argparse.Namespace) -> int:
    from .cli import _settings
    from .kafka_io import wait_for_broker
    from .rules import mask_secrets
    from .rules_store import read_rules

    settings = _settings(args)
    wait_for_broker(settings, timeout=15)
    rules = read_rules(settings)
    if args.json:
        for rule in rules.values():
            print(codec.dumps(mask_secrets(rule)).decode())
        return 0
    if not rules:
        print("no rules")
        return 0
    for rule_id, rule in sorted(rules.items()):
        masked = mask_secrets(rule)
        hooks = ", ".join(f"{n.get('url')} ({n.get('secret', '-')})" for n in masked.get("notify") or []) or "topic only"
        print(f"{rule_id}: {rule.get('name')} — {rule.get('match', 'mentioned')} {', '.join(rule.get('actors', []))} → {hooks}")
    return 0


def cmd_rules_rm(args: argparse.Namespace) -> int:
    from .cli import _settings
    from .kafka_io import wait_for_broker
    from .rules_store import delete_rule, read_rules

    settings = _settings(args)
    wait_for_broker(settings, timeout=15)
    if args.id not in read_rules(settings):
        raise UsageError(f"no rule with id {args.id!r}")
    delete_rule(settings, args.id)
    print(f"removed rule {args.id}")
    return 0


def cmd_rules_test(args: argparse.Namespace) -> int:
    """Backtest: which articles already on wire.enriched would have fired the rule(s)."""
    from .alerts import ArticleView, match_rule
    from .cli import _settings
    from .kafka_io import wait_for_broker
    from .rules import compile_rule
    from .rules_store import read_topic, resolver

    rules = _read_rule_file(args.file)
    settings = _settings(args)
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
    for article in latest.values():
        view = ArticleView.of(article)
        for rule in compiled:
            evidence = match_rule(rule, view)
            if evidence:
                fired += 1
                who = ", ".join(sorted({e["name"] for e in evidence["entities"]})) or "-"
                print(f"{rule.id}: {article.get('id')} v{article.get('version', 1)} [{article.get('language')}] "
                      f"{(article.get('headline') or '')[:70]} — {who}, {len(evidence['quotes'])} quote(s)")
    print(f"scanned {scanned} enriched events ({len(latest)} articles); {fired} alert(s) would have fired",
          file=sys.stderr)
    return 0


def register_rules(sub) -> None:
    from .cli import _add_broker_options

    rules = sub.add_parser("rules", help="add / list / remove / test (backtest) alert rules",
                           description="Manage the alert rules stored in the compacted topic wire.rules.")
    verbs = rules.add_subparsers(dest="rules_command", metavar="VERB")
    verbs.required = True
    p = verbs.add_parser("add", help="add or replace rules from a JSON or YAML file",
                         description="Validate the rules in FILE (JSON or YAML, one rule or a list) and store them.")
    p.add_argument("file", help="rule file, or - for stdin")
    _add_broker_options(p)
    p.set_defaults(func=cmd_rules_add)
    p = verbs.add_parser("list", help="list the rules (secrets masked)", description="List the stored rules; secrets are masked.")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    _add_broker_options(p)
    p.set_defaults(func=cmd_rules_list)
    p = verbs.add_parser("rm", aliases=["remove"], help="remove a rule by id", description="Remove a rule (a tombstone on wire.rules).")
    p.add_argument("id", help="rule id")
    _add_broker_options(p)
    p.set_defaults(func=cmd_rules_rm)
    p = verbs.add_parser("test", help="backtest rules against the history on wire.enriched",
                         description="Print which articles already on wire.enriched would have fired the rules "
                         "in FILE, without storing them.")
    p.add_argument("file", help="rule file, or - for stdin")
    _add_broker_options(p)
    p.set_defaults(func=cmd_rules_test)


# --- ingest -------------------------------------------------------------------------------


class _Publisher:
    """Publishes raw articles to wire.raw keyed by id, waiting for each acknowledgement."""

    def __init__(self, settings):
        from .kafka_io import ensure_topics, make_producer, wait_for_broker

        wait_for_broker(settings, timeout=15)
        ensure_topics(settings)
        self.topic = settings.topic("raw")
        self.producer = make_producer(settings)
        self.count = 0

    def __call__(self, article: dict) -> None:
        self.producer.send(self.topic, key=str(article["id"]).encode(), value=codec.dumps(article)).get(timeout=30)
        self.count += 1

    def close(self) -> None:
        self.producer.flush()
        self.producer.close()


def cmd_ingest_file(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .cli import _settings
    from .ingest_files import RecordError, count_lines, iter_file_articles

    for path in args.paths:
        if path != "-" and not Path(path).is_file():
            raise UsageError(f"no such file: {path}")
    publish = _Publisher(_settings(args))
    invalid = 0
    try:
        for path in args.paths:
            total = None if path == "-" else count_lines(path)
            bar = tqdm(total=total, desc=Path(path).name, unit="rec", disable=args.quiet or not sys.stderr.isatty())
            for item in iter_file_articles(path, default_source=args.source):
                bar.update(1)
                if isinstance(item, RecordError):
                    invalid += 1
                    tqdm.write(f"invalid: {item}", file=sys.stderr)
                else:
                    publish(item)
            bar.close()
    finally:
        publish.close()
    print(f"published {publish.count} article(s) to {publish.topic}; {invalid} invalid record(s)", file=sys.stderr)
    return 2 if invalid else 0


def cmd_ingest_rss(args: argparse.Namespace) -> int:
    import signal
    import threading

    from .cli import _settings
    from .ingest_rss import FeedPoller, FullTextUnavailable, StateError, make_trafilatura_fetcher

    urls = list(args.urls)
    if args.feeds_file:
        try:
            urls += [line.strip() for line in Path(args.feeds_file).read_text().splitlines()
                     if line.strip() and not line.startswith("#")]
        except OSError as exc:
            raise UsageError(f"cannot read {args.feeds_file}: {exc.strerror}") from None
    if not urls:
        raise UsageError("give at least one feed URL (or --feeds-file)")
    for url in urls:
        if not url.startswith(("http://", "https://", "file://")):
            raise UsageError(f"not an http(s) feed URL: {url}")
    try:
        full_text = make_trafilatura_fetcher() if args.full_text else None
        poller = FeedPoller(args.state, full_text=full_text)
    except (StateError, FullTextUnavailable) as exc:
        raise UsageError(str(exc)) from None
    publish = _Publisher(_settings(args))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def on_report(report) -> None:
        status = "not modified" if report.not_modified else f"{report.new} new, {report.skipped_seen} already seen"
        print(f"{report.url}: {status}", file=sys.stderr, flush=True)
        for error in report.errors:
            print(f"  error: {error}", file=sys.stderr, flush=True)

    try:
        reports = poller.run(urls, publish, interval=args.interval, once=args.once, stop_event=stop, on_report=on_report)
    except KeyboardInterrupt:
        reports = []
    finally:
        publish.close()
    print(f"published {publish.count} new article(s) to {publish.topic}", file=sys.stderr)
    return 1 if reports and all(r.errors and not r.new for r in reports) else 0


def register_ingest(sub) -> None:
    from .cli import _add_broker_options

    ingest = sub.add_parser("ingest", help="feed wire.raw from RSS/Atom feeds or ninjs / JSON Lines files",
                            description="Publish raw articles to wire.raw.")
    kinds = ingest.add_subparsers(dest="ingest_command", metavar="SOURCE")
    kinds.required = True
    p = kinds.add_parser("rss", help="poll RSS/Atom feeds (conditional GET, never republishes an item)",
                         description="Poll feeds and publish their new items. State (ETags, ids seen) is kept in "
                         "a local file so restarts publish nothing twice.")
    p.add_argument("urls", nargs="*", help="feed URLs")
    p.add_argument("--feeds-file", help="file with one feed URL per line (# comments allowed)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="poll each feed once and exit")
    mode.add_argument("--interval", type=float, default=300.0, help="seconds between polls (default 300)")
    p.add_argument("--state", help="state file (default $WIREWATCH_STATE_DIR/feeds.json)")
    p.add_argument("--full-text", action="store_true",
                   help="for items with only a link and a summary, fetch the page and extract its text "
                   "(needs the optional package trafilatura; off by default)")
    _add_broker_options(p)
    p.set_defaults(func=cmd_ingest_rss)
    p = kinds.add_parser("file", help="publish JSON Lines raw articles or ninjs documents",
                         description="Publish raw articles (JSON Lines) or IPTC ninjs 1.x/2.x/3.x documents. "
                         "Invalid records are reported with file and line; exit status 2 if any.")
    p.add_argument("paths", nargs="+", help="files (.jsonl, .json, .gz), or - for stdin")
    p.add_argument("--source", help="source to use when a record names none")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    _add_broker_options(p)
    p.set_defaults(func=cmd_ingest_file)
