"""Every place the worker reaches into Faust's or aiokafka's private attributes, in one module.

These workarounds are written against the faust-streaming release pinned in pyproject.toml
(and the aiokafka it brings). Each checks, on first use, that this is the release installed,
and logs a clear warning otherwise: the worker still starts, but a private attribute may have
moved, so read this module before trusting lag figures or fetch latency.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from importlib import metadata
from typing import Any

log = logging.getLogger("wirewatch.faust_compat")

PINNED_FAUST_VERSION = "0.15.3"
"""The faust-streaming version in pyproject.toml (a test keeps the two equal)."""


def installed_faust_version() -> str | None:
    try:
        return metadata.version("faust-streaming")
    except metadata.PackageNotFoundError:
        return None


@functools.cache
def check_faust_version() -> bool:
    """True when the pinned faust-streaming is installed; otherwise warn once and return False."""
    installed = installed_faust_version()
    if installed == PINNED_FAUST_VERSION:
        return True
    log.warning(
        "faust-streaming %s is installed but wirewatch is pinned to %s: the workarounds in %s "
        "read private attributes of that release and may no longer apply",
        installed or "(none)", PINNED_FAUST_VERSION, __name__,
    )
    return False


def shorten_fetch_wait(wait_ms: int) -> None:
    """Make every Faust consumer wait at most `wait_ms` for a fetch to fill.

    Faust fixes the consumer's fetch wait at 1500 ms. Kafka answers a fetch as soon as data
    arrives, but the embedded broker holds it for the whole wait, so each of the five hops cost
    about 0.7 s there (see docs/benchmarks.md); a short wait costs Kafka nothing. Calling this
    again replaces the earlier wait rather than wrapping the wrapper."""
    check_faust_version()
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    original = getattr(AIOKafkaConsumerThread._create_worker_consumer, "__wrapped__",
                       AIOKafkaConsumerThread._create_worker_consumer)

    def create_worker_consumer(self, *args, **kwargs):
        consumer = original(self, *args, **kwargs)
        consumer._fetch_max_wait_ms = wait_ms  # aiokafka reads it when the fetcher starts
        return consumer

    create_worker_consumer.__wrapped__ = original  # type: ignore[attr-defined]
    AIOKafkaConsumerThread._create_worker_consumer = create_worker_consumer


def read_positions(consumer: Any) -> Mapping[Any, int]:
    """TopicPartition -> the offset of the last record this Faust consumer handed to an agent
    (Faust keeps no public accessor); empty when the attribute is not there."""
    check_faust_version()
    return getattr(consumer, "_read_offset", {})


async def refresh_metadata(consumer: Any) -> None:
    """Ask an aiokafka consumer to fetch cluster metadata now (a topic created a moment ago is
    otherwise only seen at the next periodic refresh)."""
    check_faust_version()
    await consumer._client.force_metadata_update()


def make_worker(app: Any, loglevel: str) -> Any:
    """Faust's worker, without the terminal spinner's log handler.

    Why: at level warning and above (`wirewatch worker --quiet`), Faust adds a handler that turns
    its start-up spinner on every log call and lowers the root logger to DEBUG for the life of
    the process, so every debug call of aiokafka and Faust builds a log record nobody prints:
    about 5 % of a loaded worker's interpreter time (docs/benchmarks.md, issue #17). Below
    warning Faust already drops the spinner; this drops it always."""
    from faust import Worker

    class SpinnerlessWorker(Worker):
        def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
            self.spinner = None

    return SpinnerlessWorker(app, loglevel=loglevel, quiet=True, redirect_stdouts=False)
