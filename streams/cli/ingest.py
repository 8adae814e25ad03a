"""`wirewatch ingest ...`: feeds and files into wire.raw."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from streams.cli.common import positive_seconds
from streams.errors import UsageError
from streams.runtime import codec

# --- ingest -------------------------------------------------------------------------------


class _Publisher:
    """Publishes raw articles to wire.raw keyed by id, waiting for each acknowledgement."""

    def __init__(self, settings):
        from streams.runtime.kafka_io import (
            ensure_topics,
            make_producer,
            wait_for_broker,
        )

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

    from streams.cli.common import settings_from_args
    from streams.ingest.files import RecordError, count_lines, iter_file_articles

    for path in args.paths:
        if path != "-" and not Path(path).is_file():
            raise UsageError(f"no such file: {path}")
    settings = settings_from_args(args)
    publish = _Publisher(settings)
    invalid = 0
    try:
        for path in args.paths:
            total = None if path == "-" else count_lines(path)
            bar = tqdm(total=total, desc=Path(path).name, unit="rec", disable=args.quiet or not sys.stderr.isatty())
            for item in iter_file_articles(path, default_source=args.source, max_body_bytes=settings.max_body_bytes):
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

    from streams.cli.common import settings_from_args
    from streams.ingest.feed_poller import (
        FeedPoller,
        FullTextUnavailable,
        StateError,
        make_trafilatura_fetcher,
    )

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
    settings = settings_from_args(args)
    try:
        full_text = make_trafilatura_fetcher() if args.full_text else None
        poller = FeedPoller(args.state, full_text=full_text, max_body_bytes=settings.max_body_bytes)
    except (StateError, FullTextUnavailable) as exc:
        raise UsageError(str(exc)) from None
    publish = _Publisher(settings)
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
    from streams.cli.common import add_broker_options, add_command_group

    kinds = add_command_group(sub, "ingest", help="feed wire.raw from RSS/Atom feeds or ninjs / JSON Lines files",
                              description="Publish raw articles to wire.raw.", dest="ingest_command", metavar="SOURCE")
    p = kinds.add_parser("rss", help="poll RSS/Atom feeds (conditional GET, never republishes an item)",
                         description="Poll feeds and publish their new items. State (ETags, ids seen) is kept in "
                         "a local file so restarts publish nothing twice.")
    p.add_argument("urls", nargs="*", help="feed URLs")
    p.add_argument("--feeds-file", help="file with one feed URL per line (# comments allowed)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="poll each feed once and exit")
    mode.add_argument("--interval", type=positive_seconds, default=300.0, help="seconds between polls (default 300)")
    p.add_argument("--state", help="state file (default $WIREWATCH_STATE_DIR/feeds.json)")
    p.add_argument("--full-text", action="store_true",
                   help="for items with only a link and a summary, fetch the page and extract its text "
                   "(needs the optional package trafilatura; off by default)")
    add_broker_options(p)
    p.set_defaults(func=cmd_ingest_rss)
    p = kinds.add_parser("file", help="publish JSON Lines raw articles or ninjs documents",
                         description="Publish raw articles (JSON Lines) or IPTC ninjs 1.x/2.x/3.x documents. "
                         "Invalid records are reported with file and line; exit status 2 if any.")
    p.add_argument("paths", nargs="+", help="files (.jsonl, .json, .gz), or - for stdin")
    p.add_argument("--source", help="source to use when a record names none")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_broker_options(p)
    p.set_defaults(func=cmd_ingest_file)
