"""The printed table of `wirewatch eval`: one row per figure, one column per set plus overall."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from streams.evaluation.quotes import THRESHOLDS
from streams.evaluation.scoring import threshold_key

__all__ = ["PASS_VALUE_FIGURES", "figure", "format_pass_values", "format_report", "percent", "signed_change"]

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
    rows.append(_percent_row(f"speaker acc, entity @{THRESHOLDS[0]:g}", "speakers", threshold_key(THRESHOLDS[0]),
                             "entity_accuracy"))
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
    notes = [f"{name}: predicted quotes under {scope} words not scored (the set annotates none that short)"
             for name, block in report.get("sets", {}).items()
             if (scope := ((block or {}).get("quotes") or {}).get("scored_from_words", 1)) > 1]
    return aligned_table(header, body) + "".join("\n" + note for note in notes)


# The figures of the table of what each pass is worth.
PASS_VALUE_FIGURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (f"quotes F1 @{THRESHOLDS[0]:g}", ("quotes", threshold_key(THRESHOLDS[0]), "f1")),
    (f"speaker acc @{THRESHOLDS[0]:g}", ("speakers", threshold_key(THRESHOLDS[0]), "accuracy")),
    ("entities F1", ("entities", "f1")),
    ("entities F1 (any type)", ("entities", "any_type", "f1")),
    ("topics top-1", ("topics", "top1_accuracy")),
)


def signed_change(before: Any, after: Any) -> str:
    """after - before in percentage points, signed ("-3.1", "+0.4", "0.0"); "n/a" when either is missing."""
    if before is None or after is None:
        return "n/a"
    change = round(100 * (after - before), 1)
    return "0.0" if change == 0 else f"{change:+.1f}"


def _markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def format_pass_values(
    all_on: Mapping[str, Any], without: Mapping[str, Mapping[str, Any]], summaries: Mapping[str, str]
) -> str:
    """Markdown: per set, the full pipeline's figures, then per pass the change when it is off
    (a pass worth having shows a negative change); then what each pass does."""
    lines: list[str] = []
    for set_name, block in all_on.get("sets", {}).items():
        figures = [(label, path) for label, path in PASS_VALUE_FIGURES if figure(block, *path) is not None]
        count = block.get("articles", 0)
        lines += [f"### {set_name} ({count} article{'' if count == 1 else 's'})", ""]
        if not figures:
            lines += ["No gold quotes, entities or topics to score.", ""]
            continue
        rows = [["all passes on"] + [percent(figure(block, *path)) for _, path in figures]]
        for name, report in without.items():
            off = figure(report, "sets", set_name)
            rows.append([f"without `{name}`"] + [
                signed_change(figure(block, *path), figure(off, *path)) for _, path in figures
            ])
        lines += _markdown_table(["passes"] + [label for label, _ in figures], rows) + [""]
    if summaries:
        lines += ["Passes:", ""] + [f"- `{name}`: {summary}" for name, summary in summaries.items()]
    else:
        lines += ["No pass is declared (streams/nlp/pass_catalog.py), so there is nothing to switch off."]
    return "\n".join(lines).rstrip()
