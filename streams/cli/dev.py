"""`wirewatch dev` and `wirewatch tail`: see the pipeline work, in a terminal, in seconds."""

from __future__ import annotations

import os
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
BROKEN_NOTE = "  (the deliberately broken sample record: it goes to the dead letters, the worker goes on)"
ENTITIES_SHOWN = 8


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
    lines = [f"● {event['id']} v{event.get('version', 1)} [{event.get('language')}] {event.get('source')}: "
             f"{_truncate(headline, width - 20)}"]
    entities = sorted(event.get("entities", []), key=lambda entity: -entity.get("salience", 0))
    if entities:
        shown = ", ".join(
            f"{entity['name']} ({entity['type']}{', quoted' if entity.get('quoted') else ''})"
            for entity in entities[:ENTITIES_SHOWN]
        )
        more = f" +{len(entities) - ENTITIES_SHOWN}" if len(entities) > ENTITIES_SHOWN else ""
        lines.append(f"  entities: {shown}{more}")
    for quote in event.get("quotes", []):
        speaker = quote.get("speaker") or {}
        who = speaker.get("name") or "?"
        cue = f" ({quote['cue']})" if quote.get("cue") else ""
        lines.append(f"  quote: “{_truncate(quote['text'], width - 30)}” — {who}{cue}")
    topics = event.get("topics", [])
    if topics:
        lines.append("  topics: " + ", ".join(f"{topic['label']} {topic['score']:.2f}" for topic in topics))
    timings = event.get("timings_ms", {})
    if timings:
        per_stage = ", ".join(f"{stage} {ms:.0f}" for stage, ms in timings.items())
        lines.append(f"  stages: {sum(timings.values()):.0f} ms ({per_stage})")
    return "\n".join(lines)


def format_deadletter(event: dict) -> str:
    return f"✗ dead letter from {event.get('stage')}: {event.get('error')}"


def format_alert(event: dict) -> str:
    evidence = event.get("evidence") or {}
    names = ", ".join(sorted({entity["name"] for entity in evidence.get("entities", [])})) or "-"
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


def run_dev(settings: Settings, *, port: int | None, keep_following: bool, files: list[str], timeout: float,
            ui: bool = True, ui_port: int | None = None) -> int:
    """Start an embedded broker, a worker and the dashboard, send the articles (the samples and
    one broken payload by default), print what comes out, and stop them all."""
    articles = read_lines(files) if files else sample_articles() + [BROKEN_SAMPLE]
    port = port or free_port()
    settings = settings.with_overrides(broker=f"kafka://127.0.0.1:{port}", app_id="wirewatch-dev")
    workdir = Path(tempfile.mkdtemp(prefix="wirewatch-dev-"))
    log_path = workdir / "worker.log"
    started = time.monotonic()
    broker = start_broker(port)
    worker = dashboard = None
    try:
        wait_for_broker(settings)
        ensure_topics(settings)
        if not files:
            publish_demo_rules(settings)
        _say(f"embedded broker on 127.0.0.1:{port}; starting a worker (log: {log_path})")
        worker = start_worker(settings, workdir, log_path)
        if ui:
            dashboard = start_dashboard(settings, workdir, ui_port)
        send_articles(settings, articles)
        if files:
            _say(f"sent {len(articles)} articles to {settings.topic('raw')}; waiting for {settings.topic('enriched')} "
                 f"and {settings.topic('deadletter')} …")
        else:
            _say(f"sent {len(articles) - 1} sample articles (French and English) to {settings.topic('raw')}, and 1 "
                 f"deliberately broken record to show where bad input goes ({settings.topic('deadletter')}, with "
                 f"the reason); waiting for them …")
        status = print_until_done(settings, worker, log_path, expected=len(articles), started=started,
                                  timeout=timeout, keep_following=keep_following)
        if dashboard is not None and not keep_following:
            _say(f"stopping; the dashboard at {dashboard.url} stops too (`wirewatch dev --follow` keeps it running)")
        return status
    finally:
        if dashboard is not None:
            dashboard.stop()
        if worker is not None:
            stop_process(worker, timeout=15.0)
        stop_process(broker)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def publish_demo_rules(settings: Settings) -> None:
    """The alert rules that ship with the samples, so that the demo fires alerts."""
    from streams.alerts.rules import parse_rules
    from streams.alerts.store import put_rules

    demo_rules = parse_rules((resources.files("streams") / "samples" / "rules.yaml").read_text("utf-8"))
    put_rules(settings, demo_rules)
    _say(f"demo alert rules: {', '.join(rule.name for rule in demo_rules)}")


def start_dashboard(settings: Settings, workdir: Path, port: int | None):
    """`wirewatch ui` on the demo's topics (port 8080 when free), or None when it cannot start."""
    from streams.dashboard.launch import DashboardProcess

    dashboard = DashboardProcess(settings, port=port, log_path=workdir / "dashboard.log")
    if dashboard.wait_ready(20, loaded=False):
        _say(f"dashboard: {dashboard.url}  <- open it in a browser: the articles below appear there as they arrive")
        return dashboard
    _say(f"the dashboard did not start (see {workdir / 'dashboard.log'}); going on without it")
    dashboard.stop()
    return None


def start_worker(settings: Settings, workdir: Path, log_path: Path) -> subprocess.Popen:
    """`wirewatch worker --quiet` in the background, its output in `log_path`."""
    env = dict(os.environ, WIREWATCH_BROKER=settings.broker, WIREWATCH_APP_ID=settings.app_id,
               WIREWATCH_DATA_DIR=str(workdir), WIREWATCH_WEB_PORT=str(free_port()))
    with open(log_path, "wb") as log:
        return subprocess.Popen([sys.executable, "-m", "streams.cli", "worker", "--quiet"],
                                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def send_articles(settings: Settings, articles: list[bytes]) -> None:
    """Each line to wire.raw as it is, keyed by its id when it has one."""
    producer = make_producer(settings)
    raw_topic = settings.topic("raw")
    for line in articles:
        producer.send(raw_topic, key=_key_of(line), value=line)
    producer.flush()
    producer.close()


# After the last article, how long to wait for alerts: from then, and after each alert.
LINGER_AFTER_LAST_ARTICLE = 3.0
LINGER_AFTER_ALERT = 1.0


def print_until_done(settings: Settings, worker: subprocess.Popen, log_path: Path, *, expected: int,
                     started: float, timeout: float, keep_following: bool) -> int:
    """Print enriched events, dead letters and alerts until every article came out (then
    linger briefly for the alerts they fire), `timeout` passes, or the worker exits."""
    deadline = time.monotonic() + timeout
    seen = 0
    counts = {"enriched": 0, "deadletter": 0}
    quiet_until = None
    suffixes = {settings.topic(suffix): suffix for suffix in ("enriched", "deadletter", "alerts")}
    for topic, _key, value in follow(settings, list(suffixes), from_beginning=True):
        if worker.poll() is not None:
            _say(f"error: the worker exited with status {worker.returncode}; see {log_path}")
            return 1
        if topic:
            suffix = suffixes[topic]
            event = codec.loads(value)
            note = BROKEN_NOTE if suffix == "deadletter" and event.get("payload") == BROKEN_SAMPLE.decode() else ""
            print(format_event(suffix, event) + note, flush=True)
            if suffix != "alerts":
                seen += 1
                counts[suffix] += 1
                if seen == expected:
                    _say(f"all {expected} records processed in {time.monotonic() - started:.1f}s "
                         f"({counts['enriched']} enriched, {counts['deadletter']} dead-lettered)")
                    quiet_until = time.monotonic() + LINGER_AFTER_LAST_ARTICLE
            elif quiet_until is not None:
                quiet_until = time.monotonic() + LINGER_AFTER_ALERT
        if quiet_until is not None and not keep_following and time.monotonic() > quiet_until:
            return 0
        if not keep_following and seen < expected and time.monotonic() > deadline:
            _say(f"error: only {seen} of {expected} articles came out within {timeout:.0f}s; see {log_path}")
            return 1
    return 0


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

    if not topic_exists(settings, name):  # following a topic that is not there would wait forever
        from streams.topology import ALL_TOPIC_SUFFIXES

        if name in {settings.topic(known) for known in ALL_TOPIC_SUFFIXES}:
            raise RuntimeError(f"topic {name} does not exist yet on {settings.broker}: "
                               f"a worker creates the pipeline's topics when it starts")
        raise UsageError(f"no topic {name} on {settings.broker}; pipeline topics: "
                         f"{', '.join(ALL_TOPIC_SUFFIXES)} (prefix {settings.topic_prefix!r})")
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
