"""The worker's HTTP pages: /health, /metrics, the rules API, recent alerts, article intake."""

from __future__ import annotations

import faust

from streams.alerts.rules import RuleError, mask_secrets, parse_rules
from streams.ingest.files import RecordError, iter_payload_articles
from streams.runtime import codec
from streams.runtime.context import WorkerContext
from streams.runtime.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE

# A request to POST /articles may carry several articles, each up to WIREWATCH_MAX_BODY_BYTES.
ARTICLES_PER_REQUEST = 16


def add_web_pages(ctx: WorkerContext) -> None:
    add_web_api(ctx)
    add_status_pages(ctx)


def add_status_pages(ctx: WorkerContext) -> None:
    """GET /health and GET /metrics (Prometheus)."""

    @ctx.app.page("/health")
    async def health(web, request):
        return web.json({"status": "ok", "stages": ctx.stages})

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
            return self.json({"rules": [mask_secrets(rule) for rule in rules.raw.values()]})

        async def post(self, request):
            body = await request.read()
            try:
                parsed = parse_rules(body.decode("utf-8"), filename="request")
            except (RuleError, UnicodeDecodeError) as exc:
                return self.json({"error": str(exc)}, status=400)
            for rule in parsed:
                ack = await rules_topic.send(key=rule.id.encode(), value=codec.dumps(rule.to_dict()))
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
