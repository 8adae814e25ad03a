"""Ingestion into wire.raw: shared helpers, and the entry point to the feed and file readers.

The logic lives in two Kafka-free modules, so the CLI, the HTTP push endpoint and the tests can
all use it with any ``publish(article) -> None`` callable:

- :mod:`streams.ingest.feeds`: RSS/Atom items -> raw articles, and a polling loop with
  conditional GET and a persisted "already published" state (``FeedPoller``);
- :mod:`streams.ingest.files`: JSON Lines / JSON / IPTC ninjs (1.x, 2.x, 3.x) files -> raw
  articles, with per-record errors carrying file and line.

This module holds only the helpers both of them use (language tags, dates, HTML to a line).
"""

from __future__ import annotations

import calendar
import html
import re
import time
from datetime import date, datetime, timezone
from typing import Optional

__all__ = ["primary_language", "to_rfc3339", "is_rfc3339", "html_to_line", "looks_like_html"]


# --- language ---------------------------------------------------------------------------------

_PRIMARY_RE = re.compile(r"^[a-z]{2,3}$")
_NOT_A_LANGUAGE = {"und", "mul", "zxx", "mis"}


def primary_language(tag: object) -> Optional[str]:
    """Lowercase primary subtag of a BCP-47-ish tag ("fr-FR", "en_us", "EN") or None.

    The pipeline picks models by primary language only, so ingest emits "fr"/"en" and drops
    region/script subtags; "und"/"mul" and malformed values mean "unknown" (detected later).
    """
    if not isinstance(tag, str):
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    if not _PRIMARY_RE.match(primary) or primary in _NOT_A_LANGUAGE:
        return None
    return primary


# --- dates ------------------------------------------------------------------------------------

_RFC3339_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$"
)


def is_rfc3339(value: object) -> bool:
    """True when value is an RFC 3339 date-time string (with a time zone) that really parses."""
    if not isinstance(value, str) or not _RFC3339_RE.match(value):
        return False
    return _parse_iso(value) is not None


def _parse_iso(value: str) -> Optional[datetime]:
    text = value.strip()
    if not text:
        return None
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        d = date.fromisoformat(text)
    except ValueError:
        return None
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)


def _format_utc(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    dt = dt.astimezone(timezone.utc)
    spec = "microseconds" if dt.microsecond else "seconds"
    return dt.isoformat(timespec=spec).replace("+00:00", "Z")


def to_rfc3339(value: object) -> Optional[str]:
    """RFC 3339 UTC string ("2025-06-03T07:39:21Z") from an ISO 8601 string, datetime or
    time.struct_time (feedparser's *_parsed, which are UTC); None when it cannot be read.

    Naive date-times and bare dates are taken as UTC: wire feeds that omit the zone are nearly
    always UTC, and a slightly wrong zone is better than dropping the date.
    """
    if value is None:
        return None
    if isinstance(value, time.struct_time):
        try:
            return _format_utc(datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc))
        except (OverflowError, ValueError, OSError):
            return None
    if isinstance(value, datetime):
        return _format_utc(value)
    if isinstance(value, str):
        dt = _parse_iso(value)
        return _format_utc(dt) if dt is not None else None
    return None


# --- text -------------------------------------------------------------------------------------

_TAG_RE = re.compile(r"<[A-Za-z/!?][^>]*>")
_ENTITY_RE = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")
_WS_RE = re.compile(r"\s+")
_INLINE_TAG_RE = re.compile(
    r"</?(?:a|abbr|b|bdi|bdo|cite|code|data|dfn|em|font|i|kbd|mark|q|s|samp|small|span|strong|"
    r"sub|sup|time|u|var)(?:\s[^>]*)?/?>",
    re.IGNORECASE,
)


def looks_like_html(text: str) -> bool:
    """True when text holds markup or character references, i.e. must go through HTML-to-text.

    Feeds label nearly everything text/html; a description without tags or entities is plain
    text, and keeping it as ``body`` preserves its line breaks.
    """
    return bool(_TAG_RE.search(text) or _ENTITY_RE.search(text))


def html_to_line(text: str) -> str:
    """One-line plain text from a short HTML fragment (headlines, feed titles)."""
    stripped = _TAG_RE.sub(" ", _INLINE_TAG_RE.sub("", text)) if "<" in text else text
    return _WS_RE.sub(" ", html.unescape(stripped)).strip()
