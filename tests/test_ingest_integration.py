"""Issue #6 from outside: a local RSS feed with three items, polled twice with the CLI, yields
exactly three enriched events; files and HTTP push reach wire.raw too."""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
import pytest

from streams.harness.topics import TopicClient as Client
from streams.harness.workers import Worker
from streams.harness.workers import run_cli as cli
from streams.topology import ENRICH_STAGE_NAMES

pytestmark = pytest.mark.integration
FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_rss_polled_twice_yields_three_enriched_events(broker, tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(FIXTURES)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/feed_rss.xml"
    prefix = f"rss{broker.kind}"
    worker = Worker(broker, prefix, tmp_path, stages=",".join(ENRICH_STAGE_NAMES))
    client = Client(broker, prefix)
    state = tmp_path / "feeds.json"
    try:
        first = cli("ingest", "rss", url, "--once", "--state", str(state), env=worker.env)
        assert first.returncode == 0, first.stderr
        second = cli("ingest", "rss", url, "--once", "--state", str(state), env=worker.env)
        assert second.returncode == 0, second.stderr
        assert "published 0 new article(s)" in second.stderr
        events = client.collect("enriched", 3, worker=worker)
        events += client.drain("enriched", timeout=3)
        assert len(events) == 3
        assert len({event["id"] for event in events}) == 3
    finally:
        client.close()
        worker.stop()
        server.shutdown()


def test_file_ingest_reports_invalid_records_and_http_push(broker, tmp_path):
    prefix = f"file{broker.kind}"
    worker = Worker(broker, prefix, tmp_path, stages="normalize")
    client = Client(broker, prefix)
    try:
        bad = tmp_path / "mixed.jsonl"
        bad.write_text('{"id": "f1", "source": "s", "body": "Un texte."}\n{broken\n{"id": "f2", "body": "no source"}\n')
        result = cli("ingest", "file", str(bad), env=worker.env)
        assert result.returncode == 2
        assert f"{bad}:2:" in result.stderr and f"{bad}:3:" in result.stderr
        assert "published 1 article(s)" in result.stderr
        ninjs = cli("ingest", "file", str(FIXTURES / "ninjs_1.json"), env=worker.env)
        assert ninjs.returncode == 0, ninjs.stderr

        worker.wait_http("/health")
        status, body = worker.http("POST", "/articles", orjson.dumps({"id": "push-1", "source": "s",
                                                                      "body": "Texte poussé."}))
        assert status == 202 and body["accepted"] == ["push-1"]
        status, body = worker.http("POST", "/articles", b'{"id": 5}')
        assert status == 400 and body["errors"]
        headline_only = {"id": "push-2", "source": "s", "headline": "Headline only"}
        status, body = worker.http("POST", "/articles", orjson.dumps(headline_only))
        assert status == 400  # normalize would dead-letter it: the same answer, the same reason
        assert body["errors"] == [{"line": 1, "error": "article has neither 'body' nor 'body_html'"}]
        normalized = client.collect("normalized", 3, worker=worker)
        ids = {event["id"] for event in normalized}
        assert {"f1", "push-1"} <= ids | {e["id"] for e in client.drain("normalized", timeout=3)}
    finally:
        client.close()
        worker.stop()
