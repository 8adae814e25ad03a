"""`wirewatch ui`: the live dashboard in a browser (streams/dashboard)."""

from __future__ import annotations

import argparse

from streams.errors import UsageError


def cmd_ui(args: argparse.Namespace) -> int:
    from streams.cli.common import settings_from_args
    from streams.dashboard.launch import PortInUse, run

    if not 10 <= args.window <= 100000:
        raise UsageError(f"--window must be between 10 and 100000 articles, got {args.window}")
    settings = settings_from_args(args)
    try:
        return run(settings, args.host, args.port, max_articles=args.window, group_id=args.app_id)
    except PortInUse as exc:
        raise UsageError(str(exc)) from None


def register_ui(sub) -> None:
    from streams.cli.common import add_broker_options, port_number
    from streams.dashboard.launch import DEFAULT_HOST, DEFAULT_PORT

    p = sub.add_parser(
        "ui", help="the live dashboard in your browser (default http://127.0.0.1:8080/)",
        description="Serve the live dashboard: the stream of enriched articles, each article with its quotes "
        "and speakers, the most quoted actors, alerts and rules, and the pipeline's health. It reads the topics "
        "with its own consumer (no consumer group), so it never slows or disturbs the workers.")
    add_broker_options(p)
    p.add_argument("--port", type=port_number, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}; the rule forms change what the workers "
                   "alert on, so think before exposing it)")
    p.add_argument("--window", type=int, default=500, help="latest articles kept in memory and shown (default 500)")
    p.add_argument("--app-id", help="the workers' consumer group, whose backlog the Health page shows "
                   "(env WIREWATCH_APP_ID, default wirewatch)")
    p.set_defaults(func=cmd_ui)
