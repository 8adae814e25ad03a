"""RSS/Atom feed items -> raw articles (no network, no Kafka here).

``map_feed`` and ``feed_items_to_articles`` are pure mappings from a feedparser result; the
polling loop that fetches feeds and publishes their new items is in
:mod:`streams.ingest.feed_poller`. An item whose article breaks the raw-article contract
(streams.contracts), e.g. a title without any description, is reported with the reason the
normalize stage would give, and not mapped.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from feedparser.exceptions import ThingsNobodyCaresAboutButMe

from streams.contracts import (
    DEFAULT_MAX_BODY_BYTES,
    primary_language,
    raw_article_problems,
)
from streams.ingest.common import html_to_line, looks_like_html
from streams.timestamps import to_rfc3339

Article = dict[str, Any]

__all__ = ["MappedItem", "feed_items_to_articles", "map_feed"]


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


def _body_of(entry: Any) -> tuple[str | None, str | None, bool]:
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


def _language_of(entry: Any, feed: Any) -> str | None:
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


def _url_of(entry: Any) -> str | None:
    """The item's web page; feedparser copies a non-URL guid into ``link``, so check the scheme."""
    links = [lk for lk in (_get(entry, "links") or []) if _get(lk, "rel") in (None, "alternate")]
    for href in [_get(lk, "href") for lk in links] + [_get(entry, "link")]:
        href = _text(href)
        if href.lower().startswith(("http://", "https://")):
            return href
    return None


def _byline_of(entry: Any) -> str | None:
    name = _text(_get(_get(entry, "author_detail"), "name")) or _text(_get(entry, "author"))
    return html_to_line(name) if name else None


def _published_of(entry: Any) -> str | None:
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


def _fallback_id(feed_url: str, headline: str, published: str | None, body: str) -> str:
    """Deterministic id for an item with neither guid nor link: same item, same id."""
    basis = f"{headline}\n{published or ''}" if (headline or published) else body
    digest = hashlib.sha256(f"{feed_url}\n{basis}".encode()).hexdigest()[:32]
    return f"urn:wirewatch:feed-item:{digest}"


def _content_hash(article: Article) -> str:
    parts = [article.get("headline") or "", article.get("body") or article.get("body_html") or ""]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def _hint(entry: Any, index: int) -> str:
    label = _text(_get(entry, "id")) or _text(_get(entry, "link")) or _text(_get(entry, "title"))
    return f"item {index + 1}" + (f" ({label[:80]})" if label else "")


def _bozo_problem(parsed: Any, feed_url: str) -> str | None:
    if not _get(parsed, "bozo"):
        return None
    exc = _get(parsed, "bozo_exception")
    if isinstance(exc, ThingsNobodyCaresAboutButMe):
        return None  # encoding/content-type mismatch: the parse itself is fine
    return f"{feed_url}: feed is not well-formed ({exc}); only complete items are kept"


def map_feed(
    parsed_feed: Any,
    *,
    feed_url: str,
    raw: bytes | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> tuple[list[MappedItem], list[str]]:
    """Feed items as :class:`MappedItem` plus human-readable problems; never raises.

    For a broken (bozo) document whose raw bytes are given, items past the last closing
    ``</item>``/``</entry>`` are incomplete (truncated download) and are reported, not mapped:
    publishing half a body would mark the item as seen and hide the full one for good. An item
    whose article breaks the raw-article contract is reported with the contract's reason.
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
        broken = raw_article_problems(item.article, max_body_bytes=max_body_bytes)
        if broken:
            problems.append(f"{feed_url}: {_hint(entry, index)}: {broken[0]}; skipped")
            continue
        items.append(item)
    return items, problems


def _map_entry(entry: Any, feed: Any, *, feed_url: str, source: str) -> MappedItem:
    headline = _headline_of(entry)
    body, body_html, from_summary = _body_of(entry)
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
    parsed_feed: Any,
    *,
    feed_url: str,
    raw: bytes | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> tuple[list[Article], list[str]]:
    """Raw articles from a ``feedparser.parse`` result, and the problems found; never raises.

    id = guid/Atom id as is, else link, else a hash of feed URL + title + date; body_html when
    the content is markup (the normaliser turns it into text), else body; language = item then
    feed language (lowercase primary subtag); published_at = RFC 3339 UTC; source = feed title,
    else the feed's host.
    """
    items, problems = map_feed(parsed_feed, feed_url=feed_url, raw=raw, max_body_bytes=max_body_bytes)
    return [item.article for item in items], problems
