"""Ingestion: RSS/Atom mapping and polling against a real local HTTP server, and the
JSON Lines / ninjs file reader. No broker here: ``publish`` is a list.append."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import feedparser
import pytest

from streams.contracts import ContractError, primary_language
from streams.ingest.common import html_to_line, looks_like_html
from streams.ingest.feed_poller import (
    FeedPoller,
    FetchResult,
    FullTextUnavailable,
    StateError,
    default_state_path,
    http_fetch,
    make_trafilatura_fetcher,
)
from streams.ingest.feeds import feed_items_to_articles
from streams.ingest.files import (
    RecordError,
    count_lines,
    is_ninjs,
    iter_file_articles,
    iter_payload_articles,
    ninjs_to_article,
    record_to_article,
)

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
RSS = (FIXTURES / "feed_rss.xml").read_bytes()
ATOM = (FIXTURES / "feed_atom.xml").read_bytes()
BROKEN = (FIXTURES / "feed_broken.xml").read_bytes()


# --- a real local HTTP server -----------------------------------------------------------------


class FeedServer:
    """Serves feeds on 127.0.0.1 with ETag/Last-Modified and 304s; records request headers."""

    def __init__(self) -> None:
        self.routes: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                if route.get("delay"):
                    time.sleep(route["delay"])
                if route.get("status", 200) != 200:
                    self.send_error(route["status"])
                    return
                body: bytes = route["body"]
                etag = f'"{hashlib.sha1(body).hexdigest()[:12]}"' if route.get("etag", True) else None
                modified = "Wed, 04 Jun 2025 10:00:00 GMT" if route.get("modified", True) else None
                if (etag and self.headers.get("If-None-Match") == etag) or (
                    not etag and modified and self.headers.get("If-Modified-Since") == modified
                ):
                    self.send_response(304)
                    self.end_headers()
                    return
                if route.get("gzip"):
                    body = gzip.compress(body)
                self.send_response(200)
                self.send_header("Content-Type", route.get("type", "application/rss+xml; charset=utf-8"))
                self.send_header("Content-Length", str(len(body)))
                if route.get("gzip"):
                    self.send_header("Content-Encoding", "gzip")
                if etag:
                    self.send_header("ETag", etag)
                if modified:
                    self.send_header("Last-Modified", modified)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def count(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer()
    srv.routes = {
        "/rss.xml": {"body": RSS},
        "/atom.xml": {"body": ATOM, "type": "application/atom+xml"},
        "/broken.xml": {"body": BROKEN},
        "/noetag.xml": {"body": RSS, "etag": False, "modified": False},
        "/lastmod.xml": {"body": RSS, "etag": False},
        "/gz.xml": {"body": RSS, "gzip": True},
        "/error.xml": {"body": b"", "status": 500},
        "/slow.xml": {"body": RSS, "delay": 1.5},
        "/html.xml": {"body": b"<html><body><p>Not a feed</p></body></html>", "type": "text/html"},
    }
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state" / "feeds.json"


# --- helpers ----------------------------------------------------------------------------------


def test_primary_language() -> None:
    assert primary_language("fr-FR") == "fr"
    assert primary_language("en_us") == "en"
    assert primary_language(" EN ") == "en"
    assert primary_language("und") is None
    assert primary_language("français") is None
    assert primary_language(None) is None


def test_html_helpers() -> None:
    assert html_to_line("Port <em>re</em>opens&nbsp;&amp; <br/>more") == "Port reopens & more"
    assert looks_like_html("<p>x</p>") and looks_like_html("AT&amp;T")
    assert not looks_like_html("Tom & Jerry, 3 < 4")


def test_default_state_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WIREWATCH_STATE_DIR", str(tmp_path))
    assert default_state_path() == tmp_path / "feeds.json"
    monkeypatch.delenv("WIREWATCH_STATE_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert default_state_path() == tmp_path / "xdg" / "wirewatch" / "feeds.json"


# --- feed mapping -----------------------------------------------------------------------------


def _map(raw: bytes, url: str = "http://example.test/feed.xml") -> tuple[list[dict], list[str]]:
    parsed = feedparser.parse(raw, response_headers={"content-location": url})
    return feed_items_to_articles(parsed, feed_url=url, raw=raw)


def test_rss_items_to_articles() -> None:
    articles, problems = _map(RSS)
    assert problems == []
    assert [a["id"] for a in articles] == [
        "urn:example-test:depeche:1001",
        "http://example.test/en/port-reopens",
        "http://example.test/actu/greve",  # no guid: the link
    ]
    fr, en, greve = articles
    assert fr["source"] == en["source"] == "Dépêches de test"
    assert fr["version"] == 1 and fr["language"] == "fr" and en["language"] == "en"
    assert fr["body"].startswith("Le conseil municipal") and "\n\n« Nous" in fr["body"]
    assert "body_html" not in fr
    assert fr["published_at"] == "2025-06-03T07:39:21Z"
    assert fr["byline"] == "Service Régions" and fr["url"] == "http://example.test/actu/budget"
    assert en["headline"] == "Port reopens after storm damage"
    assert "<p>The harbour reopened" in en["body_html"] and "<script" not in en["body_html"]
    assert 'href="http://example.test/en/more"' in en["body_html"]  # relative link resolved
    assert "body" not in en and en["byline"] == "Night Desk"
    assert en["published_at"] == "2025-06-04T14:00:00Z"
    assert greve["body_html"] == "<p>Les syndicats appellent à une grève jeudi.</p>"
    assert greve["language"] == "fr"


def test_atom_entries_to_articles() -> None:
    articles, problems = _map(ATOM, "http://example.test/atom.xml")
    assert problems == []
    first, second = articles
    assert first["id"] == "tag:example.test,2025:atom-1" and first["source"] == "Example Atom Wire"
    assert first["language"] == "en" and first["body"].endswith("\n\nWork starts in the autumn.")
    assert first["published_at"] == "2025-06-05T07:30:00Z"  # published before updated
    assert first["url"] == "http://example.test/atom/cycle-lanes"
    assert second["language"] == "fr" and second["headline"] == "Nouvelle ligne de tramway"
    assert second["body_html"] == "<p>La ligne ouvrira en <b>septembre</b>.</p>"
    assert "url" not in second  # feedparser's link is the tag: id, not a web page


def test_feed_source_falls_back_to_host_and_ids_to_hash() -> None:
    raw = b"""<rss version="2.0"><channel>
      <item><title>Untitled feed item</title><description>Some text.</description>
      <pubDate>Thu, 05 Jun 2025 06:15:00 +0000</pubDate></item>
      <item><title></title><description></description></item>
    </channel></rss>"""
    articles, problems = _map(raw, "https://news.example.test/feed")
    assert len(articles) == 1 and articles[0]["source"] == "news.example.test"
    assert articles[0]["id"].startswith("urn:wirewatch:feed-item:")
    assert _map(raw, "https://news.example.test/feed")[0][0]["id"] == articles[0]["id"]  # stable
    assert problems == ["https://news.example.test/feed: item 2: article has neither 'body' nor 'body_html'; skipped"]


def test_broken_feed_keeps_complete_items_and_reports() -> None:
    articles, problems = _map(BROKEN)
    assert [a["id"] for a in articles] == ["urn:example-test:broken:1", "urn:example-test:broken:2"]
    text = "\n".join(problems)
    assert "not well-formed" in text
    assert "neither 'body' nor 'body_html'; skipped" in text
    assert "urn:example-test:broken:3" in text and "incomplete" in text


def test_mapping_never_raises_on_garbage() -> None:
    assert feed_items_to_articles({}, feed_url="x") == ([], ["x: no RSS or Atom feed found in the document"])
    assert _map(b"<rss version='2.0'><channel><title>Empty</title></channel></rss>") == ([], [])
    articles, problems = feed_items_to_articles(
        {"entries": [None, {"title": "ok", "id": "1", "summary": "Some text."}]}, feed_url="x"
    )
    assert [a["id"] for a in articles] == ["1"] and len(problems) == 1


# --- polling ----------------------------------------------------------------------------------


def test_poll_twice_and_restart_publishes_exactly_three(server: FeedServer, state: Path) -> None:
    url = server.url("/rss.xml")
    published: list[dict] = []
    poller = FeedPoller(state)
    first = poller.poll_once(url, published.append)
    assert (first.new, first.skipped_seen, first.errors, first.not_modified) == (3, 0, [], False)
    second = poller.poll_once(url, published.append)
    assert second.not_modified and second.new == 0 and second.errors == []
    assert server.requests[-1][1].get("if-none-match")  # conditional GET sent
    restarted = FeedPoller(state).poll_once(url, published.append)
    assert restarted.not_modified and restarted.new == 0
    assert len(published) == 3 and len({a["id"] for a in published}) == 3
    saved = json.loads(state.read_text())
    assert saved["feeds"][url]["etag"] and len(saved["feeds"][url]["seen"]) == 3
    assert [p.name for p in state.parent.iterdir()] == ["feeds.json"]  # no temp file left


def test_seen_ids_dedup_without_validators(server: FeedServer, state: Path) -> None:
    """A server without ETag/Last-Modified: the seen ids alone prevent republishing."""
    url = server.url("/noetag.xml")
    published: list[dict] = []
    assert FeedPoller(state).poll_once(url, published.append).new == 3
    again = FeedPoller(state).poll_once(url, published.append)
    assert (again.new, again.skipped_seen, again.not_modified) == (0, 3, False)
    assert "if-none-match" not in server.requests[-1][1]
    assert len(published) == 3


def test_last_modified_conditional_get(server: FeedServer, state: Path) -> None:
    url = server.url("/lastmod.xml")
    poller = FeedPoller(state)
    assert poller.poll_once(url, lambda a: None).new == 3
    report = poller.poll_once(url, lambda a: None)
    assert report.not_modified
    assert server.requests[-1][1]["if-modified-since"] == "Wed, 04 Jun 2025 10:00:00 GMT"


def test_atom_and_gzip_feeds(server: FeedServer, state: Path) -> None:
    published: list[dict] = []
    poller = FeedPoller(state)
    assert poller.poll_once(server.url("/atom.xml"), published.append).new == 2
    report = poller.poll_once(server.url("/gz.xml"), published.append)
    assert report.new == 3 and report.errors == []
    assert {a["source"] for a in published} == {"Example Atom Wire", "Dépêches de test"}


def test_broken_feed_publishes_valid_items_and_reports(server: FeedServer, state: Path) -> None:
    url = server.url("/broken.xml")
    published: list[dict] = []
    poller = FeedPoller(state)
    report = poller.poll_once(url, published.append)
    assert report.new == 2 and len(report.errors) == 3
    assert [a["id"] for a in published] == ["urn:example-test:broken:1", "urn:example-test:broken:2"]
    # the truncated item was not marked seen: once the feed is complete it is published
    server.routes["/broken.xml"] = {"body": BROKEN + b"dle.</description></item></channel></rss>"}
    fixed = poller.poll_once(url, published.append)
    assert fixed.new == 1 and fixed.skipped_seen == 2
    assert published[-1]["id"] == "urn:example-test:broken:3"


def test_fetch_errors_are_reported_not_raised(server: FeedServer, state: Path) -> None:
    poller = FeedPoller(state, timeout=0.5)
    for path, expected in [
        ("/error.xml", "HTTP 500"),
        ("/missing.xml", "HTTP 404"),
        ("/slow.xml", "timed out"),
        ("/html.xml", ""),
    ]:
        report = poller.poll_once(server.url(path), lambda a: None)
        assert report.new == 0 and report.errors, path
        assert expected in " ".join(report.errors), report.errors
    refused = poller.poll_once("http://127.0.0.1:9/feed.xml", lambda a: None)
    assert refused.errors and refused.new == 0
    assert not state.exists()  # nothing published, nothing saved


def test_publish_failure_retries_remaining_items(server: FeedServer, state: Path) -> None:
    url = server.url("/rss.xml")
    published: list[dict] = []

    def flaky(article: dict) -> None:
        if len(published) == 1 and not getattr(flaky, "failed", False):
            flaky.failed = True  # type: ignore[attr-defined]
            raise ConnectionError("broker unavailable")
        published.append(article)

    poller = FeedPoller(state)
    report = poller.poll_once(url, flaky)
    assert report.new == 1 and "broker unavailable" in report.errors[0]
    assert json.loads(state.read_text())["feeds"][url]["etag"] is None  # no 304 next time
    retry = FeedPoller(state).poll_once(url, flaky)
    assert (retry.new, retry.skipped_seen, retry.not_modified) == (2, 1, False)
    assert len(published) == 3 and len({a["id"] for a in published}) == 3


def test_republish_updates_bumps_version(state: Path) -> None:
    url = "http://example.test/feed.xml"
    body = {"value": RSS}

    def fetch(u: str, *, etag: Any, modified: Any, timeout: float) -> FetchResult:
        return FetchResult(200, body["value"], {"content-type": "application/rss+xml"}, u)

    published: list[dict] = []
    plain = FeedPoller(state)
    assert plain.poll_once(url, published.append, fetch=fetch).new == 3
    body["value"] = RSS.replace("Grève dans les transports jeudi".encode(), "Grève reportée".encode())
    assert plain.poll_once(url, published.append, fetch=fetch).new == 0  # default: by id only
    updating = FeedPoller(state, republish_updates=True)
    report = updating.poll_once(url, published.append, fetch=fetch)
    assert report.new == 1 and report.skipped_seen == 2
    assert published[-1]["version"] == 2 and published[-1]["headline"] == "Grève reportée"
    assert updating.poll_once(url, published.append, fetch=fetch).new == 0


def test_seen_set_is_bounded_but_keeps_current_items(state: Path) -> None:
    items = "".join(
        f"<item><title>T{i}</title><guid>g{i}</guid><description>x</description></item>"
        for i in range(3)
    )
    body = {"value": f"<rss version='2.0'><channel>{items}</channel></rss>".encode()}

    def fetch(u: str, *, etag: Any, modified: Any, timeout: float) -> FetchResult:
        return FetchResult(200, body["value"], {}, u)

    poller = FeedPoller(state, max_seen_per_feed=2)
    assert poller.poll_once("u", lambda a: None, fetch=fetch).new == 3
    assert poller.seen_ids("u") == ["g0", "g1", "g2"]  # never fewer than the feed holds
    body["value"] = (b"<rss version='2.0'><channel><item><title>T9</title><guid>g9</guid>"
                     b"<description>y</description></item></channel></rss>")
    assert poller.poll_once("u", lambda a: None, fetch=fetch).new == 1
    assert poller.seen_ids("u") == ["g2", "g9"]


def test_corrupt_state_refuses_to_start(state: Path) -> None:
    state.parent.mkdir(parents=True)
    state.write_text("{not json")
    with pytest.raises(StateError, match="corrupt"):
        FeedPoller(state)


def test_full_text_hook_only_for_new_summary_items(server: FeedServer, state: Path) -> None:
    calls: list[str] = []

    def full_text(url: str) -> str:
        calls.append(url)
        return "Le texte intégral de l’article.\n\nDeuxième paragraphe."

    published: list[dict] = []
    poller = FeedPoller(state, full_text=full_text)
    poller.poll_once(server.url("/noetag.xml"), published.append)
    # items 1 and 3 have only a description; item 2 has content:encoded
    assert calls == ["http://example.test/actu/budget", "http://example.test/actu/greve"]
    by_id = {a["id"]: a for a in published}
    greve = by_id["http://example.test/actu/greve"]
    assert greve["body"].startswith("Le texte intégral") and "body_html" not in greve
    assert "content:encoded" not in by_id["http://example.test/en/port-reopens"]["body_html"]
    poller.poll_once(server.url("/noetag.xml"), published.append)
    assert len(calls) == 2  # seen items are not fetched again


def test_full_text_failure_keeps_summary(state: Path) -> None:
    def fetch(u: str, *, etag: Any, modified: Any, timeout: float) -> FetchResult:
        return FetchResult(200, RSS, {}, u)

    def broken(url: str) -> str:
        raise TimeoutError("slow site")

    published: list[dict] = []
    report = FeedPoller(state, full_text=broken).poll_once("u", published.append, fetch=fetch)
    assert report.new == 3 and report.errors == [] and len(report.warnings) == 2
    assert published[0]["body"].startswith("Le conseil municipal")


def test_trafilatura_hook_explains_missing_package() -> None:
    try:
        import trafilatura  # noqa: F401
    except ImportError:
        with pytest.raises(FullTextUnavailable, match="pip install trafilatura"):
            make_trafilatura_fetcher()
    else:
        assert callable(make_trafilatura_fetcher())


def test_run_once_and_stop_event(server: FeedServer, state: Path) -> None:
    urls = [server.url("/rss.xml"), server.url("/atom.xml"), server.url("/rss.xml")]
    published: list[dict] = []
    reports = FeedPoller(state).run(urls, published.append, once=True)
    assert [r.new for r in reports] == [3, 2] and len(published) == 5  # duplicate URL once

    stop = threading.Event()
    seen: list[Any] = []

    def on_report(report: Any) -> None:
        seen.append(report)
        if len(seen) == 4:
            stop.set()
        raise RuntimeError("a broken callback does not stop the loop")

    FeedPoller(state).run(urls[:2], published.append, interval=0.01, stop_event=stop, on_report=on_report)
    assert len(seen) == 4 and all(r.not_modified for r in seen) and len(published) == 5
    with pytest.raises(ValueError):
        FeedPoller(state).run(urls, published.append, interval=0)


def test_http_fetch_304_and_errors(server: FeedServer) -> None:
    first = http_fetch(server.url("/rss.xml"))
    assert first.status == 200 and first.content == RSS and first.headers["etag"]
    assert http_fetch(server.url("/rss.xml"), etag=first.headers["etag"]).status == 304
    assert http_fetch(server.url("/gz.xml")).content == RSS


# --- files ------------------------------------------------------------------------------------


def _split(results: list) -> tuple[list[dict], list[RecordError]]:
    return [r for r in results if isinstance(r, dict)], [r for r in results if isinstance(r, RecordError)]


def test_jsonl_valid_and_invalid_records() -> None:
    path = FIXTURES / "articles.jsonl"
    articles, errors = _split(list(iter_file_articles(path)))
    assert [a["id"] for a in articles] == ["ex-001", "ex-002", "ex-011"]
    assert articles[0]["version"] == 1 and articles[0]["desk"] == "economy"  # extras kept
    assert articles[1]["version"] == 2 and articles[1]["body_html"].startswith("<p>")
    assert articles[2]["published_at"] == "2025-06-01T10:00:00Z" and "byline" not in articles[2]
    by_line = {e.line: e.message for e in errors}
    assert sorted(by_line) == [4, 5, 6, 7, 8, 9, 10, 11, 13]  # blank line 3 skipped
    assert "invalid JSON" in by_line[4]
    assert "'id'" in by_line[5]
    assert "'version'" in by_line[6] and "'headline'" in by_line[7] and "got 0" in by_line[8]
    assert by_line[9] == "payload is a JSON list, expected an object"
    assert by_line[10] == "article has no text: 'body' is blank"
    assert "'source'" in by_line[11] and "published_at" in by_line[13]
    assert str(errors[0]) == f"{path}:4: {errors[0].message}"
    assert count_lines(path) == 13


def test_default_source_fills_missing_source() -> None:
    articles, errors = _split(list(iter_file_articles(FIXTURES / "articles.jsonl", default_source="Desk")))
    assert "ex-010" in {a["id"] for a in articles}
    assert next(a for a in articles if a["id"] == "ex-010")["source"] == "Desk"
    assert next(a for a in articles if a["id"] == "ex-001")["source"] == "Example Wire"


def test_ninjs_1x_single_pretty_printed_document() -> None:
    results = list(iter_file_articles(FIXTURES / "ninjs_1.json"))
    assert len(results) == 1
    article = results[0]
    assert article["id"] == "urn:example-test:ninjs1:42" and article["version"] == 3
    assert article["source"] == "Agence Exemple" and article["language"] == "fr"
    assert article["headline"] == "Le festival attire un public record"
    assert article["body"].startswith("Le festival") and "body_html" not in article
    assert article["byline"] == "Rédaction Culture"
    assert article["published_at"] == "2025-06-02T09:20:00Z"  # versioncreated, in UTC
    assert article["ninjs"]["subject"][0]["code"] == "01000000"
    assert "body_text" not in article["ninjs"] and article["ninjs"]["urgency"] == 3


def test_ninjs_2x_array() -> None:
    articles, errors = _split(list(iter_file_articles(FIXTURES / "ninjs_2.json")))
    first, second = articles
    assert first["headline"] == "Rail workers announce two-day strike"  # role main, HTML stripped
    assert first["body_html"].startswith("<p>Rail workers")  # main body, not the summary
    assert first["byline"] == "Transport Desk" and first["language"] == "en"
    assert second["id"] == "urn:example-test:ninjs2:8" and second["version"] == 2
    assert second["source"] == "Example Stringers" and second["body"].startswith("Identified")
    assert len(errors) == 1 and errors[0].line == 29 and "picture" in errors[0].message


def test_ninjs_3x_camel_case_jsonl() -> None:
    articles, errors = _split(list(iter_file_articles(FIXTURES / "ninjs_3.jsonl")))
    (article,) = articles
    assert article["id"] == "urn:example-test:ninjs3:100" and article["version"] == 5
    assert article["source"] == "Agence Exemple" and article["byline"] == "Service Politique"
    assert article["published_at"] == "2025-06-04T12:00:00Z"
    assert article["body"].endswith("\n\nLe texte sera débattu en juin.")
    assert article["ninjs"]["firstCreated"] == "2025-06-04T10:00:00Z"
    assert [e.line for e in errors] == [2, 3, 4]
    assert "source" in errors[0].message and "'version'" in errors[1].message
    assert "'headlines' must be an array" in errors[2].message
    with_default = _split(list(iter_file_articles(FIXTURES / "ninjs_3.jsonl", default_source="X")))
    assert [a["source"] for a in with_default[0]] == ["Agence Exemple", "X"]


def test_gzip_input(tmp_path: Path) -> None:
    source = FIXTURES / "ninjs_3.jsonl"
    packed = tmp_path / "ninjs_3.jsonl.gz"
    packed.write_bytes(gzip.compress(source.read_bytes()))
    plain_results = [str(r) if isinstance(r, RecordError) else r for r in iter_file_articles(source)]
    packed_results = [str(r) if isinstance(r, RecordError) else r for r in iter_file_articles(packed)]
    assert len(packed_results) == len(plain_results) == 4
    assert packed_results[0] == plain_results[0]
    assert count_lines(packed) == count_lines(source) == 4
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(gzip.compress(source.read_bytes())[:60])
    assert any(isinstance(r, RecordError) for r in iter_file_articles(broken))


def test_edge_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    assert list(iter_file_articles(empty)) == [] and count_lines(empty) == 2
    no_newline = tmp_path / "one.jsonl"
    no_newline.write_text('{"id": "a", "source": "s", "body": "b"}')
    assert count_lines(no_newline) == 1 and len(list(iter_file_articles(no_newline))) == 1
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"id": "a", "source": "s", "body": "ok"}\n{"id": "b", "source": "s", "body": "caf\xe9"}\n')
    results = list(iter_file_articles(latin))
    assert isinstance(results[0], dict) and isinstance(results[1], RecordError)
    assert results[1].line == 2 and "UTF-8" in results[1].message
    with pytest.raises(OSError):
        list(iter_file_articles(tmp_path / "missing.jsonl"))


def test_payload_and_record_api() -> None:
    body = b'{"id": "p1", "source": "s", "body": "b"}\n{"id": 2}\n'
    results = list(iter_payload_articles(body, origin="POST /articles"))
    assert results[0]["id"] == "p1" and str(results[1]).startswith("POST /articles:2: ")
    single = list(iter_payload_articles(b'{\n "uri": "u1",\n "body_text": "b",\n "copyrightholder": "c"\n}'))
    assert single[0]["id"] == "u1" and single[0]["source"] == "c"
    assert is_ninjs({"uri": "x"}) and is_ninjs({"versionCreated": "x"})
    assert not is_ninjs({"id": "x", "uri": "y"}) and not is_ninjs({"body_html": "<p>x</p>"})
    assert record_to_article({"id": "x", "source": "s", "body": "b"})["version"] == 1
    with pytest.raises(ContractError, match="must be an integer >= 1, got True"):
        record_to_article({"id": "x", "source": "s", "body": "b", "version": True})
    assert record_to_article({"id": "x", "source": "s", "body": "b", "language": "??"})["language"] == "??"
    assert ninjs_to_article({"uri": "u", "body_text": "b"}, default_source="d")["source"] == "d"
    assert "language" not in ninjs_to_article({"uri": "u", "body_text": "b", "language": "??"}, default_source="d")
    with pytest.raises(ContractError, match="^ninjs document without body text$"):
        ninjs_to_article({"uri": "u", "headline": "Headline only"}, default_source="d")
