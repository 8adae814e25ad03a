"""Multilingual alias table: one canonical id and English display name per real-world place or body.

Why: the same actor is written "OTAN" in a French story and "NATO" in an English one; alert rules
and downstream consumers need one stable id for both. The table ships in streams/data/ (generated
places from pycountry + CLDR, a city gazetteer from GeoNames, curated organisations and places; see
ALIASES-SOURCES.md) and can be extended by a user's own file (JSON Lines, see `load_user_aliases`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from streams.events import EntityType
from streams.lang import words_any
from streams.paths import DATA_DIR
from streams.text import APOSTROPHES, strip_diacritics

# Load order is priority order when two entries share a surface form.
SHIPPED_FILES = ("organisations.tsv", "actors-fr.tsv", "people.tsv", "aliases-places-extra.tsv", "aliases-places.tsv", "aliases-cities.tsv")
ENTITY_TYPES: tuple[str, ...] = ("PER", "ORG", "LOC", "MISC")

_LEADING_ARTICLE = re.compile(r"^(?:(?:the|le|la|les)\s+|l'\s*)", re.IGNORECASE)


class AliasFileError(ValueError):
    """A user aliases file is malformed; the message names the file, line and problem."""


@lru_cache(maxsize=1 << 14)
def slug(name: str) -> str:
    """Readable id fragment: casefolded, diacritics stripped, non-word runs turned into '-' (cached:
    the same names come back in article after article)."""
    text = strip_diacritics(name.translate(APOSTROPHES)).casefold()
    return re.sub(r"[^\w]+", "-", text).strip("-")


@lru_cache(maxsize=65536)
def alias_key(surface: str) -> str:
    """Lookup key: case, diacritics, dots, hyphens, spacing and a leading article do not matter."""
    text = strip_diacritics(surface.translate(APOSTROPHES)).casefold()
    text = text.replace(".", "")
    text = re.sub(r"[-_/\s]+", " ", text).strip()
    stripped = _LEADING_ARTICLE.sub("", text)
    return stripped or text


def entity_id_for(type_: str, name: str) -> str:
    """Deterministic id for an entity the table does not know: "ww:<type>:<normalised name>"."""
    return f"ww:{type_}:{slug(name)}"


@dataclass(frozen=True, slots=True)
class AliasEntry:
    """One known entity: stable id, English display name, type and every known surface form."""

    id: str
    name: str
    type: EntityType
    aliases: tuple[str, ...]
    name_fr: str | None = None
    # Inhabitants, for entries of the generated city gazetteer (aliases-cities.tsv); 0 otherwise.
    population: int = 0
    # A user's definite descriptions of the entity, (language, phrase): ("en", "union") for a trade
    # union; the shipped ones are in data/descriptors.tsv (descriptors.py).
    descriptors: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class _Candidate:
    entry: AliasEntry
    language: str  # "en", "fr" or "*" (any)
    rank: int  # load order: lower wins


_NOT_ASKED = object()
_FOUND_MAX = 1 << 16


@dataclass
class AliasTable:
    """Surface form -> entries index with language- and type-aware disambiguation."""

    entries: list[AliasEntry] = field(default_factory=list)
    _index: dict[str, list[_Candidate]] = field(default_factory=dict, repr=False)
    # (surface, language, type hint) -> lookup's answer: the rules ask for the same names again and
    # again, in an article and across articles; the table does not change once built
    _found: dict[tuple[str, str | None, str | None], AliasEntry | None] = field(
        default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_entries(cls, entries: Iterable[tuple[AliasEntry, dict[str, str]]]) -> AliasTable:
        """Build from (entry, {surface: language}) pairs; earlier entries win ties."""
        table = cls()
        key_of = alias_key.__wrapped__  # not through the cache: the gazetteer's 30,000 names would fill it
        for rank, (entry, surfaces) in enumerate(entries):
            table.entries.append(entry)
            for surface, language in surfaces.items():
                key = key_of(surface)
                if key:
                    table._index.setdefault(key, []).append(_Candidate(entry, language, rank))
        return table

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(
        self, surface: str, language: str | None = None, type_hint: str | None = None
    ) -> AliasEntry | None:
        """Best entry for a surface form, or None.

        A surface written in the article's language wins over the same letters in another language
        ("Mexico" is the city in French, the country in English). With type_hint="PER" only person
        entries are returned: a person called "Jordan" is not the country.
        """
        key = (surface, language, type_hint)
        found = self._found.get(key, _NOT_ASKED)
        if found is _NOT_ASKED:
            if len(self._found) >= _FOUND_MAX:
                self._found.clear()  # bounded: a long-lived worker sees new names forever
            found = self._found[key] = self._best(surface, language, type_hint)
        return found

    def _best(self, surface: str, language: str | None, type_hint: str | None) -> AliasEntry | None:
        candidates = self._index.get(alias_key(surface))
        if not candidates:
            return None
        if type_hint == "PER":
            candidates = [c for c in candidates if c.entry.type == "PER"]
            if not candidates:
                return None

        def score(c: _Candidate) -> tuple[int, int, int]:
            lang = 0 if (language and c.language == language) else 1 if c.language == "*" else 2
            typ = 0 if (type_hint and c.entry.type == type_hint) else 1
            return (lang, typ, c.rank)

        return min(candidates, key=score).entry

    def surfaces(self, min_length: int = 3) -> list[tuple[str, AliasEntry]]:
        """Every (surface, entry) pair, longest first; used to scan text when there is no NER."""
        pairs: dict[str, AliasEntry] = {}
        for entry in reversed(self.entries):  # earlier entries overwrite later ones
            for surface in (entry.name, entry.name_fr or "", *entry.aliases):
                if len(surface) >= min_length:
                    pairs[surface] = entry
        return sorted(pairs.items(), key=lambda p: (-len(p[0]), p[0]))


def _split_aliases(value: str) -> list[str]:
    return [a.strip() for a in value.split("|") if a.strip()]


def read_tsv(path: Path) -> list[dict[str, str]]:
    """Rows of a data file: tab-separated, a header line, '#' comments and blank lines skipped."""
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if header is None:
            header = cells
            continue
        rows.append(dict(zip(header, cells + [""] * (len(header) - len(cells)))))
    return rows


def _entry_from_row(row: dict[str, str]) -> tuple[AliasEntry, dict[str, str]]:
    type_ = row["type"]
    name, name_fr = row["name"], row.get("name_fr") or None
    ident = row.get("id") or ""
    if not ident or ident.startswith("iso:"):
        ident = entity_id_for(type_, name)
    aliases = _split_aliases(row.get("aliases", ""))
    surfaces = {a: "*" for a in aliases}
    if name_fr:
        surfaces[name_fr] = "fr"
    surfaces[name] = "en" if name != name_fr else "*"
    all_aliases = tuple(dict.fromkeys([name, *([name_fr] if name_fr else []), *aliases]))
    population = int(row.get("population") or 0)
    return AliasEntry(ident, name, type_, all_aliases, name_fr, population), surfaces  # type: ignore[arg-type]


def _shipped_rows() -> list[dict[str, str]]:
    """Shipped rows, with the curated "iso:XX" rows folded into the generated country rows."""
    curated_countries: dict[str, dict[str, str]] = {}
    rows: list[dict[str, str]] = []
    for filename in SHIPPED_FILES:
        path = DATA_DIR / filename
        if not path.exists():
            continue
        for row in read_tsv(path):
            if row.get("id", "").startswith("iso:"):
                curated_countries[row["id"]] = row
                continue
            extra = curated_countries.pop(row.get("key", ""), None) if row.get("key") else None
            if extra is not None:
                # The curated name is the English common name (e.g. "Turkey"); keep CLDR's as an alias.
                merged = _split_aliases(row.get("aliases", "")) + _split_aliases(extra.get("aliases", ""))
                merged += [row["name"], row.get("name_fr", "")]
                row = {**row, "name": extra["name"], "name_fr": extra.get("name_fr") or row.get("name_fr", ""),
                       "aliases": "|".join(a for a in dict.fromkeys(merged) if a)}
            rows.append(row)
    return rows


def load_user_aliases(path: str | Path) -> list[tuple[AliasEntry, dict[str, str]]]:
    """Read a user's aliases file: JSON Lines, one entity per line.

    Each line: {"name": "Jens Stoltenberg", "type": "PER", "aliases": ["Stoltenberg"],
    "id": "Q57287" (optional; default ww:<type>:<name>), "name_fr": "..." (optional),
    "descriptors": {"en": ["union"], "fr": ["syndicat"]} (optional: definite descriptions that
    count as mentions once the article has named the entity, as in data/descriptors.tsv)}.
    Blank lines and lines starting with '#' are ignored. Raises AliasFileError naming the line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AliasFileError(f"{path}: cannot read aliases file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise AliasFileError(f"{path}: aliases file is not UTF-8") from exc
    out: list[tuple[AliasEntry, dict[str, str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path}:{number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AliasFileError(f"{where}: not valid JSON ({exc.msg})") from exc
        if not isinstance(item, dict):
            raise AliasFileError(f"{where}: expected a JSON object")
        unknown = set(item) - {"id", "name", "type", "aliases", "name_fr", "descriptors"}
        if unknown:
            raise AliasFileError(f"{where}: unknown field(s) {sorted(unknown)}")
        name, type_ = item.get("name"), item.get("type")
        if not isinstance(name, str) or not name.strip():
            raise AliasFileError(f"{where}: 'name' must be a non-empty string")
        if type_ not in ENTITY_TYPES:
            raise AliasFileError(f"{where}: 'type' must be one of {', '.join(ENTITY_TYPES)}")
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise AliasFileError(f"{where}: 'aliases' must be a list of non-empty strings")
        for optional in ("id", "name_fr"):
            if optional in item and (not isinstance(item[optional], str) or not item[optional].strip()):
                raise AliasFileError(f"{where}: '{optional}' must be a non-empty string")
        described = item.get("descriptors", {})
        if not isinstance(described, dict) or not all(
                lang in ("en", "fr") and isinstance(v, list) and all(isinstance(d, str) and d.strip() for d in v)
                for lang, v in described.items()):
            raise AliasFileError(f"{where}: 'descriptors' must map \"en\" or \"fr\" to lists of non-empty strings")
        row = {"id": item.get("id", ""), "type": type_, "name": name.strip(),
               "name_fr": item.get("name_fr", ""), "aliases": "|".join(a.strip() for a in aliases)}
        entry, surfaces = _entry_from_row(row)
        descriptors = tuple((lang, d.strip()) for lang, v in described.items() for d in v)
        out.append((replace(entry, descriptors=descriptors), surfaces))
    return out


@lru_cache(maxsize=1)
def _default_table() -> AliasTable:
    return AliasTable.from_entries(_entry_from_row(row) for row in _shipped_rows())


def load_alias_table(extra_path: str | None = None) -> AliasTable:
    """The shipped table (loaded once, cached), optionally extended by a user's JSON Lines file.

    User entries take precedence over shipped ones with the same surface form; a user entry with a
    shipped entry's id adds its aliases to that entity.
    """
    if extra_path is None:
        return _default_table()
    return _with_user_file(str(Path(extra_path).resolve()), Path(extra_path).stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _with_user_file(path: str, _mtime: int) -> AliasTable:
    user = load_user_aliases(path)
    shipped = {e.id: e for e in _default_table().entries}
    merged: list[tuple[AliasEntry, dict[str, str]]] = []
    for entry, surfaces in user:
        base = shipped.get(entry.id)
        if base is not None:  # extend a shipped entity, keep its canonical name unless renamed
            entry = AliasEntry(entry.id, entry.name, entry.type,
                               tuple(dict.fromkeys([*entry.aliases, *base.aliases])), entry.name_fr or base.name_fr,
                               descriptors=entry.descriptors)
        merged.append((entry, surfaces))
    return AliasTable.from_entries(
        [*merged, *((_entry_from_row(row)) for row in _shipped_rows())]
    )


# Words that make an unknown actor an organisation (lang/<code>/org-words.txt).
_ORG_WORDS = words_any(("en", "fr"), "org-words")


def _guess_type(name: str) -> str:
    words = name.split()
    lowered = {strip_diacritics(w).casefold() for w in words}
    if any(strip_diacritics(w).casefold() in lowered for w in _ORG_WORDS):
        return "ORG"
    if len(words) == 1 and (words[0].isupper() or len(words[0]) <= 3):
        return "ORG"
    if 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words if w[:1].isalpha()):
        return "PER"
    return "ORG" if len(words) != 1 else "PER"


def resolve_actor(name: str, table: AliasTable | None = None) -> tuple[str, str]:
    """(entity id, canonical name) for an actor written in a rule, in any language.

    Known names resolve through the alias table ("OTAN" and "NATO" give the same id). Unknown names
    get the deterministic id extraction would give them; the type is guessed (an acronym or a name
    with an organisation word is ORG, otherwise PER) unless given as a prefix: "ORG:Gazprom".
    """
    table = table or load_alias_table()
    text = " ".join(name.split())
    type_: str | None = None
    prefix, sep, rest = text.partition(":")
    if sep and prefix in ENTITY_TYPES and rest.strip():
        type_, text = prefix, rest.strip()
    entry = table.lookup(text, type_hint=type_)
    if entry is not None and (type_ is None or entry.type == type_):
        return entry.id, entry.name
    type_ = type_ or _guess_type(text)
    return entity_id_for(type_, text), text
