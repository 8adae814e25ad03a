"""What the machine and the measured processes did: CPU time, peak memory, load, versions."""

from __future__ import annotations

import os
import platform
import re
import time
from collections.abc import Sequence
from pathlib import Path

from streams import __version__


def status_kb(pid: int | str, field_name: str) -> int | None:
    """A /proc/PID/status size field (VmHWM, VmRSS) in kB; None where /proc is unavailable."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{field_name}:\s+(\d+)\s+kB", text, re.MULTILINE)
    return int(match.group(1)) if match else None


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """Resident-set high-water mark in MB (VmHWM; getrusage for this process as a fallback)."""
    kb = status_kb(pid, "VmHWM")
    if kb is None and pid == "self":
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return None if kb is None else round(kb / 1024, 1)


def _stat_cpu_seconds(path: str) -> float | None:
    """User + system CPU seconds from a /proc stat file; None where /proc is unavailable."""
    try:
        text = Path(path).read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far."""
    return _stat_cpu_seconds(f"/proc/{pid}/stat")


def main_thread_cpu_seconds(pid: int) -> float | None:
    """CPU time of a process's main thread only (for a worker: the asyncio loop running the agents)."""
    return _stat_cpu_seconds(f"/proc/{pid}/task/{pid}/stat")


def machine_cpu() -> tuple[float, float, float] | None:
    """(busy, steal, total) CPU seconds of the whole machine so far (from /proc/stat)."""
    try:
        line = Path("/proc/stat").read_text().splitlines()[0]
    except OSError:
        return None
    values = [int(v) for v in line.split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    total = sum(values[:8])
    idle = values[3] + values[4]
    steal = values[7] if len(values) > 7 else 0
    return (total - idle - steal) / ticks, steal / ticks, total / ticks


def load_average() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def machine_description() -> dict:
    """CPU model, cores, memory, Python, spaCy and model versions: what the figures depend on."""
    cpu_model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_kb = None
    try:
        match = re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.MULTILINE)
        memory_kb = int(match.group(1)) if match else None
    except OSError:
        pass
    versions = {}
    for package in ("spacy", "faust-streaming", "aiokafka", "kafka-python", "orjson"):
        versions[package] = _package_version(package)
    from streams.config import from_env

    models = {lang: f"{name} {_package_version(name) or '?'}" for lang, name in from_env().models.items()}
    return {
        "cpu_model": cpu_model or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1) if memory_kb else None,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "wirewatch": __version__,
        "packages": versions,
        "models": models,
    }


def _package_version(name: str) -> str | None:
    from importlib import metadata

    for candidate in (name, name.replace("_", "-")):
        try:
            return metadata.version(candidate)
        except metadata.PackageNotFoundError:
            continue
    return None


def process_snapshot(worker_pids: Sequence[int], broker_pid: int | None) -> dict:
    """CPU seconds so far of the workers (whole and main thread), the broker, this process and the machine."""
    return {
        "workers": [cpu_seconds(pid) for pid in worker_pids],
        "main_threads": [main_thread_cpu_seconds(pid) for pid in worker_pids],
        "broker": cpu_seconds(broker_pid) if broker_pid else None,
        "self": time.process_time(),
        "machine": machine_cpu(),
    }


def cpu_report(before: dict, after: dict, seconds: float, docs: int) -> dict:
    """Where the CPU went during a window: workers, broker, this driver, and everything else."""
    def delta(a, b):
        return None if a is None or b is None else b - a

    workers = [delta(a, b) for a, b in zip(before["workers"], after["workers"])]
    loops = [delta(a, b) for a, b in zip(before["main_threads"], after["main_threads"])]
    broker = delta(before["broker"], after["broker"])
    driver = after["self"] - before["self"]
    report = {
        "worker_cpu_s": [None if w is None else round(w, 2) for w in workers],
        "cpu_s_per_doc": round(sum(w or 0 for w in workers) / max(1, docs), 4),
        "cores_used": round(sum(w or 0 for w in workers) / seconds, 2) if seconds > 0 else None,
        # the event-loop thread (agents, Kafka client, JSON); the rest is the executor threads
        # (spaCy parse and stage functions) and the Faust consumer thread
        "loop_thread_cpu_s_per_doc": round(sum(v or 0 for v in loops) / max(1, docs), 4),
        "broker_cpu_s": None if broker is None else round(broker, 2),
        "driver_cpu_s": round(driver, 2),
    }
    if before["machine"] and after["machine"] and seconds > 0:
        busy = after["machine"][0] - before["machine"][0]
        steal = after["machine"][1] - before["machine"][1]
        ours = sum(w or 0 for w in workers) + (broker or 0) + driver
        report["machine_busy_cores"] = round(busy / seconds, 2)
        report["other_load_cores"] = round(max(0.0, busy - ours) / seconds, 2)
        report["steal_cores"] = round(steal / seconds, 2)
    return report
