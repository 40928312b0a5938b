"""Benchmarks for image-folder catalogues (issue 13): decoding, training per epoch, package build,
package size and memory, and the first garment of a fresh clone.

    python -m bench.garments_bench --images 5000 --sizes 32 64 --epochs 3 --device cpu
    python -m bench.garments_bench --only first-garment --runs 5

Prints a JSON object (also written to ``--out``). Every figure is measured here; medians over the
epochs (training) and runs (first garment). Synthetic colour garments (``vae_core.model.synthetic``,
JPEG/PNG/WebP, 80 to 240 px on a side) stand in for a folder of product photos.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "assets" / "fashion-mnist-vae"

# What a fresh clone's first Explore run needs before the first garment and its 12 neighbours show:
# load and verify the package, rank z = 0, and get the neighbours' pictures.
_FIRST = r"""
import time, sys, os, numpy as np
t0 = float(sys.argv[1]); mode = sys.argv[2]; pkg_dir = sys.argv[3]
from vae_core import ModelPackage, load_split
pkg = ModelPackage.load(pkg_dir)
z = np.zeros(pkg.latent_dim)
garment = pkg.decode(z)
top = pkg.rank(z, 12).indices
if mode == "package":
    thumbs = pkg.images(top)
elif mode == "idx":
    thumbs = load_split("train", os.environ["LATENT_ATELIER_DATA_DIR"]).images[top]
else:
    thumbs = (pkg.decode(pkg.mu) * 255 + 0.5).astype(np.uint8)[top]
rss = int([l for l in open("/proc/self/status") if l.startswith("VmRSS")][0].split()[1]) / 1024
print(time.time() - t0, rss)
"""


def rss_mib_of(code: str, *args: str) -> float:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.split()[-1])


def first_garment(runs: int, data_dir: str | None) -> dict:
    """Fresh interpreters: seconds from start to the first garment with 12 neighbour pictures."""
    old = Path(tempfile.mkdtemp()) / "no-images"
    from vae_core.package import ModelPackage

    pkg = ModelPackage.load(SHIPPED)
    pkg.catalogue = None
    pkg.save(old)  # today's package: the same arrays, no images
    modes = {"package": SHIPPED, "decode-means": old}
    if data_dir:
        modes["idx"] = old
    res: dict = {}
    for _ in range(runs):
        for mode, path in modes.items():
            out = subprocess.run(
                [sys.executable, "-c", _FIRST, str(time.time()), mode, str(path)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
                env={**os.environ, **({"LATENT_ATELIER_DATA_DIR": data_dir} if data_dir else {})},
            )
            secs, rss = (float(v) for v in out.stdout.split())
            res.setdefault(mode, {"seconds": [], "rss_mib": []})
            res[mode]["seconds"].append(secs)
            res[mode]["rss_mib"].append(rss)
    for r in res.values():
        r["median_seconds"] = statistics.median(r["seconds"])
        r["median_rss_mib"] = statistics.median(r["rss_mib"])
    return res


def folder_bench(n: int, sizes: list[int], epochs: int, device: str, threads: int, limit: int) -> dict:
    import numpy as np
    import torch

    from vae_core.model.config import TrainConfig
    from vae_core.model.image_folder import held_out, load_image_folder
    from vae_core.model.synthetic import make_garment_folder
    from vae_core.model.train import resolve_device, train
    from vae_core.package import ModelPackage
    from vae_core.package.build import build_package
    from vae_core.package.catalogue import Catalogue
    from vae_core.package.folder_train import model_config_for

    if threads:
        torch.set_num_threads(threads)
    work = Path(tempfile.mkdtemp(prefix="garments-bench-"))
    t = time.perf_counter()
    make_garment_folder(
        work / "photos", per_class=-(-n // 3), seed=0, size_range=(80, 240), formats=("jpg", "png", "webp")
    )
    out: dict = {"images": 3 * -(-n // 3), "generate_seconds": time.perf_counter() - t, "device": device, "sizes": {}}
    dev = resolve_device(device)
    out["device_name"] = (
        torch.cuda.get_device_name() if dev.type == "cuda" else f"cpu x {torch.get_num_threads()} threads"
    )
    for size in sizes:
        r: dict = {}
        t = time.perf_counter()
        data = load_image_folder(work / "photos", size)
        r["decode_seconds"] = time.perf_counter() - t
        rows, test_rows = held_out(len(data), 0.1, 0)
        if limit:
            rows = rows[:limit]
        x = data.as_uint8_nchw()
        tcfg = TrainConfig(epochs=epochs, seed=0, kl_warmup_epochs=0.75 * epochs)
        mcfg = model_config_for(size, data.channels)
        res = train(x[rows], x[test_rows], mcfg, tcfg, device=dev)
        ends = [h["seconds"] for h in res.history]
        per_epoch = [b - a for a, b in zip([0.0, *ends], ends)]
        r["train_rows"] = len(rows)
        r["epoch_seconds"] = per_epoch
        r["median_epoch_seconds"] = statistics.median(per_epoch)
        r["test_bits_per_dim"] = None
        t = time.perf_counter()
        pkg = build_package(
            res.model,
            data,
            data.subset(test_rows),
            tcfg,
            res.history,
            reference=rows,
            catalogue=Catalogue.from_images(data.images, data.paths, data.root),
        )
        path = pkg.save(work / f"pkg-{size}")
        r["build_seconds"] = time.perf_counter() - t
        r["build_stage_seconds"] = {k: v for k, v in pkg.metrics.items() if k.startswith("build_")}
        r["test_neg_elbo"] = pkg.metrics["test_neg_elbo"]
        r["test_bits_per_dim"] = pkg.metrics["test_bits_per_dim"]
        files = {f.name: f.stat().st_size for f in path.iterdir()}
        r["package_bytes"] = sum(files.values())
        r["catalogue_bytes"] = sum(v for k, v in files.items() if k.startswith("catalogue"))
        r["largest_file_bytes"] = max(files.values())
        code = (
            "import sys,numpy as np; from vae_core import ModelPackage; p=ModelPackage.load(sys.argv[1]);"
            "_=p.index; _=p.catalogue.all_images() if sys.argv[2]=='all' else None;"
            "print(int([l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1])/1024)"
        )
        r["rss_mib_loaded"] = rss_mib_of(code, str(path), "none")
        r["rss_mib_all_images_decoded"] = rss_mib_of(code, str(path), "all")
        t = time.perf_counter()
        ModelPackage.load(path).images(np.arange(12))
        r["load_and_12_images_seconds"] = time.perf_counter() - t
        out["sizes"][str(size)] = r
        print(json.dumps({size: r}), file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", type=int, default=5000)
    p.add_argument("--sizes", type=int, nargs="+", default=[32, 64])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--limit", type=int, default=0, help="train on the first N training rows only")
    p.add_argument("--runs", type=int, default=5, help="fresh-interpreter runs per first-garment mode")
    p.add_argument("--data", default=os.environ.get("LATENT_ATELIER_DATA_DIR"), help="Fashion-MNIST folder (idx mode)")
    p.add_argument("--only", choices=("folder", "first-garment"), default=None)
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    res: dict = {}
    if args.only in (None, "first-garment"):
        res["first_garment"] = first_garment(args.runs, args.data)
        print(json.dumps(res["first_garment"]), file=sys.stderr)
    if args.only in (None, "folder"):
        res["folder"] = folder_bench(args.images, args.sizes, args.epochs, args.device, args.threads, args.limit)
    text = json.dumps(res, indent=1)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
