"""What every verb of the command line shares: exit codes, one-line errors, broker options."""

from __future__ import annotations

import argparse
import sys

from streams.config import Settings, from_env

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def fail(message: str) -> None:
    print(f"wirewatch: error: {message}", file=sys.stderr)


def settings_from_args(args: argparse.Namespace) -> Settings:
    settings = from_env()
    overrides = {
        "broker": getattr(args, "broker", None),
        "topic_prefix": getattr(args, "topic_prefix", None),
        "partitions": getattr(args, "partitions", None),
        "web_port": getattr(args, "web_port", None),
        "aliases_file": getattr(args, "aliases", None),
        "app_id": getattr(args, "app_id", None),
    }
    return settings.with_overrides(**overrides)


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"port must be between 1 and 65535, got {port}")
    return port


def add_broker_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--broker", help="bootstrap servers, e.g. kafka://127.0.0.1:9092 (env WIREWATCH_BROKER)")
    parser.add_argument("--topic-prefix", help="topic name prefix (env WIREWATCH_TOPIC_PREFIX, default 'wire')")


def add_command_group(sub, name: str, *, help: str, description: str, dest: str, metavar: str):
    """A command whose first argument picks one of its own sub-commands (``ingest rss``,
    ``rules add``): returns the sub-parsers to add them to; one of them is required."""
    parser = sub.add_parser(name, help=help, description=description)
    group = parser.add_subparsers(dest=dest, metavar=metavar)
    group.required = True
    return group


def positive_seconds(text: str) -> float:
    """An argparse type: a number of seconds above zero (checked before any broker is contacted)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, got {text}")
    return value
