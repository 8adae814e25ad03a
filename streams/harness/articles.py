"""Raw articles for the harness: the demo samples shipped in the package, JSON Lines files."""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import resources
from pathlib import Path


def parse_jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def read_jsonl(path: Path) -> list[dict]:
    return parse_jsonl(path.read_text("utf-8"))


def write_jsonl(path: Path, articles: Iterable[dict]) -> None:
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), "utf-8")


def sample_articles() -> list[dict]:
    """The demo articles shipped in the package (streams/samples/articles.jsonl), fresh copies."""
    return parse_jsonl((resources.files("streams") / "samples" / "articles.jsonl").read_text("utf-8"))
