"""The one headless Chromium launch shared by the browser tests and the browser benchmark.

Debian's ``/usr/bin/chromium`` by default; ``LATENT_ATELIER_CHROMIUM`` names another binary, or
``playwright`` for Playwright's own downloaded Chromium (``scripts/test.sh`` off Debian). The flags
are the ones this machine needs: no sandbox as root, no GPU, and no background network traffic
(this machine reaches only the package registries).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("LATENT_ATELIER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def executable() -> str | None:
    """The Chromium binary to launch (None: Playwright's own), or FileNotFoundError saying how to get one."""
    if CHROMIUM == "playwright":
        return None
    if not Path(CHROMIUM).is_file():
        raise FileNotFoundError(f"Chromium not found at {CHROMIUM}; install it with `apt-get install -y chromium`.")
    return CHROMIUM


def launch(playwright: Any, debug_port: int | None = None) -> Any:
    """A headless Chromium browser from a started ``sync_playwright()`` context.

    ``debug_port`` also opens the DevTools Protocol on that loopback port, for a second client
    that sends input without waiting for each answer (:class:`bench.cdp.PipelinedInput`)."""
    args = CHROMIUM_ARGS + ([f"--remote-debugging-port={debug_port}"] if debug_port else [])
    return playwright.chromium.launch(executable_path=executable(), args=args, headless=True)
