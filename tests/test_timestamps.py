"""RFC 3339: one reader (lenient: any ISO 8601 date or date-time) and one writer (UTC, "Z")."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from streams.timestamps import (
    format_rfc3339,
    is_rfc3339,
    parse_rfc3339,
    to_epoch,
    to_rfc3339,
)

T0 = 1_700_000_000  # 2023-11-14T22:13:20Z


def test_parse_reads_dates_naive_times_and_offsets():
    assert parse_rfc3339("2024-05-01") == datetime(2024, 5, 1, tzinfo=UTC)
    assert parse_rfc3339(" 2024-05-01T10:00:00z ") == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert parse_rfc3339("2024-05-01 10:00") == datetime(2024, 5, 1, 10, tzinfo=UTC)  # naive = UTC
    paris = parse_rfc3339("2024-05-01T12:00:00+02:00")
    assert paris.utcoffset() == timedelta(hours=2) and paris == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert parse_rfc3339("2016-12-31T23:59:60Z") == datetime(2017, 1, 1, tzinfo=UTC)  # leap second
    for text in ("yesterday", "", "2024-13-01", "2024-05-01T10:60:00Z"):
        with pytest.raises(ValueError):
            parse_rfc3339(text)


def test_format_writes_utc_with_milliseconds_by_default():
    assert format_rfc3339(T0) == "2023-11-14T22:13:20.000Z"
    assert format_rfc3339(T0 + 0.25) == "2023-11-14T22:13:20.250Z"
    local = datetime(2023, 11, 14, 23, 13, 20, tzinfo=timezone(timedelta(hours=1)))
    assert format_rfc3339(local) == format_rfc3339("2023-11-14T22:13:20Z") == "2023-11-14T22:13:20.000Z"
    assert format_rfc3339(datetime(2023, 11, 14, 22, 13, 20)) == "2023-11-14T22:13:20.000Z"  # naive = UTC
    assert format_rfc3339(T0, precision="auto") == "2023-11-14T22:13:20Z"
    assert format_rfc3339(T0 + 0.5, precision="auto") == "2023-11-14T22:13:20.500000Z"
    with pytest.raises(TypeError):
        format_rfc3339(True)


def test_to_epoch_round_trips_with_format():
    assert to_epoch(format_rfc3339(T0)) == T0
    assert to_epoch(datetime(2023, 11, 14, 22, 13, 20)) == T0
    assert to_epoch(7) == 7.0
    with pytest.raises(TypeError):
        to_epoch(False)


def test_to_rfc3339_is_lenient_and_never_raises():
    assert to_rfc3339("2025-06-03T10:00:00+02:00") == "2025-06-03T08:00:00Z"
    assert to_rfc3339("2025-06-03") == "2025-06-03T00:00:00Z"
    assert to_rfc3339("2025-06-03T10:00:00.250Z") == "2025-06-03T10:00:00.250000Z"
    assert to_rfc3339(time.gmtime(0)) == "1970-01-01T00:00:00Z"
    assert to_rfc3339(datetime(2025, 6, 3, 10, tzinfo=UTC)) == "2025-06-03T10:00:00Z"
    assert to_rfc3339("0001-01-01T00:00:00+01:00") is None  # before year 1 in UTC
    assert to_rfc3339("soon") is None and to_rfc3339(None) is None and to_rfc3339(12) is None


def test_is_rfc3339_wants_date_time_and_zone():
    assert is_rfc3339("2025-06-03T10:00:00Z") and is_rfc3339("2025-06-03T10:00:00.5-05:00")
    assert is_rfc3339("2016-12-31T23:59:60Z")
    assert not is_rfc3339("2025-06-03") and not is_rfc3339("2025-06-03T10:00:00")
    assert not is_rfc3339("2025-13-03T10:00:00Z") and not is_rfc3339(None)
