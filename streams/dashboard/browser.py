"""A headless Chromium driven by Selenium, for the dashboard's browser test and its load check.

Debian's `chromium` and `chromium-driver` packages, used at their fixed paths, so Selenium never
downloads a browser or a driver. Selenium is a test dependency, not a run-time one.
"""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def missing_browser() -> str | None:
    """What is missing to drive a browser, as an instruction; None when all is there."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        return f"{', '.join(missing)} not found: apt-get install -y chromium chromium-driver"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "Selenium is not installed: pip install selenium"
    return None


def start_chromium(width: int = 1280, height: int = 900):
    """A headless Chromium session (a selenium WebDriver)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager fetch anything
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={width},{height}", "--lang=en-GB", "--force-color-profile=srgb"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


def screenshot(driver, path: Path, width: int = 1280, max_height: int = 3000) -> Path:
    """The whole page, not only the window, as a PNG."""
    import base64

    driver.set_window_size(width, 900)
    height = driver.execute_script("return Math.ceil(document.documentElement.scrollHeight);")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": min(height, max_height), "scale": 1}})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == pid:
            found.append(int(entry.name))
    return found


def browser_cpu_seconds(driver) -> float:
    """CPU time used so far by the browser: every process under the driver (renderer, GPU...)."""
    from streams.harness.bench.machine import cpu_seconds

    pending, total = [driver.service.process.pid], 0.0
    while pending:
        pid = pending.pop()
        total += cpu_seconds(pid) or 0.0
        pending.extend(_children(pid))
    return total
