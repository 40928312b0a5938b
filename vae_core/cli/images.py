"""Command-line pieces for image folders and package catalogues.

* ``train --images DIR --out PACKAGE [--image-size 32] [--channels 1|3] [--fit pad|crop] ...``
* ``catalogue --package PACKAGE (--data DIR | --images DIR)``: add the catalogue's images to a
  package without retraining (the shipped package's 60,000 Fashion-MNIST training images).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import InputError, display_path
from ..model.config import ModelConfig, TrainConfig

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


def image_channels(args: argparse.Namespace) -> int | None:
    """``--channels`` for image folders: 1 or 3 (None: colour if any image is)."""
    if args.channels not in (None, 1, 3):
        raise InputError(f"--channels must be 1 or 3 with --images; got {args.channels}.")
    return args.channels


def cmd_train_images(args: argparse.Namespace, progress) -> int:  # noqa: ANN001 (the CLI's callback)
    from ..package.folder_train import default_kl_warmup

    if args.data:
        raise InputError("give either --data (Fashion-MNIST) or --images (a folder of images), not both.")
    out = Path(args.out)
    epochs = args.epochs if args.epochs_given else 30
    warmup = args.kl_warmup if args.kl_warmup_given else default_kl_warmup(epochs)
    tcfg = TrainConfig(
        epochs=epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        threads=args.threads,
        kl_warmup_epochs=warmup,
    )
    ckpt = out.parent / f"{out.name}.ckpt"
    if not args.resume and ckpt.exists():
        ckpt.unlink()
    try:
        res = _train(args, out, tcfg, ckpt, progress)
    except BaseException:
        progress("close", 0, 0, {})
        raise
    ckpt.unlink(missing_ok=True)
    pkg, data, m = res.package, res.data, res.package.metrics
    summary = {
        "out": str(out),
        "images": len(data),
        "classes": list(data.class_names),
        "channels": data.channels,
        "image_size": args.image_size,
        "held_out": len(pkg.data_source.get("held_out_rows", [])),
        "skipped": [{"path": s.path, "reason": s.reason} for s in data.skipped],
        "test_neg_elbo": m["test_neg_elbo"],
        "test_bits_per_dim": m["test_bits_per_dim"],
        "knn5_accuracy": m["knn5_accuracy"],
        "train_seconds": res.train_seconds,
        "build_seconds": res.build_seconds,
    }
    if getattr(args, "json", False):
        print(json.dumps(summary))
        return 0
    kind = "colour" if data.channels == 3 else "grey"
    print(
        f"wrote {out}: {len(data)} {kind} images of {len(data.class_names)} classes at {args.image_size} px "
        f"({summary['held_out']} held out); test -ELBO {m['test_neg_elbo']:.1f} nats/image = "
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


def _train(args: argparse.Namespace, out: Path, tcfg: TrainConfig, ckpt: Path, progress):  # noqa: ANN001, ANN202
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
        train_config=tcfg,
        latent_dim=args.latent_dim,
        widths=tuple(args.widths) if args.widths else None,
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
