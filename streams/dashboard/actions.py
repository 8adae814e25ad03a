"""What the rule forms do: validate, backtest, store, enable, disable and remove rules.

Rules are written to wire.rules with the same functions `wirewatch rules` uses (put_rules,
delete_rule); the workers pick them up from that topic. The blocking Kafka clients run in a
thread so the web server keeps answering meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

from streams.alerts.store import delete_rule, put_rules, resolver
from streams.alerts.url_policy import UrlRefused, check_rule_targets
from streams.dashboard.feed import RulesFeed
from streams.dashboard.rule_form import BacktestHit, RuleError, backtest, check_form, toggled
from streams.dashboard.state import Dashboard

log = logging.getLogger("wirewatch.dashboard")

Resolve = Callable[[str], tuple[str, str]]


class RuleActions:
    def __init__(self, dash: Dashboard, resolve: Resolve | None = None, rules_feed: RulesFeed | None = None):
        self.dash = dash
        self._resolve = resolve
        self._resolve_lock = asyncio.Lock()
        self.rules_feed = rules_feed or RulesFeed(dash)

    async def resolve(self) -> Resolve:
        """The actor resolver of `rules add` (the alias table, loaded once, in a thread)."""
        async with self._resolve_lock:
            if self._resolve is None:
                self._resolve = await asyncio.to_thread(resolver, self.dash.settings)
            return self._resolve

    async def warm_up(self) -> None:
        """Load the alias table before the first form needs it."""
        try:
            await self.resolve()
        except Exception as exc:  # noqa: BLE001 - the form reports it when used
            log.warning("could not load the entity aliases: %s", exc)

    async def backtest(self, fields: Mapping[str, str]) -> list[BacktestHit]:
        checked = check_form(fields, await self.resolve())
        articles = [entry.article for entry in self.dash.window.entries()]
        return backtest(checked.compiled, articles)

    async def add(self, fields: Mapping[str, str]) -> list[str]:
        checked = check_form(fields, await self.resolve())
        try:
            await check_rule_targets(checked.rules)
        except UrlRefused as exc:
            raise RuleError(str(exc)) from None
        await asyncio.to_thread(put_rules, self.dash.settings, checked.rules)
        await self._settle()
        return [rule.id for rule in checked.rules]

    async def change(self, rule_id: str, action: str) -> None:
        if action == "remove":
            await asyncio.to_thread(delete_rule, self.dash.settings, rule_id)
        else:
            rule = toggled(self.dash.rules[rule_id], enabled=action == "enable")
            await asyncio.to_thread(put_rules, self.dash.settings, [rule])
        await self._settle()

    async def _settle(self) -> None:
        """Wait until the change is read back, so the page shown next lists it."""
        try:
            await self.rules_feed.caught_up(10.0)
        except RuntimeError as exc:
            log.warning("%s", exc)
