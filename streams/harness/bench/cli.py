"""`wirewatch bench`: the verb, its options, and `python -m streams.harness.bench`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from streams.harness.bench.baseline import child_main
from streams.harness.bench.report import format_table, say
from streams.harness.bench.run import DEFAULT_ARTICLES, DEFAULT_OUTPUT, BenchOptions, run_bench
from streams.harness.brokers import BROKER_KINDS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `wirewatch bench` (and of `python -m streams.harness.bench`)."""
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES,
                        help=f"corpus size, half French, half English (default {DEFAULT_ARTICLES}: "
                        "about 3 minutes in all on 2 cores)")
    parser.add_argument("--corpus", help="JSON Lines of raw articles to use instead of the built corpus "
                        "(repeated to --articles)")
    parser.add_argument("--data-dir", help="shared gold data for the corpus (default ../shared/data or "
                        "$WIREWATCH_BENCH_DATA; the shipped samples are used when it is absent)")
    parser.add_argument("--skip-streaming", action="store_true",
                        help="only the raw spaCy and enrich baselines (no broker, no workers)")
    parser.add_argument("--skip-latency", action="store_true", help="no paced latency phase")
    parser.add_argument("--broker-kind", choices=BROKER_KINDS, default="embedded",
                        help="embedded broker (default) or Apache Kafka started by scripts/apache-kafka.sh")
    parser.add_argument("--broker", help="use a broker already running here (kafka://host:port) instead")
    parser.add_argument("--workers", type=int, default=0,
                        help="workers of the scale-out run (default: one per core)")
    parser.add_argument("--partitions", type=int, default=0, help="partitions per topic (default 2 x workers)")
    parser.add_argument("--latency-seconds", type=float, default=20.0,
                        help="length of the paced latency run (default 20; at least 40 articles)")
    parser.add_argument("--with-ui", action="store_true",
                        help="also run the streaming window alone and with the dashboard (`wirewatch ui`) open on "
                        "its topics and a live event-stream client connected, in alternating order, and report "
                        "both side by side with the dashboard's own CPU (see docs/dashboard.md)")
    parser.add_argument("--ui-rounds", type=int, default=2,
                        help="pairs of windows of --with-ui: alone then UI, UI then alone, ... (default 2)")
    parser.add_argument("--ui-workers", type=int, default=1, help="workers in the --with-ui windows (default 1)")
    parser.add_argument("--stories-window", type=int, default=10_000,
                        help="articles in the story window when the stories stage is timed against the parse "
                        "(default 10000, issue #20's target: under 5 %% of the parse)")
    parser.add_argument("--long-body-mb", type=float, default=1.0,
                        help="size of the long body per language, enriched in-process and timed beyond its parse "
                             "(default 1; 0 skips it)")
    parser.add_argument("--output", default=DEFAULT_OUTPUT, help=f"JSON results file (default {DEFAULT_OUTPUT})")
    parser.add_argument("--keep", action="store_true", help="keep the working directory (worker logs, corpus)")


DESCRIPTION = (
    "Measure, in one run on one corpus (French and English wire copy): raw spaCy nlp.pipe (the limit), "
    "`wirewatch enrich`, the streaming pipeline through a broker with 1 worker and with one worker per "
    "core, latency raw->enriched and raw->alert webhook at half capacity, peak memory, and the stories stage "
    "with 10,000 articles in its window against the parse; with --with-ui, the "
    "streaming pipeline alone and with the dashboard open beside it. Prints a "
    "table, writes JSON. See docs/benchmarks.md.")


def register_bench(sub: argparse._SubParsersAction) -> None:
    """Add the `bench` verb to the wirewatch command line."""
    parser = sub.add_parser("bench", help="throughput, latency and a 1 MB body against the raw spaCy baseline",
                            description=DESCRIPTION)
    add_arguments(parser)
    parser.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    """Check the options, run every phase, print the table."""
    if args.articles < 1:
        raise _usage_error("--articles must be at least 1")
    if args.workers < 0 or args.partitions < 0:
        raise _usage_error("--workers and --partitions must be positive")
    if args.stories_window < 0:
        raise _usage_error("--stories-window must be positive")
    if args.long_body_mb < 0:
        raise _usage_error("--long-body-mb must be positive (0 skips the long body)")
    if args.ui_rounds < 1 or args.ui_workers < 1:
        raise _usage_error("--ui-rounds and --ui-workers must be at least 1")
    if args.with_ui and args.skip_streaming:
        raise _usage_error("--with-ui measures the streaming pipeline: drop --skip-streaming")
    if args.corpus and not Path(args.corpus).is_file():
        raise _usage_error(f"cannot read {args.corpus}")
    options = BenchOptions(
        articles=args.articles, output=args.output, skip_streaming=args.skip_streaming,
        skip_latency=args.skip_latency, broker_kind=args.broker_kind, broker=args.broker, workers=args.workers,
        partitions=args.partitions, corpus=args.corpus, data_dir=args.data_dir,
        latency_seconds=args.latency_seconds, keep=args.keep, with_ui=args.with_ui, ui_rounds=args.ui_rounds,
        stories_window=args.stories_window, long_body_mb=args.long_body_mb,
        ui_workers=args.ui_workers)
    doc = run_bench(options)
    print(format_table(doc), flush=True)
    say(f"results written to {options.output}")
    return 0


def _usage_error(message: str) -> Exception:
    from streams.errors import UsageError

    return UsageError(message)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m streams.harness.bench [options]` (same as `wirewatch bench`); `child ...` is internal."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["child"]:
        return child_main(argv[1:])
    parser = argparse.ArgumentParser(prog="wirewatch bench", description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return cmd_bench(args)
    except Exception as exc:
        from streams.errors import UsageError

        if isinstance(exc, UsageError):
            print(f"wirewatch: error: {exc}", file=sys.stderr)
            return 2
        if os.environ.get("WIREWATCH_DEBUG"):
            raise
        print(f"wirewatch: error: {exc}", file=sys.stderr)
        return 1
