"""Errors the command line turns into exit status 2 (bad usage or bad input)."""


class UsageError(Exception):
    """Bad usage or bad input: one line on stderr, exit status 2."""
