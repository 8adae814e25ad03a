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
    asyncio.run(serve(settings, host, port, max_articles=max_articles, group_id=group_id))
    return 0


def port_is_free(port: int, host: str = DEFAULT_HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def spawn(settings: Settings, *, port: int | None = None, log_path: str | os.PathLike | None = None,
          wait: float = 15.0) -> tuple[subprocess.Popen, str]:
    """Start `wirewatch ui` as a child process for `wirewatch dev`: on `port`, else on 8080 when
    free, else on any free port. Returns the process and the dashboard's address once it answers."""
    from streams.runtime.broker import free_port

    chosen = port or (DEFAULT_PORT if port_is_free(DEFAULT_PORT) else free_port())
    env = dict(os.environ, WIREWATCH_BROKER=settings.broker, WIREWATCH_TOPIC_PREFIX=settings.topic_prefix,
               WIREWATCH_APP_ID=settings.app_id)
    with open(log_path or os.devnull, "ab") as output:
        process = subprocess.Popen([sys.executable, "-m", "streams.dashboard", "--port", str(chosen)],
                                   stdout=output, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = dashboard_url(DEFAULT_HOST, chosen)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError), urllib.request.urlopen(url + "status.json", timeout=2):
            return process, url
        time.sleep(0.2)
    return process, url
