"""Errors the command line turns into exit status 2 (bad usage or bad input)."""


class UsageError(Exception):
    """Bad usage or bad input: one line on stderr, exit status 2."""


def json_type_name(value: object) -> str:
    """How a JSON value reads in an error message: "null", "a number", "an empty string"…"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "an empty string" if not value.strip() else "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
