"""The `wirewatch` command line (contract in DESIGN.md: verbs, flags, exit codes).

Exit codes: 0 success, 1 failure, 2 bad usage or bad input; errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from streams import __version__
from streams.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    add_broker_options,
    fail,
    port_number,
    settings_from_args,
)
from streams.config import ConfigError, Settings, check_models
from streams.errors import UsageError
from streams.topology import STAGE_NAMES as STAGES

# --- verbs --------------------------------------------------------------------------------


def cmd_broker(args: argparse.Namespace) -> int:
    from streams.runtime.broker import run_foreground

    return run_foreground(args.port, args.host)


def cmd_worker(args: argparse.Namespace) -> int:
    import logging

    from streams.runtime.app import create_app
    from streams.runtime.kafka_io import ensure_topics, wait_for_broker

    stages = [s.strip() for s in args.stages.split(",") if s.strip()] if args.stages else list(STAGES)
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise UsageError(f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGES)}")
    settings = settings_from_args(args)
    from streams.api_auth import check_exposure, tokens_from_env

    check_exposure(tokens_from_env(), settings.web_host)  # before waiting for any broker
    check_web_port_free(settings.web_host, settings.web_port)
    if "annotate" in stages:
        check_models(settings)
    wait_for_broker(settings, timeout=args.wait)
    created = ensure_topics(settings)
    if created:
        print(f"created topics: {', '.join(created)}", file=sys.stderr)
    from streams.runtime.faust_compat import make_worker

    app = create_app(settings, stages)
    level = "debug" if args.verbose else "warning" if args.quiet else "info"
    logging.getLogger("wirewatch").setLevel(logging.INFO)
    print(
        f"wirewatch worker {__version__}: stages {','.join(stages)} on {settings.broker}, "
        f"web http://{settings.web_host}:{settings.web_port}/health",
        file=sys.stderr,
        flush=True,
    )
    make_worker(app, level).execute_from_commandline()
    return EXIT_OK


def check_web_port_free(host: str, port: int) -> None:
    """Fail with one line, before anything starts, when the web server could not listen."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the web server itself binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise RuntimeError(f"the worker's web port {host}:{port} is not available ({exc.strerror}): another "
                               f"worker may be running; choose another with --web-port or WIREWATCH_WEB_PORT") from None


def cmd_enrich(args: argparse.Namespace) -> int:
    from streams.nlp.pipeline import Enricher
    from streams.runtime import codec

    settings = settings_with_passes(args)
    check_models(settings)
    enricher = Enricher(settings)
    source = sys.stdin.buffer if args.file in (None, "-") else _open_input(args.file)
    out = sys.stdout.buffer
    errors = sys.stderr
    counts = {"enriched": 0, "deadletter": 0}

    def lines():
        for line in source:
            if line.strip():
                yield line.rstrip(b"\r\n")

    for kind, event in enricher.enrich_many(lines(), batch_size=settings.batch_size):
        counts[kind] += 1
        if kind == "enriched":
            out.write(codec.dumps(event) + b"\n")
        else:
            errors.write(f"dead letter ({event['stage']}): {event['error']}\n")
            if args.deadletter:
                args.deadletter.write(codec.dumps(event) + b"\n")
    out.flush()
    print(f"enriched {counts['enriched']}, dead-lettered {counts['deadletter']}", file=errors)
    return EXIT_USAGE if counts["deadletter"] and not args.lenient else EXIT_OK


def _open_input(path: str):
    try:
        return open(path, "rb")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def cmd_dev(args: argparse.Namespace) -> int:
    from streams.cli.dev import run_dev

    return run_dev(settings_from_args(args), port=args.port, keep_following=args.follow, files=args.files,
                   timeout=args.timeout, ui=not args.no_ui, ui_port=args.ui_port)


def cmd_tail(args: argparse.Namespace) -> int:
    from streams.cli.dev import tail

    return tail(settings_from_args(args), args.topic, from_beginning=args.from_beginning, limit=args.limit, raw=args.json)


def _disabled_passes(values: list[str]) -> frozenset[str]:
    """The --disable-pass values (repeated and/or comma-separated), checked against the declared passes."""
    from streams.nlp.pass_catalog import UnknownPass, check_pass_names

    try:
        return check_pass_names(name for value in values for name in value.split(","))
    except UnknownPass as exc:
        raise UsageError(f"--disable-pass: {exc}") from None


def settings_with_passes(args: argparse.Namespace) -> Settings:
    """Settings from the environment and flags; --disable-pass, when given, replaces WIREWATCH_DISABLE_PASSES."""
    settings = settings_from_args(args)
    if args.disable_pass:
        settings = settings.with_overrides(disabled_passes=_disabled_passes(args.disable_pass))
    return settings


def list_passes() -> int:
    from streams.nlp.pass_catalog import all_passes

    passes = all_passes()
    if not passes:
        print("no pass is declared", file=sys.stderr)
    width = max((len(p.name) for p in passes), default=0)
    for declared in passes:
        print(f"{declared.name.ljust(width)}  {declared.summary}")
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    from streams.evaluation.errors import EvalInputError
    from streams.evaluation.gold import load_gold_set
    from streams.runtime import codec

    if args.list_passes:
        return list_passes()
    if not args.dir:
        raise UsageError("eval needs a gold-set directory (or --list-passes)")
    settings = settings_with_passes(args)
    try:
        sets = load_gold_set(args.dir)
    except EvalInputError as exc:
        raise UsageError(str(exc)) from None
    try:
        with open(args.report, "ab"):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write the report to {args.report}: {exc.strerror}") from None
    if args.limit:
        for gold_set in sets:
            gold_set.truncate(args.limit)
    if args.pass_values:
        report, table = _pass_values(args, sets, settings)
    else:
        report, table = _evaluate(args, sets, settings)
    if not args.quiet:
        print(file=sys.stderr)
    print(table)
    with open(args.report, "wb") as handle:
        handle.write(codec.dumps(report))
    print(f"report written to {args.report}", file=sys.stderr)
    return EXIT_OK


def _evaluate(args: argparse.Namespace, sets: list, settings: Settings) -> tuple[dict, str]:
    """The report and the printed table of a plain `wirewatch eval`."""
    from streams.evaluation.report import format_report
    from streams.evaluation.run import enriched_by, evaluate
    from streams.nlp.pipeline import Enricher

    enrich = enriched_by(Enricher(settings))
    def progress(done: int, total: int, name: str) -> None:
        print(f"\r{name}: {done}/{total} articles", end="", file=sys.stderr, flush=True)

    report = evaluate(sets, enrich, progress=None if args.quiet else progress, details=args.details)
    return report, format_report(report)


def _pass_values(args: argparse.Namespace, sets: list, settings: Settings) -> tuple[dict, str]:
    """The full pipeline's report, and the Markdown table of the change when each pass is off."""
    from streams.evaluation.pass_values import measure_pass_values
    from streams.evaluation.report import format_pass_values
    from streams.nlp.pass_catalog import all_passes

    def progress(name: str, done: int, total: int, step: str) -> None:
        print(f"\r{name}: articles up to {done}/{total}, {step}".ljust(100), end="", file=sys.stderr, flush=True)

    passes = [p for p in all_passes() if p.name not in settings.disabled_passes]
    values = measure_pass_values(sets, settings, passes, None if args.quiet else progress, details=args.details)
    summaries = {p.name: p.summary for p in passes}
    return values.all_on, format_pass_values(values.all_on, values.without, summaries)


# --- parser -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wirewatch",
        description="Real-time news enrichment: entities, quotes and topics over Kafka.",
        epilog="Configuration: flags, or WIREWATCH_* environment variables (see README).",
    )
    parser.add_argument("--version", action="version", version=f"wirewatch {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("dev", help="embedded broker + worker + sample articles; prints enriched events",
                       description="Start the embedded broker and a worker, ingest the sample articles "
                       "(or FILES), print each enriched event as it arrives, and exit.")
    p.add_argument("files", nargs="*", help="JSON Lines of raw articles to send instead of the samples")
    p.add_argument("--port", type=port_number, default=None, help="embedded broker port (default: a free port)")
    p.add_argument("--follow", action="store_true", help="keep running and printing after the samples")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the samples (default 120)")
    p.add_argument("--ui-port", type=port_number, default=None,
                   help="port of the dashboard (default 8080, or a free port when 8080 is taken)")
    p.add_argument("--no-ui", action="store_true", help="do not start the dashboard")
    p.set_defaults(func=cmd_dev)

    p = sub.add_parser("broker", help="run the embedded Kafka-compatible broker (Tansu, in memory)",
                       description="Run the embedded Kafka-compatible broker in the foreground until SIGTERM/Ctrl-C.")
    p.add_argument("--port", type=port_number, default=9092, help="port to listen and advertise on (default 9092)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen and advertise on (default 127.0.0.1)")
    p.set_defaults(func=cmd_broker)

    p = sub.add_parser("worker", help="run the Faust worker (all stages, or --stages)",
                       description="Run the enrichment worker. Several workers with the same --app-id share "
                       "the work (one per core, or across machines).")
    add_broker_options(p)
    p.add_argument("--stages", help=f"comma-separated stages to run (default all: {','.join(STAGES)})")
    p.add_argument("--partitions", type=int, help="partitions for topics created at start-up (env WIREWATCH_PARTITIONS, default 4)")
    p.add_argument("--web-port", type=port_number, help="port of /health and /metrics (env WIREWATCH_WEB_PORT, default 6066)")
    p.add_argument("--app-id", help="consumer group / application id (env WIREWATCH_APP_ID, default wirewatch)")
    p.add_argument("--aliases", help="extra entity aliases file (env WIREWATCH_ALIASES)")
    p.add_argument("--wait", type=float, default=30.0, help="seconds to wait for the broker at start-up (default 30)")
    p.add_argument("-q", "--quiet", action="store_true", help="log warnings only")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("enrich", help="enrich raw-article JSON Lines without a broker",
                       description="Read raw articles as JSON Lines (FILE or stdin), write enriched articles as "
                       "JSON Lines to stdout. Dead letters are reported on stderr.")
    p.add_argument("file", nargs="?", default="-", help="input file, or - for stdin (default)")
    p.add_argument("--deadletter", type=argparse.FileType("wb"), help="also write dead letters as JSON Lines here")
    p.add_argument("--lenient", action="store_true",
                   help="exit with status 0 even when some records were dead-lettered (default: 2, bad input)")
    p.add_argument("--aliases", help="extra entity aliases file (env WIREWATCH_ALIASES)")
    add_pass_options(p)
    p.set_defaults(func=cmd_enrich)

    p = sub.add_parser("eval", help="score quotes, speakers, entities and topics on a gold set",
                       description="Enrich the raw articles of a gold set (or of every set under DIR) and print "
                       "precision/recall/F1 of quotes, speaker accuracy, entity F1 and topic accuracy.")
    p.add_argument("dir", nargs="*", metavar="DIR",
                   help="a gold-set directory (NAME.raw.jsonl + NAME.gold.jsonl), a folder of them, or a pair's file; "
                   "several are scored side by side")
    p.add_argument("--report", default="eval-report.json", help="JSON report path (default eval-report.json)")
    p.add_argument("--limit", type=int, help="score only the first N articles of each set")
    p.add_argument("--details", action="store_true",
                   help="add per-article errors to the report: sets.NAME.details.ID lists quotes missed / "
                   "false positive / wrong speaker / partial, entities missed / false positive, and topics "
                   "(gold vs predicted top 3); only articles with an error are listed")
    add_pass_options(p)
    p.add_argument("--list-passes", action="store_true", help="list the named passes with what each does, and exit")
    p.add_argument("--pass-values", action="store_true",
                   help="print a Markdown table of what each pass is worth: the figures with every pass on, and "
                   "their change with each pass off (parses once; the report is the every-pass-on run's)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("tail", help="follow a topic, pretty-printed",
                       description="Print the events of a topic (name or suffix such as 'enriched').")
    add_broker_options(p)
    p.add_argument("topic", help="topic name, or a suffix: raw, enriched, alerts, deadletter, ...")
    p.add_argument("--from-beginning", action="store_true", help="start at the oldest event")
    p.add_argument("-n", "--limit", type=int, help="stop after N events")
    p.add_argument("--json", action="store_true", help="print raw JSON lines instead of the summary")
    p.set_defaults(func=cmd_tail)

    for register in _extra_commands():
        register(sub)
    return parser


def add_pass_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--disable-pass", action="append", metavar="NAME",
                        help="switch a named rule pass off (repeatable, or comma-separated; `wirewatch eval "
                        "--list-passes` lists them; replaces env WIREWATCH_DISABLE_PASSES)")


def _extra_commands() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Verbs that live in their own module (ingest, rules, ui, bench, stories)."""
    from streams.cli.ingest import register_ingest
    from streams.cli.rules import register_rules
    from streams.cli.stories import register_stories
    from streams.cli.ui import register_ui
    from streams.harness.bench import register_bench

    return [register_ingest, register_rules, register_ui, register_bench, register_stories]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args) or EXIT_OK
    except (UsageError, ConfigError) as exc:
        fail(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # one clear line, not a traceback, for operational failures
        if os.environ.get("WIREWATCH_DEBUG"):
            raise
        fail(f"{exc}" if str(exc) else type(exc).__name__)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
