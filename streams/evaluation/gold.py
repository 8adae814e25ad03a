"""Reading gold sets: NAME.raw.jsonl (articles as on wire.raw) paired with NAME.gold.jsonl, checked.

Gold format: ../shared/data/README.md. Every problem is an EvalInputError naming the file and line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams.evaluation.entities import SCORED_ENTITY_TYPES
from streams.evaluation.errors import EvalInputError
from streams.evaluation.topics import topic_code

__all__ = ["EvalInputError", "GoldSet", "load_gold_set"]


@dataclass
class GoldSet:
    """One gold set: raw articles (as on wire.raw) and their gold annotations, by id."""

    name: str
    articles: list[dict]
    gold: dict[str, dict]
    raw_path: Path | None = None
    gold_path: Path | None = None

    def __len__(self) -> int:
        return len(self.articles)

    def truncate(self, limit: int) -> None:
        """Keep only the first `limit` articles (quick runs: `wirewatch eval --limit`)."""
        if limit >= 0:
            self.articles = self.articles[:limit]
            kept = {a["id"] for a in self.articles}
            self.gold = {k: v for k, v in self.gold.items() if k in kept}


def _read_jsonl(path: Path) -> list[tuple[int, dict]]:
    rows: list[tuple[int, dict]] = []
    try:
        handle = path.open("r", encoding="utf-8")
    except OSError as exc:
        raise EvalInputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with handle:
        try:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise EvalInputError(f"{path}:{number}: invalid JSON: {exc.msg} (column {exc.colno})") from None
                if not isinstance(value, dict):
                    raise EvalInputError(f"{path}:{number}: expected a JSON object, got {type(value).__name__}")
                rows.append((number, value))
        except UnicodeDecodeError as exc:
            raise EvalInputError(f"{path}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    return rows


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _list_or_none(where: str, gold: dict, key: str) -> list | None:
    value = gold.get(key)
    if value is not None and not isinstance(value, list):
        raise EvalInputError(f"{where}: {key} must be a list or null")
    return value


def _check_quotes(where: str, gold: dict) -> None:
    quotes = _list_or_none(where, gold, "quotes")
    if quotes is None:
        return
    for quote in quotes:
        if not isinstance(quote, dict) or not isinstance(quote.get("text"), str) or not quote["text"].strip():
            raise EvalInputError(f"{where}: each gold quote needs a non-empty text")
        if quote.get("speaker") is not None and not isinstance(quote["speaker"], str):
            raise EvalInputError(f"{where}: a quote speaker must be a string or null")
    mode = gold.get("speaker_match", "full")
    if mode not in ("full", "lenient"):
        raise EvalInputError(f"{where}: speaker_match must be 'full' or 'lenient', got {mode!r}")


def _check_entities(where: str, gold: dict) -> None:
    for entity in _list_or_none(where, gold, "entities") or []:
        if not isinstance(entity, dict) or not isinstance(entity.get("name"), str):
            raise EvalInputError(f"{where}: each gold entity needs a name")
        if entity.get("type") not in SCORED_ENTITY_TYPES | {"MISC"}:
            raise EvalInputError(f"{where}: entity {entity.get('name')!r} has bad type {entity.get('type')!r}")
        if not _is_str_list(entity.get("surface", [])):
            raise EvalInputError(f"{where}: entity {entity['name']!r}: surface must be a list of strings")


def _topic_codes(where: str, gold: dict) -> list[str] | None:
    """The gold topics as IPTC codes (None when the record has no topics)."""
    topics = gold.get("topics")
    if topics is None:
        return None
    if not _is_str_list(topics):
        raise EvalInputError(f"{where}: topics must be a list of strings or null")
    codes = []
    for label in topics:
        code = topic_code(label)
        if code is None:
            raise EvalInputError(f"{where}: unknown IPTC topic {label!r}")
        codes.append(code)
    return codes


def _check_gold(where: str, gold: dict) -> dict:
    """Check one gold record's shape and resolve its topics to codes; return the record."""
    if not isinstance(gold.get("id"), str) or not gold["id"]:
        raise EvalInputError(f"{where}: gold record without a string id")
    _check_quotes(where, gold)
    _check_entities(where, gold)
    codes = _topic_codes(where, gold)
    return gold if codes is None else {**gold, "topic_codes": codes}


def _read_articles(raw_path: Path) -> list[dict]:
    articles: list[dict] = []
    seen: set[str] = set()
    for number, raw in _read_jsonl(raw_path):
        article_id = raw.get("id")
        if not isinstance(article_id, str) or not article_id:
            raise EvalInputError(f"{raw_path}:{number}: article without a string id")
        if article_id in seen:
            raise EvalInputError(f"{raw_path}:{number}: duplicate id {article_id!r}")
        seen.add(article_id)
        articles.append(raw)
    return articles


def _read_gold(gold_path: Path) -> dict[str, dict]:
    gold: dict[str, dict] = {}
    for number, record in _read_jsonl(gold_path):
        where = f"{gold_path}:{number}"
        record = _check_gold(where, record)
        if record["id"] in gold:
            raise EvalInputError(f"{where}: duplicate id {record['id']!r}")
        gold[record["id"]] = record
    return gold


def _load_pair(name: str, raw_path: Path, gold_path: Path) -> GoldSet:
    if not gold_path.is_file():
        raise EvalInputError(f"{raw_path}: no matching gold file {gold_path.name}")
    if not raw_path.is_file():
        raise EvalInputError(f"{gold_path}: no matching raw file {raw_path.name}")
    articles = _read_articles(raw_path)
    gold = _read_gold(gold_path)
    raw_ids = {a["id"] for a in articles}
    only_raw = sorted(raw_ids - gold.keys())
    only_gold = sorted(gold.keys() - raw_ids)
    if only_raw or only_gold:
        parts = []
        if only_raw:
            parts.append(f"{len(only_raw)} id(s) only in {raw_path.name} (e.g. {only_raw[0]!r})")
        if only_gold:
            parts.append(f"{len(only_gold)} id(s) only in {gold_path.name} (e.g. {only_gold[0]!r})")
        raise EvalInputError(f"set {name!r}: ids differ: " + "; ".join(parts))
    return GoldSet(name=name, articles=articles, gold=gold, raw_path=raw_path, gold_path=gold_path)


def _pairs_in(directory: Path) -> list[tuple[str, Path, Path]]:
    names = {p.name[: -len(".raw.jsonl")] for p in directory.glob("*.raw.jsonl")}
    names |= {p.name[: -len(".gold.jsonl")] for p in directory.glob("*.gold.jsonl")}
    return [(n, directory / f"{n}.raw.jsonl", directory / f"{n}.gold.jsonl") for n in sorted(names)]


def _pairs_given(path: Path) -> list[tuple[str, Path, Path]]:
    """(set name, raw path, gold path) for one command-line item: a set directory, a parent, or a file."""
    if path.is_dir():
        found = _pairs_in(path)
        if not found:
            for child in sorted(p for p in path.iterdir() if p.is_dir()):
                found.extend(_pairs_in(child))
        if not found:
            raise EvalInputError(f"{path}: no NAME.raw.jsonl / NAME.gold.jsonl pair here or one level below")
        return found
    if path.name.endswith(".raw.jsonl") or path.name.endswith(".gold.jsonl"):
        stem = path.name.rsplit(".", 2)[0]
        return [(stem, path.with_name(f"{stem}.raw.jsonl"), path.with_name(f"{stem}.gold.jsonl"))]
    if not path.exists():
        raise EvalInputError(f"{path}: no such file or directory")
    raise EvalInputError(f"{path}: expected a directory or a NAME.raw.jsonl / NAME.gold.jsonl file")


def load_gold_set(dir_or_files: str | Path | Sequence[str | Path]) -> list[GoldSet]:
    """Load gold sets from a set directory, a parent of set directories, or NAME.{raw,gold}.jsonl files."""
    items = [dir_or_files] if isinstance(dir_or_files, (str, Path)) else list(dir_or_files)
    if not items:
        raise EvalInputError("no gold set given")
    pairs = [pair for item in items for pair in _pairs_given(Path(item))]
    seen: dict[Path, str] = {}
    sets = []
    for name, raw_path, gold_path in pairs:
        if raw_path.resolve() in seen:
            continue  # both files of one pair given
        if name in seen.values():  # same set name in two directories: qualify it
            name = f"{raw_path.parent.name}/{name}"
        seen[raw_path.resolve()] = name
        sets.append(_load_pair(name, raw_path, gold_path))
    return sets
