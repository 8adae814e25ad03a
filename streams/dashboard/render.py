"""HTML from the templates shipped in streams/dashboard/templates, always escaped.

Every string on a page comes from untrusted input (headlines, bodies, names, source fields,
dead-letter payloads), so autoescaping is on for every template and nothing is marked safe
except HTML these templates produced themselves. Links built from data go through `path`
(one URL path segment) and `web_url` (http and https only, never javascript:).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import resources
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import jinja2

from streams.dashboard.window import entities_of, quotes_of, top_actors, topics_of
from streams.timestamps import parse_rfc3339

NAV: tuple[tuple[str, str], ...] = (
    ("/", "Live"), ("/stories", "Stories"), ("/actors", "Actors"), ("/alerts", "Alerts & rules"), ("/health", "Health"),
)


def path_segment(value: Any) -> str:
    """A value as one URL path segment ('/' and every reserved character escaped)."""
    return quote(str(value), safe=":@")


def web_url(value: Any) -> str | None:
    """The URL when it is an http(s) address, else None (an article's url is untrusted input)."""
    if not isinstance(value, str):
        return None
    try:
        scheme = urlsplit(value.strip()).scheme.lower()
    except ValueError:
        return None
    return value.strip() if scheme in ("http", "https") else None


def _moment(value: Any) -> datetime | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds or seconds
        return datetime.fromtimestamp(seconds, tz=UTC)
    if isinstance(value, str):
        try:
            return parse_rfc3339(value).astimezone(UTC)
        except ValueError:
            return None
    return None


def clock(value: Any) -> str:
    """'14:03:07' (UTC) for an RFC 3339 string or an epoch time; '' when unreadable."""
    moment = _moment(value)
    return moment.strftime("%H:%M:%S") if moment else ""


def iso(value: Any) -> str:
    moment = _moment(value)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def milliseconds(value: Any) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "–"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def per_second(value: Any) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "–"
    return f"{value:.1f}/s" if value < 100 else f"{value:.0f}/s"


def number(value: Any) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "–"
    return f"{value:,}".replace(",", "\u202f")


def score(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, (int, float)) and not isinstance(value, bool) else "–"


def shorten(value: Any, width: int = 160) -> str:
    text = " ".join(str(value or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def text(obj: Any, key: str) -> str:
    """obj[key] as display text: strings and numbers only ('' for anything else)."""
    value = obj.get(key) if isinstance(obj, Mapping) else None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def items(obj: Any, key: str) -> list[Mapping[str, Any]]:
    """obj[key] as a list of objects, skipping anything else (events are untrusted input)."""
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def member(obj: Any, key: str) -> Mapping[str, Any]:
    """obj[key] when it is an object, else an empty one."""
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def _static_version() -> str:
    """A hash of the shipped CSS and JS, so a browser never keeps an older copy after an upgrade."""
    digest = hashlib.sha256()
    folder = resources.files("streams.dashboard") / "static"
    for name in sorted(entry.name for entry in folder.iterdir()):
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()[:10]


class Renderer:
    """The Jinja environment of the dashboard's templates."""

    def __init__(self, context: Mapping[str, Any] | None = None):
        self.env = jinja2.Environment(
            loader=jinja2.PackageLoader("streams.dashboard", "templates"),
            autoescape=True,
            undefined=jinja2.ChainableUndefined,  # malformed events render, with blanks
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(path=path_segment, web_url=web_url, clock=clock, iso=iso, ms=milliseconds,
                                rate=per_second, number=number, score=score, shorten=shorten)
        version = _static_version()
        self.env.globals.update(text=text, items=items, member=member, top_actors=top_actors, topics_of=topics_of,
                                quotes_of=quotes_of, entities_of=entities_of)
        self.env.globals.update(nav=NAV, static=lambda name: f"/static/{name}?v={version}", now=time.time,
                                query=lambda params: urlencode({k: v for k, v in params.items() if v}))
        self.env.globals.update(context or {})

    def page(self, template: str, /, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    def macro(self, template: str, name: str, *args: Any) -> str:
        """One macro of a template, for the fragments pushed to open pages."""
        return str(getattr(self.env.get_template(template).module, name)(*args))
