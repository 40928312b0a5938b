"""What an upload costs a page afterwards: rerun time and server memory (Streamlit's AppTest).

For one page (Explore, or Interpolate with A from an upload) and one picture (a 20,000 x 1 PNG or
a 6,300 x 6,300 PNG), in a fresh process: the median time of a plain rerun before the upload
(on Interpolate with A and B chosen by index, so the walk is drawn as it is after the upload),
the run that receives the upload, the median of the reruns after it, and the process's peak and
final resident memory. ``--root`` runs another copy of the app (e.g. the code before the
hardening, ``git archive <commit> | tar -x -C /tmp/before``)::

    python bench/upload_rerun.py                   # every page and picture, this checkout
    python bench/upload_rerun.py --root /tmp/before --reruns 1
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = r"""
import io, json, resource, statistics, sys, time
from PIL import Image
from streamlit.testing.v1 import AppTest

root, page, picture, reruns = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
size = {"tall": (20000, 1), "square": (6300, 6300)}[picture]
buf = io.BytesIO()
Image.new("L", size, 255).save(buf, format="PNG")
data = buf.getvalue()

def rss_mib():
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmRSS")) / 1024

def timed(fn):
    t = time.perf_counter(); fn(); return time.perf_counter() - t

at = AppTest.from_file(f"{root}/pages/{page}.py", default_timeout=900)
at.run()
before = statistics.median(timed(at.run) for _ in range(3))  # Interpolate: A and B by index, walk drawn
rss_before = rss_mib()
if page == "interpolate":
    at.radio(key="interp.A.source").set_value("upload").run()
key = "explore.upload.file" if page == "explore" else "interp.A.upload.file"
at.file_uploader(key=key).set_value((f"{picture}.png", data, "image/png"))
upload = timed(at.run)
after = statistics.median(timed(at.run) for _ in range(reruns))
shown = [e.value[:70] for e in at.error] or ["accepted"]
print(json.dumps({
    "rerun_before_s": round(before, 2), "upload_run_s": round(upload, 2), "rerun_after_s": round(after, 2),
    "rss_before_mib": round(rss_before), "rss_after_mib": round(rss_mib()),
    "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "exception": bool(at.exception), "answer": shown[0], "png_kb": round(len(data) / 1024, 1),
}))
"""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", default=str(ROOT), help="the app's folder (default: this checkout)")
    p.add_argument("--reruns", type=int, default=3, help="reruns after the upload (median reported)")
    p.add_argument("--pages", nargs="+", default=["explore", "interpolate"])
    p.add_argument("--pictures", nargs="+", default=["tall", "square"])
    args = p.parse_args()
    env = {**os.environ, "PYTHONPATH": args.root}
    for page in args.pages:
        for picture in args.pictures:
            done = subprocess.run(
                [sys.executable, "-c", _CHILD, args.root, page, picture, str(args.reruns)],
                capture_output=True, text=True, cwd=args.root, env=env, timeout=3600,
            )  # fmt: skip
            lines = done.stdout.strip().splitlines()
            result = lines[-1] if lines else f"failed: {done.stderr.strip()[-300:]}"
            print(f"{page:12s} {picture:7s} {result}", flush=True)


if __name__ == "__main__":
    main()
