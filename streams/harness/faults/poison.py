"""The poison scenario: a poison corpus sent in one go; each record must come out exactly once,
where it belongs, and the worker must go on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from streams.harness.brokers import Broker
from streams.harness.faults.checks import enriched_ids
from streams.harness.faults.poison_corpus import (
    Record,
    letter_key,
    poison_corpus,
    renamed,
)
from streams.harness.faults.scenario import STALL, Report, close_all, new_prefix
from streams.harness.topics import (
    Sender,
    TopicReader,
    poll_until,
    settle,
    topic_readers,
)
from streams.harness.workers import start_worker
from streams.topology import STAGE_NAMES


def poison(broker: Broker, workdir: Path, good: int = 60, bad: int = 90, seed: int = 0,
           extra: Sequence[Record] = ()) -> Report:
    """Send the corpus (plus `extra` records) in one go; every record must end up exactly once
    where it belongs: bad ones on wire.deadletter with stage and error, good ones enriched,
    "either" ones in one of the two."""
    from streams.contracts import schema_problems as validate

    report = Report("poison", broker.kind)
    prefix = new_prefix("p")
    readers: list[TopicReader] = []
    sender = None
    try:
        corpus = poison_corpus(prefix, bad, good, seed) + [renamed(r, f"{prefix}-{r.key}") for r in extra]
        worker = start_worker(broker, prefix, workdir)
        report.workers.append(worker)
        readers = enriched, dead = topic_readers(broker, prefix, "enriched", "deadletter")
        # gzip and a large request size: huge bodies must reach the worker to be judged there
        sender = Sender(broker.bootstrap, f"{prefix}.raw", compression_type="gzip", max_request_size=8 * 1024 * 1024)
        for record in corpus:
            sender.send(record.key, record.value)
        acked, failed = sender.confirm()
        report.counts["sent"] = len(acked)
        report.check(not failed, f"the broker refused {len(failed)} record(s): "
                     f"{[(r.kind, len(r.value or b'')) for r in corpus if r.key in set(failed)][:5]}")
        sent = set(acked)
        expect = {r.key: r.expect for r in corpus if r.key in sent}
        kinds = {r.key: r.kind for r in corpus}
        bad_keys = {k for k, e in expect.items() if e == "deadletter"}
        good_keys = {k for k, e in expect.items() if e == "enriched"}

        def outcomes() -> Counter:
            """key -> how many times it came out (enriched or dead-lettered)."""
            return enriched_ids(enriched) + Counter(letter_key(d) for d in dead.values() if isinstance(d, dict))

        poll_until(lambda: set(expect) <= set(outcomes()), 90 + len(corpus) / 2, readers, worker, stall=STALL)
        settle(readers, 2.0)
        letters = [d for d in dead.values() if isinstance(d, dict)]
        lettered = Counter(letter_key(d) for d in letters)
        ids = enriched_ids(enriched)
        out = outcomes()
        report.counts["bad"] = len(bad_keys)
        report.counts["good"] = len(good_keys)
        report.counts["dead_lettered"] = len(letters)
        report.counts["enriched"] = len(set(ids) & good_keys)
        report.counts["duplicates"] = sum(n - 1 for n in out.values() if n > 1)
        lost = set(expect) - set(out)
        report.counts["lost"] = len(lost)
        report.counts["kinds"] = len({kinds[k] for k in expect})

        def by_kind(keys: Iterable[str]) -> dict[str, int]:
            return dict(Counter(kinds.get(k, "?") for k in keys))

        report.check(not lost, f"records neither dead-lettered nor enriched (lost), by kind: {by_kind(lost)}")
        report.check(not (bad_keys & set(ids)), f"bad records enriched, by kind: {by_kind(bad_keys & set(ids))}")
        misfiled = good_keys & set(lettered)
        report.check(not misfiled, f"good articles dead-lettered, by kind: {by_kind(misfiled)}: "
                     f"{[d['error'] for d in letters if letter_key(d) in misfiled][:4]}")
        report.check(len(letters) == len(bad_keys) + len(set(lettered) - bad_keys - good_keys),
                     f"{len(letters)} dead letters for {len(bad_keys)} bad records")
        twice = {k: n for k, n in out.items() if n > 1}
        report.check(not twice, f"records that came out more than once, by kind: {by_kind(twice)}")
        unknown = [d for d in letters if letter_key(d) not in kinds]
        report.check(not unknown, f"dead letters for records never sent: {[d.get('error') for d in unknown][:3]}")
        for letter in letters:
            invalid = validate("deadletter", letter)
            if not report.check(letter.get("stage") in STAGE_NAMES and isinstance(letter.get("error"), str)
                                and letter["error"].strip() and not invalid,
                                f"dead letter without a proper stage/error: stage={letter.get('stage')!r} "
                                f"error={letter.get('error')!r} schema={invalid[:2]}"):
                break
        for key in (k for k, e in expect.items() if e == "either"):
            outcome = "enriched" if key in ids else "dead-lettered" if key in lettered else "lost"
            reasons = [d["error"] for d in letters if letter_key(d) == key]
            report.notes.append(f"{kinds[key]}: {outcome}" + (f" ({reasons[0]})" if reasons else ""))
        report.notes.append("dead letters per stage: " + ", ".join(
            f"{stage}={n}" for stage, n in Counter(d.get("stage") for d in letters).items()))
        report.check(worker.process.poll() is None, f"the worker exited ({worker.process.poll()})")
        report.check(worker.healthy(), "the worker's /health does not answer")
    finally:
        close_all(readers, sender, report.workers)
    return report
