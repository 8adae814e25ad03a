"""The printed table of `wirewatch eval`: one row per figure, one column per set plus overall."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from streams.evaluation.quotes import THRESHOLDS
from streams.evaluation.scoring import threshold_key

__all__ = ["figure", "format_report", "percent"]

Row = tuple[str, Callable[[Mapping[str, Any]], str]]


def figure(block: Mapping[str, Any] | None, *path: str) -> Any:
    """The value at `path` in a report block (None when any step is missing)."""
    value: Any = block
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def percent(value: Any) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}"


def _percent_row(label: str, *path: str) -> Row:
    return label, lambda block: percent(figure(block, *path))


def _seconds_row(label: str, key: str) -> Row:
    def show(block: Mapping[str, Any]) -> str:
        value = figure(block, "timing", key)
        return "n/a" if value is None else f"{value:.1f}"

    return label, show


def _quote_counts(block: Mapping[str, Any]) -> str:
    quotes = block.get("quotes")
    return "n/a" if not quotes else f"{quotes['gold']}/{quotes['predicted']}"


def _rows() -> list[Row]:
    rows: list[Row] = [
        ("articles", lambda block: str(block.get("articles", 0))),
        ("missing (not returned)", lambda block: str(block.get("missing", 0))),
        ("quotes gold/predicted", _quote_counts),
    ]
    for threshold in THRESHOLDS:
        for metric, short in (("precision", "P"), ("recall", "R"), ("f1", "F1")):
            rows.append(_percent_row(f"quotes {short} @{threshold:g}", "quotes", threshold_key(threshold), metric))
    rows += [_percent_row(f"speaker acc @{t:g}", "speakers", threshold_key(t), "accuracy") for t in THRESHOLDS]
    rows += [
        _percent_row("entities P", "entities", "precision"),
        _percent_row("entities R", "entities", "recall"),
        _percent_row("entities F1", "entities", "f1"),
        _percent_row("entities F1 (any type)", "entities", "any_type", "f1"),
        _percent_row("canonical names (non-en)", "entities", "canonical_name", "share"),
        _percent_row("topics top-1", "topics", "top1_accuracy"),
        _percent_row("topics recall@3", "topics", "recall_at_3"),
        _seconds_row("seconds", "seconds"),
        _seconds_row("articles/s", "articles_per_second"),
    ]
    return rows


def aligned_table(header: list[str], body: list[list[str]]) -> str:
    """First column left-aligned, the others right-aligned, a rule under the header."""
    table = [header] + body
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = []
    for n, row in enumerate(table):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_report(report: Mapping[str, Any]) -> str:
    """A compact aligned table: one row per metric, one column per set plus overall (figures in %)."""
    columns = list(report.get("sets", {}).items())
    if len(columns) != 1:  # with one set, overall would repeat it
        columns.append(("overall", report.get("overall", {})))
    header = ["metric (%)"] + [name for name, _ in columns]
    body = [[label] + [show(block or {}) for _, block in columns] for label, show in _rows()]
    return aligned_table(header, body)
