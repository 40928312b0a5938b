"""Memory and time of preparing hostile uploads (``vae_core.upload.prepare_image``).

Each case runs in a fresh Python process: the peak resident memory it adds over the process
after imports and file creation (``ru_maxrss``), the wall time of one ``prepare_image``, and what
it answered. ``--module PATH`` measures another copy of the module (e.g. the version before the
hardening, ``git show 5541d77:vae_core/upload.py > /tmp/upload_old.py``)::

    python bench/upload_bench.py
    python bench/upload_bench.py --module /tmp/upload_old.py
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASES = {  # name -> Python expression building the file's bytes (PIL Image as `Image`, `io`, `np`)
    "png_20000x1": "_png(Image.new('L', (20000, 1), 255))",
    "png_6300x6300": "_png(Image.new('L', (6300, 6300), 255))",
    "png_rgba_6000x6000": "_png(Image.new('RGBA', (6000, 6000), (255, 255, 255, 0)))",
    "jpeg_6000x6000": "_png(Image.new('RGB', (6000, 6000), (250, 250, 250)), 'JPEG')",
    "png_280x280": "_png(Image.new('L', (280, 280), 255))",
}

_CHILD = r"""
import importlib.util, io, json, resource, sys, time
import numpy as np
from PIL import Image
spec = importlib.util.spec_from_file_location("upload_under_test", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
sys.modules["upload_under_test"] = mod
sys.path.insert(0, sys.argv[3])
spec.loader.exec_module(mod)
def _png(img, fmt="PNG"):
    buf = io.BytesIO(); img.save(buf, format=fmt); return buf.getvalue()
data = eval(sys.argv[2])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
try:
    out = mod.prepare_image(data)
    answer = f"ok {out.image.shape}"
except Exception as exc:
    answer = f"{type(exc).__name__}: {str(exc)[:90]}"
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"bytes": len(data), "added_mib": (peak - base) / 1024, "seconds": seconds, "answer": answer}))
"""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--module", default=str(ROOT / "vae_core" / "upload.py"), help="upload module to measure")
    args = p.parse_args()
    # the module imports `.errors`: run it as part of a package whose errors module is vae_core's
    shim = Path("/tmp/upload_bench_pkg")
    shim.mkdir(exist_ok=True)
    (shim / "__init__.py").write_text("")
    (shim / "errors.py").write_text("from vae_core.errors import *\n")
    (shim / "upload.py").write_text(Path(args.module).read_text())
    for name, expr in CASES.items():
        done = subprocess.run(
            [sys.executable, "-c", _CHILD.replace('"upload_under_test"', '"upload_bench_pkg.upload"'),
             str(shim / "upload.py"), expr, str(ROOT)],
            capture_output=True, text=True, timeout=600, cwd=str(shim.parent),
        )  # fmt: skip
        if done.returncode != 0:
            print(f"{name:22s} crashed: {(done.stderr.strip().splitlines() or [done.returncode])[-1]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{name:22s} {r['bytes'] / 1024:9.0f} kB  +{r['added_mib']:8.1f} MiB  "
            f"{r['seconds'] * 1000:8.0f} ms  {r['answer']}"
        )


if __name__ == "__main__":
    main()
