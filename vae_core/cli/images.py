"""Command-line pieces for image folders and package catalogues.

* ``train --images DIR --out PACKAGE [--image-size 32] [--channels 1|3] [--fit pad|crop] ...``
* ``catalogue --package PACKAGE (--data DIR | --images DIR)``: add the catalogue's images to a
  package without retraining (the shipped package's 60,000 Fashion-MNIST training images).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..errors import InputError, display_path
from ..model.config import MODEL_BOUNDS, TRAIN_BOUNDS, ModelConfig, check_bounds
from ..model.recipe import AUGMENT_BELOW, RECIPE_STEPS

SKIPPED_SHOWN = 20  # skipped files listed in the summary (all are in the manifest)


def add_image_arguments(t: argparse.ArgumentParser) -> None:
    """The ``train`` options for image folders (``--channels`` is declared with the others in
    :mod:`.main` and checked in :func:`image_channels`)."""
    t.add_argument("--images", default=None, metavar="DIR", help="folder of images: DIR/CLASS/IMAGE or DIR/IMAGE")
    t.add_argument("--image-size", type=int, default=32, help="with --images: model image side, 28, 32, 64 or 128")
    t.add_argument("--fit", choices=("pad", "crop"), default="pad", help="with --images: fit any aspect to a square")
    t.add_argument(
        "--background", default="white", help="colour transparency is composited onto (white, black, #rrggbb)"
    )
    t.add_argument("--val-fraction", type=float, default=0.1, help="with --images: held-out share for test metrics")
    t.add_argument("--device", default="auto", help="auto (GPU if present), cpu or cuda")
    t.add_argument(
        "--widths",
        type=int,
        nargs="+",
        default=None,
        metavar="W",
        help="conv widths, one per stride-2 block (default: Fashion-MNIST "
        f"{' '.join(map(str, ModelConfig().channels))}; with --images, chosen from the image size)",
    )
    t.add_argument(
        "--steps",
        type=int,
        default=None,
        help=f"with --images: optimiser steps in all, whatever the folder's size (default {RECIPE_STEPS[32]:,} "
        f"at 32 px, {RECIPE_STEPS[64]:,} at 64 px; --epochs N instead trains N passes)",
    )
    t.add_argument(
        "--no-augment",
        dest="augment",
        action="store_false",
        default=None,
        help=f"with --images: no flips, shifts, zooms or colour changes (default: on below {AUGMENT_BELOW:,} images)",
    )
    t.add_argument(
        "--patience",
        type=int,
        default=None,
        help="with --images: stop when the held-out -ELBO has not improved for N epochs and keep the best "
        "(default: off)",
    )


# The options of an image-folder run and the TrainConfig fields they set.
IMAGE_OPTIONS = {
    "epochs": "--epochs",
    "steps": "--steps",
    "batch_size": "--batch-size",
    "lr": "--lr",
    "kl_warmup_epochs": "--kl-warmup",
    "seed": "--seed",
    "threads": "--threads",
    "patience": "--patience",
}


def image_channels(args: argparse.Namespace) -> int | None:
    """``--channels`` for image folders: 1 or 3 (None: colour if any image is)."""
    if args.channels not in (None, 1, 3):
        raise InputError(f"--channels must be 1 or 3 with --images; got {args.channels}.")
    return args.channels


def train_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The TrainConfig fields the user chose on the command line (the recipe fills in the rest),
    checked against their bounds."""
    given = getattr(args, "given", set())
    chosen = {"seed": args.seed, "threads": args.threads}
    for field, value in (("steps", args.steps), ("patience", args.patience), ("augment", args.augment)):
        if value is not None:
            chosen[field] = value
    for field, name in (("epochs", "epochs"), ("batch_size", "batch_size"), ("lr", "lr")):
        if name in given:
            chosen[field] = getattr(args, name)
    if "kl_warmup" in given:
        chosen["kl_warmup_epochs"] = float(args.kl_warmup)
    check_bounds(chosen, TRAIN_BOUNDS, IMAGE_OPTIONS)
    if chosen.get("steps") and "epochs" in chosen:
        raise InputError("give either --steps or --epochs, not both.")
    return chosen


def cmd_train_images(args: argparse.Namespace, progress) -> int:  # noqa: ANN001 (the CLI's callback)
    from ..model.train import checkpoint_path

    if args.data:
        raise InputError("give either --data (Fashion-MNIST) or --images (a folder of images), not both.")
    out = Path(args.out)
    settings = train_settings(args)
    model = {"hidden": args.hidden, "latent_dim": args.latent_dim}
    check_bounds({k: v for k, v in model.items() if v is not None}, MODEL_BOUNDS, IMAGE_MODEL_OPTIONS)
    ckpt = checkpoint_path(out)
    if not args.resume and ckpt.exists():
        ckpt.unlink()
    try:
        res = _train(args, out, settings, ckpt, progress)
    except BaseException:
        progress("close", 0, 0, {})
        raise
    ckpt.unlink(missing_ok=True)
    pkg, data, m = res.package, res.data, res.package.metrics
    tcfg = pkg.train_config
    summary = {
        "out": str(out),
        "images": len(data),
        "classes": list(data.class_names),
        "channels": data.channels,
        "image_size": args.image_size,
        "held_out": len(pkg.data_source.get("held_out_rows", [])),
        "skipped": [{"path": s.path, "reason": s.reason} for s in data.skipped],
        "steps": pkg.history[-1]["steps"] if pkg.history else 0,
        "augment": tcfg.augment,
        "test_neg_elbo": m["test_neg_elbo"],
        "test_bits_per_dim": m["test_bits_per_dim"],
        "knn5_accuracy": m["knn5_accuracy"],
        "health": pkg.health.to_dict() if pkg.health is not None else None,
        "train_seconds": res.train_seconds,
        "build_seconds": res.build_seconds,
    }
    if getattr(args, "json", False):
        print(json.dumps(summary))
        return 0
    kind = "colour" if data.channels == 3 else "grey"
    print(
        f"wrote {out}: {len(data)} {kind} images of {len(data.class_names)} classes at {args.image_size} px "
        f"({summary['held_out']} held out); {summary['steps']:,} steps of {tcfg.batch_size} images"
        f"{' with augmentation' if tcfg.augment else ''}; test -ELBO {m['test_neg_elbo']:.1f} nats/image = "
        f"{m['test_bits_per_dim']:.3f} bits/dim, 5-NN accuracy {m['knn5_accuracy']:.4f}; "
        f"training {res.train_seconds:.0f} s, build {res.build_seconds:.0f} s"
    )
    if data.skipped:
        print(f"skipped {len(data.skipped)} file(s):")
        for s in data.skipped[:SKIPPED_SHOWN]:
            print(f"  {s.path}: {s.reason}")
        if len(data.skipped) > SKIPPED_SHOWN:
            print(f"  ... and {len(data.skipped) - SKIPPED_SHOWN} more (all listed in {out}/manifest.json)")
    return 0


IMAGE_MODEL_OPTIONS = {"hidden": "--hidden", "latent_dim": "--latent-dim"}


def _train(args: argparse.Namespace, out: Path, settings: dict[str, Any], ckpt: Path, progress):  # noqa: ANN001, ANN202
    from ..model.image_folder import parse_background
    from ..package.folder_train import train_from_folder

    return train_from_folder(
        args.images,
        out,
        image_size=args.image_size,
        channels=image_channels(args),
        fit=args.fit,
        background=parse_background(args.background),
        val_fraction=args.val_fraction,
        settings=settings,
        latent_dim=args.latent_dim,
        hidden=args.hidden,
        widths=tuple(args.widths) if args.widths else None,
        batch_norm=args.batch_norm,
        device=args.device,
        progress=progress,
        checkpoint=ckpt,
        n_jobs=max(args.threads, 2),
    )


def cmd_catalogue(args: argparse.Namespace) -> int:
    """Add catalogue images to an existing package (no retraining; other files unchanged)."""
    from ..model.data import load_split
    from ..model.image_folder import load_image_folder
    from ..package.folder_train import add_catalogue
    from ..package.format import verify

    if bool(args.data) == bool(args.images):
        raise InputError("give exactly one of --data (Fashion-MNIST) or --images (the package's image folder).")
    if args.data:
        split = load_split("train", args.data)
        add_catalogue(args.package, split.images, split.fingerprint())
    else:
        manifest = verify(args.package)
        settings = manifest.get("data", {})
        data = load_image_folder(
            args.images,
            settings.get("image_size", manifest["model_config"]["image_size"]),
            settings.get("channels", manifest["model_config"].get("image_channels", 1)),
            settings.get("fit", "pad"),
            tuple(settings.get("background", (255, 255, 255))),
        )
        add_catalogue(args.package, data.images, data.fingerprint(), list(data.paths), data.root)
    manifest = verify(args.package)
    cat = manifest["catalogue"]
    size = sum(manifest["files"][s["file"]]["bytes"] for s in cat["shards"])
    n, shards = cat["count"], len(cat["shards"])
    if getattr(args, "json", False):
        print(json.dumps({"package": display_path(args.package), "images": n, "atlases": shards, "bytes": size}))
    else:
        print(f"added {n} catalogue images to {display_path(args.package)} ({shards} atlases, {size / 2**20:.1f} MiB)")
    return 0


def add_catalogue_arguments(
    c: argparse.ArgumentParser, default_package: str, package_help: str, json_help: str
) -> None:
    """The ``catalogue`` command's options (the command itself is declared in :mod:`.main`)."""
    c.add_argument("--package", default=default_package, metavar="DIR", help=package_help)
    c.add_argument(
        "--data", default=None, metavar="DIR", help="folder of Fashion-MNIST IDX files (for a Fashion-MNIST package)"
    )
    c.add_argument("--images", default=None, metavar="DIR", help="the image folder the package was trained on")
    c.add_argument("--json", action="store_true", help=json_help)
    c.set_defaults(func=cmd_catalogue)
