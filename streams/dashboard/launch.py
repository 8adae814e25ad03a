"""Running the dashboard: in the foreground (`wirewatch ui`) or as a child of `wirewatch dev`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from streams.config import Settings

DEFAULT_PORT = 8080
DEFAULT_HOST = "127.0.0.1"


class PortInUse(RuntimeError):
    """The dashboard's port is taken; the message says which and what to do."""


def dashboard_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


async def serve(settings: Settings, host: str, port: int, *, max_articles: int = 500,
                group_id: str | None = None) -> None:
    """Serve until SIGINT or SIGTERM."""
    from aiohttp import web

    from streams.dashboard.actions import RuleActions
    from streams.dashboard.server import create_app
    from streams.dashboard.state import Dashboard

    dash = Dashboard(settings, max_articles=max_articles, group_id=group_id)
    app = create_app(dash, RuleActions(dash))
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise PortInUse(f"cannot listen on {host}:{port} ({exc.strerror}); choose another port with --port") from None
    print(f"wirewatch ui: {dashboard_url(host, port)} (reading {settings.topic_prefix}.* on {settings.broker}; "
          f"stop with Ctrl-C)", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def run(settings: Settings, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, max_articles: int = 500,
        group_id: str | None = None) -> int:
    from streams.api_auth import check_exposure, tokens_from_env

    check_exposure(tokens_from_env(), host, "the dashboard")  # its rule forms change what workers alert on
    asyncio.run(serve(settings, host, port, max_articles=max_articles, group_id=group_id))
    return 0


def port_is_free(port: int, host: str = DEFAULT_HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


class DashboardProcess:
    """`wirewatch ui` as a child process (for `wirewatch dev`, the browser test and the load check)."""

    def __init__(self, settings: Settings, *, port: int | None = None, log_path: str | os.PathLike | None = None,
                 group_id: str | None = None, env: dict[str, str] | None = None, cwd: str | None = None):
        from streams.runtime.broker import free_port

        self.port = port or (DEFAULT_PORT if port_is_free(DEFAULT_PORT) else free_port())
        self.url = dashboard_url(DEFAULT_HOST, self.port)
        self.log_path = log_path
        command = [sys.executable, "-m", "streams.dashboard", "--broker", settings.broker,
                   "--topic-prefix", settings.topic_prefix, "--port", str(self.port),
                   "--app-id", group_id or settings.app_id]
        with open(log_path or os.devnull, "ab") as output:
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                            env=env if env is not None else dict(os.environ), cwd=cwd,
                                            start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def status(self) -> dict:
        """The dashboard's /status.json (raises OSError while it does not answer)."""
        import json

        from streams.api_auth import client_token

        token = client_token()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        request = urllib.request.Request(self.url + "status.json", headers=headers)
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def wait_ready(self, timeout: float = 60.0, *, loaded: bool = True) -> bool:
        """Until the page answers (and, with `loaded`, the history and the rules are read)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                status = self.status()
                if not loaded or (status["loaded"] and status["rules_loaded"]):
                    return True
            time.sleep(0.2)
        return False

    def log(self, chars: int = 4000) -> str:
        try:
            with open(self.log_path or os.devnull, "rb") as handle:
                return handle.read().decode("utf-8", "replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout: float = 20.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
