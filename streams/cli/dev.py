"""`wirewatch dev` and `wirewatch tail`: see the pipeline work, in a terminal, in seconds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

from streams.config import Settings
from streams.errors import UsageError
from streams.runtime import codec
from streams.runtime.broker import free_port, start_broker, stop_process
from streams.runtime.kafka_io import (
    ensure_topics,
    follow,
    make_producer,
    wait_for_broker,
)

# A payload that is not JSON, sent with the samples to show where bad input goes.
BROKEN_SAMPLE = b'{"id": "broken-1", "source": "demo", "body": "unterminated'


def sample_articles() -> list[bytes]:
    """The demo articles that ship with the package (French and English wire copy)."""
    folder = resources.files("streams") / "samples"
    lines: list[bytes] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".jsonl"):
            lines.extend(line for line in entry.read_bytes().splitlines() if line.strip())
    return lines


def read_lines(paths: list[str]) -> list[bytes]:
    lines: list[bytes] = []
    for path in paths:
        try:
            lines.extend(line for line in Path(path).read_bytes().splitlines() if line.strip())
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    return lines


def _truncate(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def format_enriched(event: dict, width: int = 100) -> str:
    """A compact, human summary of one enriched article."""
    headline = event.get("headline") or _truncate(event.get("body", ""), 60)
    lines = [f"● {event['id']} v{event.get('version', 1)} [{event.get('language')}] {event.get('source')}: {_truncate(headline, width - 20)}"]
    entities = sorted(event.get("entities", []), key=lambda e: -e.get("salience", 0))
    if entities:
        shown = ", ".join(
            f"{e['name']} ({e['type']}{', quoted' if e.get('quoted') else ''})" for e in entities[:8]
        )
        more = f" +{len(entities) - 8}" if len(entities) > 8 else ""
        lines.append(f"  entities: {shown}{more}")
    for quote in event.get("quotes", []):
        speaker = quote.get("speaker") or {}
        who = speaker.get("name") or "?"
        cue = f" ({quote['cue']})" if quote.get("cue") else ""
        lines.append(f"  quote: “{_truncate(quote['text'], width - 30)}” — {who}{cue}")
    topics = event.get("topics", [])
    if topics:
        lines.append("  topics: " + ", ".join(f"{t['label']} {t['score']:.2f}" for t in topics))
    timings = event.get("timings_ms", {})
    if timings:
        lines.append(f"  stages: {sum(timings.values()):.0f} ms ({', '.join(f'{k} {v:.0f}' for k, v in timings.items())})")
    return "\n".join(lines)


def format_deadletter(event: dict) -> str:
    return f"✗ dead letter from {event.get('stage')}: {event.get('error')}"


def format_alert(event: dict) -> str:
    evidence = event.get("evidence") or {}
    names = ", ".join(sorted({e["name"] for e in evidence.get("entities", [])})) or "-"
    return (f"! alert “{event.get('rule_name')}” on {event.get('article_id')} ({event.get('match')}: {names}; "
            f"{len(evidence.get('quotes', []))} quote(s))")


def format_event(topic_suffix: str, event: dict) -> str:
    if topic_suffix == "enriched":
        return format_enriched(event)
    if topic_suffix == "deadletter":
        return format_deadletter(event)
    if topic_suffix == "alerts":
        return format_alert(event)
    return codec.dumps(event).decode("utf-8")


def run_dev(settings: Settings, *, port: int | None, keep_following: bool, files: list[str], timeout: float) -> int:
    articles = read_lines(files) if files else sample_articles() + [BROKEN_SAMPLE]
    port = port or free_port()
    settings = settings.with_overrides(broker=f"kafka://127.0.0.1:{port}", app_id="wirewatch-dev")
    workdir = Path(tempfile.mkdtemp(prefix="wirewatch-dev-"))
    log_path = workdir / "worker.log"
    say = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    started = time.monotonic()
    broker = start_broker(port)
    worker = None
    try:
        wait_for_broker(settings)
        ensure_topics(settings)
        if not files:
            from streams.alerts.rules import parse_rules
            from streams.alerts.store import put_rules

            demo_rules = parse_rules((resources.files("streams") / "samples" / "rules.yaml").read_text("utf-8"))
            put_rules(settings, demo_rules)
            say(f"demo alert rules: {', '.join(rule.name for rule in demo_rules)}")
        say(f"embedded broker on 127.0.0.1:{port}; starting a worker (log: {log_path})")
        env = dict(os.environ, WIREWATCH_BROKER=settings.broker, WIREWATCH_APP_ID=settings.app_id,
                   WIREWATCH_DATA_DIR=str(workdir), WIREWATCH_WEB_PORT=str(free_port()))
        with open(log_path, "wb") as log:
            worker = subprocess.Popen([sys.executable, "-m", "streams.cli", "worker", "--quiet"],
                                      stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        producer = make_producer(settings)
        raw_topic = settings.topic("raw")
        for line in articles:
            key = _key_of(line)
            producer.send(raw_topic, key=key, value=line)
        producer.flush()
        producer.close()
        say(f"sent {len(articles)} articles to {raw_topic}; waiting for {settings.topic('enriched')} "
            f"and {settings.topic('deadletter')} …")
        expected = len(articles)
        seen = 0
        deadline = time.monotonic() + timeout
        quiet_until = None  # after the last article, linger briefly for the alerts it fires
        suffixes = {settings.topic(s): s for s in ("enriched", "deadletter", "alerts")}
        for topic, _key, value in follow(settings, list(suffixes), from_beginning=True):
            if worker.poll() is not None:
                say(f"error: the worker exited with status {worker.returncode}; see {log_path}")
                return 1
            if topic:
                suffix = suffixes[topic]
                print(format_event(suffix, codec.loads(value)), flush=True)
                if suffix != "alerts":
                    seen += 1
                    if seen == expected:
                        say(f"all {expected} articles processed in {time.monotonic() - started:.1f}s")
                        quiet_until = time.monotonic() + 3.0
                elif quiet_until is not None:
                    quiet_until = time.monotonic() + 1.0
            if quiet_until is not None and not keep_following and time.monotonic() > quiet_until:
                return 0
            if not keep_following and seen < expected and time.monotonic() > deadline:
                say(f"error: only {seen} of {expected} articles came out within {timeout:.0f}s; see {log_path}")
                return 1
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()
        stop_process(broker)


def _key_of(line: bytes) -> bytes | None:
    try:
        value = codec.loads(line)
    except Exception:
        return None
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"].encode("utf-8")
    return None


def tail(settings: Settings, topic: str, *, from_beginning: bool, limit: int | None, raw: bool) -> int:
    name = topic if "." in topic else settings.topic(topic)
    suffix = name.rsplit(".", 1)[-1]
    wait_for_broker(settings, timeout=10)
    from streams.alerts.store import topic_exists

    if not topic_exists(settings, name):
        print(f"topic {name} does not exist (yet); waiting for it …", file=sys.stderr, flush=True)
    count = 0
    for _topic, _key, value in follow(settings, [name], from_beginning=from_beginning):
        if not _topic:
            continue
        try:
            event = codec.loads(value)
            print(codec.dumps(event).decode() if raw else format_event(suffix, event), flush=True)
        except Exception:
            print(value.decode("utf-8", "replace"), flush=True)
        count += 1
        if limit and count >= limit:
            return 0
    return 0
