"""Browser benchmarks: the real app against ``bench/minimal_app.py`` in headless Chromium.

Three figures, each app measured in the same run, interleaved so machine noise hits both:

* ``cold``: ``streamlit run APP`` started to the first garment image loaded in a fresh browser
  page (also the server's RSS at that moment: "after loading the package");
* ``steps``: a slider step (ArrowRight on a focused slider thumb) to the new garment shown, timed
  inside the page from the keydown to the moment the garment image's ``src`` has changed, the
  new image has loaded and Streamlit no longer reports the script as running; the ten sliders
  are stepped in turn so no z repeats;
* ``memory``: the server's RSS (``VmRSS``) with one session, then with ten sessions open.

Usage (from the repository root)::

    python bench/browser_bench.py --app app.py --steps 40 --cold 5 --out bench/results/browser.json

Every server is started on a free loopback port and killed at the end; every wait is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.chromium import launch  # noqa: E402  (the repository root is on the path only now)

IMAGE = '[data-testid="stImage"] img'
SLIDER = '[data-testid="stSlider"] input[type="range"], [data-testid="stSlider"] [role="slider"]'
# The Explore page: the latent pad draws the garment in the browser, so a step is timed to the
# server's answer, the live mini-map ("you are here" moves with every z); its z sliders are the pad's.
APP_IMAGE = ".st-key-explore-minimap img"
APP_SLIDER = ".st-key-explore-pad input.la-pad-input"
RUNNING = '[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]'

# In-page JS: true once the garment image is loaded (its answer differs from `before`, if given)
# and Streamlit is not running the script. An image's answer is its `data-answer` (the live
# mini-map's, which changes with every "you are here" drawn over an unchanged picture), else its
# source (a plain image, or the mini-map of trees before 2026-11-27, re-sent every step).
_READY = """
window.__benchAnswer = (imgSel) => {
  const im = document.querySelector(imgSel);
  return im ? (im.dataset.answer || im.currentSrc || im.src) : null;
};
window.__benchReady = (imgSel, runSel, before) => {
  const im = document.querySelector(imgSel);
  const app = document.querySelector('[data-testid="stApp"]');
  const state = app ? (app.dataset.testScriptState || app.dataset.teststate) : 'running';
  const running = state === 'running' || !!document.querySelector(runSel);
  return !!im && im.complete && im.naturalWidth > 0 && window.__benchAnswer(imgSel) !== before && !running;
};
"""
# Arm a step: record the keydown time, resolve {t0, t1} (page clock, ms) when the new garment
# is shown, or null after `timeout` ms.
_ARM = """
([imgSel, runSel, timeout]) => {
  const before = window.__benchAnswer(imgSel);
  let t0 = null;
  document.addEventListener('keydown', () => { t0 = performance.now(); }, {capture: true, once: true});
  window.__benchStep = new Promise((resolve) => {
    let obs, timer, limit;
    const done = (v) => { obs.disconnect(); clearInterval(timer); clearTimeout(limit);
                          document.removeEventListener('load', check, true); resolve(v); };
    const check = () => {
      if (t0 !== null && window.__benchReady(imgSel, runSel, before)) done({t0, t1: performance.now()});
    };
    obs = new MutationObserver(check);
    obs.observe(document.documentElement, {subtree: true, childList: true, attributes: true});
    document.addEventListener('load', check, true);
    timer = setInterval(check, 4);
    limit = setTimeout(() => done(null), timeout);
  });
}
"""


@dataclass(frozen=True)
class Target:
    """An app to measure: its script and the CSS selectors of its garment image and z sliders."""

    name: str
    script: str
    image: str
    slider: str


@dataclass
class Server:
    """A ``streamlit run`` child process on a loopback port."""

    target: Target
    proc: subprocess.Popen[bytes]
    url: str
    started: float
    pages: list[Any] = field(default_factory=list)

    def rss_mib(self) -> float:
        """Resident set size of the server process (``VmRSS``), MiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS line")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(proc: subprocess.Popen[bytes], url: str, timeout: float, poll: float = 0.1) -> bool:
    """Poll ``url``'s ``/_stcore/health`` until it answers 200 (True) or ``timeout`` s pass
    (False); raise RuntimeError if ``proc`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with status {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(poll)
    return False


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """End a child process: terminate, then kill if it has not gone within 10 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def start_server(target: Target, env: dict[str, str], timeout: float = 120.0) -> Server:
    """Start ``streamlit run`` and wait (at most ``timeout`` s) until it answers its health check."""
    port = free_port()
    app = target.script
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        app,
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server = Server(target, proc, f"http://127.0.0.1:{port}", started)
    try:
        if answers(proc, server.url, timeout, poll=0.05):
            return server
    except RuntimeError as exc:
        raise RuntimeError(f"{app} {exc}") from None
    stop_server(server)
    raise RuntimeError(f"{app} did not answer within {timeout:.0f} s")


def stop_server(server: Server) -> None:
    """Close the server's pages and end the process (terminate, then kill)."""
    for page in server.pages:
        try:
            page.context.close()
        except Exception:  # noqa: BLE001 - the browser may already be gone
            pass
    server.pages.clear()
    stop_process(server.proc)


@contextmanager
def serving(target: Target, env: dict[str, str]) -> Iterator[Server]:
    server = start_server(target, env)
    try:
        yield server
    finally:
        stop_server(server)


def open_page(browser: Any, server: Server, opts: argparse.Namespace) -> Any:
    """A fresh browser context on the server's URL, returned once the first garment is shown."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    server.pages.append(page)
    page.add_init_script(_READY)
    page.goto(server.url, wait_until="commit", timeout=opts.timeout * 1000)
    page.wait_for_function(
        "([i, r]) => window.__benchReady && window.__benchReady(i, r, null)",
        arg=[server.target.image, opts.running],
        timeout=opts.timeout * 1000,
        polling=10,
    )
    return page


def slider_step(page: Any, target: Target, number: int, opts: argparse.Namespace) -> float:
    """Press ArrowRight on slider ``number``; milliseconds until the new garment is shown."""
    thumb = page.locator(target.slider).nth(number)
    thumb.focus(timeout=opts.timeout * 1000)
    page.evaluate(_ARM, [target.image, opts.running, opts.timeout * 1000])
    page.keyboard.press("ArrowRight")
    result = page.evaluate("window.__benchStep")
    if result is None:
        raise RuntimeError(f"slider step got no new garment within {opts.timeout} s")
    return float(result["t1"] - result["t0"])


def summarize(ms: list[float]) -> dict[str, float]:
    """Median, p90 (nearest rank), min and count of millisecond timings."""
    s = sorted(ms)
    return {
        "median_ms": statistics.median(s),
        "p90_ms": s[min(len(s) - 1, int(0.9 * len(s) + 0.5) - 1)],
        "min_ms": s[0],
        "n": len(s),
    }


def bench_cold(browser: Any, apps: dict[str, Target], env: dict[str, str], opts: argparse.Namespace) -> dict:
    """``opts.cold`` cold starts of each app, alternating; time to the first garment, and RSS."""
    times: dict[str, list[float]] = {n: [] for n in apps}
    rss: dict[str, list[float]] = {n: [] for n in apps}
    for i in range(opts.cold):
        for name in list(apps) if i % 2 == 0 else list(apps)[::-1]:
            with serving(apps[name], env) as server:
                open_page(browser, server, opts)
                times[name].append((time.perf_counter() - server.started) * 1e3)
                time.sleep(0.5)  # let the first run settle before reading its memory
                rss[name].append(server.rss_mib())
            print(f"  cold {i + 1}/{opts.cold} {name}: {times[name][-1]:.0f} ms", file=sys.stderr)
    out: dict[str, Any] = {n: {**summarize(times[n]), "rss_mib_median": statistics.median(rss[n])} for n in apps}
    out["ratio_median"] = out["app"]["median_ms"] / out["minimal"]["median_ms"]
    return out


def bench_steps(browser: Any, apps: dict[str, Target], env: dict[str, str], opts: argparse.Namespace) -> dict:
    """``opts.steps`` slider steps in each app, alternating app by app, after 3 warm-up steps."""
    times: dict[str, list[float]] = {n: [] for n in apps}
    servers = {}
    try:
        for name, target in apps.items():
            servers[name] = start_server(target, env)
        pages = {name: open_page(browser, s, opts) for name, s in servers.items()}
        for i in range(-3, opts.steps):
            order = list(apps) if i % 2 == 0 else list(apps)[::-1]
            for name in order:
                ms = slider_step(pages[name], apps[name], (i + 3) % opts.sliders, opts)
                if i >= 0:
                    times[name].append(ms)
        out: dict[str, Any] = {n: summarize(times[n]) for n in apps}
        out["samples_ms"] = {n: [round(t, 1) for t in times[n]] for n in apps}
    finally:
        for s in servers.values():
            stop_server(s)
    out["ratio_median"] = out["app"]["median_ms"] / out["minimal"]["median_ms"]
    out["ratio_p90"] = out["app"]["p90_ms"] / out["minimal"]["p90_ms"]
    return out


def bench_memory(browser: Any, apps: dict[str, Target], env: dict[str, str], opts: argparse.Namespace) -> dict:
    """Server RSS after one session (package loaded), then with ``opts.sessions`` sessions open,
    each of which has moved a slider once."""
    out: dict[str, Any] = {}
    for name, target in apps.items():
        with serving(target, env) as server:
            page = open_page(browser, server, opts)
            time.sleep(1.0)
            one = server.rss_mib()
            slider_step(page, target, 0, opts)
            for s in range(1, opts.sessions):
                slider_step(open_page(browser, server, opts), target, s % opts.sliders, opts)
            time.sleep(1.0)
            out[name] = {
                "rss_mib_one_session": one,
                f"rss_mib_{opts.sessions}_sessions": server.rss_mib(),
                "sessions": opts.sessions,
            }
        print(f"  memory {name}: {out[name]}", file=sys.stderr)
    return out


def markdown(res: dict[str, Any]) -> str:
    """Markdown table rows of the browser figures."""
    rows = ["| figure | real app | minimal app (same run) | ratio | goal |", "|---|---|---|---|---|"]

    def fmt(s: dict[str, float]) -> str:
        return f"median {s['median_ms']:.0f} ms, p90 {s['p90_ms']:.0f} ms (n={s['n']})"

    failed = {p: r["error"] for p, r in res.items() if isinstance(r, dict) and "error" in r}
    rows += [f"| {phase} | failed: {error[:200]} | | | |" for phase, error in failed.items()]
    res = {k: v for k, v in res.items() if k not in failed}

    if "steps" in res:
        r = res["steps"]
        rows.append(
            f"| slider step to new garment | {fmt(r['app'])} | {fmt(r['minimal'])} "
            f"| **{r['ratio_median']:.2f}x** median, {r['ratio_p90']:.2f}x p90 | <= 1.25x median |"
        )
    if "cold" in res:
        r = res["cold"]
        rows.append(
            f"| cold start to first garment | {fmt(r['app'])} | {fmt(r['minimal'])} "
            f"| **{r['ratio_median']:.2f}x** median | <= 1.5x |"
        )
    if "memory" in res:
        r = res["memory"]
        n = r["app"]["sessions"]

        def cell(m: dict[str, float]) -> str:
            return f"{m['rss_mib_one_session']:.0f} MiB (1 session), {m[f'rss_mib_{n}_sessions']:.0f} MiB ({n})"

        rows.append(f"| server RSS | {cell(r['app'])} | {cell(r['minimal'])} | - | reported |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--app", default="app.py", help="the real app (default app.py)")
    p.add_argument("--minimal", default="bench/minimal_app.py", help="the baseline app")
    p.add_argument("--only", default="cold,steps,memory", help="comma-separated subset of cold,steps,memory")
    p.add_argument("--steps", type=int, default=40, help="measured slider steps per app (>= 30)")
    p.add_argument("--cold", type=int, default=5, help="cold starts per app")
    p.add_argument("--sessions", type=int, default=10, help="browser sessions for the memory figure")
    p.add_argument("--sliders", type=int, default=10, help="step the first N sliders in turn")
    p.add_argument("--image", default=APP_IMAGE, help="the real app's garment image (CSS, first match)")
    p.add_argument("--slider", default=APP_SLIDER, help="the real app's z slider thumbs (CSS)")
    p.add_argument("--minimal-image", default=IMAGE, help="the minimal app's garment image (CSS)")
    p.add_argument("--minimal-slider", default=SLIDER, help="the minimal app's slider thumbs (CSS)")
    p.add_argument("--running", default=RUNNING, help="CSS selector present while the script runs")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds any single wait may take")
    p.add_argument("--package", default=None, help="model package ($LATENT_ATELIER_PACKAGE for both apps)")
    p.add_argument("--out", default=None, help="write JSON results here")
    opts = p.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from vae_core.cli.bench import machine_info

    env = {
        "LATENT_ATELIER_DATA_DIR": os.environ.get("LATENT_ATELIER_DATA_DIR")
        or str(ROOT.parent / "shared" / "data" / "fashion-mnist"),
        "PYTHONUNBUFFERED": "1",
    }
    if opts.package:
        env["LATENT_ATELIER_PACKAGE"] = str(Path(opts.package).resolve())
    apps = {
        "minimal": Target("minimal", opts.minimal, opts.minimal_image, opts.minimal_slider),
        "app": Target("app", opts.app, opts.image, opts.slider),
    }
    res: dict[str, Any] = {
        "machine": machine_info(),
        "command": "python " + " ".join(map(shlex.quote, sys.argv)),
        "apps": {n: vars(t) for n, t in apps.items()},
        "running_selector": opts.running,
        "package": env.get("LATENT_ATELIER_PACKAGE", "default"),
    }
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            for phase, fn in (("cold", bench_cold), ("steps", bench_steps), ("memory", bench_memory)):
                if phase in opts.only.split(","):
                    print(f"[browser {time.strftime('%H:%M:%S')}] {phase}", file=sys.stderr, flush=True)
                    try:
                        res[phase] = fn(browser, apps, env, opts)
                    except Exception as exc:  # noqa: BLE001 - record it, go on with the next figure
                        res[phase] = {"error": f"{type(exc).__name__}: {exc}"}
                        print(f"  {phase} failed: {res[phase]['error']}", file=sys.stderr)
                    save(res, opts.out)
        finally:
            browser.close()
    res["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    save(res, opts.out)
    print(markdown(res))
    return 1 if any("error" in res.get(p, {}) for p in ("cold", "steps", "memory")) else 0


def save(res: dict[str, Any], out: str | None) -> None:
    """Write the results so far as JSON (after every figure, so a later failure loses nothing)."""
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main())
