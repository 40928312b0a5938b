"""Stage benchmark: how many distinct garments per second the walk's autoplay draws in the browser.

The Interpolate player plays the walk in the browser: on every animation frame the slider moves
on and the in-browser decoder draws the garment(s) at the new point (``ui/common/pad/pad.js``,
``playStep``). This starts ``streamlit run app.py`` on a free port, opens Interpolate in headless
Chromium with a walk link, presses Play (a trusted click), lets it play ``--seconds`` and reads
the pad's play counters: frames drawn, distinct frames (a new slider value each) and the time.
Scenarios: one walk (one garment per frame) and both walks (two garments per frame), in the
page and full screen (the garments 5 to 10 times larger on the screen: the same decode, a larger
canvas scaling). ``--runs`` plays each; medians are reported. Before, autoplay stepped through
the frames at 4 per second by server reruns (12 at most), each a jump to the next frame.

Usage (repository root)::

    python bench/stage_bench.py --runs 5 --seconds 3 --out bench/results/stage.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.browser_bench import answers, free_port, stop_process  # noqa: E402  (the repository root is on the path only now)
from bench.chromium import launch  # noqa: E402

PAD = ".st-key-interp-frame_pad"
KEY = "interp.frame_pad"
SCENARIOS = {
    "one walk, in the page": ("method=linear", False),
    "both walks, in the page": ("method=both", False),
    "both walks, full screen": ("method=both", True),
}


def play_once(page: Any, seconds: float) -> dict[str, float]:
    page.locator(f"{PAD} .la-pad-play").click()
    page.wait_for_timeout(int(seconds * 1000))
    stats = page.evaluate(f"() => window.__latentPads[{KEY!r}].stats()")
    page.locator(f"{PAD} .la-pad-play").click()
    play = stats["play"]
    decode = sorted(stats["decodeMs"][-120:])
    return {
        "fps_distinct": 1000 * play["distinct"] / play["ms"],
        "fps_drawn": 1000 * play["frames"] / play["ms"],
        "decode_ms_median": decode[len(decode) // 2] if decode else float("nan"),
    }


def scenario(browser: Any, url: str, query: str, full: bool, runs: int, seconds: float) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        page.goto(f"{url}/interpolate?a=0&b=16&frames=10&{query}")
        page.wait_for_selector(f"{PAD} canvas.la-pad-garment", timeout=300_000)
        page.wait_for_function(f"() => window.__latentPads?.[{KEY!r}]?.stats().ready", timeout=120_000)
        page.locator(f"{PAD} canvas.la-pad-garment").first.scroll_into_view_if_needed()
        if full:
            page.locator(f"{PAD} .la-pad-full").click()
            page.wait_for_function("() => !!document.fullscreenElement", timeout=10_000)
        size = page.locator(f"{PAD} canvas.la-pad-garment").first.bounding_box()["width"]
        got = [play_once(page, seconds) for _ in range(runs)]
        out = {k: statistics.median(r[k] for r in got) for k in got[0]}
        out.update(
            runs=runs, seconds=seconds, garment_px=round(size), all_fps=[round(r["fps_distinct"], 1) for r in got]
        )
        return out
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--out", help="write the results as JSON here")
    opts = ap.parse_args(argv)
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    results: dict[str, Any] = {}
    try:
        if not answers(proc, url, 120.0):
            raise SystemExit("the app did not start")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = launch(pw)
            try:
                for name, (query, full) in SCENARIOS.items():
                    results[name] = scenario(browser, url, query, full, opts.runs, opts.seconds)
                    r = results[name]
                    print(
                        f"{name}: {r['fps_distinct']:.1f} distinct garments/s (drawn {r['fps_drawn']:.1f}/s), "
                        f"decode {r['decode_ms_median']:.2f} ms median, garment {r['garment_px']} px, "
                        f"runs {r['all_fps']}"
                    )
            finally:
                browser.close()
    finally:
        stop_process(proc)
    if opts.out:
        Path(opts.out).parent.mkdir(parents=True, exist_ok=True)
        Path(opts.out).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
