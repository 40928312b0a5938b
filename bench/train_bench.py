"""Training an image-folder package (issue 19): speed and what the model learned, the default
recipe against the one before it, on realistic stand-in folders made on the fly.

    python bench/train_bench.py --stand-in art --images 400 2000 --sizes 32 64 --recipes new old
    python bench/train_bench.py --stand-in fm --images 2000 --sizes 64 --recipes new --runs 3
    python bench/train_bench.py --profile --stand-in art --images 2000 --sizes 32 64

For every (folder, size, recipe) it runs the whole command in a fresh process, as a user would:
``python -m vae_core train --images DIR --out PKG --image-size S --json`` for the default
recipe; for ``old``, the recipe before issue 19 (a sigmoid-located discretised logistic with a
scale per sub-pixel, 30 epochs of 128 images, KL warm-up over 22.5 of them, no augmentation)
through :func:`vae_core.package.folder_train.train_from_folder`, which only this bench asks for.
It records the wall-clock seconds of the command (load, train, build, verify) and of training
alone, the CPU seconds, seconds per epoch and per 1,000 training images, the package's health
figures (held-out reconstruction error against the mean image's, active dimensions, total KL,
5-NN accuracy, verdict), whether a plain red garment decodes red, and the load average around
the run (other work on the machine slows every figure). ``--profile`` splits a training step
into data, augmentation, network, loss and optimiser time instead. JSON goes to stdout and
``--out``; ``--grids DIR`` saves held-out originals over their reconstructions and prior samples.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the repository's vae_core
OLD_TRAIN = {"epochs": 30, "batch_size": 128, "kl_warmup_epochs": 22.5}  # the CLI's --images defaults before
RED_SHARE = 0.15  # a red garment decodes red: mean R above mean G and B by this much (0-1 scale)


def make_folder(kind: str, n: int, work: Path, seed: int = 0) -> Path:
    """The stand-in folder ``kind`` ("art" or "fm") of about ``n`` images, made once per work folder."""
    from vae_core.model.synthetic_catalogue import (
        ARTWORK_CLASSES,
        make_artwork_folder,
        make_tinted_fashion_mnist_folder,
    )

    folder = work / f"{kind}-{n}-{seed}"
    if not folder.is_dir():
        tmp = Path(tempfile.mkdtemp(dir=work))
        if kind == "art":
            make_artwork_folder(tmp, per_class=-(-n // len(ARTWORK_CLASSES)), seed=seed)
        else:
            make_tinted_fashion_mnist_folder(tmp, per_class=-(-n // 10), seed=seed)
        try:
            tmp.rename(folder)
        except OSError:  # another bench made it meanwhile
            import shutil

            shutil.rmtree(tmp)
    return folder


def train_old(images: str, out: str, size: int) -> dict:
    """Today's recipe before issue 19, in this process; returns the CLI's JSON summary's fields."""
    from vae_core.model.config import TrainConfig
    from vae_core.package.folder_train import train_from_folder

    res = train_from_folder(
        images, out, image_size=size, train_config=TrainConfig(**OLD_TRAIN), likelihood="logistic", refine=True
    )
    pkg = res.package
    return {
        "health": pkg.health.to_dict() if pkg.health is not None else None,
        "train_seconds": res.train_seconds,
        "build_seconds": res.build_seconds,
    }


def red_check(pkg) -> dict:  # noqa: ANN001 (a ModelPackage)
    """Encode a plain red top (and a red shoe) and decode its code: the mean colour of the
    reconstruction over the garment's pixels, and whether red dominates it."""

    from vae_core.model.synthetic_catalogue import red_garment

    out = {}
    for cls in ("tops", "shoes"):
        img = red_garment(pkg.image_size, seed=1, cls=cls)
        mu, _ = pkg.encode(img[None])
        rec = pkg.decode(mu[0])  # (S, S, 3) in [0, 1]
        mask = img.min(axis=2) < 200  # the garment and its outline
        r, g, b = (float(v) for v in rec[mask].mean(axis=0))
        out[cls] = {"rgb": [round(r, 3), round(g, 3), round(b, 3)], "red": r > max(g, b) + RED_SHARE}
    return out


def save_grid(pkg, path: Path, n: int = 16) -> None:  # noqa: ANN001
    """Held-out originals over their reconstructions, and prior samples, as one PNG."""
    import numpy as np
    from PIL import Image

    rows = pkg.data_source.get("held_out_rows", [])[:n]
    x = pkg.images(rows)
    mu, _ = pkg.encode(x)
    rec = (pkg.decode(mu) * 255 + 0.5).astype(np.uint8)
    prior = pkg.decode(np.random.default_rng(1).standard_normal((len(rows), pkg.latent_dim))) * 255 + 0.5
    grid = np.concatenate([np.concatenate(list(a), axis=1) for a in (x, rec, prior.astype(np.uint8))], axis=0)
    Image.fromarray(grid).resize((grid.shape[1] * 2, grid.shape[0] * 2), Image.Resampling.NEAREST).save(path)


def run_one(folder: Path, size: int, recipe: str, extra: list[str], work: Path, grids: Path | None) -> dict:
    """One training command in a fresh process, timed; then the package measured."""
    import numpy as np

    from vae_core.package import ModelPackage

    out = work / f"pkg-{folder.name}-{size}-{recipe}"
    if recipe == "new":
        cmd = [sys.executable, "-m", "vae_core", "train", "--images", str(folder), "--out", str(out)]
        cmd += ["--image-size", str(size), "--json", "--allow-collapsed", "--no-resume", *extra]
    else:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--old", str(folder), str(out), str(size)]
    load = os.getloadavg()[0]
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        return {"recipe": recipe, "error": done.stderr.strip().splitlines()[-3:], "code": done.returncode}
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    pkg = ModelPackage.load(out)
    n_train = len(pkg) - len(pkg.data_source.get("held_out_rows", []))
    ends = [row["seconds"] for row in pkg.history]
    per_epoch = [b - a for a, b in zip([0.0, *ends], ends)]
    steps_at = [0] + [int(row.get("steps", 0)) for row in pkg.history]
    seen = sum(min(n_train, (b - a) * pkg.train_config.batch_size) for a, b in zip(steps_at, steps_at[1:]))
    health = summary["health"] or {}
    if grids is not None:
        grids.mkdir(parents=True, exist_ok=True)
        save_grid(pkg, grids / f"{out.name}.png")
    return {
        "recipe": recipe,
        "extra": extra,
        "images": len(pkg),
        "train_images": n_train,
        "size": size,
        "likelihood": pkg.model_config.likelihood,
        "train_config": pkg.train_config.to_dict(),
        "steps": steps_at[-1],
        "epochs": len(pkg.history),
        "command_seconds": wall,
        "train_seconds": summary["train_seconds"],
        "build_seconds": summary["build_seconds"],
        "cpu_seconds": (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
        "median_epoch_seconds": statistics.median(per_epoch),
        "seconds_per_1000_images": 1000 * sum(per_epoch) / max(1, seen),
        "health": health,
        "healthy_seconds": wall if health.get("verdict") == "healthy" else None,
        "red": red_check(pkg),
        "test_bits_per_dim": pkg.metrics.get("test_bits_per_dim"),
        "load_before": load,
        "load_after": os.getloadavg()[0],
        "kl_per_dim": [round(float(v), 3) for v in np.asarray(pkg.kl_per_dim)],
    }


def profile(folder: Path, size: int, steps: int = 30) -> dict:
    """Milliseconds per training step of the default recipe, split into: taking the batch
    (index, uint8 -> float), augmentation, the network's forward pass, the loss, and the
    backward pass with the optimiser step; medians over ``steps`` steps after 3 warm-up ones."""
    import numpy as np
    import torch

    from vae_core.model.augment import augment
    from vae_core.model.image_folder import load_image_folder
    from vae_core.model.network import VAE, kl_divergence
    from vae_core.model.recipe import RECIPE_BATCH
    from vae_core.package.folder_train import model_config_for

    data = load_image_folder(folder, size)
    x_all = torch.from_numpy(np.ascontiguousarray(data.as_uint8_nchw()))
    model = VAE(model_config_for(size, data.channels)).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen, noise = torch.Generator().manual_seed(0), torch.Generator().manual_seed(1)
    parts: dict[str, list[float]] = {k: [] for k in ("batch", "augment", "forward", "loss", "backward_step")}
    for i in range(steps + 3):
        marks = [time.perf_counter()]
        idx = torch.randint(0, len(x_all), (RECIPE_BATCH,), generator=gen)
        x = x_all[idx].float().div_(255.0)
        marks.append(time.perf_counter())
        x = augment(x, gen)
        marks.append(time.perf_counter())
        out, mu, logvar = model(x, noise)
        marks.append(time.perf_counter())
        loss = (model.reconstruction_nll(out, x) + kl_divergence(mu, logvar)).mean()
        marks.append(time.perf_counter())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        marks.append(time.perf_counter())
        if i >= 3:
            for key, a, b in zip(parts, marks, marks[1:]):
                parts[key].append(1000 * (b - a))
    result = {k: round(statistics.median(v), 2) for k, v in parts.items()}
    result["total"] = round(sum(result.values()), 2)
    result["threads"] = torch.get_num_threads()
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--stand-in", choices=("art", "fm"), default="art", help="artwork on white, or tinted Fashion-MNIST")
    p.add_argument("--images", type=int, nargs="+", default=[400, 2000], help="folder sizes (images, about)")
    p.add_argument("--sizes", type=int, nargs="+", default=[32, 64], help="image sizes to train at")
    p.add_argument("--recipes", nargs="+", choices=("new", "old"), default=["new", "old"])
    p.add_argument("--runs", type=int, default=1, help="runs of each (the medians are reported)")
    p.add_argument("--extra", default="", help="extra options for the default command, e.g. '--steps 3000'")
    p.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "train-bench"), help="folders and packages")
    p.add_argument("--grids", default=None, help="save reconstruction grids (PNG) into this folder")
    p.add_argument("--profile", action="store_true", help="split a training step's time instead")
    p.add_argument("--out", default=None, help="also write the JSON here")
    p.add_argument("--old", nargs=3, metavar=("IMAGES", "OUT", "SIZE"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.old:
        print(json.dumps(train_old(args.old[0], args.old[1], int(args.old[2]))))
        return 0
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"stand_in": args.stand_in, "cpus": os.cpu_count(), "runs": []}
    for n in args.images:
        folder = make_folder(args.stand_in, n, work)
        for size in args.sizes:
            if args.profile:
                results["runs"].append({"images": n, "size": size, "profile_ms": profile(folder, size)})
                print(json.dumps(results["runs"][-1]), file=sys.stderr, flush=True)
                continue
            for recipe in args.recipes:
                for _ in range(args.runs):
                    extra = args.extra.split() if recipe == "new" else []
                    grids = Path(args.grids) if args.grids else None
                    r = run_one(folder, size, recipe, extra, work, grids)
                    r["folder"] = folder.name
                    results["runs"].append(r)
                    print(json.dumps(r), file=sys.stderr, flush=True)
    text = json.dumps(results, indent=1)
    if args.out:
        Path(args.out).write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
