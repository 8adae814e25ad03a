"""Loading the JSON Schemas of schemas/ and validating events against them, with short messages."""

from __future__ import annotations

import copy
import functools
import importlib.resources
import json
from collections.abc import Iterable
from typing import Any

from streams.paths import REPO_ROOT

__all__ = ["SchemaNotFoundError", "load_schema", "validate"]


class SchemaNotFoundError(FileNotFoundError):
    """Raised when the schemas/ directory (or one schema in it) cannot be found."""


def _schema_dirs() -> list[Any]:
    """Candidate schema directories: source checkout first, then the installed package."""
    dirs: list[Any] = [REPO_ROOT / "schemas"]
    try:
        dirs.append(importlib.resources.files("streams") / "schemas")
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - odd installs
        pass
    return dirs


@functools.cache
def _read_schema(name: str) -> dict:
    file_name = name if name.endswith(".json") else f"{name}.json"
    tried = []
    for directory in _schema_dirs():
        candidate = directory / file_name
        tried.append(str(candidate))
        if candidate.is_file():
            return json.loads(candidate.read_text(encoding="utf-8"))
    raise SchemaNotFoundError(f"JSON Schema {file_name!r} not found (looked in: {', '.join(tried)})")


def load_schema(name: str) -> dict:
    """Return the schema named e.g. "rule" or "rule.json" (a copy: callers may mutate it)."""
    return copy.deepcopy(_read_schema(name))


@functools.cache
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator

    schema = _read_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _json_path(path: Iterable[Any]) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def validate(name: str, obj: Any) -> list[str]:
    """Validate obj against schema `name`; return one readable line per error ([] when valid)."""
    errors = sorted(_validator(name).iter_errors(obj), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [f"{_json_path(error.absolute_path)}: {_message(error)}" for error in errors]


def _message(error: Any, limit: int = 200) -> str:
    """A short message: jsonschema embeds the whole instance in some messages (anyOf on an article)."""
    if error.schema is False or (error.validator == "not" and error.validator_value == {}):
        return "field not allowed here"
    if error.validator in ("anyOf", "oneOf") and error.context:
        alternatives = sorted({_message(sub, 80) for sub in error.context})
        message = f"must match one of: {' | '.join(alternatives)}"
    else:
        message = error.message
    return message if len(message) <= limit else message[: limit - 3] + "..."
