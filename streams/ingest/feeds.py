"""RSS/Atom feeds -> raw articles, and a poller that publishes each item once (no Kafka here).

``feed_items_to_articles`` is a pure mapping from a feedparser result. ``FeedPoller`` fetches a
feed with a conditional GET, publishes only the items it has not published before, and keeps
that knowledge in a small JSON file, so that polling again (also after a restart) publishes
nothing new. The caller supplies ``publish(article) -> None``; it must return only once the
article is safely handed over (e.g. a Kafka send whose future was waited on), because the state
is saved right after it returns.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional, Protocol
from urllib.parse import urlsplit

import feedparser
from feedparser.exceptions import ThingsNobodyCaresAboutButMe

from streams import __version__
from streams.ingest.common import (
    html_to_line,
    looks_like_html,
    primary_language,
    to_rfc3339,
)

log = logging.getLogger(__name__)

Article = dict[str, Any]
Publish = Callable[[Article], None]
FullText = Callable[[str], Optional[str]]

DEFAULT_MAX_SEEN = 5000
DEFAULT_TIMEOUT = 20.0
MAX_FEED_BYTES = 20 * 1024 * 1024
STATE_FORMAT = 1
USER_AGENT = f"wirewatch/{__version__} (feed poller)"

__all__ = [
    "feed_items_to_articles",
    "map_feed",
    "MappedItem",
    "FeedPoller",
    "PollReport",
    "FetchResult",
    "FetchError",
    "StateError",
    "http_fetch",
    "default_state_path",
    "make_trafilatura_fetcher",
    "FullTextUnavailable",
]


# --- mapping ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MappedItem:
    """One feed item as a raw article, plus what the poller needs to know about it."""

    article: Article
    from_summary: bool  # the body is the summary/description, not full content
    content_hash: str  # of headline + body, to notice an updated item


_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")
_CLOSE_ITEM_RE = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>", re.IGNORECASE)


def _get(obj: Any, key: str) -> Any:
    try:
        return obj.get(key)
    except AttributeError:
        return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _is_html_type(content_type: Any) -> bool:
    return isinstance(content_type, str) and content_type.lower().startswith(_HTML_TYPES)


def _body_of(entry: Any) -> tuple[Optional[str], Optional[str], bool]:
    """(body, body_html, from_summary): full content first, else summary/description."""
    candidates: list[tuple[Any, bool]] = [(c, False) for c in (_get(entry, "content") or [])]
    summary = _get(entry, "summary_detail") or (
        {"value": _get(entry, "summary"), "type": "text/html"} if _get(entry, "summary") else None
    )
    if summary:
        candidates.append((summary, True))
    for detail, from_summary in candidates:
        value = _text(_get(detail, "value"))
        if not value:
            continue
        if _is_html_type(_get(detail, "type")) and looks_like_html(value):
            if html_to_line(value):
                return None, value, from_summary
            continue  # markup only, e.g. an image
        return value, None, from_summary
    return None, None, False


def _headline_of(entry: Any) -> str:
    title = _text(_get(entry, "title"))
    detail = _get(entry, "title_detail")
    if title and (_is_html_type(_get(detail, "type")) or looks_like_html(title)):
        return html_to_line(title)
    return " ".join(title.split())


def _language_of(entry: Any, feed: Any) -> Optional[str]:
    """Item language (dc:language, xml:lang on content/summary/title) before feed language."""
    candidates = [_get(entry, "language")]
    candidates += [_get(c, "language") for c in (_get(entry, "content") or [])]
    candidates += [_get(_get(entry, k), "language") for k in ("summary_detail", "title_detail")]
    candidates += [_get(feed, "language"), _get(_get(feed, "title_detail"), "language")]
    for candidate in candidates:
        lang = primary_language(candidate)
        if lang:
            return lang
    return None


def _url_of(entry: Any) -> Optional[str]:
    """The item's web page; feedparser copies a non-URL guid into ``link``, so check the scheme."""
    links = [lk for lk in (_get(entry, "links") or []) if _get(lk, "rel") in (None, "alternate")]
    for href in [_get(lk, "href") for lk in links] + [_get(entry, "link")]:
        href = _text(href)
        if href.lower().startswith(("http://", "https://")):
            return href
    return None


def _byline_of(entry: Any) -> Optional[str]:
    name = _text(_get(_get(entry, "author_detail"), "name")) or _text(_get(entry, "author"))
    return html_to_line(name) if name else None


def _published_of(entry: Any) -> Optional[str]:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        stamp = to_rfc3339(_get(entry, key))
        if stamp:
            return stamp
    return None


def _source_of(feed: Any, feed_url: str) -> str:
    title = _text(_get(feed, "title"))
    if title:
        line = html_to_line(title)
        if line:
            return line
    return urlsplit(feed_url).hostname or feed_url


def _fallback_id(feed_url: str, headline: str, published: Optional[str], body: str) -> str:
    """Deterministic id for an item with neither guid nor link: same item, same id."""
    basis = f"{headline}\n{published or ''}" if (headline or published) else body
    digest = hashlib.sha256(f"{feed_url}\n{basis}".encode("utf-8")).hexdigest()[:32]
    return f"urn:wirewatch:feed-item:{digest}"


def _content_hash(article: Article) -> str:
    parts = [article.get("headline") or "", article.get("body") or article.get("body_html") or ""]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def _hint(entry: Any, index: int) -> str:
    label = _text(_get(entry, "id")) or _text(_get(entry, "link")) or _text(_get(entry, "title"))
    return f"item {index + 1}" + (f" ({label[:80]})" if label else "")


def _bozo_problem(parsed: Any, feed_url: str) -> Optional[str]:
    if not _get(parsed, "bozo"):
        return None
    exc = _get(parsed, "bozo_exception")
    if isinstance(exc, ThingsNobodyCaresAboutButMe):
        return None  # encoding/content-type mismatch: the parse itself is fine
    return f"{feed_url}: feed is not well-formed ({exc}); only complete items are kept"


def map_feed(
    parsed_feed: Any, *, feed_url: str, raw: Optional[bytes] = None
) -> tuple[list[MappedItem], list[str]]:
    """Feed items as :class:`MappedItem` plus human-readable problems; never raises.

    For a broken (bozo) document whose raw bytes are given, items past the last closing
    ``</item>``/``</entry>`` are incomplete (truncated download) and are reported, not mapped:
    publishing half a body would mark the item as seen and hide the full one for good.
    """
    problems: list[str] = []
    feed = _get(parsed_feed, "feed") or {}
    entries = list(_get(parsed_feed, "entries") or [])
    bozo = _bozo_problem(parsed_feed, feed_url)
    complete = len(entries)
    if bozo:
        problems.append(bozo)
        if raw is not None:
            complete = min(complete, len(_CLOSE_ITEM_RE.findall(raw)))
    if not entries and not _get(parsed_feed, "version"):
        problems.append(f"{feed_url}: no RSS or Atom feed found in the document")
    source = _source_of(feed, feed_url)
    items: list[MappedItem] = []
    for index, entry in enumerate(entries):
        try:
            if index >= complete:
                problems.append(f"{feed_url}: {_hint(entry, index)}: incomplete item, skipped")
                continue
            item = _map_entry(entry, feed, feed_url=feed_url, source=source)
        except Exception as exc:  # a mapping bug must not lose the other items
            problems.append(f"{feed_url}: {_hint(entry, index)}: cannot be read ({exc!r})")
            continue
        if item is None:
            problems.append(f"{feed_url}: {_hint(entry, index)}: no id and no text, skipped")
            continue
        items.append(item)
    return items, problems


def _map_entry(entry: Any, feed: Any, *, feed_url: str, source: str) -> Optional[MappedItem]:
    headline = _headline_of(entry)
    body, body_html, from_summary = _body_of(entry)
    if not headline and not body and not body_html:
        return None
    published = _published_of(entry)
    url = _url_of(entry)
    item_id = _text(_get(entry, "id")) or _text(_get(entry, "link")) or _fallback_id(
        feed_url, headline, published, body or body_html or ""
    )
    article: Article = {"id": item_id, "version": 1, "source": source}
    language = _language_of(entry, feed)
    if language:
        article["language"] = language
    if headline:
        article["headline"] = headline
    if body_html is not None:
        article["body_html"] = body_html
    elif body is not None:
        article["body"] = body
    if url:
        article["url"] = url
    byline = _byline_of(entry)
    if byline:
        article["byline"] = byline
    if published:
        article["published_at"] = published
    return MappedItem(article, from_summary and url is not None, _content_hash(article))


def feed_items_to_articles(
    parsed_feed: Any, *, feed_url: str, raw: Optional[bytes] = None
) -> tuple[list[Article], list[str]]:
    """Raw articles from a ``feedparser.parse`` result, and the problems found; never raises.

    id = guid/Atom id as is, else link, else a hash of feed URL + title + date; body_html when
    the content is markup (the normaliser turns it into text), else body; language = item then
    feed language (lowercase primary subtag); published_at = RFC 3339 UTC; source = feed title,
    else the feed's host.
    """
    items, problems = map_feed(parsed_feed, feed_url=feed_url, raw=raw)
    return [item.article for item in items], problems


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
        self, url: str, *, etag: Optional[str], modified: Optional[str], timeout: float
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
    etag: Optional[str] = None,
    modified: Optional[str] = None,
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

    def extract(url: str) -> Optional[str]:
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
    etag: Optional[str] = None
    modified: Optional[str] = None
    seen: dict[str, list[Any]] = field(default_factory=dict)  # id -> [version, content hash]

    def to_json(self) -> dict[str, Any]:
        return {"etag": self.etag, "modified": self.modified, "seen": self.seen}

    @classmethod
    def from_json(cls, data: Any) -> "_FeedState":
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
        state_path: Optional[os.PathLike[str] | str] = None,
        *,
        max_seen_per_feed: int = DEFAULT_MAX_SEEN,
        timeout: float = DEFAULT_TIMEOUT,
        full_text: Optional[FullText] = None,
        republish_updates: bool = False,
    ) -> None:
        if max_seen_per_feed < 1:
            raise ValueError("max_seen_per_feed must be >= 1")
        self.state_path = Path(state_path) if state_path is not None else default_state_path()
        self.max_seen_per_feed = max_seen_per_feed
        self.timeout = timeout
        self.full_text = full_text
        self.republish_updates = republish_updates
        self._feeds = _load_state(self.state_path)

    def seen_ids(self, url: str) -> list[str]:
        """Ids already published for a feed, oldest first."""
        state = self._feeds.get(url)
        return list(state.seen) if state else []

    def poll_once(self, url: str, publish: Publish, *, fetch: Optional[Fetch] = None) -> PollReport:
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
        items, problems = map_feed(parsed, feed_url=url, raw=result.content)
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
        assert self.full_text is not None
        try:
            text = self.full_text(article["url"])
        except Exception as exc:
            report.warnings.append(f"full text of {article['url']} unavailable: {exc!r}")
            return
        if text and text.strip():
            article.pop("body_html", None)
            article["body"] = text.strip()

    def run(
        self,
        urls: Iterable[str],
        publish: Publish,
        *,
        interval: float = 300.0,
        once: bool = False,
        stop_event: Optional[threading.Event] = None,
        fetch: Optional[Fetch] = None,
        on_report: Optional[Callable[[PollReport], None]] = None,
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


def _validators(result: FetchResult) -> tuple[Optional[str], Optional[str]]:
    return result.headers.get("etag"), result.headers.get("last-modified")
