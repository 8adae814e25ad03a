"""`wirewatch bench --with-ui`: the streaming phase with the dashboard open beside it.

The dashboard (`wirewatch ui`, streams/dashboard) is started as its own process on the topic
prefix of the streaming window being measured, after the workers warmed up, and a live client
connects to it the way a browser does: it loads the live page, reads the page's event-stream
address from it and keeps that Server-Sent Events stream open, reading every message, for the
whole window. The dashboard's CPU time during the window is measured beside the worker's, and
the client counts the article rows the stream pushed, so the row says the UI really followed.

The raw spaCy reference runs right before and after each window are made with the dashboard
stopped, as for the rounds alone, so every round is compared with the same kind of reference.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import threading
import time
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from streams.harness.bench.machine import cpu_seconds, peak_rss_mb
from streams.harness.bench.report import say

EVENTS_ATTRIBUTE = re.compile(r'data-events="([^"]*)"')
ARTICLE_LINK = re.compile(r'href="/article/([^"]+)"')


class EventStreamClient:
    """A live page's connection: GET the page, then read its Server-Sent Events stream in a thread."""

    def __init__(self, base_url: str, token: str | None, path: str = "/"):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.lock = threading.Lock()
        self.messages: dict[str, int] = {}
        self.bytes = 0
        self.article_ids: set[str] = set()
        self.connected = threading.Event()
        self.error: str | None = None
        self._connection: http.client.HTTPConnection | None = None
        self._closing = False
        page = self._get(path, "text/html")
        found = EVENTS_ATTRIBUTE.search(page)
        if not found or not found.group(1):
            raise RuntimeError(f"the dashboard page {path} names no event stream")
        self.events_path = unescape(found.group(1))
        self._thread = threading.Thread(target=self._read, name="bench-sse-client", daemon=True)
        self._thread.start()

    def _get(self, path: str, accept: str) -> str:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request("GET", path, headers={**self.headers, "Accept": accept})
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
            if response.status != 200:
                raise RuntimeError(f"the dashboard answered {response.status} to GET {path}: {body[:200]}")
            return body
        finally:
            connection.close()

    def _read(self) -> None:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=None)
        self._connection = connection
        try:
            connection.request("GET", self.events_path, headers={**self.headers, "Accept": "text/event-stream",
                                                                  "Cache-Control": "no-cache"})
            response = connection.getresponse()
            if response.status != 200:
                self.error = f"the event stream answered {response.status}"
                return
            event = "message"
            while True:
                line = response.readline()
                if not line:
                    break
                text = line.decode("utf-8", "replace").rstrip("\n")
                with self.lock:
                    self.bytes += len(line)
                    if text.startswith("event: "):
                        event = text[7:]
                    elif text.startswith("data: ") and event == "article":
                        self.article_ids.update(unquote(unescape(m)) for m in ARTICLE_LINK.findall(text))
                    elif text == "":
                        self.messages[event] = self.messages.get(event, 0) + 1
                        if event == "hello":
                            self.connected.set()
                        event = "message"
        except (OSError, ValueError, http.client.HTTPException) as exc:
            if not self._closing:  # not the end close() asked for
                self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.connected.set()
            connection.close()

    def seen(self, ids: list[str]) -> int:
        with self.lock:
            return sum(1 for i in ids if i in self.article_ids)

    def close(self) -> None:
        """End the stream: shut the socket down under the reading thread, which then closes it."""
        self._closing = True
        connection = self._connection
        if connection is not None and connection.sock is not None:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(2)
        self._thread.join(5)


class DashboardBeside:
    """`wirewatch ui` on the window's topic prefix with a live event-stream client connected."""

    def __init__(self, settings: Any, workdir: Path, timeout: float = 90.0):
        from streams.api_auth import client_token
        from streams.dashboard.launch import DashboardProcess
        from streams.harness.workers import child_env
        from streams.paths import REPO_ROOT
        from streams.runtime.broker import free_port

        started = time.monotonic()
        self.process = DashboardProcess(settings, port=free_port(), group_id=settings.app_id, env=child_env(),
                                        cwd=str(REPO_ROOT),
                                        log_path=workdir / f"dashboard-{settings.topic_prefix}.log")
        self.client: EventStreamClient | None = None
        try:
            if not self.process.wait_ready(timeout):
                raise RuntimeError(f"the dashboard did not start:\n{self.process.log(2000)}")
            self.client = EventStreamClient(self.process.url, client_token())
            if not self.client.connected.wait(30) or self.client.error:
                raise RuntimeError(f"no event stream from the dashboard: {self.client.error or 'no hello'}")
        except BaseException:
            self.close()
            raise
        self.ready_s = time.monotonic() - started
        self._cpu_before: float | None = None
        self._messages_before: dict[str, int] = {}
        say(f"dashboard on {settings.topic_prefix}.* at {self.process.url} ready in {self.ready_s:.1f}s, "
            f"event stream {self.client.events_path} open")

    @property
    def pid(self) -> int:
        return self.process.pid

    def mark(self) -> None:
        """The window starts."""
        self._cpu_before = cpu_seconds(self.pid)
        with self.client.lock:
            self._messages_before = dict(self.client.messages)

    def report(self, ids: list[str], seconds: float, docs: int) -> dict:
        """What the dashboard and its client did during the window (call before close)."""
        deadline = time.monotonic() + 5  # the last rows leave the server within its 100 ms coalescing
        while time.monotonic() < deadline and self.client.seen(ids) < len(ids):
            time.sleep(0.1)
        cpu_after = cpu_seconds(self.pid)
        cpu = None if cpu_after is None or self._cpu_before is None else cpu_after - self._cpu_before
        with self.client.lock:
            messages = {k: v - self._messages_before.get(k, 0) for k, v in self.client.messages.items()}
        return {
            "dashboard_cpu_s": None if cpu is None else round(cpu, 2),
            "dashboard_cpu_s_per_doc": None if cpu is None else round(cpu / max(1, docs), 4),
            "dashboard_cores": None if cpu is None or seconds <= 0 else round(cpu / seconds, 3),
            "dashboard_peak_rss_mb": peak_rss_mb(self.pid),
            "sse_messages": {k: v for k, v in messages.items() if v},
            "sse_rows_seen": self.client.seen(ids),
            "sse_rows_expected": len(ids),
            "sse_bytes": self.client.bytes,
            "sse_error": self.client.error,
            "ready_s": round(self.ready_s, 1),
        }

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        self.process.stop()


def ui_comparison(broker: Any, corpus: list[dict], workers: int, partitions: int, workdir: Path,
                  probe: Any, rounds: int = 2) -> dict:
    """The streaming window alone and with the dashboard open, `rounds` pairs in alternating order
    (alone, UI; UI, alone; ...), so that load drifting on a shared machine weighs on both alike."""
    from streams.harness.bench.stats import mean
    from streams.harness.bench.streaming import stream_throughput

    def start_ui(settings: Any) -> DashboardBeside:
        return DashboardBeside(settings, workdir)

    runs: list[dict] = []
    for index in range(rounds):
        order = (False, True) if index % 2 == 0 else (True, False)
        for with_ui in order:
            say(f"ui comparison, round {index + 1}/{rounds}: {'with the dashboard open' if with_ui else 'alone'}")
            result = stream_throughput(broker, corpus, workers, partitions, workdir, probe,
                                       beside=start_ui if with_ui else None)
            result["with_ui"] = with_ui
            result["round"] = index + 1
            beside = result.get("beside") or {}
            if beside.get("dashboard_cores") is not None and result.get("other_load_cores") is not None:
                # the dashboard is ours, not other load: shown in its own column
                result["other_load_cores"] = round(max(0.0, result["other_load_cores"] - beside["dashboard_cores"]), 2)
            runs.append(result)
    alone = [r for r in runs if not r["with_ui"]]
    opened = [r for r in runs if r["with_ui"]]

    def avg(items: list[dict], key: str) -> float | None:
        values = [r[key] for r in items if r.get(key) is not None]
        return round(mean(values), 4) if values else None

    summary = {
        "alone_docs_per_s": avg(alone, "docs_per_s"),
        "ui_docs_per_s": avg(opened, "docs_per_s"),
        "alone_cpu_s_per_doc": avg(alone, "cpu_s_per_doc"),
        "ui_cpu_s_per_doc": avg(opened, "cpu_s_per_doc"),
        "dashboard_cpu_s_per_doc": avg([r["beside"] for r in opened if r.get("beside")], "dashboard_cpu_s_per_doc"),
        "alone_spread_docs_per_s": [min(r["docs_per_s"] or 0 for r in alone), max(r["docs_per_s"] or 0 for r in alone)]
        if alone else None,
        "ui_spread_docs_per_s": [min(r["docs_per_s"] or 0 for r in opened), max(r["docs_per_s"] or 0 for r in opened)]
        if opened else None,
        "sse_rows_seen": sum(r.get("beside", {}).get("sse_rows_seen", 0) for r in opened),
        "sse_rows_expected": sum(r.get("beside", {}).get("sse_rows_expected", 0) for r in opened),
    }
    if summary["alone_docs_per_s"] and summary["ui_docs_per_s"]:
        summary["ui_over_alone"] = round(summary["ui_docs_per_s"] / summary["alone_docs_per_s"], 3)
    if summary["alone_cpu_s_per_doc"] and summary["ui_cpu_s_per_doc"]:
        summary["cpu_ui_over_alone"] = round(summary["ui_cpu_s_per_doc"] / summary["alone_cpu_s_per_doc"], 3)
    say(f"ui comparison: alone {summary['alone_docs_per_s']} docs/s, with the dashboard {summary['ui_docs_per_s']} "
        f"docs/s ({summary.get('ui_over_alone')} x); {summary['sse_rows_seen']}/{summary['sse_rows_expected']} "
        "rows reached the event-stream client")
    return {"workers": workers, "rounds": runs, "summary": summary}
