"""`wirewatch worker` processes for the harness, configured as a user would: WIREWATCH_* variables.

A worker gets its own topic prefix (and so its own topics and consumer group); a second worker
with the same prefix and state directory is a restart of the first.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from streams.harness.brokers import Broker
from streams.paths import REPO_ROOT


def child_env() -> dict[str, str]:
    """This process's environment with the repository first on PYTHONPATH: children import this checkout."""
    env = dict(os.environ)
    root = str(REPO_ROOT)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`wirewatch ARGS` as a subprocess, text output captured."""
    return subprocess.run([sys.executable, "-m", "streams.cli", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, check=False)


class Worker:
    """A `wirewatch worker` subprocess, its log in `workdir` and its web server on a free port."""

    def __init__(self, broker: Broker, prefix: str, workdir: Path, stages: str | None = None,
                 app_id: str | None = None, *, partitions: int = 2, data_dir: Path | None = None,
                 log_name: str | None = None, quiet: bool = False, entry: str = "streams.cli",
                 env: dict[str, str] | None = None):
        from streams.runtime.broker import free_port

        self.broker = broker
        self.prefix = prefix
        self.log_path = workdir / (log_name or f"worker-{uuid.uuid4().hex[:6]}.log")
        self.web_port = free_port()
        self.env = dict(
            child_env(),
            WIREWATCH_BROKER=broker.url,
            WIREWATCH_TOPIC_PREFIX=prefix,
            WIREWATCH_APP_ID=app_id or f"ww-{prefix}",
            WIREWATCH_DATA_DIR=str(data_dir or workdir / "state"),
            WIREWATCH_WEB_PORT=str(self.web_port),
            WIREWATCH_PARTITIONS=str(partitions),
            **(env or {}),
        )
        command = [sys.executable, "-m", entry, "worker"]  # entry: a test may wrap the CLI (faults.agent_faults)
        if quiet:
            command.append("--quiet")
        if stages:
            command += ["--stages", stages]
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed by stop()
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, env=self.env,
                                        cwd=str(REPO_ROOT), start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self, chars: int = 5000) -> str:
        """The end of the worker's log."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def request(self, method: str, path: str, body: bytes | None = None,
                timeout: float = 10.0) -> tuple[int, bytes]:
        """One request to the worker's web server: (status, body), HTTP errors included."""
        from streams.api_auth import client_token

        headers = {"Content-Type": "application/json"} if body else {}
        token = client_token(self.env)
        if token:  # the token the worker was started with, as any API client sends it
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(f"http://127.0.0.1:{self.web_port}{path}", data=body, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def http(self, method: str, path: str, body: bytes | None = None, timeout: float = 10.0) -> tuple[int, Any]:
        """One request to the worker's web server: (status, decoded JSON body), errors included."""
        status, data = self.request(method, path, body, timeout)
        return status, orjson.loads(data or b"null")

    def healthy(self) -> bool:
        """/health answers that the worker is up."""
        try:
            status, body = self.http("GET", "/health", timeout=3)
        except (OSError, ValueError):
            return False
        return status == 200 and isinstance(body, dict) and body.get("status") == "alive"

    def wait_http(self, path: str = "/health", ready: Callable[[Any], bool] = lambda body: True,
                  timeout: float = 60.0) -> Any:
        """GET `path` until it answers 200 with a body `ready` accepts (the web server starts
        with the worker); the body, or the worker's log as the failure."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                status, body = self.http("GET", path)
                if status == 200 and ready(body):
                    return body
            except (urllib.error.URLError, ConnectionError, ValueError):
                pass
            time.sleep(0.3)
        raise AssertionError(f"GET {path} not ready within {timeout:.0f}s\n{self.log()}")

    def processed(self) -> dict[str, float]:
        """Articles per stage from the worker's Prometheus /metrics."""
        try:
            status, data = self.request("GET", "/metrics", timeout=2)
        except OSError:
            return {}
        text = data.decode("utf-8", "replace") if status == 200 else ""
        pattern = r'^wirewatch_articles_total\{stage="([^"]+)"\}\s+([0-9.eE+]+)'
        return {stage: float(value) for stage, value in re.findall(pattern, text, re.MULTILINE)}

    def load_rules(self, rules: list[dict], timeout: float = 30.0) -> None:
        """POST the rules and wait until the worker has read them back from wire.rules.

        A worker still loading its models may answer late: the POST gets the whole `timeout`,
        and a GET that times out is tried again."""
        deadline = time.monotonic() + timeout
        status, body = self.http("POST", "/rules", orjson.dumps(rules), timeout=timeout)
        if status >= 300:
            raise RuntimeError(f"POST /rules answered {status}: {body}")
        wanted = {rule["id"] for rule in rules}
        while time.monotonic() < deadline:
            try:
                loaded = {rule["id"] for rule in self.http("GET", "/rules", timeout=5)[1]["rules"]}
            except OSError:
                loaded = set()
            if wanted <= loaded:
                return
            time.sleep(0.2)
        raise RuntimeError(f"the worker did not load rules {sorted(wanted)} within {timeout:.0f}s")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive():
            self.process.send_signal(sig)
            self.process.wait(30)

    def stop(self) -> None:
        """SIGTERM (a clean stop), SIGKILL after 30 s."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def start_worker(broker: Broker, prefix: str, workdir: Path, timeout: float = 90.0,
                 stages: str | None = None) -> Worker:
    """A worker that answers /health; same prefix and workdir as an earlier one = its restart."""
    worker = Worker(broker, prefix, workdir, stages=stages)
    deadline = time.monotonic() + timeout
    while not worker.healthy():
        if not worker.alive() or time.monotonic() > deadline:
            log = worker.log()
            worker.stop()
            raise RuntimeError(f"worker did not become healthy (exit {worker.process.poll()}):\n{log}")
        time.sleep(0.2)
    return worker
