"""Latent pad benchmark: the Explore page while a designer drags a slider, in headless Chromium.

For each page (the pad's test app, the Explore page of this checkout, and optionally the Explore
page of a baseline checkout), in fresh browser pages, ``--runs`` times, alternating:

* a 2-second trusted mouse drag at 125 Hz (Chrome DevTools Protocol ``Input.dispatchMouseEvent``,
  pipelined as a real mouse sends them: :class:`bench.cdp.PipelinedInput`) over the most
  informative slider: **garments per second** drawn while the button is held
  (the pad's paint counter; for ``st.slider`` pages, changes of the garment image), the pad's
  **browser decode time**, **neighbour updates per second** during the drag (changes of the
  neighbour gallery) and, after release, the **release-to-final-neighbours latency** (the last
  change of the gallery after the button went up; the final gallery is checked against
  ``ModelPackage.rank`` for the z in the page's link);
* **bytes** the server sent over the WebSocket for the first load (weights included) and for each
  later keyboard step (median of 3).

Usage (repository root)::

    python bench/pad_bench.py --runs 5 --out bench/results/pad.json
    python bench/pad_bench.py --baseline /tmp/old-checkout --runs 5   # also the old Explore page

Every server is started on a free loopback port and stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.browser_bench import answers, free_port, stop_process  # noqa: E402  (the repository root is on the path only now)
from bench.cdp import PipelinedInput, SocketBytes  # noqa: E402
from bench.chromium import launch  # noqa: E402

PAD_KEYS = ("pad_app.pad", "explore.pad")

# In-page probe: garment changes (pad paints, or the st.image source), neighbour gallery changes
# (mutations inside the gallery's shadow root) and the time the mouse button went up.
_PROBE = """
window.__probe = {
  garments: [], neighbours: [], release: null, observed: null,
  padStats() {
    const pads = window.__latentPads || {};
    for (const k of PAD_KEYS) if (pads[k]) return pads[k].stats();
    return null;
  },
  garmentCount() {
    const s = this.padStats();
    return s ? s.frames : this.garments.length;
  },
  watch() {
    const host = [...document.querySelectorAll('.st-key-explore-logq *')].find((e) => e.shadowRoot);
    if (host && host.shadowRoot !== this.observed) {
      this.observed = host.shadowRoot;
      new MutationObserver(() => this.neighbours.push(performance.now()))
        .observe(host.shadowRoot, {childList: true, subtree: true, characterData: true});
    }
  },
};
new MutationObserver((records) => {
  for (const r of records) {
    if (r.type === 'attributes' && r.attributeName === 'src' && r.target.closest &&
        r.target.closest('.st-key-explore-garment')) window.__probe.garments.push(performance.now());
  }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['src']});
window.addEventListener('pointerup', () => { window.__probe.release = performance.now(); }, true);
setInterval(() => window.__probe.watch(), 100);
""".replace("PAD_KEYS", json.dumps(list(PAD_KEYS)))


@dataclass(frozen=True)
class Target:
    """A page to measure: its script, the checkout to run it from, and its first slider."""

    name: str
    cwd: Path
    script: str
    slider: str
    explore: bool  # has the neighbour gallery and the link


def targets(baseline: Path | None) -> list[Target]:
    pad = ".st-key-explore-pad input.la-pad-input"
    old = '.st-key-explore-sliders [data-testid="stSlider"] input[type="range"]'
    out = [
        Target("pad-app", ROOT, "tests/apps/pad_app.py", ".st-key-pad_app-pad input.la-pad-input", False),
        Target("explore", ROOT, "app.py", f"{pad}, {old}", True),
    ]
    if baseline is not None:
        out.append(Target("explore-baseline", baseline, "app.py", old, True))
    return out


def start(target: Target, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", target.script, "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=target.cwd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        if answers(proc, url, 120):
            return proc, url
    except RuntimeError as exc:
        raise RuntimeError(f"{target.script} {exc}") from None
    proc.kill()
    raise RuntimeError(f"{target.script} did not answer")


def idle(page: Any, timeout_ms: int = 60_000) -> None:
    page.wait_for_function(
        """() => { const s = document.querySelector('[data-testid="stApp"]')?.dataset?.testScriptState;
                   return !!s && !['initial', 'running', 'rerunRequested'].includes(s); }""",
        timeout=timeout_ms,
    )


def settle(page: Any, quiet_ms: int = 600) -> None:
    """Wait until the app is idle and has stayed so for ``quiet_ms``."""
    for _ in range(20):
        idle(page)
        page.wait_for_timeout(quiet_ms)
        state = page.evaluate("() => document.querySelector('[data-testid=\"stApp\"]')?.dataset?.testScriptState")
        if state not in ("running", "rerunRequested"):
            return


def one_run(browser: Any, target: Target, url: str, pkg: Any, debug_port: int) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.add_init_script(_PROBE)
    cdp = context.new_cdp_session(page)
    sockets = SocketBytes(cdp)
    out: dict[str, Any] = {}
    try:
        page.goto(url)
        slider = page.locator(target.slider).first
        slider.wait_for(state="visible", timeout=120_000)
        if slider.evaluate("s => s.classList.contains('la-pad-input')"):
            page.wait_for_function("() => window.__probe.padStats()?.ready", timeout=120_000)
        settle(page)
        out["first_load_bytes"] = sockets.take()
        steps = []
        for _ in range(3):
            slider.focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(300)
            settle(page, 300)
            steps.append(sockets.take())
        out["step_bytes"] = statistics.median(steps)
        slider.focus()
        for _ in range(3):  # back to 0, the middle of the slider, where the drag starts
            page.keyboard.press("ArrowLeft")
        settle(page)
        box = slider.bounding_box()
        y = box["y"] + box["height"] / 2
        x0, x1 = box["x"] + box["width"] / 2, box["x"] + box["width"] * 0.97
        counts = "g: window.__probe.garmentCount(), s: window.__probe.padStats()"
        before = page.evaluate(f"() => ({{{counts}}})")
        with PipelinedInput(debug_port, url) as mouse:
            t0 = page.evaluate("() => performance.now()")
            out["send_seconds"] = mouse.drag((x0, y), (x1, y), seconds=2.0, hz=125.0)
            t1 = page.evaluate("() => performance.now()")
            during = page.evaluate(
                f"() => ({{{counts}, n: window.__probe.neighbours.filter((t) => t >= {t0}).length}})"
            )
            mouse.release((x1, y))
        page.wait_for_timeout(300)
        settle(page, 1000)
        seconds = (t1 - t0) / 1000
        out["drag_seconds"] = seconds
        out["garments_per_s"] = (during["g"] - before["g"]) / seconds
        if during["s"] is not None:
            ms = during["s"]["decodeMs"][-max(1, during["g"] - before["g"]) :]
            out["decode_ms"] = statistics.median(ms)
            out["reports_per_s"] = (during["s"]["n"] - before["s"]["n"]) / seconds
        if target.explore:
            out["neighbour_updates_per_s"] = during["n"] / seconds
            probe = page.evaluate(
                "() => ({release: window.__probe.release, last: Math.max(...window.__probe.neighbours)})"
            )
            out["release_to_final_neighbours_ms"] = max(0.0, probe["last"] - probe["release"])
            out["final_neighbours_exact"] = final_neighbours_exact(page, pkg)
    finally:
        context.close()
    return out


def final_neighbours_exact(page: Any, pkg: Any) -> bool:
    """The gallery shows exactly ``pkg.rank`` of the z in the link."""
    from urllib.parse import parse_qs, urlparse

    query = parse_qs(urlparse(page.url).query)
    z = [float(v) for v in query["z"][0].split(",")]
    k = int(query.get("k", ["12"])[0])
    keys = page.locator(".st-key-explore-logq .la-tile").evaluate_all("els => els.map((e) => Number(e.dataset.key))")
    return keys == pkg.rank(z, k).indices.tolist()


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = sorted({k for r in runs for k in r})
    out: dict[str, Any] = {"runs": len(runs)}
    for k in keys:
        vals = [r[k] for r in runs if k in r]
        if vals and isinstance(vals[0], bool):
            out[k] = all(vals)
        elif vals:
            out[k] = {"median": statistics.median(vals), "min": min(vals), "max": max(vals)}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--package", default=str(ROOT / "assets" / "fashion-mnist-vae"))
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--only", default="", help="comma-separated target names (pad-app, explore, explore-baseline)")
    p.add_argument("--baseline", type=Path, default=None, help="a checkout whose Explore page is the baseline")
    p.add_argument("--out", default=None)
    opts = p.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from vae_core import ModelPackage

    pkg = ModelPackage.load(opts.package)
    env = {"LATENT_ATELIER_PACKAGE": opts.package}
    chosen = [t for t in targets(opts.baseline) if not opts.only or t.name in opts.only.split(",")]
    results: dict[str, list[dict[str, Any]]] = {t.name: [] for t in chosen}
    servers = {t.name: start(t, env) for t in chosen}
    try:
        with sync_playwright() as pw:
            debug_port = free_port()
            browser = launch(pw, debug_port)
            for i in range(opts.runs):
                for t in chosen if i % 2 == 0 else chosen[::-1]:
                    got = one_run(browser, t, servers[t.name][1], pkg, debug_port)
                    print(t.name, i, json.dumps(got), flush=True)
                    results[t.name].append(got)
            browser.close()
    finally:
        for proc, _ in servers.values():
            stop_process(proc)
    report = {name: summary(runs) for name, runs in results.items()}
    report["raw"] = results
    report["load_average"] = os.getloadavg()
    text = json.dumps(report, indent=1)
    print(json.dumps({k: v for k, v in report.items() if k != "raw"}, indent=1))
    if opts.out:
        Path(opts.out).parent.mkdir(parents=True, exist_ok=True)
        Path(opts.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
