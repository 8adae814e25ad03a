"""Scoring behind `wirewatch eval`, plus JSON Schema loading and validation.

Gold format: ../shared/data/README.md. Everything here is pure (no Kafka, no spaCy): the
enrichment is passed in as a callable so the same scorer measures any pipeline.
"""

from __future__ import annotations

import copy
import difflib
import functools
import importlib
import importlib.resources
import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, Union

from streams.paths import DATA_DIR, REPO_ROOT
from streams.text import fold_loose, fold_with_map

__all__ = [
    "THRESHOLDS",
    "ArticleScore",
    "EvalInputError",
    "GoldSet",
    "SchemaNotFoundError",
    "aggregate",
    "article_details",
    "evaluate",
    "format_report",
    "load_gold_set",
    "load_schema",
    "normalize_name",
    "score_article",
    "topic_code",
    "validate",
]

THRESHOLDS: tuple[float, ...] = (0.3, 0.8)
SCORED_ENTITY_TYPES = frozenset({"PER", "ORG", "LOC"})
_TSV_NAME = "iptc-mediatopics-top.tsv"
_SHARED_TSV = Path(__file__).resolve().parents[2] / "shared" / "data" / _TSV_NAME  # ../shared/data next to a checkout


# --------------------------------------------------------------------------- schemas


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


@functools.lru_cache(maxsize=None)
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


@functools.lru_cache(maxsize=None)
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
        subs = sorted({_message(sub, 80) for sub in error.context})
        message = f"must match one of: {' | '.join(subs)}"
    else:
        message = error.message
    return message if len(message) <= limit else message[: limit - 3] + "..."


# --------------------------------------------------------------------------- gold input


class EvalInputError(ValueError):
    """Bad evaluation input (missing files, mismatched ids, bad JSON): exit code 2, one line."""


@dataclass
class GoldSet:
    """One gold set: raw articles (as on wire.raw) and their gold annotations, by id."""

    name: str
    articles: list[dict]
    gold: dict[str, dict]
    raw_path: Optional[Path] = None
    gold_path: Optional[Path] = None

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


def _check_gold(where: str, gold: dict) -> dict:
    """Check one gold record's shape and resolve its topics to codes; return the record."""
    if not isinstance(gold.get("id"), str) or not gold["id"]:
        raise EvalInputError(f"{where}: gold record without a string id")
    quotes = gold.get("quotes")
    if quotes is not None:
        if not isinstance(quotes, list):
            raise EvalInputError(f"{where}: quotes must be a list or null")
        for q in quotes:
            if not isinstance(q, dict) or not isinstance(q.get("text"), str) or not q["text"].strip():
                raise EvalInputError(f"{where}: each gold quote needs a non-empty text")
            if q.get("speaker") is not None and not isinstance(q["speaker"], str):
                raise EvalInputError(f"{where}: a quote speaker must be a string or null")
        mode = gold.get("speaker_match", "full")
        if mode not in ("full", "lenient"):
            raise EvalInputError(f"{where}: speaker_match must be 'full' or 'lenient', got {mode!r}")
    entities = gold.get("entities")
    if entities is not None:
        if not isinstance(entities, list):
            raise EvalInputError(f"{where}: entities must be a list or null")
        for e in entities:
            if not isinstance(e, dict) or not isinstance(e.get("name"), str):
                raise EvalInputError(f"{where}: each gold entity needs a name")
            if e.get("type") not in SCORED_ENTITY_TYPES | {"MISC"}:
                raise EvalInputError(f"{where}: entity {e.get('name')!r} has bad type {e.get('type')!r}")
            if not _is_str_list(e.get("surface", [])):
                raise EvalInputError(f"{where}: entity {e['name']!r}: surface must be a list of strings")
    topics = gold.get("topics")
    if topics is not None:
        if not _is_str_list(topics):
            raise EvalInputError(f"{where}: topics must be a list of strings or null")
        codes = []
        for label in topics:
            code = topic_code(label)
            if code is None:
                raise EvalInputError(f"{where}: unknown IPTC topic {label!r}")
            codes.append(code)
        gold = {**gold, "topic_codes": codes}
    return gold


def _load_pair(name: str, raw_path: Path, gold_path: Path) -> GoldSet:
    if not gold_path.is_file():
        raise EvalInputError(f"{raw_path}: no matching gold file {gold_path.name}")
    if not raw_path.is_file():
        raise EvalInputError(f"{gold_path}: no matching raw file {raw_path.name}")
    articles: list[dict] = []
    raw_ids: set[str] = set()
    for number, raw in _read_jsonl(raw_path):
        article_id = raw.get("id")
        if not isinstance(article_id, str) or not article_id:
            raise EvalInputError(f"{raw_path}:{number}: article without a string id")
        if article_id in raw_ids:
            raise EvalInputError(f"{raw_path}:{number}: duplicate id {article_id!r}")
        raw_ids.add(article_id)
        articles.append(raw)
    gold: dict[str, dict] = {}
    for number, record in _read_jsonl(gold_path):
        where = f"{gold_path}:{number}"
        record = _check_gold(where, record)
        if record["id"] in gold:
            raise EvalInputError(f"{where}: duplicate id {record['id']!r}")
        gold[record["id"]] = record
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


def load_gold_set(dir_or_files: Union[str, Path, Sequence[Union[str, Path]]]) -> list[GoldSet]:
    """Load gold sets from a set directory, a parent of set directories, or NAME.{raw,gold}.jsonl files."""
    items = [dir_or_files] if isinstance(dir_or_files, (str, Path)) else list(dir_or_files)
    if not items:
        raise EvalInputError("no gold set given")
    pairs: list[tuple[str, Path, Path]] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = _pairs_in(path)
            if not found:
                for child in sorted(p for p in path.iterdir() if p.is_dir()):
                    found.extend(_pairs_in(child))
            if not found:
                raise EvalInputError(f"{path}: no NAME.raw.jsonl / NAME.gold.jsonl pair here or one level below")
            pairs.extend(found)
        elif path.name.endswith(".raw.jsonl") or path.name.endswith(".gold.jsonl"):
            stem = path.name.rsplit(".", 2)[0]
            pairs.append((stem, path.with_name(f"{stem}.raw.jsonl"), path.with_name(f"{stem}.gold.jsonl")))
        elif not path.exists():
            raise EvalInputError(f"{path}: no such file or directory")
        else:
            raise EvalInputError(f"{path}: expected a directory or a NAME.raw.jsonl / NAME.gold.jsonl file")
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


# --------------------------------------------------------------------------- text helpers

_fold_with_map = fold_with_map
_fold = fold_loose


def normalize_name(name: Optional[str]) -> str:
    """Compare names leniently: casefold, strip diacritics, unify apostrophes, collapse spaces, trim punctuation."""
    if not name:
        return ""
    return _fold(name).strip(" .,;:!?\"'()[]")


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", _fold(text))


def _find_all(haystack: str, needle: str) -> list[int]:
    found, start = [], haystack.find(needle)
    while start != -1 and needle:
        found.append(start)
        start = haystack.find(needle, start + 1)
    return found


def _locate(body: str, text: str) -> list[tuple[int, int]]:
    """Every span of body holding text: exact first, else after folding; [] when absent."""
    text = text.strip()
    if not text:
        return []
    exact = _find_all(body, text)
    if exact:
        return [(s, s + len(text)) for s in exact]
    folded_body, index = _fold_with_map(body)
    folded_text = _fold(text)
    spans = []
    for s in _find_all(folded_body, folded_text):
        spans.append((index[s], index[s + len(folded_text) - 1] + 1))
    return spans


def _span_overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    longer = max(a[1] - a[0], b[1] - b[0])
    if longer <= 0:
        return 0.0
    shared = min(a[1], b[1]) - max(a[0], b[0])
    return max(shared, 0) / longer


def _text_overlap(a: str, b: str) -> float:
    """Longest common substring of the folded texts over the longer one (when no span is known)."""
    fa, fb = _fold(a), _fold(b)
    longer = max(len(fa), len(fb))
    if not longer:
        return 0.0
    match = difflib.SequenceMatcher(None, fa, fb, autojunk=False).find_longest_match(0, len(fa), 0, len(fb))
    return match.size / longer


# --------------------------------------------------------------------------- topics


@functools.lru_cache(maxsize=1)
def _iptc_labels() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(code, (folded labels...)) of the IPTC top level, from the packaged TSV or the shared copy."""
    candidates = [DATA_DIR / _TSV_NAME, _SHARED_TSV]
    for path in candidates:
        if path.is_file():
            rows = []
            for line in path.read_text(encoding="utf-8").splitlines()[1:]:
                cells = line.split("\t")
                if len(cells) >= 2 and cells[0].strip():
                    rows.append((cells[0].strip(), tuple(_fold(c) for c in cells[1:] if c.strip())))
            return tuple(rows)
    raise EvalInputError(
        "IPTC topic labels are needed to read a gold topic label but no "
        f"{_TSV_NAME} was found (looked in: {', '.join(map(str, candidates))})"
    )


def _own_label_to_code(label: str) -> Optional[str]:
    wanted = _fold(label).strip()
    if not wanted:
        return None
    table = _iptc_labels()
    for test in (
        lambda lab: lab == wanted,
        lambda lab: lab.startswith(wanted),
        lambda lab: wanted in lab,
    ):
        hits = {code for code, labels in table if any(test(lab) for lab in labels)}
        if len(hits) == 1:
            return hits.pop()
        if len(hits) > 1:
            return None  # ambiguous
    return None


def _external_label_to_code(label: str) -> Optional[str]:
    try:
        module = importlib.import_module("streams.nlp.topics.classify")
    except ImportError:
        return None
    func = getattr(module, "label_to_code", None)
    if func is None:
        return None
    try:
        code = func(label)
    except Exception:  # noqa: BLE001 - another module's lookup failing is just "unknown"
        return None
    return code if isinstance(code, str) else None


_CODE_RE = re.compile(r"^(?:medtop:)?(\d{8})$", re.IGNORECASE)


def topic_code(value: str) -> Optional[str]:
    """Map a gold/predicted topic ("medtop:11000000", "11000000" or a label) to "medtop:NNNNNNNN"."""
    value = (value or "").strip()
    match = _CODE_RE.match(value)
    if match:
        return f"medtop:{match.group(1)}"
    for lookup in (_external_label_to_code, _own_label_to_code):
        code = lookup(value)
        if code:
            match = _CODE_RE.match(code.strip())
            if match:
                return f"medtop:{match.group(1)}"
    return None


# --------------------------------------------------------------------------- per-article scores


@dataclass
class QuoteScore:
    """Quote and speaker counts of one article; per-threshold dicts are keyed by threshold."""

    gold: int
    predicted: int
    matched: dict[float, int]
    speaker_correct: dict[float, int]
    pairs: list[tuple[int, int, float]] = field(default_factory=list)  # (gold index, pred index, overlap)
    unlocated: int = 0  # gold quotes whose text is not in the body (scored by text overlap)
    errors: dict[str, list] = field(default_factory=dict, repr=False, compare=False)  # see article_details()


@dataclass
class EntityScore:
    """Entity counts of one article (PER/ORG/LOC; MISC predictions are ignored)."""

    gold: int
    predicted: int
    matched: int
    matched_any_type: int
    canonical_correct: int  # matched gold entities whose predicted name is the gold (English) name
    cross_lingual: bool  # the article is not in English
    errors: dict[str, list] = field(default_factory=dict, repr=False, compare=False)  # see article_details()


@dataclass
class TopicScore:
    """Topic result of one article."""

    gold: list[str]
    predicted_top3: list[str]
    top1_correct: bool
    recall_at_3: float


@dataclass
class ArticleScore:
    """Scores of one article; a part is None when its gold field is null (not annotated)."""

    id: str
    language: Optional[str]
    predicted: bool
    quotes: Optional[QuoteScore]
    entities: Optional[EntityScore]
    topics: Optional[TopicScore]


def _pred_span(quote: Mapping[str, Any], body: str) -> Optional[tuple[int, int]]:
    start, end = quote.get("start"), quote.get("end")
    if isinstance(start, int) and isinstance(end, int) and 0 <= start <= end:
        return (start, end)
    located = _locate(body, quote.get("text") or "")
    return located[0] if located else None


def _speaker_forms(speaker: Any) -> list[str]:
    if not isinstance(speaker, Mapping):
        return []
    forms = []
    span = speaker.get("span")
    if isinstance(span, Mapping) and isinstance(span.get("text"), str):
        forms.append(span["text"])
    if isinstance(speaker.get("name"), str):
        forms.append(speaker["name"])
    return [f for f in forms if normalize_name(f)]


def _speaker_name(speaker: Any) -> Optional[str]:
    """The predicted speaker as shown in error details: its name, else its source span."""
    forms = _speaker_forms(speaker)
    return forms[-1] if forms else None


def _contains_run(longer: list[str], shorter: list[str]) -> bool:
    n = len(shorter)
    return n > 0 and any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


# Words that open a described, unnamed source: "un diplomate européen", "l'un d'eux", "les supporters
# rennais" (a group: French marks the plural), "a senior official".
_DESCRIPTION_OPENERS = frozenset("""un une des les plusieurs certains certaines deux trois quelques l'un l'une
    a an one some several two three""".split())


def is_description(pred_speaker: Any) -> bool:
    """An unnamed source the pipeline describes: no entity, and a phrase of two or more words opened
    by an indefinite or plural determiner ("un diplomate européen", "L'un d'eux", "a senior official"); a lone
    pronoun the pipeline could not resolve ("il", "he") is not one."""
    if not isinstance(pred_speaker, Mapping) or pred_speaker.get("entity_id"):
        return False
    name = pred_speaker.get("name")
    words = name.replace("\u2019", "'").lower().split() if isinstance(name, str) else []
    return len(words) >= 2 and words[0] in _DESCRIPTION_OPENERS


def speaker_correct(pred_speaker: Any, gold_speaker: Optional[str], mode: str) -> bool:
    """Is the predicted speaker right? full: same normalised name; lenient: matches the gold source span.

    In full mode the gold names people, and null means "no one named": a predicted description of
    an unnamed source says the same thing, so it matches null (and never matches a name).
    """
    forms = _speaker_forms(pred_speaker)
    if gold_speaker is None or not normalize_name(gold_speaker):
        return not forms or mode == "full" and is_description(pred_speaker)
    if not forms:
        return False
    if mode == "full":
        return normalize_name(pred_speaker.get("name")) == normalize_name(gold_speaker)
    gold_tokens = _tokens(gold_speaker)
    for form in forms:
        tokens = _tokens(form)
        if not tokens:
            continue
        if tokens == gold_tokens or _contains_run(gold_tokens, tokens) or _contains_run(tokens, gold_tokens):
            return True
        if len(tokens) > 1 and len(gold_tokens) > 1:
            shorter, longer = sorted((tokens, gold_tokens), key=len)
            if set(shorter) <= set(longer):
                return True
    return False


def _score_quotes(pred: Mapping[str, Any], gold: Mapping[str, Any], body: str) -> QuoteScore:
    gold_quotes = gold["quotes"]
    pred_quotes = [q for q in pred.get("quotes") or [] if isinstance(q, Mapping)]
    pred_spans = [_pred_span(q, body) for q in pred_quotes]
    candidates: list[tuple[float, int, int]] = []
    unlocated = 0
    for gi, gq in enumerate(gold_quotes):
        spans = _locate(body, gq["text"])
        if not spans:
            unlocated += 1
        for pi, pq in enumerate(pred_quotes):
            if spans and pred_spans[pi] is not None:
                overlap = max(_span_overlap(s, pred_spans[pi]) for s in spans)
            else:
                overlap = _text_overlap(gq["text"], pq.get("text") or "")
            if overlap >= min(THRESHOLDS):
                candidates.append((overlap, gi, pi))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs = []
    for overlap, gi, pi in candidates:
        if gi in used_gold or pi in used_pred:
            continue
        used_gold.add(gi)
        used_pred.add(pi)
        pairs.append((gi, pi, overlap))
    mode = gold.get("speaker_match") or "full"
    matched = {t: 0 for t in THRESHOLDS}
    correct = {t: 0 for t in THRESHOLDS}
    errors: dict[str, list] = {"missed": [], "false_positive": [], "wrong_speaker": [], "partial": []}
    for gi, pi, overlap in pairs:
        ok = speaker_correct(pred_quotes[pi].get("speaker"), gold_quotes[gi].get("speaker"), mode)
        for t in THRESHOLDS:
            if overlap >= t:
                matched[t] += 1
                correct[t] += ok
        if not ok:
            errors["wrong_speaker"].append({
                "text": gold_quotes[gi]["text"],
                "gold": gold_quotes[gi].get("speaker"),
                "predicted": _speaker_name(pred_quotes[pi].get("speaker")),
                "overlap": round(overlap, 3),
            })
        if overlap < max(THRESHOLDS):
            errors["partial"].append(
                {"gold": gold_quotes[gi]["text"], "predicted": pred_quotes[pi].get("text"), "overlap": round(overlap, 3)}
            )
    errors["missed"] = [
        {"text": q["text"], "speaker": q.get("speaker")} for gi, q in enumerate(gold_quotes) if gi not in used_gold
    ]
    errors["false_positive"] = [
        {"text": q.get("text"), "speaker": _speaker_name(q.get("speaker"))}
        for pi, q in enumerate(pred_quotes)
        if pi not in used_pred
    ]
    return QuoteScore(len(gold_quotes), len(pred_quotes), matched, correct, pairs, unlocated, errors)


def _entity_forms(entity: Mapping[str, Any]) -> set[str]:
    forms = [entity.get("name")]
    forms += list(entity.get("aliases") or [])
    forms += [m.get("text") for m in entity.get("mentions") or [] if isinstance(m, Mapping)]
    return {normalize_name(f) for f in forms if isinstance(f, str)} - {""}


def _max_matching(edges: list[list[int]]) -> dict[int, int]:
    """Maximum bipartite matching (augmenting paths); edges[left] lists right nodes in preference order."""
    owner: dict[int, int] = {}

    def augment(left: int, seen: set[int]) -> bool:
        for right in edges[left]:
            if right in seen:
                continue
            seen.add(right)
            if right not in owner or augment(owner[right], seen):
                owner[right] = left
                return True
        return False

    for left in range(len(edges)):
        augment(left, set())
    return {left: right for right, left in owner.items()}


def _score_entities(pred: Mapping[str, Any], gold: Mapping[str, Any], language: Optional[str]) -> EntityScore:
    gold_entities = [e for e in gold["entities"] if e.get("type") in SCORED_ENTITY_TYPES]
    pred_entities = [
        e for e in pred.get("entities") or [] if isinstance(e, Mapping) and e.get("type") in SCORED_ENTITY_TYPES
    ]
    pred_forms = [_entity_forms(e) for e in pred_entities]
    pred_names = [normalize_name(e.get("name")) for e in pred_entities]

    def edges(typed: bool) -> list[list[int]]:
        out = []
        for g in gold_entities:
            forms = {normalize_name(s) for s in g.get("surface") or []} | {normalize_name(g["name"])}
            forms.discard("")
            name = normalize_name(g["name"])
            hits = [
                pi
                for pi, p in enumerate(pred_entities)
                if (not typed or p.get("type") == g["type"]) and forms & pred_forms[pi]
            ]
            hits.sort(key=lambda pi: pred_names[pi] != name)  # prefer a canonical-name match
            out.append(hits)
        return out

    typed = _max_matching(edges(True))
    untyped = _max_matching(edges(False))
    canonical = sum(pred_names[pi] == normalize_name(gold_entities[gi]["name"]) for gi, pi in typed.items())
    lang = (language or "").lower()
    typed_pred = set(typed.values())
    missed = []
    for gi, g in enumerate(gold_entities):
        if gi in typed:
            continue
        miss = {"name": g["name"], "type": g["type"], "surface": list(g.get("surface") or [])}
        pi = untyped.get(gi)
        if pi is not None and pi not in typed_pred:  # found, but with another type
            miss["found_as"] = {"name": pred_entities[pi].get("name"), "type": pred_entities[pi].get("type")}
        missed.append(miss)
    false_positive = [
        {
            "name": p.get("name"),
            "type": p.get("type"),
            "mentions": list(dict.fromkeys(
                m["text"] for m in p.get("mentions") or [] if isinstance(m, Mapping) and isinstance(m.get("text"), str)
            )),
        }
        for pi, p in enumerate(pred_entities)
        if pi not in typed_pred
    ]
    return EntityScore(
        gold=len(gold_entities),
        predicted=len(pred_entities),
        matched=len(typed),
        matched_any_type=len(untyped),
        canonical_correct=canonical,
        cross_lingual=bool(lang) and not (lang == "en" or lang.startswith("en-")),
        errors={"missed": missed, "false_positive": false_positive},
    )


def _score_topics(pred: Mapping[str, Any], gold: Mapping[str, Any]) -> Optional[TopicScore]:
    gold_codes = list(dict.fromkeys(gold.get("topic_codes") or [topic_code(t) for t in gold["topics"]]))
    gold_codes = [c for c in gold_codes if c]
    if not gold_codes:
        return None  # nothing to score against
    topics = [t for t in pred.get("topics") or [] if isinstance(t, Mapping)]
    ranked = sorted(enumerate(topics), key=lambda it: (-float(it[1].get("score") or 0.0), it[0]))
    codes: list[str] = []
    for _, topic in ranked:
        code = topic_code(str(topic.get("code") or ""))
        if code and code not in codes:
            codes.append(code)
    top3 = codes[:3]
    return TopicScore(
        gold=gold_codes,
        predicted_top3=top3,
        top1_correct=bool(codes) and codes[0] in gold_codes,
        recall_at_3=len(set(top3) & set(gold_codes)) / len(gold_codes),
    )


def score_article(pred: Optional[Mapping[str, Any]], gold: Mapping[str, Any], raw: Optional[Mapping[str, Any]] = None) -> ArticleScore:
    """Score one enriched article against its gold record (pred None/{} = the pipeline dropped it)."""
    pred = pred or {}
    body = pred.get("body")
    if not isinstance(body, str):
        body = (raw or {}).get("body") if isinstance((raw or {}).get("body"), str) else ""
    language = gold.get("language") or (raw or {}).get("language") or pred.get("language")
    if gold.get("topics") is not None and "topic_codes" not in gold:
        gold = {**gold, "topic_codes": [topic_code(t) for t in gold["topics"]]}
    return ArticleScore(
        id=str(gold.get("id")),
        language=language,
        predicted=bool(pred),
        quotes=_score_quotes(pred, gold, body) if gold.get("quotes") is not None else None,
        entities=_score_entities(pred, gold, language) if gold.get("entities") is not None else None,
        topics=_score_topics(pred, gold) if gold.get("topics") is not None else None,
    )


def article_details(score: ArticleScore) -> Optional[dict[str, Any]]:
    """The errors of one article for the report's "details" (None when it has none).

    quotes: gold quotes missed (text, speaker), predictions matching no gold quote, matched quotes
    with a wrong speaker (gold vs predicted) and "partial" matches (overlap below the higher
    threshold); entities: gold entities missed (name, type, surface; "found_as" when only the type
    was wrong) and predictions matching nothing (name, type, mentions); topics: gold vs predicted
    top 3 when top-1 is wrong or recall@3 < 1. Empty parts are left out.
    """
    out: dict[str, Any] = {}
    if not score.predicted:
        out["missing"] = True
    for part, value in (("quotes", score.quotes), ("entities", score.entities)):
        if value is not None:
            errors = {k: v for k, v in value.errors.items() if v}
            if errors:
                out[part] = errors
    t = score.topics
    if t is not None and not (t.top1_correct and t.recall_at_3 == 1.0):
        out["topics"] = {"gold": t.gold, "predicted_top3": t.predicted_top3}
    return out or None


# --------------------------------------------------------------------------- aggregation


def _ratio(num: float, den: float) -> Optional[float]:
    return num / den if den else None


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, Any]:
    """Precision/recall are None when their denominator is 0; F1 = 2tp/(pred+gold) is 0 for a silent system."""
    precision = _ratio(tp, n_pred)
    recall = _ratio(tp, n_gold)
    f1 = _ratio(2 * tp, n_pred + n_gold)
    return {"tp": tp, "fp": n_pred - tp, "fn": n_gold - tp, "precision": precision, "recall": recall, "f1": f1}


def _threshold_key(t: float) -> str:
    return f"overlap_{t:g}"


def aggregate(scores: Sequence[ArticleScore]) -> dict[str, Any]:
    """Micro-averaged metrics over articles; a block is None when no article had that gold field."""
    report: dict[str, Any] = {
        "articles": len(scores),
        "predicted": sum(s.predicted for s in scores),
        "missing": sum(not s.predicted for s in scores),
    }
    qs = [s.quotes for s in scores if s.quotes is not None]
    if qs:
        n_gold = sum(q.gold for q in qs)
        n_pred = sum(q.predicted for q in qs)
        quotes: dict[str, Any] = {
            "articles": len(qs),
            "gold": n_gold,
            "predicted": n_pred,
            "gold_not_in_body": sum(q.unlocated for q in qs),
        }
        speakers: dict[str, Any] = {}
        for t in THRESHOLDS:
            matched = sum(q.matched[t] for q in qs)
            correct = sum(q.speaker_correct[t] for q in qs)
            quotes[_threshold_key(t)] = _prf(matched, n_pred, n_gold)
            speakers[_threshold_key(t)] = {
                "matched": matched,
                "correct": correct,
                "accuracy": _ratio(correct, matched),
                "correct_over_gold": _ratio(correct, n_gold),
            }
        report["quotes"] = quotes
        report["speakers"] = speakers
    else:
        report["quotes"] = report["speakers"] = None
    es = [s.entities for s in scores if s.entities is not None]
    if es:
        n_gold = sum(e.gold for e in es)
        n_pred = sum(e.predicted for e in es)
        cross = [e for e in es if e.cross_lingual]
        entities = {"articles": len(es), "gold": n_gold, "predicted": n_pred, **_prf(sum(e.matched for e in es), n_pred, n_gold)}
        entities["any_type"] = _prf(sum(e.matched_any_type for e in es), n_pred, n_gold)
        entities["canonical_name"] = {
            "articles": len(cross),
            "matched": sum(e.matched for e in cross),
            "correct": sum(e.canonical_correct for e in cross),
            "share": _ratio(sum(e.canonical_correct for e in cross), sum(e.matched for e in cross)),
        }
        entities["canonical_name_all"] = {
            "matched": sum(e.matched for e in es),
            "correct": sum(e.canonical_correct for e in es),
            "share": _ratio(sum(e.canonical_correct for e in es), sum(e.matched for e in es)),
        }
        report["entities"] = entities
    else:
        report["entities"] = None
    ts = [s.topics for s in scores if s.topics is not None]
    if ts:
        report["topics"] = {
            "articles": len(ts),
            "top1_correct": sum(t.top1_correct for t in ts),
            "top1_accuracy": sum(t.top1_correct for t in ts) / len(ts),
            "recall_at_3": sum(t.recall_at_3 for t in ts) / len(ts),
        }
    else:
        report["topics"] = None
    return report


def _timing(seconds: float, preds: Iterable[Mapping[str, Any]], n: int) -> dict[str, Any]:
    stage_sum: dict[str, float] = defaultdict(float)
    stage_n: dict[str, int] = defaultdict(int)
    for pred in preds:
        timings = pred.get("timings_ms")
        if isinstance(timings, Mapping):
            for stage, ms in timings.items():
                if isinstance(ms, (int, float)):
                    stage_sum[stage] += float(ms)
                    stage_n[stage] += 1
    return {
        "seconds": round(seconds, 4),
        "articles_per_second": round(n / seconds, 2) if seconds > 0 else None,
        "stage_ms_mean": {k: round(stage_sum[k] / stage_n[k], 3) for k in stage_sum},
    }


def evaluate(
    sets: Sequence[GoldSet],
    enrich: Callable[[list[dict]], list[dict]],
    progress: Optional[Callable[[int, int, str], None]] = None,
    batch_size: int = 64,
    details: bool = False,
) -> dict[str, Any]:
    """Enrich every set's raw articles in batches and score them; returns a JSON-serialisable report.

    `progress(done, total, set_name)` is called after each batch (done/total within that set).
    Predictions are matched to gold by id; an article the pipeline did not return counts as an
    empty prediction ("missing"), so dropping hard articles cannot raise the scores.
    With `details`, each set's block gets "details": {article id: article_details()} for the
    articles with at least one error.
    """
    report: dict[str, Any] = {"sets": {}, "thresholds": list(THRESHOLDS)}
    all_scores: list[ArticleScore] = []
    all_preds: list[Mapping[str, Any]] = []
    total_seconds = 0.0
    for gold_set in sets:
        preds: dict[str, Mapping[str, Any]] = {}
        seconds = 0.0
        for start in range(0, len(gold_set.articles), max(1, batch_size)):
            batch = [copy.deepcopy(a) for a in gold_set.articles[start : start + max(1, batch_size)]]
            began = time.perf_counter()
            out = enrich(batch)
            seconds += time.perf_counter() - began
            for pred in out or []:
                if isinstance(pred, Mapping) and isinstance(pred.get("id"), str):
                    preds.setdefault(pred["id"], pred)
            if progress is not None:
                progress(min(start + len(batch), len(gold_set.articles)), len(gold_set.articles), gold_set.name)
        scores = [
            score_article(preds.get(a["id"]), gold_set.gold[a["id"]], a) for a in gold_set.articles
        ]
        block = aggregate(scores)
        block["timing"] = _timing(seconds, preds.values(), len(gold_set.articles))
        if details:
            block["details"] = {s.id: d for s in scores if (d := article_details(s)) is not None}
        report["sets"][gold_set.name] = block
        all_scores.extend(scores)
        all_preds.extend(preds.values())
        total_seconds += seconds
    overall = aggregate(all_scores)
    overall["timing"] = _timing(total_seconds, all_preds, len(all_scores))
    report["overall"] = overall
    return report


# --------------------------------------------------------------------------- terminal table


def _get(block: Optional[Mapping[str, Any]], *path: str) -> Any:
    value: Any = block
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}"


def format_report(report: Mapping[str, Any]) -> str:
    """A compact aligned table: one row per metric, one column per set plus overall (figures in %)."""
    columns = list(report.get("sets", {}).items())
    if len(columns) != 1:  # with one set, overall would repeat it
        columns.append(("overall", report.get("overall", {})))
    t_lo, t_hi = (_threshold_key(t) for t in THRESHOLDS)
    rows: list[tuple[str, Callable[[Mapping[str, Any]], str]]] = [
        ("articles", lambda b: str(b.get("articles", 0))),
        ("missing (not returned)", lambda b: str(b.get("missing", 0))),
        ("quotes gold/predicted", lambda b: "n/a" if not b.get("quotes") else f"{b['quotes']['gold']}/{b['quotes']['predicted']}"),
    ]
    for key, t in ((t_lo, THRESHOLDS[0]), (t_hi, THRESHOLDS[1])):
        for metric in ("precision", "recall", "f1"):
            rows.append((f"quotes {metric[0].upper() if metric != 'f1' else 'F1'} @{t:g}", lambda b, k=key, m=metric: _pct(_get(b, "quotes", k, m))))
    rows += [
        (f"speaker acc @{THRESHOLDS[0]:g}", lambda b: _pct(_get(b, "speakers", t_lo, "accuracy"))),
        (f"speaker acc @{THRESHOLDS[1]:g}", lambda b: _pct(_get(b, "speakers", t_hi, "accuracy"))),
        ("entities P", lambda b: _pct(_get(b, "entities", "precision"))),
        ("entities R", lambda b: _pct(_get(b, "entities", "recall"))),
        ("entities F1", lambda b: _pct(_get(b, "entities", "f1"))),
        ("entities F1 (any type)", lambda b: _pct(_get(b, "entities", "any_type", "f1"))),
        ("canonical names (non-en)", lambda b: _pct(_get(b, "entities", "canonical_name", "share"))),
        ("topics top-1", lambda b: _pct(_get(b, "topics", "top1_accuracy"))),
        ("topics recall@3", lambda b: _pct(_get(b, "topics", "recall_at_3"))),
        ("seconds", lambda b: "n/a" if _get(b, "timing", "seconds") is None else f"{b['timing']['seconds']:.1f}"),
        ("articles/s", lambda b: "n/a" if _get(b, "timing", "articles_per_second") is None else f"{b['timing']['articles_per_second']:.1f}"),
    ]
    header = ["metric (%)"] + [name for name, _ in columns]
    table = [header] + [[label] + [fmt(block or {}) for _, block in columns] for label, fmt in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = []
    for n, row in enumerate(table):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
