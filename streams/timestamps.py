"""RFC 3339 timestamps: one reader and one writer for every door and every event.

Dates that arrive are read leniently (any ISO 8601 date or date-time; one without an offset is
taken as UTC, because wire feeds that omit the zone are nearly always UTC) and always written
back in UTC with a "Z", so that events compare and sort as plain strings.
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Literal

Moment = datetime | float | int | str
Precision = Literal["auto", "seconds", "milliseconds", "microseconds"]

_LEAP_SECOND = re.compile(r"(?<=[Tt ]\d{2}:\d{2}:)60(?!\d)")
_STRICT_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$"
)

__all__ = ["Moment", "format_rfc3339", "is_rfc3339", "parse_rfc3339", "to_epoch", "to_rfc3339"]


def parse_rfc3339(text: str) -> datetime:
    """An ISO 8601 date or date-time -> an aware datetime ('2024-05-01' is midnight UTC; a time
    without an offset is UTC; a leap second, 23:59:60, is the second after 23:59:59). Raises
    ValueError when the text is not one."""
    cleaned = text.strip()
    if cleaned[-1:] in ("Z", "z"):
        cleaned = cleaned[:-1] + "+00:00"
    leap = _LEAP_SECOND.search(cleaned)
    if leap:  # RFC 3339 allows it; datetime cannot hold it
        cleaned = cleaned[: leap.start()] + "59" + cleaned[leap.end():]
    moment = datetime.fromisoformat(cleaned)
    if leap:
        moment += timedelta(seconds=1)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def is_rfc3339(value: object) -> bool:
    """True for a strict RFC 3339 date-time string (date, time and zone) that really parses."""
    if not isinstance(value, str) or not _STRICT_RFC3339.match(value):
        return False
    try:
        parse_rfc3339(value)
    except ValueError:
        return False
    return True


def _as_utc(moment: Moment) -> datetime:
    if isinstance(moment, bool):
        raise TypeError("a time cannot be a boolean")
    if isinstance(moment, (int, float)):
        return datetime.fromtimestamp(float(moment), tz=UTC)
    if isinstance(moment, str):
        moment = parse_rfc3339(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def to_epoch(moment: Moment) -> float:
    """Seconds since the epoch from a number, a datetime (naive = UTC) or an ISO 8601 string."""
    if isinstance(moment, bool):
        raise TypeError("a time cannot be a boolean")
    if isinstance(moment, (int, float)):
        return float(moment)
    return _as_utc(moment).timestamp()


def format_rfc3339(moment: Moment, *, precision: Precision = "milliseconds") -> str:
    """UTC RFC 3339 ending in "Z" ('2023-11-14T22:13:20.000Z').

    Milliseconds by default, as the pipeline stamps its own events (``fired_at``);
    ``precision="auto"`` writes seconds, or microseconds when there are any, which keeps a
    date that came in as input exactly as precise as it was."""
    return _as_utc(moment).isoformat(timespec=precision).replace("+00:00", "Z")


def to_rfc3339(value: object) -> str | None:
    """RFC 3339 UTC ("2025-06-03T07:39:21Z") from an ISO 8601 string, a datetime or a
    time.struct_time (feedparser's ``*_parsed``, which are UTC); None when it cannot be read."""
    try:
        if isinstance(value, time.struct_time):
            return format_rfc3339(calendar.timegm(value), precision="auto")
        if isinstance(value, (str, datetime)):
            return format_rfc3339(value, precision="auto")
    except (ValueError, OverflowError, OSError):
        return None
    return None
