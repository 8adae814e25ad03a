"""Webhook targets and their deliveries, as records on wire.alert-state (pure functions).

Why on the compacted alert-state topic rather than in a worker's memory: a 410 Gone must
survive a restart, every worker must skip the same disabled target, `wirewatch rules list`
must show it, and a new consumer group must not deliver an alert a second time. Two kinds of
keys sit beside the dedup keys of matching.py:

- ``target|<rule id>|<url digest>``: the target's state (disabled on 410, last error, last
  success). `wirewatch rules enable` writes ``disabled: false``.
- ``sent|<alert id>``: the alert's deliveries. While targets are pending it holds the alert
  and the digests still to do, so the worker that owns its wire.alerts partition after a crash
  finishes them; once every target is done it keeps only ``done: true`` until it expires.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

TARGET_PREFIX = "target|"
SENT_PREFIX = "sent|"
REWRITE_AFTER = 30.0
"""Seconds: a success or the same error again is written at most this often (one record per
delivery would flood the state topic; the state shows it to the nearest half minute)."""


class TargetState(TypedDict, total=False):
    rule_id: str
    target: str  # the URL without path or query (they may carry tokens)
    disabled: bool
    disabled_at: float | None
    last_error: str | None
    last_error_at: float | None
    last_success_at: float | None


class SentState(TypedDict, total=False):
    done: bool
    pending: list[str]  # digests of the targets still to deliver
    partition: int  # the alert's wire.alerts partition: its owner finishes the deliveries
    alert: dict[str, Any]
    seen_at: float  # epoch seconds of the last update, for expiry


def url_digest(url: str) -> str:
    """A short stable name of a webhook URL (the URL itself may hold a token)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def target_key(rule_id: str, url: str) -> str:
    return f"{TARGET_PREFIX}{rule_id}|{url_digest(url)}"


def sent_key(alert_id: str) -> str:
    return f"{SENT_PREFIX}{alert_id}"


def is_disabled(state: Mapping[str, Any] | None) -> bool:
    return bool(state and state.get("disabled"))


def after_delivery(previous: Mapping[str, Any] | None, rule_id: str, shown: str, outcome: str,
                   error: str | None, now: float) -> TargetState | None:
    """The target's state after one delivery outcome, or None when nothing worth a write changed.

    "disabled" (410) disables the target; "delivered" records a success; "failed" and
    "exhausted" record the error. A target disabled meanwhile stays disabled whatever a late
    answer says: only `rules enable` turns it back on.
    """
    old: dict[str, Any] = dict(previous or {})
    new: dict[str, Any] = {**old, "rule_id": rule_id, "target": shown}
    if outcome == "disabled":
        if old.get("disabled"):
            return None
        new.update(disabled=True, disabled_at=now, last_error=error or "HTTP 410 Gone", last_error_at=now)
        return TargetState(**new)
    if outcome == "delivered":
        last = old.get("last_success_at")
        if isinstance(last, (int, float)) and now - last < REWRITE_AFTER:
            return None
        new["last_success_at"] = now
        return TargetState(**new)
    if outcome in ("failed", "exhausted"):
        last = old.get("last_error_at")
        if old.get("last_error") == error and isinstance(last, (int, float)) and now - last < REWRITE_AFTER:
            return None
        new.update(last_error=error, last_error_at=now)
        return TargetState(**new)
    return None


def enabled(previous: Mapping[str, Any] | None, rule_id: str, shown: str) -> TargetState:
    """The target's state once re-enabled by hand (its history kept)."""
    return TargetState(**{**dict(previous or {}), "rule_id": rule_id, "target": shown,
                          "disabled": False, "disabled_at": None})


def pending_sent(alert: Mapping[str, Any], digests: Iterable[str], partition: int, now: float) -> SentState:
    return SentState(done=False, pending=sorted(set(digests)), partition=partition, alert=dict(alert), seen_at=now)


def done_sent(now: float) -> SentState:
    return SentState(done=True, seen_at=now)


def is_done(state: Mapping[str, Any] | None) -> bool:
    return bool(state and state.get("done"))


def is_pending(state: Mapping[str, Any] | None) -> bool:
    return bool(state and not state.get("done") and isinstance(state.get("alert"), Mapping))


def target_states(state: Mapping[str, Any], rule_id: str) -> dict[str, Mapping[str, Any]]:
    """url digest -> state of every target of `rule_id` that has one."""
    prefix = f"{TARGET_PREFIX}{rule_id}|"
    return {key[len(prefix):]: value for key, value in state.items()
            if key.startswith(prefix) and isinstance(value, Mapping)}


def describe_targets(rule: Mapping[str, Any], state: Mapping[str, Any]) -> dict[str, Any]:
    """A rule (secrets already masked) with each webhook's state merged into its notify entry,
    for `rules list` and GET /rules."""
    rule_id = str(rule.get("id") or "")
    known = target_states(state, rule_id)
    notify = []
    for item in rule.get("notify") or []:
        entry = dict(item) if isinstance(item, Mapping) else item
        if isinstance(entry, dict) and isinstance(entry.get("url"), str):
            found = known.get(url_digest(entry["url"])) or {}
            entry["state"] = {
                "disabled": bool(found.get("disabled")),
                "disabled_at": found.get("disabled_at"),
                "last_error": found.get("last_error"),
                "last_error_at": found.get("last_error_at"),
                "last_success_at": found.get("last_success_at"),
            }
        notify.append(entry)
    return {**dict(rule), "notify": notify} if "notify" in rule else dict(rule)
