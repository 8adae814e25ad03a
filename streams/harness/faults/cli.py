"""Fault scenarios for wirewatch against a real broker and real `wirewatch worker` processes.

Eight scenarios, each ending in counts (sent, enriched, dead-lettered, duplicates, lost) and a
list of broken promises:

  kill           kill -9 of a worker in the middle of a stream, then a restart (same app id):
                 every article enriched, duplicates counted, no alert fired twice.
  kafka-restart  Apache Kafka stopped and restarted (data kept) under a running worker, with
                 articles sent before, during and after: the worker reconnects, nothing lost.
  poison         a property-based poison corpus (hypothesis, fixed seed) interleaved with good
                 and hostile-but-valid articles: each bad record dead-lettered once with a
                 reason, the worker stays up, every good article enriched; plus one valid
                 article whose enriched form outgrows 1 MB (enriched or dead-lettered, once).
  webhooks       webhooks that are slow, answer 500 then 200, or are down: deliveries retry,
                 enrichment keeps its pace, nothing lost (the down one ends on wire.deadletter).
  isolation      --articles alerts to a healthy webhook beside a 500, a refused and a 410 one:
                 all reach the healthy one (p99 within 1 s of enrichment), the others are
                 retried and dead-lettered, the 410 one is disabled and shown by `rules list`.
  isolation-split  the same with the alerts and deliver stages in a worker of their own.
  second-group   a worker with a new app id (consumer group) on loaded topics: no alert
                 delivered again, none fired for articles older than their rule.
  security       the API without a token, with wrong ones and with a read-only one (401/403,
                 nothing changed); private-range webhook URLs refused; the webhook secret
                 sealed on wire.rules, never in GET /rules or the log, and still signing.

tests/test_faults.py runs the same functions with small counts; scripts/faults.py (or
`python -m streams.harness.faults`) runs them at any scale.  It needs the test extras (pytest,
hypothesis) and, for Apache Kafka, java and mvn.
Exit status: 0 when every promise held, 1 when one broke, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from streams.harness.brokers import Broker, external_broker, start_broker
from streams.harness.faults.isolation import isolation, second_group
from streams.harness.faults.poison import poison
from streams.harness.faults.poison_corpus import outgrowing_article
from streams.harness.faults.restarts import kafka_restart, kill_and_restart
from streams.harness.faults.scenario import COLUMNS, Report
from streams.harness.faults.security import security
from streams.harness.faults.webhooks import webhooks

SCENARIOS = ("kill", "kafka-restart", "poison", "webhooks", "isolation", "isolation-split", "second-group",
             "security")


def run(args: argparse.Namespace) -> list[Report]:
    scenarios = SCENARIOS if "all" in args.scenario else args.scenario
    reports: list[Report] = []
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="wirewatch-faults-"))
    workdir.mkdir(parents=True, exist_ok=True)
    for kind in (["embedded", "kafka"] if args.broker == "both" else [args.broker]):
        broker: Broker | None = None
        try:
            for scenario in scenarios:
                scratch = workdir / f"{kind}-{scenario}"
                scratch.mkdir(exist_ok=True)
                if scenario == "kafka-restart":
                    if kind != "kafka":
                        continue
                    report = kafka_restart(scratch, articles=args.articles, outage=args.outage)
                else:
                    if broker is None:
                        broker = (external_broker(args.bootstrap, kind) if args.bootstrap
                                  else start_broker(kind, workdir))
                    if scenario == "kill":
                        report = kill_and_restart(broker, scratch, articles=args.articles, kills=args.kills,
                                                  interval=args.interval, alerts=not args.no_alerts,
                                                  sig=getattr(signal, f"SIG{args.signal}"))
                    elif scenario == "poison":
                        report = poison(broker, scratch, good=args.articles, bad=args.bad or args.articles,
                                        seed=args.seed, extra=[outgrowing_article()])
                    elif scenario in ("isolation", "isolation-split"):
                        report = isolation(broker, scratch, alerts=args.articles, split=scenario == "isolation-split")
                    elif scenario == "second-group":
                        report = second_group(broker, scratch, history=args.articles, fresh=max(3, args.articles // 10))
                    elif scenario == "security":
                        report = security(broker, scratch)
                    else:
                        report = webhooks(broker, scratch, articles=args.articles)
                reports.append(report)
                print(report.summary(), flush=True)
                if not report.ok:
                    print(report.details() if args.verbose else "\n".join(f"  problem: {p}" for p in report.problems),
                          flush=True)
        finally:
            if broker is not None:
                broker.stop()
    return reports


def print_table(reports: list[Report]) -> None:
    header = f"{'scenario':<17}{'broker':<10}" + "".join(f"{c:>15}" for c in COLUMNS) + "  result"
    print("\n" + header + "\n" + "-" * len(header))
    for r in reports:
        cells = "".join(f"{r.counts.get(c, '-'):>15}" for c in COLUMNS)
        print(f"{r.scenario:<17}{r.broker:<10}{cells}  {'ok' if r.ok else 'FAILED'}")
        extras = {k: v for k, v in r.counts.items() if k not in COLUMNS}
        if extras:
            print(" " * 24 + ", ".join(f"{k}={v}" for k, v in extras.items()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="faults.py", description=__doc__.rsplit("\n\n", 1)[0],
        epilog="Example: python scripts/faults.py --broker both --articles 500 --kills 3 --json faults.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--broker", choices=["embedded", "kafka", "both"], default="embedded",
                        help="which real broker to run against (default embedded; kafka needs java and mvn)")
    parser.add_argument("--bootstrap", help="use a broker already running at HOST:PORT instead of starting one "
                        "(kafka-restart always starts its own Apache Kafka)")
    parser.add_argument("--scenario", nargs="+", choices=[*SCENARIOS, "all"], default=["all"],
                        help="scenarios to run (default all)")
    parser.add_argument("--articles", type=int, default=300, help="articles per scenario (default 300)")
    parser.add_argument("--bad", type=int, help="poison records (default: as many as --articles)")
    parser.add_argument("--kills", type=int, default=3, help="kill -9 / restart cycles in 'kill' (default 3)")
    parser.add_argument("--signal", choices=["KILL", "TERM"], default="KILL",
                        help="'kill': how the worker is stopped (default KILL, i.e. kill -9)")
    parser.add_argument("--no-alerts", action="store_true",
                        help="'kill': run the enrichment stages only (no rule, no alert table)")
    parser.add_argument("--interval", type=float, default=0.1,
                        help="seconds between two articles of the stream in 'kill' (default 0.1)")
    parser.add_argument("--outage", type=float, default=0.0,
                        help="seconds Apache Kafka stays down in 'kafka-restart' (default 0: a plain restart)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the poison corpus (default 1)")
    parser.add_argument("--workdir", help="where worker logs and state go (default: a new temporary directory)")
    parser.add_argument("--json", help="also write the reports as JSON to this file")
    parser.add_argument("-v", "--verbose", action="store_true", help="print worker log tails of failed scenarios")
    args = parser.parse_args(argv)
    if args.articles < 3 or args.kills < 0 or (args.bad is not None and args.bad < 1):
        parser.error("--articles must be >= 3, --kills >= 0, --bad >= 1")
    try:
        reports = run(args)
    except KeyboardInterrupt:
        return 130
    except RuntimeError as exc:
        print(f"faults.py: error: {exc}", file=sys.stderr)
        return 1
    print_table(reports)
    if args.json:
        Path(args.json).write_text(json.dumps([r.to_dict() for r in reports], indent=2))
    return 0 if reports and all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
