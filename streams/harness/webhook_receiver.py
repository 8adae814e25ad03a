"""A local HTTP server that receives alert webhooks and keeps every delivery.

Any path answers 204, except two troubled endpoints for the fault scenarios: `/slow` answers
after `slow_seconds`, and `/flaky` answers 500 to the first `failures` attempts of each message
(by its webhook-id), then 200. `unreachable_url()` is an address where nothing listens.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Delivery:
    path: str
    webhook_id: str  # the Standard Webhooks message id: the same on every attempt of one alert
    status: int  # what the receiver answered
    headers: dict[str, str]  # lower-cased names
    body: bytes
    received_at: float  # time.time()


def unreachable_url() -> str:
    """A webhook URL on a free local port, where nothing listens."""
    from streams.runtime.broker import free_port

    return f"http://127.0.0.1:{free_port()}/hook"


class WebhookReceiver:
    """Keeps every request and when each article's first alert arrived."""

    def __init__(self, slow_seconds: float = 3.0, failures: int = 2) -> None:
        self.deliveries: list[Delivery] = []
        self.arrivals: dict[str, float] = {}  # article id -> first delivery time
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                now = time.time()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                webhook_id = headers.get("webhook-id", "")
                status = 204
                if self.path == "/slow":
                    time.sleep(slow_seconds)
                elif self.path == "/flaky":
                    status = 500 if receiver.attempts("/flaky")[webhook_id] < failures else 200
                receiver._keep(Delivery(self.path, webhook_id, status, headers, body, now))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = self.url_for("/hook")
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url_for(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def _keep(self, delivery: Delivery) -> None:
        try:
            article_id = str(json.loads(delivery.body).get("article_id"))
        except (ValueError, AttributeError):
            article_id = None
        with self.lock:
            self.deliveries.append(delivery)
            if article_id is not None:
                self.arrivals.setdefault(article_id, delivery.received_at)

    def received(self, path: str | None = None) -> list[Delivery]:
        """The deliveries so far, to one path or to all."""
        with self.lock:
            return [d for d in self.deliveries if path is None or d.path == path]

    @property
    def posts(self) -> int:
        return len(self.received())

    def delivered(self, path: str) -> set[str]:
        """Webhook ids the endpoint accepted (2xx)."""
        return {d.webhook_id for d in self.received(path) if 200 <= d.status < 300}

    def attempts(self, path: str) -> Counter:
        """Attempts per webhook id."""
        return Counter(d.webhook_id for d in self.received(path))

    def bad_signatures(self, path: str, secret: str) -> int:
        """How many requests to `path` carry a Standard Webhooks signature that does not verify."""
        from standardwebhooks.webhooks import Webhook

        bad = 0
        for delivery in self.received(path):
            try:
                Webhook(secret).verify(delivery.body, delivery.headers)
            except Exception:  # noqa: BLE001 - whatever the verifier rejects is a bad signature
                bad += 1
        return bad

    def wait_for(self, count: int, timeout: float = 60.0) -> list[tuple[dict, bytes]]:
        """(headers, body) of the requests received once there are `count` of them, or at the timeout."""
        deadline = time.monotonic() + timeout
        while self.posts < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return [(d.headers, d.body) for d in self.received()]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
