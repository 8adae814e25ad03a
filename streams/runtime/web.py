"""The worker's HTTP pages: /health, /ready, /metrics, the rules API, recent alerts, article intake.

Every page but /health, /ready and /metrics needs a token once any is configured
(streams/api_auth.py): read-only for GET, admin for anything that changes rules or sends articles.
"""

from __future__ import annotations

import faust
from aiohttp import web as aiohttp_web

from streams.alerts.rules import RuleError, as_new_rule, parse_rules
from streams.alerts.sealing import SecretKeyMissing, sealed_rule_bytes
from streams.alerts.url_policy import UrlRefused, check_rule_targets
from streams.api_auth import Tokens, bearer, check_exposure, check_request, tokens_from_env
from streams.ingest.files import RecordError, iter_payload_articles
from streams.runtime.context import WorkerContext
from streams.runtime.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE

# A request to POST /articles may carry several articles, each up to WIREWATCH_MAX_BODY_BYTES.
ARTICLES_PER_REQUEST = 16


def add_web_pages(ctx: WorkerContext, tokens: Tokens | None = None) -> None:
    tokens = tokens_from_env() if tokens is None else tokens
    check_exposure(tokens, ctx.settings.web_host)
    require_tokens(ctx, tokens)
    add_web_api(ctx)
    add_status_pages(ctx)


def require_tokens(ctx: WorkerContext, tokens: Tokens) -> None:
    """Check every request against the tokens before any page sees it (default deny: Faust's own
    pages are covered too); a refusal is JSON with the reason."""

    @aiohttp_web.middleware
    async def authenticate(request, handler):
        refusal = check_request(tokens, request.method, request.path, bearer(request.headers.get("Authorization")))
        if refusal is not None:
            headers = {"WWW-Authenticate": 'Bearer realm="wirewatch"'} if refusal.status == 401 else None
            return aiohttp_web.json_response(refusal.body(), status=refusal.status, headers=headers)
        return await handler(request)

    ctx.app.web.web_app.middlewares.append(authenticate)


def add_status_pages(ctx: WorkerContext) -> None:
    """GET /health (the process answers), GET /ready (it can do its work) and GET /metrics."""
    from streams.runtime.readiness import readiness

    @ctx.app.page("/health")
    async def health(web, request):
        # Alive only: whether the worker can work (broker, partitions, rules) is /ready's answer.
        return web.json({"status": "alive", "stages": ctx.stages, "ready_url": "/ready"})

    @ctx.app.page("/ready")
    async def ready(web, request):
        report = readiness(ctx)
        return web.json(report, status=200 if report["ready"] else 503)

    @ctx.app.page("/metrics")
    async def metrics_page(web, request):
        return web.bytes(ctx.metrics.exposition(), content_type=METRICS_CONTENT_TYPE)


def add_web_api(ctx: WorkerContext) -> None:
    """GET/POST/DELETE /rules, GET /alerts, POST /articles on the worker's web server."""
    add_rules_pages(ctx)
    add_alerts_page(ctx)
    add_articles_page(ctx)


def add_rules_pages(ctx: WorkerContext) -> None:
    """Rules are read from ctx.rules and written to wire.rules (the workers follow the topic)."""
    rules, rules_topic = ctx.rules, ctx.raw_topics["rules"]

    @ctx.app.page("/rules")
    class RulesPage(faust.web.View):
        async def get(self, request):
            return self.json({"rules": rules.described()})  # secrets masked, webhook target states

        async def post(self, request):
            body = await request.read()
            try:
                parsed = [as_new_rule(rule) for rule in parse_rules(body.decode("utf-8"), filename="request")]
            except (RuleError, UnicodeDecodeError) as exc:
                return self.json({"error": str(exc)}, status=400)
            try:
                await check_rule_targets(parsed)
                records = [(rule.id, sealed_rule_bytes(rule)) for rule in parsed]
            except UrlRefused as exc:
                return self.json({"error": str(exc)}, status=400)
            except SecretKeyMissing as exc:
                return self.json({"error": str(exc)}, status=500)
            for rule_id, record in records:
                ack = await rules_topic.send(key=rule_id.encode(), value=record)
                await ack
            return self.json({"added": [rule.id for rule in parsed]}, status=201)

    @ctx.app.page("/rules/{rule_id}")
    class RulePage(faust.web.View):
        async def delete(self, request, rule_id):
            if rule_id not in rules.raw:
                return self.json({"error": f"no rule {rule_id!r}"}, status=404)
            ack = await rules_topic.send(key=rule_id.encode(), value=None)  # raw: a real tombstone
            await ack
            return self.json({"deleted": rule_id})


def add_alerts_page(ctx: WorkerContext) -> None:
    """GET /alerts: the alerts this worker fired lately, newest first."""

    @ctx.app.page("/alerts")
    async def alerts_page(web, request):
        return web.json({"alerts": list(ctx.recent_alerts)[::-1]})


def add_articles_page(ctx: WorkerContext) -> None:
    """POST /articles: raw articles (one JSON object, an array, or JSON Lines) to wire.raw;
    all or nothing: one bad record refuses the whole request."""
    max_request_bytes = ctx.settings.max_body_bytes * ARTICLES_PER_REQUEST

    @ctx.app.page("/articles")
    class ArticlesPage(faust.web.View):
        async def post(self, request):
            body = await request.read()
            if len(body) > max_request_bytes:
                return self.json({"error": "request body too large"}, status=413)
            accepted, errors = [], []
            for item in iter_payload_articles(body, origin="request", max_body_bytes=ctx.settings.max_body_bytes):
                if isinstance(item, RecordError):
                    errors.append({"line": item.line, "error": item.message})
                else:
                    accepted.append(item)
            if errors:
                return self.json({"accepted": [], "errors": errors}, status=400)
            for article in accepted:
                await ctx.send("raw", article["id"], article)
            return self.json({"accepted": [article["id"] for article in accepted]}, status=202)
