"""JSON Lines / JSON / IPTC ninjs files -> validated raw articles (no Kafka here).

A file is JSON Lines (one object per line, blank lines skipped) or a single JSON document (an
object, or an array of objects; ninjs is often one pretty-printed object); gzip is recognised by
its magic bytes. Each record is either a raw article (it has ``id``) or a ninjs document of any
generation (1.x ``headline``/``body_text``, 2.x ``headlines[]``/``bodies[]``, 3.x camelCase),
told apart per record. Every record yields an article dict or a :class:`RecordError` carrying
file and line, so a bad line never stops the file and is never silently dropped.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import (
    IO,
    Any,
    NamedTuple,
)

from streams.contracts import (
    DEFAULT_MAX_BODY_BYTES,
    ContractError,
    check_raw_article,
    primary_language,
)
from streams.errors import json_type_name
from streams.ingest.common import html_to_line, looks_like_html
from streams.timestamps import is_rfc3339, to_rfc3339

Article = dict[str, Any]
ToArticle = Callable[[Any], Article]

__all__ = [
    "FileResult",
    "InvalidRecord",
    "RecordError",
    "count_lines",
    "is_ninjs",
    "iter_file_articles",
    "iter_payload_articles",
    "ninjs_to_article",
    "record_to_article",
    "validate_raw_article",
]

_GZIP_MAGIC = b"\x1f\x8b"
_OPTIONAL_STRINGS = ("headline", "body", "body_html", "url", "byline", "language", "published_at")


class RecordError(NamedTuple):
    """An invalid record: where it is and why (``str()`` gives "path:line: message")."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


FileResult = Article | RecordError


class InvalidRecord(ContractError):
    """A record that cannot become a raw article; the message says why, for a human."""


# --- raw articles -----------------------------------------------------------------------------


def _positive_int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise InvalidRecord(f"{what} must be an integer >= 1, not a boolean")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())  # only for ninjs, whose version is a string
    else:
        raise InvalidRecord(f"{what} must be an integer >= 1 (got {value!r:.40})")
    if number < 1:
        raise InvalidRecord(f"{what} must be an integer >= 1 (got {number})")
    return number


def validate_raw_article(
    record: Any, *, default_source: str | None = None, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> Article:
    """A checked and tidied copy of a raw article (wire.raw shape), or :class:`ContractError`
    with the reason the normalize stage would give (streams.contracts).

    ``default_source`` fills a missing or null ``source``. Tidying: ``version`` defaults to 1,
    JSON nulls in the known optional fields are dropped, and a ``published_at`` that is not
    RFC 3339 already is rewritten to RFC 3339 UTC (dropped when empty). Unknown fields are kept.
    """
    article: Article = dict(record) if isinstance(record, dict) else record
    if isinstance(article, dict) and article.get("source") is None and default_source:
        article["source"] = default_source
    check_raw_article(article, max_body_bytes=max_body_bytes)
    if article.get("version") is None:
        article["version"] = 1
    for key in _OPTIONAL_STRINGS:
        if key in article and article[key] is None:
            del article[key]
    published = article.get("published_at")
    if published == "":
        del article["published_at"]
    elif published is not None and not is_rfc3339(published):
        article["published_at"] = to_rfc3339(published)
    return article


# --- ninjs ------------------------------------------------------------------------------------

# Keys that exist in ninjs (any generation, any case) but not in a raw article.
_NINJS_MARKERS = {
    "uri", "body_text", "body_xml", "bodies", "headlines", "versioncreated", "firstcreated",
    "contentcreated", "copyrightholder", "copyrightnotice", "altids", "infosource",
    "infosources", "pubstatus", "representationtype", "standard", "$standard", "by",
}
# ninjs keys turned into raw-article fields; all other ninjs keys are kept under "ninjs".
_NINJS_CONSUMED = {
    "uri", "version", "language", "headline", "headlines", "body_text", "body_html", "bodies",
    "byline", "by", "versioncreated", "url", "provider",
}
_NINJS_TEXT_ROLES = ("", "main", "body", "text", "default", "full")
_HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")


def is_ninjs(record: Any) -> bool:
    """A record without ``id`` that carries ninjs keys (compared case-insensitively, so 1.x/2.x
    lowercase and 3.x camelCase both count); a record with ``id`` is always a raw article."""
    if not isinstance(record, dict) or "id" in record:
        return False
    keys = {k.lower() for k in record if isinstance(k, str)}
    return bool(keys & _NINJS_MARKERS) or any(
        k.startswith("body_") and k != "body_html" for k in keys
    )


def _lower_keys(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {k.lower(): v for k, v in doc.items() if isinstance(k, str)}


def _opt_str(doc: Mapping[str, Any], key: str) -> str | None:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRecord(f"ninjs '{key}' must be a string (got {json_type_name(value)})")
    return value.strip() or None


def _name_of(value: Any) -> str | None:
    """A party's name from "Name" or {"name": "Name", ...}."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        name = value.get("name") or value.get("literal")
        return name.strip() if isinstance(name, str) and name.strip() else None
    return None


def _ninjs_id(doc: Mapping[str, Any]) -> str | None:
    uri = _opt_str(doc, "uri") or _opt_str(doc, "guid")
    if uri:
        return uri
    altids = doc.get("altids")
    values: list[Any] = []
    if isinstance(altids, dict):  # 1.x: {"name": "value"}
        values = list(altids.values())
    elif isinstance(altids, list):  # 2.x/3.x: [{"role": ..., "value": ...}]
        values = [a.get("value") for a in altids if isinstance(a, dict)]
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _ninjs_source(doc: Mapping[str, Any]) -> str | None:
    for key in ("provider", "copyrightholder"):
        name = _name_of(doc.get(key))
        if name:
            return name
    for key in ("infosources", "infosource"):
        sources = doc.get(key)
        if isinstance(sources, list):
            for entry in sources:
                name = _name_of(entry)
                if name:
                    return name
    return None


def _parts(doc: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    """2.x/3.x ``headlines``/``bodies``: objects with value, role and content type."""
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRecord(f"ninjs '{key}' must be an array (got {json_type_name(value)})")
    parts = []
    for index, part in enumerate(value):
        if not isinstance(part, dict) or not isinstance(part.get("value"), str):
            raise InvalidRecord(f"ninjs '{key}[{index}]' must be an object with a string 'value'")
        low = _lower_keys(part)
        role = low.get("role") if isinstance(low.get("role"), str) else ""
        ctype = low.get("contenttype") if isinstance(low.get("contenttype"), str) else ""
        parts.append({"value": part["value"], "role": role.lower(), "type": ctype.lower()})
    return parts


def _main_first(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(parts, key=lambda p: 0 if p["role"] in _NINJS_TEXT_ROLES else 1)


def _is_html(part: Mapping[str, Any]) -> bool:
    if part["type"]:
        return part["type"].startswith(_HTML_CONTENT_TYPES)
    return looks_like_html(part["value"])


def _ninjs_headline(doc: Mapping[str, Any]) -> str | None:
    headline = _opt_str(doc, "headline")
    if headline:
        return html_to_line(headline) if looks_like_html(headline) else headline
    for part in _main_first(_parts(doc, "headlines")):
        line = html_to_line(part["value"]) if _is_html(part) else " ".join(part["value"].split())
        if line:
            return line
    return None


def _ninjs_body(doc: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(body, body_html): plain text preferred (no conversion needed), else markup."""
    text, markup = _opt_str(doc, "body_text"), _opt_str(doc, "body_html")
    if text or markup:
        return text, (None if text else markup)
    parts = [p for p in _parts(doc, "bodies") if p["value"].strip()]
    main = [p for p in parts if p["role"] in _NINJS_TEXT_ROLES]
    for tier in (main, [p for p in parts if p not in main]):  # a summary is not the body
        plain = [p["value"].strip() for p in tier if not _is_html(p)]
        if plain:
            return plain[0], None
        if tier:
            return None, tier[0]["value"].strip()
    for key, value in doc.items():  # 1.x body_xml, body_nitf...: markup, last resort
        if key.startswith("body_") and isinstance(value, str) and value.strip():
            return (None, value.strip()) if looks_like_html(value) else (value.strip(), None)
    return None, None


def ninjs_to_article(
    doc: Any, *, default_source: str | None = None, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> Article:
    """A raw article from one ninjs document (1.x, 2.x or 3.x), or :class:`ContractError`.

    id = uri (else guid, else the first altid); version = int(version) (a string in ninjs);
    source = provider, copyrightholder or the first info source name, else ``default_source``;
    headline = headline or the main headlines[] entry; body_text / text bodies -> body, else
    body_html / HTML bodies -> body_html; by/byline -> byline; versioncreated (else
    firstcreated, contentcreated) -> published_at; language -> primary subtag (left out when it
    names no language: the normalize stage detects it). The ninjs properties not mapped are
    kept, as they were, under ``"ninjs"``. The result is checked like any raw article.
    """
    if not isinstance(doc, dict):
        raise InvalidRecord(f"a record must be a JSON object, not {json_type_name(doc)}")
    low = _lower_keys(doc)
    item_id = _ninjs_id(low)
    if item_id is None:
        raise InvalidRecord("ninjs document without 'uri' (nor guid or altids): no id")
    article: Article = {
        "id": item_id,
        "version": _positive_int(low["version"], "ninjs 'version'") if "version" in low else 1,
    }
    source = _ninjs_source(low) or default_source
    if source:
        article["source"] = source
    language = primary_language(_opt_str(low, "language"))
    if language:
        article["language"] = language
    headline = _ninjs_headline(low)
    if headline:
        article["headline"] = headline
    body, body_html = _ninjs_body(low)
    if body:
        article["body"] = body
    elif body_html:
        article["body_html"] = body_html
    url = _opt_str(low, "url")
    if url:
        article["url"] = url
    byline = _opt_str(low, "by") or _opt_str(low, "byline")
    if byline:
        article["byline"] = byline
    for key in ("versioncreated", "firstcreated", "contentcreated"):
        raw_date = _opt_str(low, key)
        if raw_date:
            stamp = to_rfc3339(raw_date)
            if stamp is None:
                raise InvalidRecord(f"ninjs '{key}' is not a date-time: {raw_date!r:.40}")
            article["published_at"] = stamp
            break
    rest = {
        k: v for k, v in doc.items() if not (isinstance(k, str) and k.lower() in _NINJS_CONSUMED)
    }
    if rest:
        article["ninjs"] = rest
    if "source" not in article:
        raise InvalidRecord(
            "ninjs document without provider/copyrightholder/infosources: no source "
            "(give a default source)"
        )
    if not (body or (body_html and html_to_line(body_html))):
        kind = low.get("type")
        suffix = f" (type {kind!r})" if isinstance(kind, str) and kind != "text" else ""
        raise InvalidRecord(f"ninjs document without body text{suffix}")
    return check_raw_article(article, max_body_bytes=max_body_bytes)


def record_to_article(
    record: Any, *, default_source: str | None = None, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> Article:
    """One JSON record -> raw article: ninjs is detected per record, anything else is checked
    as a raw article. Raises :class:`ContractError` with a human-readable reason."""
    if is_ninjs(record):
        return ninjs_to_article(record, default_source=default_source, max_body_bytes=max_body_bytes)
    return validate_raw_article(record, default_source=default_source, max_body_bytes=max_body_bytes)


# --- reading files ----------------------------------------------------------------------------


def _open_binary(path: str | Path) -> IO[bytes]:
    """The file's bytes, transparently gunzipped (by magic bytes, whatever the name); "-" is
    standard input."""
    raw: IO[bytes] = sys.stdin.buffer if str(path) == "-" else open(path, "rb")
    try:
        head = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    except (OSError, ValueError):
        head = b""
    if head == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def count_lines(path: str | Path) -> int:
    """Number of lines (gunzipped when needed), for a progress bar's total; a last line
    without a newline counts. For a single JSON document it over-counts records, which only
    makes the bar finish early."""
    count, last = 0, b"\n"
    with _open_binary(path) as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (0 if last == b"\n" else 1)


def _converter(default_source: str | None, max_body_bytes: int) -> ToArticle:
    return functools.partial(record_to_article, default_source=default_source, max_body_bytes=max_body_bytes)


def iter_file_articles(
    path: str | Path,
    *,
    default_source: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> Iterator[FileResult]:
    """Each record of a JSON Lines / JSON / ninjs file (optionally gzipped; "-" = stdin) as a
    raw article dict or a :class:`RecordError` (path, line, message). Never raises for bad
    content; an unreadable file (missing, permission) raises OSError before the first result.
    """
    name = "<stdin>" if str(path) == "-" else str(path)
    handle = _open_binary(path)
    try:
        yield from _iter_stream(handle, name, _converter(default_source, max_body_bytes))
    except (OSError, EOFError) as exc:  # e.g. a corrupt or truncated gzip stream
        yield RecordError(name, 0, f"cannot read the file: {exc}")
    finally:
        if str(path) != "-":
            handle.close()


def iter_payload_articles(
    data: bytes,
    *,
    origin: str = "<request>",
    default_source: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> Iterator[FileResult]:
    """Same as :func:`iter_file_articles` for an in-memory payload (an HTTP POST body: one JSON
    object, an array, or JSON Lines)."""
    reader = io.BufferedReader(io.BytesIO(data))
    yield from _iter_stream(reader, origin, _converter(default_source, max_body_bytes))


def _iter_stream(handle: IO[bytes], name: str, to_article: ToArticle) -> Iterator[FileResult]:
    """Stream JSON Lines; switch to whole-document parsing only when the first record is not
    a one-line object (pretty-printed ninjs, or an array)."""
    first_lines: list[bytes] = []
    for raw_line in handle:
        first_lines.append(raw_line)
        if raw_line.strip():
            break
    if not first_lines or not first_lines[-1].strip():
        return  # empty file
    first = first_lines[-1].lstrip().lstrip(b"\xef\xbb\xbf")
    if first[:1] == b"[" or not _is_one_line_object(first):
        rest = handle.read()
        text_bytes = b"".join(first_lines) + rest
        document = _decode_document(text_bytes)
        if document is not None:
            yield from _iter_document(document, name, to_article)
            return
        lines: Iterable[bytes] = io.BytesIO(text_bytes)
    else:
        lines = _chain(first_lines, handle)
    yield from _iter_json_lines(lines, name, to_article)


def _chain(head: list[bytes], tail: Iterable[bytes]) -> Iterator[bytes]:
    yield from head
    yield from tail


def _is_one_line_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def _decode_document(data: bytes) -> str | None:
    """The text if the whole input is one valid JSON document, else None (then: JSON Lines)."""
    try:
        text = data.decode("utf-8-sig")
        json.loads(text)
    except ValueError:
        return None
    return text


def _iter_json_lines(lines: Iterable[bytes], name: str, to_article: ToArticle) -> Iterator[FileResult]:
    for line_no, raw_line in enumerate(lines, start=1):
        if not raw_line.strip():
            continue
        try:
            text = raw_line.decode("utf-8-sig" if line_no == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            yield RecordError(name, line_no, f"not UTF-8: {exc.reason} at byte {exc.start}")
            continue
        try:
            record = json.loads(text)
        except ValueError as exc:
            yield RecordError(name, line_no, f"invalid JSON: {exc}")
            continue
        yield _convert(record, name, line_no, to_article)


def _iter_document(text: str, name: str, to_article: ToArticle) -> Iterator[FileResult]:
    """Records of one JSON document, each with the line where it starts."""
    decoder = json.JSONDecoder()
    index = _skip_ws(text, 0)
    if not text.startswith("[", index):
        yield _convert(json.loads(text), name, text.count("\n", 0, index) + 1, to_article)
        return
    index, line, counted = _skip_ws(text, index + 1), 1, 0
    while index < len(text) and text[index] != "]":
        line += text.count("\n", counted, index)
        counted = index
        record, index = decoder.raw_decode(text, index)
        yield _convert(record, name, line, to_article)
        index = _skip_ws(text, index)
        if text.startswith(",", index):
            index = _skip_ws(text, index + 1)


def _skip_ws(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n\ufeff":
        index += 1
    return index


def _convert(record: Any, name: str, line_no: int, to_article: ToArticle) -> FileResult:
    try:
        return to_article(record)
    except ContractError as exc:
        return RecordError(name, line_no, str(exc))
