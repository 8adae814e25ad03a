"""Ingestion into wire.raw: the entry point to the feed and file readers, and the HTML helpers
both of them use.

The logic lives in Kafka-free modules, so the CLI, the HTTP push endpoint and the tests can all
use it with any ``publish(article) -> None`` callable:

- :mod:`streams.ingest.feeds`: RSS/Atom items -> raw articles;
- :mod:`streams.ingest.feed_poller`: fetching feeds with a conditional GET, and a polling loop
  with a persisted "already published" state (``FeedPoller``);
- :mod:`streams.ingest.files`: JSON Lines / JSON / IPTC ninjs (1.x, 2.x, 3.x) files -> raw
  articles, with per-record errors carrying file and line.

Every article they produce passes the raw-article contract (:mod:`streams.contracts`) that the
normalize stage applies, so what ingest accepts is what the pipeline enriches. Language tags
and dates are read with :mod:`streams.contracts` and :mod:`streams.timestamps`.
"""

from __future__ import annotations

import html
import re

__all__ = ["html_to_line", "looks_like_html"]


# --- text -------------------------------------------------------------------------------------

_TAG_RE = re.compile(r"<[A-Za-z/!?][^>]*>")
_ENTITY_RE = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")
_WS_RE = re.compile(r"\s+")
_INLINE_TAG_RE = re.compile(
    r"</?(?:a|abbr|b|bdi|bdo|cite|code|data|dfn|em|font|i|kbd|mark|q|s|samp|small|span|strong|"
    r"sub|sup|time|u|var)(?:\s[^>]*)?/?>",
    re.IGNORECASE,
)


def looks_like_html(text: str) -> bool:
    """True when text holds markup or character references, i.e. must go through HTML-to-text.

    Feeds label nearly everything text/html; a description without tags or entities is plain
    text, and keeping it as ``body`` preserves its line breaks.
    """
    return bool(_TAG_RE.search(text) or _ENTITY_RE.search(text))


def html_to_line(text: str) -> str:
    """One-line plain text from a short HTML fragment (headlines, feed titles)."""
    stripped = _TAG_RE.sub(" ", _INLINE_TAG_RE.sub("", text)) if "<" in text else text
    return _WS_RE.sub(" ", html.unescape(stripped)).strip()
