"""Two app processes behind nginx (``deploy/nginx.conf``): sessions spread over both, and work.

Starts two ``streamlit run app.py`` processes and nginx on loopback, with ``deploy/nginx.conf`` as
it is except for its ports (free ones in place of 8080, 8501 and 8502) and its prefix (a temporary
folder). Then ``--sessions`` browser sessions (one Chromium, a context each, so each has its own
cookies like a separate user) open the app through nginx and step an Explore slider
``--steps`` times each, all at once. From nginx's access log (which names the upstream of every
request and the browser's sticky key) it checks that

* every session's requests, its WebSocket included, went to one process only (sticky),
* the sessions used both processes,
* every step drew a new garment, with no error on any page.

It prints how many sessions each process served and the step latencies, and exits 1 if a check
fails, 2 when nginx is not installed (``apt-get install -y nginx``).

Usage (from the repository root)::

    python bench/proxy_bench.py --sessions 8 --steps 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.browser_bench import answers  # noqa: E402
from bench.chromium import executable  # noqa: E402
from bench.load_bench import (  # noqa: E402  (the repository root is on the path only now)
    BROWSER_ARGS,
    App,
    Server,
    drive,
    free_port,
    open_session,
    start_server,
    stop_server,
    summarize,
)

CONFIG = ROOT / "deploy" / "nginx.conf"
LOG_LINE = re.compile(r'"(?P<request>[^"]*)" (?P<status>\d+) upstream=(?P<upstream>\S+) key=(?P<key>\S+)')


def find_nginx() -> str | None:
    """The nginx binary (PATH, then Debian's /usr/sbin), or None."""
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)


def render_config(listen: int, backends: list[int]) -> str:
    """``deploy/nginx.conf`` with ``listen`` for 8080 and the backends' ports for 8501, 8502."""
    text = CONFIG.read_text()
    if "127.0.0.1:8501;" not in text or "127.0.0.1:8502;" not in text or "listen 127.0.0.1:8080;" not in text:
        raise RuntimeError(f"{CONFIG} no longer names 127.0.0.1:8501, :8502 and listen 127.0.0.1:8080")
    text = text.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{listen};")
    for default, port in zip((8501, 8502), backends, strict=True):
        text = text.replace(f"127.0.0.1:{default};", f"127.0.0.1:{port};")
    return text


def start_nginx(nginx: str, prefix: Path, listen: int, backends: list[int]) -> subprocess.Popen[bytes]:
    """nginx in the foreground with the rendered config under ``prefix``; waits until it answers."""
    conf = prefix / "nginx.conf"
    conf.write_text(render_config(listen, backends))
    cmd = [nginx, "-p", str(prefix), "-c", str(conf), "-e", "stderr", "-g", "daemon off;"]
    check = subprocess.run([*cmd[:-2], "-t"], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t refused the configuration:\n{check.stderr}")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(prefix / "stderr.log", "wb"))
    try:
        if answers(proc, f"http://127.0.0.1:{listen}", 20):
            return proc
    except RuntimeError:
        raise RuntimeError(f"nginx exited: {(prefix / 'stderr.log').read_text()}") from None
    proc.kill()
    raise RuntimeError("nginx did not answer within 20 s")


def read_log(path: Path) -> list[dict[str, str]]:
    return [m.groupdict() for m in map(LOG_LINE.search, path.read_text().splitlines()) if m]


async def run(opts: argparse.Namespace, nginx: str) -> dict:
    from playwright.async_api import async_playwright

    env = {
        "LATENT_ATELIER_DATA_DIR": os.environ.get("LATENT_ATELIER_DATA_DIR")
        or str(ROOT.parent / "shared" / "data" / "fashion-mnist"),
        "PYTHONUNBUFFERED": "1",
    }
    prefix = Path(tempfile.mkdtemp(prefix="la-nginx-"))
    servers: list[Server] = []
    proxy = None
    try:
        for name in ("app-1", "app-2"):
            servers.append(await asyncio.to_thread(start_server, App(name, ROOT), env))
        ports = [int(s.url.rsplit(":", 1)[1]) for s in servers]
        listen = free_port()
        proxy = start_nginx(nginx, prefix, listen, ports)
        url = f"http://127.0.0.1:{listen}"
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=executable(), args=BROWSER_ARGS, headless=True)
            try:
                pages = [await open_session(browser, url, opts) for _ in range(opts.sessions)]
                keys = []
                for page in pages:
                    cookies = await page.context.cookies(url)
                    keys.append(next((c["value"] for c in cookies if c["name"] == "latent_atelier_backend"), None))
                deadline = time.monotonic() + opts.timeout * opts.steps
                results = await asyncio.gather(*(drive(pg, n, deadline, opts) for n, pg in enumerate(pages)))
                for page in pages:
                    await page.context.close()  # closes the WebSockets, so nginx logs them
            finally:
                await browser.close()
        time.sleep(0.5)
        log = read_log(prefix / "access.log")
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(timeout=10)
        for s in servers:
            stop_server(s)
        shutil.rmtree(prefix, ignore_errors=True)

    by_port = {str(port): s.app.name for port, s in zip(ports, servers, strict=True)}
    upstreams: dict[str, set[str]] = defaultdict(set)
    streams: Counter[str] = Counter()
    for row in log:
        upstreams[row["key"]].add(by_port.get(row["upstream"].rsplit(":", 1)[-1], row["upstream"]))
        if "/_stcore/stream" in row["request"]:
            streams[row["key"]] += 1
    per_session = [
        {
            "key": key,
            "upstreams": sorted(upstreams.get(key or "", set())),
            "websockets": streams.get(key or "", 0),
            "steps": len(r["times"]),
            "errors": r["errors"],
        }
        for key, r in zip(keys, results, strict=True)
    ]
    served = Counter(s["upstreams"][0] for s in per_session if len(s["upstreams"]) == 1)
    checks = {
        "every session has a sticky cookie": all(keys),
        "every session's requests went to one process": all(len(s["upstreams"]) == 1 for s in per_session),
        "every session opened its WebSocket through nginx": all(s["websockets"] >= 1 for s in per_session),
        "both processes served sessions": len(served) == 2,
        "every step drew a new garment, no errors": all(
            s["steps"] == opts.steps and not s["errors"] for s in per_session
        ),
    }
    return {
        "sessions": opts.sessions,
        "sessions_per_process": dict(served),
        "steps": summarize([t for r in results for t in r["times"]]),
        "checks": checks,
        "per_session": per_session,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sessions", type=int, default=8, help="browser sessions through nginx (default 8)")
    p.add_argument("--steps", type=int, default=5, help="slider steps per session (default 5)")
    p.add_argument("--sliders", type=int, default=10, help="step the first N sliders in turn")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds any single wait may take")
    p.add_argument("--out", default=None, help="write JSON results here")
    opts = p.parse_args(argv)
    nginx = find_nginx()
    if nginx is None:
        print("nginx is not installed (Debian: apt-get install -y nginx); nothing measured.", file=sys.stderr)
        return 2
    res = asyncio.run(run(opts, nginx))
    if opts.out:
        Path(opts.out).parent.mkdir(parents=True, exist_ok=True)
        Path(opts.out).write_text(json.dumps(res, indent=1))
    print(f"sessions per process: {res['sessions_per_process']}")
    st = res["steps"]
    if st.get("n"):
        ms = f"median {st['median_ms']:.0f} ms, p90 {st['p90_ms']:.0f} ms, worst {st['worst_ms']:.0f} ms"
        print(f"steps: {ms} (n={st['n']})")
    for name, ok in res["checks"].items():
        print(f"  {'ok ' if ok else 'FAIL'} {name}")
    return 0 if all(res["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
