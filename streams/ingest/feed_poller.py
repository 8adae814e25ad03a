"""Fetching RSS/Atom feeds and publishing each item once (no Kafka here).

``FeedPoller`` fetches a feed with a conditional GET, maps it (:mod:`streams.ingest.feeds`),
publishes only the items it has not published before, and keeps that knowledge in a small JSON
file, so that polling again (also after a restart) publishes nothing new. The caller supplies
``publish(article) -> None``; it must return only once the article is safely handed over (e.g.
a Kafka send whose future was waited on), because the state is saved right after it returns.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import tempfile
import threading
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import feedparser

from streams import __version__
from streams.contracts import DEFAULT_MAX_BODY_BYTES, raw_article_problems
from streams.ingest.feeds import Article, MappedItem, map_feed

log = logging.getLogger(__name__)

Publish = Callable[[Article], None]
FullText = Callable[[str], str | None]

DEFAULT_MAX_SEEN = 5000
DEFAULT_TIMEOUT = 20.0
MAX_FEED_BYTES = 20 * 1024 * 1024
STATE_FORMAT = 1
USER_AGENT = f"wirewatch/{__version__} (feed poller)"

__all__ = [
    "FeedPoller",
    "FetchError",
    "FetchResult",
    "FullTextUnavailable",
    "PollReport",
    "StateError",
    "default_state_path",
    "http_fetch",
    "make_trafilatura_fetcher",
]


# --- fetching ---------------------------------------------------------------------------------


class FetchError(Exception):
    """The feed could not be fetched (HTTP error, timeout, network)."""


@dataclass(frozen=True)
class FetchResult:
    status: int  # 200, or 304 when not modified
    content: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)  # lowercase names
    url: str = ""  # final URL after redirects


class Fetch(Protocol):
    def __call__(
        self, url: str, *, etag: str | None, modified: str | None, timeout: float
    ) -> FetchResult: ...


def _decode_body(content: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return gzip.decompress(content)
    if encoding == "deflate":
        try:
            return zlib.decompress(content)
        except zlib.error:
            return zlib.decompress(content, -zlib.MAX_WBITS)
    return content


def http_fetch(
    url: str,
    *,
    etag: str | None = None,
    modified: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> FetchResult:
    """Conditional GET with urllib (If-None-Match / If-Modified-Since); 304 is a result, not an
    error. Raises :class:`FetchError` for HTTP errors, timeouts and oversized responses."""
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5",
        "Accept-Encoding": "gzip, deflate",
    }
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content = response.read(MAX_FEED_BYTES + 1)
            if len(content) > MAX_FEED_BYTES:
                raise FetchError(f"{url}: response larger than {MAX_FEED_BYTES} bytes")
            resp_headers = {k.lower(): v for k, v in response.headers.items()}
            content = _decode_body(content, resp_headers.get("content-encoding", ""))
            return FetchResult(response.status, content, resp_headers, response.geturl())
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return FetchResult(304, b"", {k.lower(): v for k, v in exc.headers.items()}, url)
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise FetchError(f"{url}: {exc.reason}") from exc
    except (TimeoutError, OSError, EOFError, zlib.error) as exc:
        raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc


# --- optional full text -----------------------------------------------------------------------


class FullTextUnavailable(RuntimeError):
    """Full-text fetching was asked for but trafilatura is not installed."""


def make_trafilatura_fetcher(*, timeout: float = DEFAULT_TIMEOUT) -> FullText:
    """A ``url -> text | None`` extractor built on trafilatura (optional dependency).

    Raises :class:`FullTextUnavailable` with an install hint when trafilatura is missing, so
    the CLI can fail at start-up with one clear line rather than on the first item.
    """
    try:
        import trafilatura  # type: ignore[import-not-found]
    except ImportError as exc:
        raise FullTextUnavailable(
            "full-text fetching needs the optional package 'trafilatura' "
            "(pip install trafilatura); it is off by default"
        ) from exc

    def extract(url: str) -> str | None:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            page = response.read(MAX_FEED_BYTES)
        text = trafilatura.extract(page, url=url, include_comments=False, include_tables=False)
        return text.strip() if isinstance(text, str) and text.strip() else None

    return extract


# --- state ------------------------------------------------------------------------------------


class StateError(RuntimeError):
    """The poller's state file exists but cannot be read; refusing to start from scratch
    (which would republish every item of every feed)."""


def default_state_path() -> Path:
    """$WIREWATCH_STATE_DIR/feeds.json, else $XDG_STATE_HOME/wirewatch/feeds.json, else
    ~/.local/state/wirewatch/feeds.json."""
    directory = os.environ.get("WIREWATCH_STATE_DIR")
    if directory:
        return Path(directory).expanduser() / "feeds.json"
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "state"
    return base / "wirewatch" / "feeds.json"


@dataclass
class _FeedState:
    etag: str | None = None
    modified: str | None = None
    seen: dict[str, list[Any]] = field(default_factory=dict)  # id -> [version, content hash]

    def to_json(self) -> dict[str, Any]:
        return {"etag": self.etag, "modified": self.modified, "seen": self.seen}

    @classmethod
    def from_json(cls, data: Any) -> _FeedState:
        if not isinstance(data, dict):
            raise ValueError("feed entry is not an object")
        seen = data.get("seen") or {}
        if not isinstance(seen, dict):
            raise ValueError("'seen' is not an object")
        clean = {
            str(k): [int(v[0]), str(v[1])] if isinstance(v, list) and len(v) == 2 else [1, ""]
            for k, v in seen.items()
        }
        etag, modified = data.get("etag"), data.get("modified")
        return cls(
            etag if isinstance(etag, str) else None,
            modified if isinstance(modified, str) else None,
            clean,
        )


def _load_state(path: Path) -> dict[str, _FeedState]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise StateError(f"cannot read feed state {path}: {exc}") from exc
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or not isinstance(data.get("feeds", {}), dict):
            raise ValueError("not a wirewatch feed state file")
        return {url: _FeedState.from_json(v) for url, v in data.get("feeds", {}).items()}
    except (ValueError, TypeError, IndexError) as exc:
        raise StateError(
            f"feed state {path} is corrupt ({exc}); fix or delete it "
            "(deleting republishes every item still in the feeds)"
        ) from exc


def _save_state(path: Path, feeds: Mapping[str, _FeedState]) -> None:
    """Write temp file in the same directory, fsync, then os.replace: a crash leaves either
    the old or the new state, never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": STATE_FORMAT, "feeds": {u: s.to_json() for u, s in feeds.items()}}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, ensure_ascii=False, separators=(",", ":"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _trim_seen(seen: dict[str, list[Any]], cap: int, keep: set[str]) -> None:
    """Drop the oldest ids beyond cap, never one still present in the feed (it would return)."""
    excess = len(seen) - max(cap, len(keep))
    if excess <= 0:
        return
    for item_id in [k for k in seen if k not in keep][:excess]:
        del seen[item_id]


# --- polling ----------------------------------------------------------------------------------


@dataclass
class PollReport:
    """What one poll of one feed did. ``errors`` are problems worth a user's attention
    (fetch failures, broken XML, unusable items, publish failures); ``warnings`` are not."""

    new: int = 0  # articles published (new items, and updated ones when enabled)
    skipped_seen: int = 0  # items already published earlier
    errors: list[str] = field(default_factory=list)
    not_modified: bool = False  # 304: nothing fetched
    url: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class FeedPoller:
    """Publishes each feed item once, across polls and restarts.

    State (one JSON file): per feed URL, the last ETag / Last-Modified and the ids already
    published (the most recent ``max_seen_per_feed``, never fewer than the feed holds), each
    with its version and a content hash. With ``republish_updates`` an item whose headline or
    body changed is published again with version + 1; it is off by default because many feeds
    rewrite summaries or timestamps without any editorial update.
    """

    def __init__(
        self,
        state_path: os.PathLike[str] | str | None = None,
        *,
        max_seen_per_feed: int = DEFAULT_MAX_SEEN,
        timeout: float = DEFAULT_TIMEOUT,
        full_text: FullText | None = None,
        republish_updates: bool = False,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        if max_seen_per_feed < 1:
            raise ValueError("max_seen_per_feed must be >= 1")
        self.state_path = Path(state_path) if state_path is not None else default_state_path()
        self.max_seen_per_feed = max_seen_per_feed
        self.timeout = timeout
        self.full_text = full_text
        self.republish_updates = republish_updates
        self.max_body_bytes = max_body_bytes
        self._feeds = _load_state(self.state_path)

    def seen_ids(self, url: str) -> list[str]:
        """Ids already published for a feed, oldest first."""
        state = self._feeds.get(url)
        return list(state.seen) if state else []

    def poll_once(self, url: str, publish: Publish, *, fetch: Fetch | None = None) -> PollReport:
        """Fetch one feed and publish its unseen items; never raises (except KeyboardInterrupt
        and the like). The ETag/Last-Modified are kept only when every item was handled, so a
        publish failure is retried on the next poll instead of hidden behind a 304."""
        report = PollReport(url=url)
        try:
            self._poll(url, publish, fetch or http_fetch, report)
        except Exception as exc:  # last resort: the loop must go on
            log.exception("polling %s failed", url)
            report.errors.append(f"{url}: unexpected error: {exc!r}")
        return report

    def _poll(self, url: str, publish: Publish, fetch: Fetch, report: PollReport) -> None:
        state = self._feeds.get(url) or _FeedState()
        try:
            result = fetch(url, etag=state.etag, modified=state.modified, timeout=self.timeout)
        except FetchError as exc:
            report.errors.append(str(exc))
            return
        except Exception as exc:
            report.errors.append(f"{url}: fetch failed: {type(exc).__name__}: {exc}")
            return
        if result.status == 304:
            report.not_modified = True
            return
        if not 200 <= result.status < 300:
            report.errors.append(f"{url}: HTTP {result.status}")
            return
        parsed = feedparser.parse(
            result.content,
            response_headers={
                "content-type": result.headers.get("content-type", "application/xml"),
                "content-location": result.url or url,
            },
        )
        items, problems = map_feed(parsed, feed_url=url, raw=result.content, max_body_bytes=self.max_body_bytes)
        report.errors.extend(problems)
        if not parsed.get("entries") and (parsed.get("bozo") or not parsed.get("version")):
            return  # nothing usable at all; keep the old validators so we fetch again
        dirty, complete = self._publish_new(url, items, state, publish, report)
        if complete and (state.etag, state.modified) != _validators(result):
            state.etag, state.modified = _validators(result)
            dirty = True
        _trim_seen(state.seen, self.max_seen_per_feed, {i.article["id"] for i in items})
        if dirty:
            self._feeds[url] = state
            try:
                _save_state(self.state_path, self._feeds)
            except OSError as exc:
                report.errors.append(f"cannot save feed state {self.state_path}: {exc}")

    def _publish_new(
        self,
        url: str,
        items: Iterable[MappedItem],
        state: _FeedState,
        publish: Publish,
        report: PollReport,
    ) -> tuple[bool, bool]:
        """Publish unseen (or, if enabled, changed) items in feed order; (state changed, all
        items handled)."""
        dirty = False
        done_now: set[str] = set()
        for item in items:
            article = dict(item.article)
            item_id = article["id"]
            previous = state.seen.get(item_id)
            if item_id in done_now:
                continue  # the same guid twice in one document
            if previous is not None:
                if not self.republish_updates or previous[1] == item.content_hash:
                    report.skipped_seen += 1
                    continue
                article["version"] = int(previous[0]) + 1
            if item.from_summary and self.full_text is not None:
                self._add_full_text(article, report)
            try:
                publish(article)
            except Exception as exc:
                report.errors.append(f"{url}: publishing {item_id!r} failed: {exc!r}")
                return dirty, False
            state.seen.pop(item_id, None)  # re-insert: newest last
            state.seen[item_id] = [article["version"], item.content_hash]
            done_now.add(item_id)
            report.new += 1
            dirty = True
        return dirty, True

    def _add_full_text(self, article: Article, report: PollReport) -> None:
        """The page's text replaces the summary, unless it breaks the raw-article contract."""
        assert self.full_text is not None
        try:
            text = self.full_text(article["url"])
        except Exception as exc:
            report.warnings.append(f"full text of {article['url']} unavailable: {exc!r}")
            return
        if not (text and text.strip()):
            return
        full = {k: v for k, v in article.items() if k != "body_html"} | {"body": text.strip()}
        broken = raw_article_problems(full, max_body_bytes=self.max_body_bytes)
        if broken:
            report.warnings.append(f"full text of {article['url']} not used: {broken[0]}")
            return
        article.pop("body_html", None)
        article["body"] = full["body"]

    def run(
        self,
        urls: Iterable[str],
        publish: Publish,
        *,
        interval: float = 300.0,
        once: bool = False,
        stop_event: threading.Event | None = None,
        fetch: Fetch | None = None,
        on_report: Callable[[PollReport], None] | None = None,
    ) -> list[PollReport]:
        """Poll every URL, then sleep ``interval`` seconds, until ``once`` or ``stop_event``.

        Returns the reports of the last round. ``on_report`` sees each report as it comes (the
        CLI logs it); an exception there is logged and ignored.
        """
        feeds = list(dict.fromkeys(urls))
        if interval <= 0 and not once:
            raise ValueError("interval must be > 0 seconds")
        stop = stop_event or threading.Event()
        while True:
            reports: list[PollReport] = []
            for url in feeds:
                if stop.is_set():
                    return reports
                report = self.poll_once(url, publish, fetch=fetch)
                reports.append(report)
                if on_report is not None:
                    try:
                        on_report(report)
                    except Exception:
                        log.exception("on_report callback failed")
            if once or stop.wait(interval):
                return reports


def _validators(result: FetchResult) -> tuple[str | None, str | None]:
    return result.headers.get("etag"), result.headers.get("last-modified")
