"""`python -m streams.dashboard [--port P] ...`: the same as `wirewatch ui`."""

import argparse
import sys

from streams.cli.common import EXIT_USAGE, fail
from streams.cli.ui import register_ui
from streams.config import ConfigError
from streams.errors import UsageError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wirewatch")
    register_ui(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["ui", *(sys.argv[1:] if argv is None else argv)])
    try:
        return args.func(args)
    except (UsageError, ConfigError) as exc:
        fail(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
