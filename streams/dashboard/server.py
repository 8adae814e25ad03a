"""The dashboard's web server (aiohttp): pages, the rule forms, static files and the event stream.

Pages are rendered whole on the server; /events is a Server-Sent Events stream that pushes the
same fragments (a new article row, an alert, a refreshed panel) to the pages that show them.
The server binds to 127.0.0.1 by default: the rule forms change what the workers alert on, and
every form carries a per-process token so that another site cannot post them from a browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import mimetypes
import secrets
import time
from collections.abc import Callable
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from streams.dashboard import views
from streams.dashboard.feed import OffsetSampler, TopicFeed
from streams.dashboard.hub import (
    CLOSING,
    RELOAD,
    Subscription,
    group_by_kind,
    sse_message,
)
from streams.dashboard.render import Renderer
from streams.dashboard.state import Dashboard
from streams.dashboard.window import ArticleEntry, ArticleFilter

log = logging.getLogger("wirewatch.dashboard")

DASHBOARD = web.AppKey("dashboard", Dashboard)
RENDERER = web.AppKey("renderer", Renderer)
CSRF = web.AppKey("csrf", str)
ACTIONS = web.AppKey("actions", object)

LIST_KINDS = ("article", "alert", "deadletter")
PANEL_KINDS = ("actors-hour", "actors-day", "health", "stories-latest", "stories-largest")
KINDS = frozenset(LIST_KINDS + PANEL_KINDS + ("rules",))
PANEL_SECONDS = 2.0
COALESCE_SECONDS = 0.1  # a burst of events goes out as one message per kind
KEEPALIVE_SECONDS = 15.0
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _page(request: web.Request, template: str, context: dict[str, Any], *, status: int = 200,
          events: str = "") -> web.Response:
    app = request.app
    html = app[RENDERER].page(template, **{**views.common(app[DASHBOARD]), **context}, csrf=app[CSRF],
                              events_url=events)
    return web.Response(text=html, content_type="text/html", status=status)


def _events_url(kinds: list[str], **params: str) -> str:
    return "/events?" + urlencode({"kinds": ",".join(kinds), **{k: v for k, v in params.items() if v}})


def _missing(request: web.Request, heading: str, message: str, back_href: str, back_label: str) -> web.Response:
    context = {"title": heading, "active": "", "heading": heading, "message": message, "back_href": back_href,
               "back_label": back_label}
    return _page(request, "missing.html", context, status=404)


# --- pages ---------------------------------------------------------------------------------


async def live_page(request: web.Request) -> web.Response:
    context = views.live(request.app[DASHBOARD], request.query)
    return _page(request, "live.html", context, events=_events_url(["article"], **context["filter"].as_query()))


async def article_page(request: web.Request) -> web.Response:
    article_id = request.match_info["article_id"]
    context = views.article(request.app[DASHBOARD], article_id)
    if context is None:
        window = request.app[DASHBOARD].window.max_articles
        return _missing(request, "Article not in the window",
                        f"The dashboard keeps the latest {window} articles; {article_id!r} is not among them.",
                        "/", "Back to the live stream")
    return _page(request, "article.html", context, events=_events_url(["alert"], article=article_id))


async def actors_page(request: web.Request) -> web.Response:
    span = views.span_name(request.query.get("span"))
    return _page(request, "actors.html", views.actors(request.app[DASHBOARD], span),
                 events=_events_url([f"actors-{span}"]))


async def stories_page(request: web.Request) -> web.Response:
    order = views.story_order(request.query.get("order"))
    return _page(request, "stories.html", views.stories(request.app[DASHBOARD], order),
                 events=_events_url([f"stories-{order}"]))


async def actor_page(request: web.Request) -> web.Response:
    actor_id = request.match_info["actor_id"]
    context = views.actor(request.app[DASHBOARD], actor_id)
    if context is None:
        return _missing(request, "Actor not seen", f"No article read since the dashboard started names {actor_id!r}.",
                        "/actors", "Back to the actors")
    return _page(request, "actor.html", context)


NOTICES = {"added": "Rule {rule} added; it fires on articles that arrive from now on.",
           "enabled": "Rule {rule} enabled.", "disabled": "Rule {rule} disabled.", "removed": "Rule {rule} removed."}


async def alerts_page(request: web.Request) -> web.Response:
    done = request.query.get("done", "")
    notice = NOTICES[done].format(rule=request.query.get("rule", "")) if done in NOTICES else ""
    return _page(request, "alerts.html", views.alerts(request.app[DASHBOARD], notice=notice),
                 events=_events_url(["alert", "rules"]))


async def health_page(request: web.Request) -> web.Response:
    return _page(request, "health.html", views.health(request.app[DASHBOARD]), events=_events_url(["health"]))


async def status_json(request: web.Request) -> web.Response:
    """A machine-readable summary (scripts and tests wait on `loaded`)."""
    dash = request.app[DASHBOARD]
    return web.json_response({
        "connected": dash.status.connected, "loaded": dash.status.loaded, "error": dash.status.error,
        "articles": len(dash.window), "alerts": len(dash.window.alerts), "deadletters": len(dash.window.deadletters),
        "rules": sorted(dash.rules), "rules_loaded": dash.rules_loaded, "pages_open": len(dash.hub),
    })


# --- rule forms ------------------------------------------------------------------------------


def _checked_form(request: web.Request, form) -> None:
    token = form.get("csrf", "")
    if not isinstance(token, str) or not hmac.compare_digest(token, request.app[CSRF]):
        raise web.HTTPForbidden(text="This form has expired or did not come from this dashboard; reload the page.")


async def add_rule(request: web.Request) -> web.Response:
    from streams.dashboard.rule_form import ALL_FIELDS, RuleError

    form = await request.post()
    _checked_form(request, form)
    fields = {name: str(form.get(name, "")) for name in ALL_FIELDS}
    if "enabled" in form:
        fields["enabled"] = "on"
    actions = request.app[ACTIONS]
    dash = request.app[DASHBOARD]
    try:
        if form.get("action") == "backtest":
            hits = await actions.backtest(fields)
            context = views.alerts(dash, form=fields, backtest=hits)
            return _page(request, "alerts.html", context, events=_events_url(["alert", "rules"]))
        rule_ids = await actions.add(fields)
    except RuleError as exc:
        context = views.alerts(dash, form=fields, error=str(exc))
        return _page(request, "alerts.html", context, status=400, events=_events_url(["alert", "rules"]))
    raise web.HTTPSeeOther("/alerts?" + urlencode({"done": "added", "rule": ", ".join(rule_ids)}))


async def change_rule(request: web.Request) -> web.Response:
    form = await request.post()
    _checked_form(request, form)
    rule_id, action = request.match_info["rule_id"], request.match_info["action"]
    if action not in ("enable", "disable", "remove"):
        raise web.HTTPNotFound()
    if rule_id not in request.app[DASHBOARD].rules:
        return _missing(request, "No such rule", f"There is no rule {rule_id!r} (any more).", "/alerts", "Back to the rules")
    await request.app[ACTIONS].change(rule_id, action)
    done = {"enable": "enabled", "disable": "disabled", "remove": "removed"}[action]
    raise web.HTTPSeeOther("/alerts?" + urlencode({"done": done, "rule": rule_id}))


# --- the event stream -----------------------------------------------------------------------


def _accept(query) -> Callable[[str, Any], bool]:
    article_filter = ArticleFilter.from_query(query)
    article_id = query.get("article", "")

    def accept(kind: str, item: Any) -> bool:
        if kind == "article":
            return article_filter.matches(item.article)
        if kind == "alert" and article_id:
            return item.get("article_id") == article_id
        return True

    return accept


def _fragment(app: web.Application, kind: str, item: Any) -> str:
    renderer = app[RENDERER]
    if kind == "article":
        entry: ArticleEntry = item
        if "row" not in entry.rendered:
            entry.rendered["row"] = renderer.macro("_macros.html", "article_row", entry)
        return entry.rendered["row"]
    if kind == "alert":
        return renderer.macro("_macros.html", "alert_item", item)
    if kind == "deadletter":
        return renderer.macro("_macros.html", "deadletter_item", item)
    if kind == "rules":
        context = views.alerts(app[DASHBOARD])
        return renderer.page("_rules_panel.html", **context, csrf=app[CSRF])
    return item  # panels arrive rendered


async def _send_batch(app: web.Application, response: web.StreamResponse, items: list[tuple[str, Any]]) -> bool:
    """Write queued items as few messages as possible; False when the page must go."""
    for kind, group in group_by_kind(items):
        if kind == RELOAD:
            await response.write(sse_message(RELOAD, ""))
            return False
        if kind in PANEL_KINDS or kind == "rules":
            await response.write(sse_message(kind, _fragment(app, kind, group[-1])))  # only the latest counts
            continue
        # newest first, as on the page
        await response.write(sse_message(kind, "\n".join(_fragment(app, kind, item) for item in reversed(group))))
    return True


async def events(request: web.Request) -> web.StreamResponse:
    app = request.app
    dash = app[DASHBOARD]
    kinds = frozenset(k for k in request.query.get("kinds", "").split(",") if k in KINDS)
    if not kinds:
        raise web.HTTPBadRequest(text=f"kinds: choose from {', '.join(sorted(KINDS))}")
    subscription: Subscription = dash.hub.subscribe(kinds, _accept(request.query))
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                           "X-Accel-Buffering": "no"})
    await response.prepare(request)
    try:
        await response.write(b"retry: 2000\n\n" + sse_message("hello", str(int(time.time()))))
        while True:
            try:
                first = await asyncio.wait_for(subscription.queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if first[0] == CLOSING:
                break
            await asyncio.sleep(COALESCE_SECONDS)
            if not await _send_batch(app, response, [first] + subscription.drain(500)):
                break
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        dash.hub.unsubscribe(subscription)
    return response



class Panels:
    """Renders the panels open pages show (actors, health) every few seconds, and publishes one
    only when it changed."""

    def __init__(self, dash: Dashboard, renderer: Renderer):
        self.dash = dash
        self.renderer = renderer
        self._last: dict[str, str] = {}

    def render(self, kind: str) -> str:
        if kind == "health":
            return self.renderer.page("_health_panel.html", **views.health_panel(self.dash))
        if kind.startswith("stories-"):
            return self.renderer.page("_stories_panel.html", **views.stories_panel(self.dash, kind.removeprefix("stories-")))
        span = kind.removeprefix("actors-")
        return self.renderer.page("_actors_panel.html", **views.actors_panel(self.dash, span))

    async def run(self) -> None:
        last_prune = 0.0
        while True:
            await asyncio.sleep(PANEL_SECONDS)
            if time.monotonic() - last_prune > 60:
                self.dash.prune()
                last_prune = time.monotonic()
            for kind in PANEL_KINDS:
                if not self.dash.hub.wanted(kind):
                    self._last.pop(kind, None)
                    continue
                html = self.render(kind)
                if html != self._last.get(kind):
                    self._last[kind] = html
                    self.dash.hub.publish(kind, html)


PANELS = web.AppKey("panels", Panels)


# --- static files and headers ----------------------------------------------------------------


def _static_files() -> dict[str, tuple[bytes, str]]:
    folder = resources.files("streams.dashboard") / "static"
    files = {}
    for entry in folder.iterdir():
        content_type = mimetypes.guess_type(entry.name)[0] or "application/octet-stream"
        files[entry.name] = (entry.read_bytes(), content_type)
    return files


def static_handler(files: dict[str, tuple[bytes, str]]):
    async def serve(request: web.Request) -> web.Response:
        found = files.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        body, content_type = found
        return web.Response(body=body, content_type=content_type,
                            headers={"Cache-Control": "public, max-age=31536000, immutable"})

    return serve


@web.middleware
async def security_headers(request: web.Request, handler):
    response = await handler(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


# --- the application -------------------------------------------------------------------------


def create_app(dash: Dashboard, actions, *, follow_kafka: bool = True, tokens=None) -> web.Application:
    """The aiohttp application. `actions` stores rules (RuleActions); `follow_kafka=False` leaves
    the topics alone (tests feed the dashboard's state directly); `tokens` default to the
    environment's (streams/api_auth.py)."""
    from streams.api_auth import tokens_from_env
    from streams.dashboard.auth import token_middleware

    renderer = Renderer({"is_quote": views.is_quote})
    tokens = tokens_from_env() if tokens is None else tokens
    app = web.Application(middlewares=[security_headers, token_middleware(tokens)])
    app[DASHBOARD] = dash
    app[RENDERER] = renderer
    app[CSRF] = secrets.token_urlsafe(24)
    app[ACTIONS] = actions
    app[PANELS] = Panels(dash, renderer)
    app.router.add_get("/", live_page)
    app.router.add_get("/article/{article_id:.+}", article_page)
    app.router.add_get("/actors", actors_page)
    app.router.add_get("/stories", stories_page)
    app.router.add_get("/actor/{actor_id:.+}", actor_page)
    app.router.add_get("/alerts", alerts_page)
    app.router.add_post("/rules", add_rule)
    app.router.add_post("/rules/{rule_id}/{action}", change_rule)
    app.router.add_get("/health", health_page)
    app.router.add_get("/events", events)
    app.router.add_get("/status.json", status_json)
    app.router.add_get("/static/{name}", static_handler(_static_files()))

    async def background(app: web.Application):
        jobs = [app[PANELS].run()]
        if follow_kafka:
            jobs += [TopicFeed(dash).run(), OffsetSampler(dash).run(), actions.rules_feed.run(), actions.warm_up()]
        tasks = [asyncio.create_task(job) for job in jobs]
        yield
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def close_streams(app: web.Application) -> None:
        dash.hub.close()

    app.on_shutdown.append(close_streams)
    app.cleanup_ctx.append(background)
    return app
