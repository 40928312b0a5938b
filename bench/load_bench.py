"""Load benchmark: 1, 5 and 10 browser sessions stepping the Explore sliders at once.

``streamlit run app.py`` (the shipped package) is started on a loopback port; one headless
Chromium opens N sessions (a browser context each, so each is its own Streamlit session on its
own WebSocket). Once all N show their first garment, every session steps the z sliders as fast as
the app answers (closed loop, no pause), for ``--steps`` steps or ``--duration`` seconds, whichever
ends first. Per session count it reports the median, p90 and worst step latency over all
sessions' steps (from the keydown to the new garment on screen, timed inside the page as in
``bench/browser_bench.py``), errors (steps with no new garment within ``--timeout``, tracebacks on
the page, page errors), and the server's memory (RSS of the streamlit process: after the sessions
opened, peak while stepping). All sessions press their first key at the same moment, so their
first steps queue behind each other; the figures without each session's first ``SETTLE`` steps
are printed beside them, and every session's steps are kept in order in the JSON.

``--compare REF`` measures the app as it was at git revision REF (extracted with ``git archive``
into a temporary folder) in the same run: for each session count the two apps run one after the
other, alternating which goes first, so machine noise hits both alike. ``--profile DIR`` records
the server with py-spy (``pip install py-spy``) while the largest session count steps: a
flame graph and the raw folded stacks, both of all threads' samples and of the samples that hold
the GIL (what blocks every other session).

Usage (from the repository root)::

    python bench/load_bench.py --sessions 1,5,10 --steps 30 --out bench/results/load.json
    python bench/load_bench.py --compare main --sessions 10 --profile bench/results/profile
    python bench/load_bench.py --sessions 10 --nice-browser 10   # browsers yield the cores to the server
    LOAD_BENCH_SERVER_LOG=/tmp/server.log python bench/load_bench.py --sessions 10   # keep the server's stderr

Every server and browser is started here and ended at the end; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.browser_bench import _ARM, _READY, answers, free_port, stop_process  # noqa: E402  (shared)
from bench.chromium import CHROMIUM_ARGS, executable  # noqa: E402  (the repository root is on the path only now)

# The server's answer to a step: the Explore page's live mini-map ("you are here" moves with every
# z). With the latent pad the garment itself is drawn by the browser, so it no longer measures the
# server; the mini-map shows where the server placed z (its picture's data-answer, or in trees
# before 2026-11-27 its source, changes with each answer).
SERVER_LOG_VAR = "LOAD_BENCH_SERVER_LOG"  # a file for the server's stderr (warnings, tracebacks)
GARMENT = '[class*="st-key-explore"][class*="minimap"] img'
# The z sliders: Streamlit's sliders or a custom component's, both range inputs on the page.
SLIDERS = '[class*="st-key-explore"] input[type="range"]'

SETTLE = 5  # steps of each session reported apart: all sessions start stepping at the same moment
RUNNING = '[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]'
# Several pages in one browser: none of them may be throttled as a background tab.
BROWSER_ARGS = [
    *CHROMIUM_ARGS,
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]


async def step_slider(page: Any, index: int, key: str, timeout_ms: float) -> None:
    """Step z slider ``index`` by one notch: focus its thumb and press ``key`` (ArrowRight or
    ArrowLeft). The one place that knows how a slider is moved."""
    await page.locator(SLIDERS).nth(index).focus(timeout=timeout_ms)
    await page.keyboard.press(key)


@dataclass
class App:
    """An app tree to serve: ``name`` labels its results, ``root`` holds its ``app.py``."""

    name: str
    root: Path


@dataclass
class Server:
    """A ``streamlit run app.py`` child process on a loopback port."""

    app: App
    proc: subprocess.Popen[bytes]
    url: str
    rss_samples: list[float] = field(default_factory=list)

    def rss_mib(self) -> float:
        """Resident set size of the server process (``VmRSS``), MiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS line")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (``/proc/PID/stat``), seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """Every living descendant of process ``pid`` (from ``/proc/*/stat`` parent ids)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def browser_cpu_seconds(server_pid: int) -> float:
    """CPU time so far of this process's descendants except the server: Playwright and Chromium."""
    total = 0.0
    for pid in descendants(os.getpid()):
        if pid != server_pid:
            try:
                total += cpu_seconds(pid)
            except (OSError, IndexError):
                pass
    return total


def renice_browser(level: int, server_pid: int | None = None) -> None:
    """Set every thread of Playwright and Chromium (this process's descendants except the
    server) to nice ``level``. Linux keeps a nice value per thread and Chromium forks renderers
    from its zygote, so this runs again after each new session."""
    skip = {server_pid, *descendants(server_pid)} if server_pid else set()
    for pid in descendants(os.getpid()):
        if pid in skip:
            continue
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                os.setpriority(os.PRIO_PROCESS, int(task.name), level)
            except (OSError, ValueError):
                pass


def start_server(app: App, env: dict[str, str], timeout: float = 120.0) -> Server:
    """``streamlit run app.py`` in ``app.root`` (its own ``.streamlit/config.toml`` applies);
    returns once the health check answers."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    log = open(os.environ.get(SERVER_LOG_VAR) or os.devnull, "ab")  # noqa: SIM115 (the server's, until it exits)
    proc = subprocess.Popen(cmd, cwd=app.root, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=log)
    server = Server(app, proc, f"http://127.0.0.1:{port}")
    try:
        if answers(proc, server.url, timeout):
            return server
    except RuntimeError as exc:
        raise RuntimeError(f"{app.name}: streamlit {exc}") from None
    stop_server(server)
    raise RuntimeError(f"{app.name}: streamlit did not answer within {timeout:.0f} s")


def stop_server(server: Server) -> None:
    stop_process(server.proc)


def summarize(ms: list[float]) -> dict[str, float]:
    """Median, p90 (nearest rank), worst and count of step latencies in milliseconds."""
    if not ms:
        return {"n": 0}
    s = sorted(ms)
    p90 = s[min(len(s) - 1, max(0, int(0.9 * len(s) + 0.5) - 1))]
    return {"median_ms": statistics.median(s), "p90_ms": p90, "worst_ms": s[-1], "n": len(s)}


async def open_session(browser: Any, url: str, opts: argparse.Namespace) -> Any:
    """A new browser context on the app, returned once its first garment is shown."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    await page.add_init_script(_READY)
    await page.goto(url, wait_until="commit", timeout=opts.timeout * 1000)
    await page.wait_for_function(
        "([i, r]) => window.__benchReady && window.__benchReady(i, r, null)",
        arg=[GARMENT, RUNNING],
        timeout=opts.timeout * 1000,
        polling=50,
    )
    # and the big latent map drawn below it, so a session starts stepping on a settled page
    await page.wait_for_function(
        "() => { const gd = document.querySelector('.js-plotly-plot'); return !!(gd && gd._fullLayout); }",
        timeout=opts.timeout * 1000,
        polling=100,
    )
    return page


# What a failed step left on the page: the garment image's answer (``window.__benchAnswer``, from
# bench/browser_bench.py), the script state and the mini-map's caption (where the server last
# placed z), beside the pad's own account.
_WHY = """([imgSel, runSel]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  return {focus: document.activeElement && document.activeElement.className,
          pad: window.__latentPads?.['explore.pad']?.stats(),
          state: app ? (app.dataset.testScriptState || app.dataset.teststate) : null,
          icon: !!document.querySelector(runSel),
          src: window.__benchAnswer(imgSel),
          caption: [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
                     .map((c) => c.innerText).find((t) => t.includes('You are here')) || null};
}"""


async def drive(page: Any, number: int, deadline: float, opts: argparse.Namespace) -> dict[str, Any]:
    """Step the sliders in turn (right on even rounds, left on odd ones, so z stays in range and
    never repeats between consecutive steps) until ``opts.steps`` steps or the deadline."""
    times: list[float] = []
    errors: list[str] = []
    for i in range(opts.steps):
        if time.monotonic() > deadline:
            break
        slider = (number + i) % opts.sliders
        key = "ArrowRight" if (i // opts.sliders) % 2 == 0 else "ArrowLeft"
        try:
            before = await page.evaluate("(sel) => window.__benchAnswer(sel)", GARMENT)
            await page.evaluate(_ARM, [GARMENT, RUNNING, opts.timeout * 1000])
            await step_slider(page, slider, key, opts.timeout * 1000)
            result = await page.evaluate("window.__benchStep")
        except Exception as exc:  # noqa: BLE001 - a broken session is a result, not a crash
            errors.append(f"step {i}: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        if result is None:
            why = await page.evaluate(_WHY, [GARMENT, RUNNING])
            pad = why.get("pad") or {}
            errors.append(
                f"step {i}: no new garment within {opts.timeout:.0f} s (focus on {why.get('focus')!r}, "
                f"pad ready {pad.get('ready')}, reports {pad.get('n')}, taken {pad.get('taken')}, "
                f"values {pad.get('values')}; script state {why.get('state')!r}, running icon "
                f"{why.get('icon')}, image changed {why.get('src') != before}, caption {why.get('caption')!r})"
            )
        else:
            times.append(float(result["t1"] - result["t0"]))
    tracebacks = await page.locator('[data-testid="stException"]').count()
    if tracebacks:
        errors.append(f"{tracebacks} traceback(s) on the page")
    errors += [f"page error: {e[:200]}" for e in page.errors]
    return {"times": times, "errors": errors}


async def sample_rss(server: Server, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            server.rss_samples.append(server.rss_mib())
        except (OSError, RuntimeError):
            return
        try:
            await asyncio.wait_for(stop.wait(), 0.25)
        except TimeoutError:
            pass


def start_profile(server: Server, opts: argparse.Namespace, label: str) -> list[subprocess.Popen[bytes]]:
    """py-spy on the server: all samples and GIL-holding samples, folded stacks and SVG."""
    if not opts.profile:
        return []
    spy = shutil.which("py-spy") or opts.py_spy
    if not spy:
        print("  (no py-spy: pip install py-spy, or --py-spy PATH)", file=sys.stderr)
        return []
    out = Path(opts.profile)
    out.mkdir(parents=True, exist_ok=True)
    procs = []
    for kind, extra in (("all", []), ("gil", ["--gil"])):
        for fmt, ext in (("raw", "txt"), ("flamegraph", "svg")):
            cmd = [spy, "record", "--pid", str(server.proc.pid), "--rate", "50", "--format", fmt, "--nonblocking"]
            cmd += ["--duration", str(int(opts.duration)), "-o", str(out / f"{label}-{kind}.{ext}"), *extra]
            if fmt == "raw" or kind == "gil":  # three recorders at most: each costs a little CPU
                procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return procs


async def run_phase(browser: Any, app: App, sessions: int, env: dict[str, str], opts: argparse.Namespace) -> dict:
    """One server, ``sessions`` sessions opened one by one, then all stepping at once."""
    server = await asyncio.to_thread(start_server, app, env)
    pages: list[Any] = []
    try:
        t_open = time.monotonic()
        for _ in range(sessions):
            pages.append(await open_session(browser, server.url, opts))
            if opts.nice_browser:
                renice_browser(opts.nice_browser, server.proc.pid)
        open_s = time.monotonic() - t_open
        await asyncio.sleep(1.0)
        rss_open = server.rss_mib()
        profile = start_profile(server, opts, f"{app.name}-{sessions}") if sessions == max(opts.counts) else []
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_rss(server, stop))
        deadline = time.monotonic() + opts.duration
        t0 = time.monotonic()
        cpu0 = cpu_seconds(server.proc.pid), browser_cpu_seconds(server.proc.pid)
        results = await asyncio.gather(*(drive(p, n, deadline, opts) for n, p in enumerate(pages)))
        wall = time.monotonic() - t0
        cpu1 = cpu_seconds(server.proc.pid), browser_cpu_seconds(server.proc.pid)
        load = os.getloadavg()[0]
        stop.set()
        await sampler
        for proc in profile:
            try:
                proc.wait(timeout=opts.duration + 30)
            except subprocess.TimeoutExpired:
                proc.kill()
        rss_end = server.rss_mib()
    finally:
        for p in pages:
            await p.context.close()
        stop_server(server)
    times = [t for r in results for t in r["times"]]
    errors = [f"session {n}: {e}" for n, r in enumerate(results) for e in r["errors"]]
    out = {
        "app": app.name,
        "sessions": sessions,
        **summarize(times),
        "errors": len(errors),
        "error_samples": errors[:10],
        "steps_per_s": len(times) / wall if wall > 0 else 0.0,
        # CPU per step drawn (all sessions' steps): the server process, and the browser side
        # (Chromium and Playwright) that shares this machine's cores with it.
        "server_cpu_ms_per_step": 1e3 * (cpu1[0] - cpu0[0]) / max(1, len(times)),
        "browser_cpu_ms_per_step": 1e3 * (cpu1[1] - cpu0[1]) / max(1, len(times)),
        "wall_s": wall,
        "load_average_1min_at_end": load,
        "open_s": open_s,
        "rss_mib_open": rss_open,
        "rss_mib_peak": max(server.rss_samples or [rss_end]),
        "rss_mib_end": rss_end,
        "per_session_median_ms": [statistics.median(r["times"]) if r["times"] else None for r in results],
        "samples_ms": [round(t, 1) for t in times],
        "session_samples_ms": [[round(t, 1) for t in r["times"]] for r in results],  # in step order
        # the same without each session's first steps (all sessions start at once: a burst)
        **{f"settled_{k}": v for k, v in summarize([t for r in results for t in r["times"][SETTLE:]]).items()},
    }
    print(
        f"  {app.name:>8} {sessions:>2} sessions: median {out.get('median_ms', float('nan')):.0f} ms, "
        f"p90 {out.get('p90_ms', float('nan')):.0f}, worst {out.get('worst_ms', float('nan')):.0f} "
        f"(n={out['n']}), errors {out['errors']}, RSS {rss_open:.0f} -> peak {out['rss_mib_peak']:.0f} MiB, "
        f"CPU/step server {out['server_cpu_ms_per_step']:.0f} ms, browser {out['browser_cpu_ms_per_step']:.0f} ms, "
        f"load {load:.1f}; after each session's first {SETTLE} steps: median "
        f"{out.get('settled_median_ms', float('nan')):.0f}, worst {out.get('settled_worst_ms', float('nan')):.0f}",
        file=sys.stderr,
    )
    return out


def extract(ref: str, into: Path) -> Path:
    """The tree of git revision ``ref`` (tracked files only) in ``into``."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def markdown(results: list[dict]) -> str:
    rows = [
        "| app | sessions | median | p90 | worst | steps | errors | steps/s | server CPU/step "
        "| browser CPU/step | server RSS (open / peak) | load avg |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if not r.get("n"):
            rows.append(f"| {r['app']} | {r['sessions']} | - | - | - | 0 | {r['errors']} | - | - | - | - | - |")
            continue
        rows.append(
            f"| {r['app']} | {r['sessions']} | {r['median_ms']:.0f} ms | {r['p90_ms']:.0f} ms "
            f"| {r['worst_ms']:.0f} ms | {r['n']} | {r['errors']} | {r['steps_per_s']:.1f} "
            f"| {r['server_cpu_ms_per_step']:.0f} ms | {r['browser_cpu_ms_per_step']:.0f} ms "
            f"| {r['rss_mib_open']:.0f} / {r['rss_mib_peak']:.0f} MiB | {r['load_average_1min_at_end']:.1f} |"
        )
    return "\n".join(rows)


async def main_async(opts: argparse.Namespace) -> list[dict]:
    from playwright.async_api import async_playwright

    env = {
        "LATENT_ATELIER_DATA_DIR": os.environ.get("LATENT_ATELIER_DATA_DIR")
        or str(ROOT.parent / "shared" / "data" / "fashion-mnist"),
        "PYTHONUNBUFFERED": "1",
    }
    if opts.package:
        env["LATENT_ATELIER_PACKAGE"] = str(Path(opts.package).resolve())
    apps = [App("current", ROOT)]
    tmp = None
    if opts.compare:
        tmp = Path(tempfile.mkdtemp(prefix="load-bench-"))
        apps.insert(0, App(opts.compare_name or opts.compare, extract(opts.compare, tmp / "tree")))
    results: list[dict] = []
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=executable(), args=BROWSER_ARGS, headless=True)
            try:
                for i, n in enumerate(opts.counts):
                    for app in apps if i % 2 == 0 else apps[::-1]:
                        results.append(await run_phase(browser, app, n, env, opts))
            finally:
                await browser.close()
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sessions", default="1,5,10", help="comma-separated session counts (default 1,5,10)")
    p.add_argument("--steps", type=int, default=30, help="slider steps per session (default 30)")
    p.add_argument("--duration", type=float, default=60.0, help="at most this many seconds of stepping per phase")
    p.add_argument("--sliders", type=int, default=10, help="step the first N sliders in turn")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds any single wait may take")
    p.add_argument("--package", default=None, help="model package ($LATENT_ATELIER_PACKAGE)")
    p.add_argument("--compare", default=None, help="also measure the app at this git revision, interleaved")
    p.add_argument("--compare-name", default=None, help="label for --compare's results (default: the revision)")
    p.add_argument("--profile", default=None, help="py-spy the server during the largest session count into DIR")
    p.add_argument("--py-spy", default=None, help="path of the py-spy binary if not on PATH")
    p.add_argument(
        "--nice-browser",
        type=int,
        default=0,
        help="run Playwright and Chromium at this nice level (e.g. 10), so that on a machine with "
        "few cores the server is served first, as when the browsers are elsewhere",
    )
    p.add_argument("--out", default=None, help="write JSON results here")
    opts = p.parse_args(argv)
    opts.counts = [int(n) for n in opts.sessions.split(",")]
    started = time.time()
    results = asyncio.run(main_async(opts))
    doc = {
        "started_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(started)),
        "load_average_at_end": os.getloadavg(),
        "machine": {"cpus": os.cpu_count(), "uname": " ".join(os.uname()), "python": sys.version.split()[0]},
        "options": {k: v for k, v in vars(opts).items() if k != "counts"},
        "results": results,
    }
    if opts.out:
        Path(opts.out).parent.mkdir(parents=True, exist_ok=True)
        Path(opts.out).write_text(json.dumps(doc, indent=1))
    print(markdown(results))
    return 0 if all(r["errors"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
