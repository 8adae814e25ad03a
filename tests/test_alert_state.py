"""AlertStateStore bookkeeping without a broker: what a record read back does to the in-memory
state (the broker round trip itself is covered by the alert and fault integration tests)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from streams.alerts.matching import decide
from streams.alerts.rules import Rule
from streams.alerts.state import AlertStateStore
from streams.config import Settings
from streams.runtime import codec


def record(key: str, value, partition: int = 0, offset: int = 0):
    raw = None if value is None else codec.dumps(value)
    return SimpleNamespace(key=key.encode(), value=raw, partition=partition, offset=offset)


def store_with_log():
    written: list[tuple[bytes, bytes | None]] = []

    async def write(key, value):
        written.append((key, value))
        return SimpleNamespace(partition=0, offset=10 + len(written))

    return AlertStateStore(Settings(), write), written


def test_records_read_back_fill_and_tombstones_empty_the_state():
    store, _ = store_with_log()
    store._apply(record("seen|r|a", {"fingerprint": ["x"], "article_version": 1}))
    assert store.get("seen|r|a") == {"fingerprint": ["x"], "article_version": 1}
    store._apply(record("seen|r|a", None, offset=1))
    assert store.get("seen|r|a") is None and len(store) == 0


def test_an_unreadable_record_counts_as_absent():
    store, _ = store_with_log()
    store._apply(SimpleNamespace(key=b"cool|r", value=b"{not json", partition=0, offset=0))
    assert store.get("cool|r") is None


def test_own_write_is_not_undone_by_an_older_record_still_being_read():
    store, written = store_with_log()
    asyncio.run(store.write({"seen|r|a": {"fingerprint": ["new"], "article_version": 2}}))
    assert written[0][0] == b"seen|r|a" and codec.loads(written[0][1])["fingerprint"] == ["new"]
    store._apply(record("seen|r|a", {"fingerprint": ["old"], "article_version": 1}, offset=3))
    assert store.get("seen|r|a")["fingerprint"] == ["new"]
    # a later record (another worker's newer write) wins again
    store._apply(record("seen|r|a", {"fingerprint": ["newer"], "article_version": 3}, offset=40))
    assert store.get("seen|r|a")["fingerprint"] == ["newer"]


def test_decide_on_the_store_suppresses_a_replay():
    store, _ = store_with_log()
    rule = Rule(id="r", name="NATO", actors=("NATO",))
    article = {"id": "a", "version": 1}
    evidence = {"entities": [{"id": "Q7184", "name": "NATO"}], "quotes": []}
    first = decide(store, rule, article, evidence, 0)
    assert first.fire
    asyncio.run(store.write(first.updates))
    again = decide(store, rule, article, evidence, 1)
    assert not again.fire and again.reason == "duplicate"


def test_dedup_entries_expire_after_the_retention_but_cool_downs_stay():
    from streams.alerts.matching import expired_keys

    store, written = store_with_log()
    rule = Rule(id="r", name="NATO", actors=("NATO",), cooldown_seconds=60)
    evidence = {"entities": [{"id": "Q7184", "name": "NATO"}], "quotes": []}
    asyncio.run(store.write(decide(store, rule, {"id": "old"}, evidence, 1_000).updates))
    asyncio.run(store.write(decide(store, rule, {"id": "new"}, evidence, 90_000).updates))
    day = 86_400
    assert expired_keys(store, 1_000 + day + 1, day) == ["seen|r|old"]
    asyncio.run(store.write(dict.fromkeys(expired_keys(store, 1_000 + day + 1, day))))
    assert written[-1] == (b"seen|r|old", None)  # a tombstone on the topic
    assert store.get("seen|r|old") is None and store.get("seen|r|new") and store.get("cool|r")


def test_an_assignment_during_a_catch_up_asks_for_another():
    store, _ = store_with_log()
    calls = []

    async def caught_up():
        calls.append(1)
        if len(calls) == 1:
            store.mark_stale()  # partitions moved while the first catch-up was running

    store.reader.caught_up = caught_up
    asyncio.run(store.ensure_current())
    assert len(calls) == 2
    asyncio.run(store.ensure_current())
    assert len(calls) == 2  # current: nothing to wait for


def test_own_write_already_overtaken_on_the_reader_is_not_written_back():
    applied_first = []

    async def write(key, value):
        # while the send was in flight the reader applied it (offset 11) and a newer write (12)
        store._apply(record("seen|r|a", {"fingerprint": ["mine"], "article_version": 1}, offset=11))
        store._apply(record("seen|r|a", {"fingerprint": ["theirs"], "article_version": 2}, offset=12))
        applied_first.append(True)
        return SimpleNamespace(partition=0, offset=11)

    store = AlertStateStore(Settings(), write)
    asyncio.run(store.write({"seen|r|a": {"fingerprint": ["mine"], "article_version": 1}}))
    assert applied_first and store.get("seen|r|a")["fingerprint"] == ["theirs"]
