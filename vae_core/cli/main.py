"""The command line: ``python -m vae_core {train,catalogue,build,upgrade,rank,decode,info,eval,bench} ...``.

Every command prints one clear line (``error: ...``) and exits with status 2 on bad input, a
missing package or missing data; every command takes ``--json`` for machine-readable output.
``train`` ends with the package's health verdict and exits with status 3 when the model collapsed
(the package is still written, to be inspected) unless ``--allow-collapsed`` is given.
``--package`` takes a folder or the name of a package the app lists. Parsing imports neither torch
nor numpy (each command imports what it needs), so ``--help`` and argument errors answer at once.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, LatentAtelierError, PackageError, display_path
from ..model.config import MODEL_BOUNDS, TRAIN_BOUNDS, ModelConfig, TrainConfig, check_bounds
from ..model.recipe import RECIPE_BATCH, RECIPE_HIDDEN, RECIPE_LR, WARMUP_SHARE
from ..package import DEFAULT_PACKAGE
from .bench import add_bench_arguments
from .images import add_catalogue_arguments, add_image_arguments

if TYPE_CHECKING:
    import numpy as np


def parse_z(text: str, dim: int | None = None) -> np.ndarray:
    """Parse ``"z1,...,zd"`` into a float64 vector; :class:`InputError` on anything else."""
    import numpy as np

    parts = [p.strip() for p in text.replace(";", ",").split(",")]
    if not text.strip() or any(p == "" for p in parts):
        raise InputError(f"--z must be comma-separated numbers, got {text!r}.")
    try:
        values = np.array([float(p) for p in parts], dtype=np.float64)
    except ValueError:
        raise InputError(f"--z must be comma-separated numbers, got {text!r}.") from None
    if not np.all(np.isfinite(values)):
        raise InputError("--z contains NaN or infinite values.")
    if dim is not None and len(values) != dim:
        raise InputError(f"--z has {len(values)} values; this model needs {dim}.")
    return values


def _progress_bar() -> Callable[[str, int, int, dict[str, float]], None]:
    """A tqdm-backed progress callback: one bar at a time (per epoch or build stage), with
    each epoch's metrics printed as a line."""
    from tqdm import tqdm

    state: dict[str, Any] = {"key": None, "bar": None}

    def report(stage: str, done: int, total: int, info: dict[str, float]) -> None:
        if stage == "close":  # before an error message: clear the bar from the line
            if state["bar"] is not None:
                state["bar"].close()
                state["bar"] = state["key"] = None
            return
        if stage == "epoch":
            if state["bar"] is not None:
                state["bar"].close()
                state["bar"] = state["key"] = None
            tqdm.write(
                f"epoch {done}/{total}: train -ELBO {info['train_neg_elbo']:.2f}, test -ELBO "
                f"{info['test_neg_elbo']:.2f} (recon {info['test_recon']:.2f} + KL "
                f"{info['test_kl']:.2f}) nats/image, {info['seconds']:.0f} s"
            )
            return
        key = "training" if stage == "batch" else stage
        bar = state["bar"]
        if key != state["key"] or bar is None or done < bar.n:
            if bar is not None:
                bar.close()
            bar = state["bar"] = tqdm(total=total, desc=key, leave=False, dynamic_ncols=True)
            state["key"] = key
        bar.update(done - bar.n)
        if "loss" in info:
            bar.set_postfix(loss=f"{info['loss']:.1f}")

    return report


def _with_jsonl(
    progress: Callable[[str, int, int, dict[str, float]], None], path: str | None
) -> Callable[[str, int, int, dict[str, float]], None]:
    """``progress``, also appending every event to ``path`` as one JSON line
    ``{"t": unix seconds, "stage", "done", "total", "info"}`` (``train --progress-jsonl``: how
    the app follows a training run in another process). Each line is flushed as it is written."""
    if not path:
        return progress
    import numpy as np

    out = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 (open for the whole run)

    def report(stage: str, done: int, total: int, info: dict[str, float]) -> None:
        numbers = {k: float(v) for k, v in info.items() if isinstance(v, (int, float, np.number))}
        values = {k: v if np.isfinite(v) else None for k, v in numbers.items()}
        event = {"t": time.time(), "stage": stage, "done": int(done), "total": int(total), "info": values}
        out.write(json.dumps(event) + "\n")
        progress(stage, done, total, info)

    return report


COLLAPSED_STATUS = 3  # train: the package was written but its model learned almost nothing


def _package_dir(text: str) -> Path:
    """``--package``: a folder, or the name of a package the app lists (the shipped one, or one in
    the packages folder), so commands the pages show need no server path."""
    path = Path(text)
    if text and not path.exists() and path.name == text and text not in (".", ".."):
        from ..package.registry import list_packages

        found = next((p.path for p in list_packages() if p.name == text), None)
        if found is not None:
            return found
    return path


def _load_package(path: str) -> Any:
    from ..package.format import ModelPackage

    return ModelPackage.load(_package_dir(_package_arg(path)))


def _health_lines(health: Any) -> list[str]:
    """How ``info``, ``train`` and ``upgrade`` print a package's verdict (None: not measured)."""
    if health is None:
        return ["health: not measured (a package built before health checks; `python -m vae_core upgrade` adds it)"]
    f = health.figures
    lines = [
        f"health: {health.verdict.upper()}: {health.reason}",
        f"  held-out error {f.recon_error:.1f} against {f.mean_image_error:.1f} for the mean image (0-255), "
        f"{f.active_dims} of {f.latent_dim} dimensions active, KL {f.kl_total:.1f} nats, {f.held_out} held-out images",
    ]
    return lines + ([f"  {health.advice}"] if health.advice else [])


def _finish_training(out: Path, health: Any, args: argparse.Namespace, quiet: bool = False) -> int:
    """Print the verdict (``quiet``: a JSON summary holds it) and choose the exit status."""
    if not quiet:
        print("\n".join(_health_lines(health)))
    if health is None or health.verdict != "collapsed" or args.allow_collapsed:
        return 0
    print(
        f"error: the model collapsed (it learned almost nothing about the images); the package at "
        f"{display_path(out)} is kept so you can look at it (`python -m vae_core info`, or the app's Model page). "
        "Run with --allow-collapsed to accept a collapsed model (exit status 0).",
        file=sys.stderr,
    )
    return COLLAPSED_STATUS


def _package_arg(text: str) -> str:
    """``--package``: refused when empty (it would name the working folder)."""
    if not text.strip():
        raise InputError(f"--package is empty; give a package folder (the default is {display_path(DEFAULT_PACKAGE)}).")
    return text


# train's options and the config fields they set (the bounds live with the configs)
_TRAIN_OPTIONS = {
    "latent_dim": "--latent-dim",
    "channels": "--widths",  # ModelConfig.channels: the conv widths
    "hidden": "--hidden",
    "epochs": "--epochs",
    "batch_size": "--batch-size",
    "lr": "--lr",
    "kl_warmup_epochs": "--kl-warmup",
    "seed": "--seed",
    "threads": "--threads",
    "limit": "--limit",
}


def _check_out_folder(out: Path) -> None:
    """Refuse an output that is not a package folder to replace (a file, or a folder of other
    things: the swap would move it away)."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise InputError(f"--out {display_path(out)} exists and is not a folder; choose a new folder.")
    if out.is_dir() and any(out.iterdir()) and not (out / "manifest.json").is_file():
        raise InputError(
            f"--out {display_path(out)} is a folder that does not hold a model package; writing there would "
            "replace everything in it. Choose a new or empty folder."
        )


def cmd_train(args: argparse.Namespace) -> int:
    from ..package.lock import FolderLock, sweep

    if args.images:
        from ..package.format import verify
        from ..package.health import Health
        from .images import cmd_train_images

        _check_out_folder(Path(args.out))
        code = cmd_train_images(args, _with_jsonl(_progress_bar(), args.progress_jsonl))
        if code != 0:
            return code
        manifest = verify(args.out)
        return _finish_training(Path(args.out), Health.from_dict(manifest["health"]), args, quiet=args.json)
    out = Path(args.out)
    if args.channels not in (None, 1):
        raise InputError(f"--channels {args.channels} needs --images: Fashion-MNIST images are grey (1 channel).")
    widths = args.widths
    if widths and len(widths) != 2:
        raise InputError("Fashion-MNIST takes two conv widths (--widths A B).")
    hidden = ModelConfig().hidden if args.hidden is None else args.hidden
    values = {
        "latent_dim": args.latent_dim,
        "channels": list(widths or ModelConfig().channels),
        "hidden": hidden,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "kl_warmup_epochs": args.kl_warmup,
        "seed": args.seed,
        "threads": args.threads,
        "limit": args.limit,
    }
    check_bounds(values, {**MODEL_BOUNDS, **TRAIN_BOUNDS}, _TRAIN_OPTIONS)
    mcfg = ModelConfig(
        latent_dim=args.latent_dim,
        channels=tuple(widths or ModelConfig().channels),
        hidden=hidden,
        batch_norm=args.batch_norm,
    )
    tcfg = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        threads=args.threads,
        limit=args.limit,
        kl_warmup_epochs=args.kl_warmup,
    )
    _check_out_folder(out)
    with FolderLock(out):  # before any work: a missing or read-only folder, or a second run, stops here
        sweep(out)
        return _train_locked(args, out, mcfg, tcfg)


def _train_locked(args: argparse.Namespace, out: Path, mcfg: ModelConfig, tcfg: TrainConfig) -> int:
    """Train, build and save while holding the output folder's lock."""
    from ..model.data import load_split
    from ..model.train import checkpoint_path, train
    from ..package.build import build_package
    from ..package.folder_train import save_checked

    train_split, test_split = load_split("train", args.data), load_split("test", args.data)
    ckpt = checkpoint_path(out)
    if not args.resume and ckpt.exists():
        ckpt.unlink()
    progress = _with_jsonl(_progress_bar(), args.progress_jsonl)
    from ..model.train import resolve_device

    device = resolve_device(args.device)
    result = train(train_split.as_float(), test_split.as_float(), mcfg, tcfg, progress, ckpt, device=device)
    t = time.perf_counter()
    pkg = build_package(
        result.model,
        train_split,
        test_split,
        tcfg,
        result.history,
        progress,
        n_jobs=max(args.threads, 2),
        train_seconds=result.seconds,
    )
    save_checked(pkg, out)  # only a package that loads back is written
    ckpt.unlink(missing_ok=True)
    m = pkg.metrics
    print(
        f"wrote {display_path(out)}: test -ELBO {m['test_neg_elbo']:.2f} nats/image, 5-NN accuracy "
        f"{m['knn5_accuracy']:.4f}, training {result.seconds:.0f} s, build {time.perf_counter() - t:.0f} s"
    )
    return _finish_training(out, pkg.health, args)


def _read_weights(root: Path) -> tuple[Any, dict[str, Any]]:
    """The VAE and the manifest of a package whose derived arrays may be damaged (what ``build``
    needs: intact configs and weights)."""
    from safetensors.torch import load_file

    from ..model.network import VAE
    from ..package.schema import manifest_problem, weights_problem

    shown = display_path(root)
    retrain = f"Retrain with `python -m vae_core train --data DIR --out {shlex.quote(shown)}`."
    try:
        manifest = json.loads((root / "manifest.json").read_text())
    except (OSError, ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise PackageError(f"Cannot read {shown}/manifest.json ({type(exc).__name__}). {retrain}") from None
    problem = manifest_problem(manifest, only=("model_config", "train_config", "class_names"))
    if problem is None:
        model = VAE(ModelConfig.from_dict(manifest["model_config"]))
        try:
            weights = load_file(str(root / "weights.safetensors"))
        except Exception as exc:  # safetensors raises several kinds for a damaged file
            problem = f"weights.safetensors cannot be read ({type(exc).__name__})"
        else:
            problem = weights_problem(weights, model.state_dict())
    if problem:
        raise PackageError(f"Cannot rebuild {shown}: {problem}; the weights are needed to rebuild. {retrain}")
    model.load_state_dict(weights)
    return model, manifest


def cmd_build(args: argparse.Namespace) -> int:
    from ..model.data import load_split
    from ..package.build import build_package, recalibrate_typicality
    from ..package.format import ModelPackage
    from ..package.lock import FolderLock, recover, sweep

    root = Path(_package_arg(args.package))
    with FolderLock(root):
        recover(root)
        sweep(root)
        if args.typicality_only:
            pkg = recalibrate_typicality(ModelPackage.load(root), load_split("test", args.data))
            pkg.save(root)
            if args.json:
                print(json.dumps({"package": display_path(root), "typicality_reference": len(pkg.typicality_ref)}))
            else:
                print(
                    f"recalibrated the typicality reference of {display_path(root)} "
                    f"from {len(pkg.typicality_ref)} test garments"
                )
            return 0
        model, manifest = _read_weights(root)
        train_split, test_split = load_split("train", args.data), load_split("test", args.data)
        pkg = build_package(
            model,
            train_split,
            test_split,
            TrainConfig.from_dict(manifest["train_config"]),
            manifest.get("history", []) if isinstance(manifest.get("history"), list) else [],
            _progress_bar(),
            train_seconds=(manifest.get("metrics") or {}).get("train_seconds"),
        )
        pkg.save(root)
    if args.json:
        print(json.dumps({"package": display_path(root), "metrics": pkg.metrics}, allow_nan=False))
    else:
        print(f"rebuilt {display_path(root)} in {pkg.metrics['build_seconds']:.0f} s")
    return 0


def cmd_rank(args: argparse.Namespace) -> int:
    import numpy as np

    pkg = _load_package(args.package)
    z = parse_z(args.z, pkg.latent_dim)
    if args.k < 1:
        raise InputError("--k must be at least 1.")
    with np.errstate(over="ignore", invalid="ignore"):  # a huge z overflows: refused just below
        ranking = pkg.rank_euclidean(z, args.k) if args.euclidean else pkg.rank(z, args.k)
    if not np.all(np.isfinite(ranking.scores)):
        raise InputError(
            "--z is so far from every training garment that its scores overflow; "
            f"use values of moderate size (the training codes lie within ±{float(np.abs(pkg.mu).max()):.1f})."
        )
    key = "distance" if args.euclidean else "log_q"
    out = {
        "indices": ranking.indices.tolist(),
        key: [round(float(s), 6) for s in ranking.scores],
        "labels": ranking.labels.tolist(),
    }
    if args.json:
        print(json.dumps(out, allow_nan=False))
    else:
        for i, s, lab in zip(out["indices"], out[key], out["labels"]):
            print(f"#{i:<6d} {key} {s:12.4f}  {pkg.class_names[lab]}")
    return 0


def cmd_decode(args: argparse.Namespace) -> int:
    from ..images import to_pil

    out = _image_out(args.out)
    pkg = _load_package(args.package)
    z = parse_z(args.z, pkg.latent_dim)
    if args.scale < 1 or args.scale > 64:
        raise InputError("--scale must be between 1 and 64.")
    to_pil(pkg.decode(z), args.scale).save(out)
    if args.json:
        print(json.dumps({"out": args.out, "z": z.tolist()}))
    else:
        print(f"wrote {args.out}")
    return 0


def _image_out(text: str) -> Path:
    """``decode --out``: a new or existing image file whose extension says its format."""
    out = Path(text)
    if not text.strip() or out.is_dir():
        raise InputError(f"--out {display_path(out)!r} is a folder; give a file name such as garment.png.")
    if out.suffix.lower() not in _IMAGE_OUT:
        raise InputError(f"--out {out.name!r} has no image extension; end it in {', '.join(_IMAGE_OUT)}.")
    return out


_IMAGE_OUT = (".png", ".jpg", ".jpeg", ".webp", ".bmp")  # what decode --out may write


def cmd_info(args: argparse.Namespace) -> int:
    from ..package.format import read_checked
    from ..package.health import Health

    root = _package_dir(_package_arg(args.package))
    manifest = read_checked(root)[0]  # every file, array and weight checked, as at load
    if args.json:
        print(json.dumps(manifest, allow_nan=False))
        return 0
    m = manifest.get("metrics", {})
    print(f"package {display_path(root)}: format {manifest['format_version']}, {manifest['n_items']} items")
    print(f"model: {manifest['model_config']}")
    for key, value in m.items():
        print(f"  {key}: {value:.4f}" if isinstance(value, float) else f"  {key}: {value}")
    print("\n".join(_health_lines(Health.from_dict(manifest["health"]) if manifest.get("health") else None)))
    held = manifest.get("held_out")
    print(f"held-out images: {held['count']} ({held['source']})" if held else "held-out images: none stored")
    return 0


def cmd_upgrade(args: argparse.Namespace) -> int:
    """Add the health verdict and held-out images to a package built without them (no retraining;
    weights, latents, maps and catalogue stay byte for byte)."""
    from ..model.data import load_split
    from ..package.build import upgrade_package

    root = _package_dir(_package_arg(args.package))
    pkg = upgrade_package(root, load_split("test", args.data) if args.data else None)
    if args.json:
        out = {"package": display_path(root), "held_out_images": len(pkg.held_out), "health": pkg.health.to_dict()}
        print(json.dumps(out, allow_nan=False))
        return 0
    print(f"added the health verdict and {len(pkg.held_out)} held-out images to {display_path(root)}")
    print("\n".join(_health_lines(pkg.health)))
    return 0


def _eval_images(pkg: Any, data: str | None) -> tuple[Any, np.ndarray, str]:
    """What ``eval`` measures on: (held-out split, catalogue rows searched, where it came from).

    ``--data`` reads the Fashion-MNIST test split (for packages trained on it); without it, the
    package's stored held-out images, else the Fashion-MNIST test split as before."""
    import numpy as np

    from ..model.data import Split, load_split

    every = np.arange(len(pkg))
    if data is None and pkg.held_out is not None:
        held = pkg.held_out
        test = Split(held.images(), held.labels, tuple(pkg.class_names))
        rows = np.asarray(pkg.data_source.get("held_out_rows") or [], dtype=np.int64)
        return test, np.setdiff1d(every, rows), f"{len(held)} held-out images stored in the package"
    rows = np.asarray(pkg.data_source.get("held_out_rows") or [], dtype=np.int64)
    if data is None and pkg.catalogue is not None and len(rows):  # an image package built before held_out
        test = Split(pkg.images(rows), pkg.labels[rows], tuple(pkg.class_names))
        return test, np.setdiff1d(every, rows), f"{len(rows)} held-out catalogue images"
    if pkg.image_shape != (28, 28):
        raise InputError(
            "--data reads Fashion-MNIST test files, which do not fit this package's "
            f"{pkg.image_size} px {'colour' if pkg.channels == 3 else 'grey'} images; leave out --data to measure "
            "on the held-out images stored in the package (`python -m vae_core upgrade` adds them to an older one)."
        )
    test = load_split("test", data)
    return test, every, f"the Fashion-MNIST test split ({len(test):,} images)"


def cmd_eval(args: argparse.Namespace) -> int:
    import numpy as np

    from ..latent.likelihood import LikelihoodIndex
    from ..latent.metrics import knn_accuracy, retrieval_agreement
    from ..model.train import evaluate
    from ..package.format import model_input

    if args.queries < 1:
        raise InputError("--queries must be at least 1.")
    if args.k < 1:
        raise InputError("--k must be at least 1.")
    pkg = _load_package(args.package)
    test, ref, source = _eval_images(pkg, args.data)
    if args.k > len(ref):
        raise InputError(f"--k must be at most the catalogue's size, {len(ref):,}.")
    index = pkg.index if len(ref) == len(pkg) else LikelihoodIndex(pkg.mu[ref], pkg.logvar[ref], pkg.labels[ref])
    test_mu, _ = pkg.encode(test.images)
    n = min(args.queries, len(test))
    pick = np.random.default_rng(args.seed).choice(len(test), n, replace=False)
    retrieval = retrieval_agreement(index, test_mu[pick], test.labels[pick], k=args.k)
    x = model_input(test.images, pkg.image_size, pkg.channels).astype(np.float32) / 255.0
    out = {
        **{f"test_{k}": v for k, v in evaluate(pkg.model, x, seed=args.seed).items()},
        "knn5_accuracy": knn_accuracy(test_mu, test.labels, pkg.mu[ref], pkg.labels[ref], k=min(5, len(ref))),
        f"retrieval_top{args.k}_same_class_log_q": retrieval["log_q"],
        f"retrieval_top{args.k}_same_class_euclidean": retrieval["euclidean"],
        "retrieval_queries": n,
        "images": source,
    }
    if args.json:
        print(json.dumps(out, allow_nan=False))
    else:
        for key, value in out.items():
            print(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
    return 0


class _HelpFormatter(argparse.HelpFormatter):
    """Shows each option's default after its help, unless the help already says it or there is
    none to show (a switch, an option that is off unless given)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "(default" in text or action.nargs == 0 or action.default in (None, argparse.SUPPRESS):
            return text
        return f"{text} (default: %(default)s)"


def _command(sub: Any, name: str, summary: str, description: str) -> argparse.ArgumentParser:
    """A subcommand: ``summary`` in ``python -m vae_core --help``, ``description`` atop its own."""
    return sub.add_parser(name, help=summary, description=description, formatter_class=_HelpFormatter)


_SHIPPED = DEFAULT_PACKAGE.relative_to(DEFAULT_PACKAGE.parents[1]).as_posix()  # assets/fashion-mnist-vae
PACKAGE_HELP = f"model package folder (default: the shipped package, {_SHIPPED})"
DATA_HELP = "folder of the Fashion-MNIST IDX files (default: $LATENT_ATELIER_DATA_DIR, else a one-time download)"
JSON_HELP = "print the result as one JSON object instead of text"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m vae_core",
        description="Latent Atelier's VAE tools: train a model package, inspect it, query it, measure it.",
        epilog="Each command has its own --help. Bad input exits with status 2 and one line: error: ...",
        formatter_class=_HelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    t = _command(
        sub,
        "train",
        "train a VAE and build its model package",
        "Train a VAE on Fashion-MNIST (--data) or on a folder of images (--images) and write a verified "
        "model package to --out. Writes a checkpoint after every epoch: running the same command again "
        "resumes an interrupted run.",
    )
    t.add_argument("--data", default=None, metavar="DIR", help=DATA_HELP)
    t.add_argument(
        "--out", required=True, metavar="DIR", help="package folder to write (new, empty, or a package to replace)"
    )
    d, tc = ModelConfig(), TrainConfig()
    t.add_argument(
        "--epochs",
        type=_Given,
        default=tc.epochs,
        help=f"passes over the training images (default: {tc.epochs}; with --images: see --steps)",
    )
    t.add_argument(
        "--batch-size",
        type=_Given,
        default=tc.batch_size,
        help=f"images per optimiser step (default: {tc.batch_size}; with --images: {RECIPE_BATCH})",
    )
    t.add_argument(
        "--lr",
        type=_GivenFloat,
        default=tc.lr,
        help=f"peak Adam learning rate, decaying to 0 on a cosine (default: {tc.lr:g}; with --images: "
        f"{RECIPE_LR[64]:g} at 64 px)",
    )
    t.add_argument(
        "--kl-warmup",
        type=_GivenFloat,
        default=tc.kl_warmup_epochs,
        help=f"epochs over which the KL weight rises from 0 to 1 (default: {tc.kl_warmup_epochs:g}; with --images: "
        f"the first {WARMUP_SHARE * 100:.0f}%% of the steps)",
    )
    t.add_argument("--seed", type=int, default=tc.seed, help="seeds weights, shuffling and sampling")
    t.add_argument("--threads", type=int, default=tc.threads, help="torch CPU threads, 0 for torch's own choice")
    t.add_argument("--limit", type=int, default=0, help="train on the first N images only, 0 for all")
    t.add_argument("--latent-dim", type=int, default=d.latent_dim, help="latent dimensions (one Explore slider each)")
    t.add_argument(
        "--channels",
        type=int,
        default=None,
        metavar="{1,3}",
        help="image channels with --images: 1 (grey) or 3 (colour) (default: colour if any image is)",
    )
    add_image_arguments(t)
    t.add_argument("--json", action="store_true", help="print a JSON summary when done")
    t.add_argument(
        "--hidden",
        type=int,
        default=None,
        help=f"units of the dense layer between convolutions and z (default: {d.hidden}; with --images: "
        f"{RECIPE_HIDDEN[32]}, {RECIPE_HIDDEN[64]} at 64 px)",
    )
    t.add_argument(
        "--no-batch-norm", dest="batch_norm", action="store_false", help="no batch normalisation in the encoder"
    )
    t.add_argument(
        "--no-resume", dest="resume", action="store_false", help="ignore a checkpoint left by an interrupted run"
    )
    t.add_argument(
        "--progress-jsonl", default=None, metavar="FILE", help="also append every progress event to this file as JSON"
    )
    t.add_argument(
        "--allow-collapsed",
        action="store_true",
        help=f"exit with status 0 even when the model collapsed (else {COLLAPSED_STATUS}; the package is written)",
    )
    t.set_defaults(func=cmd_train)

    g = _command(
        sub,
        "catalogue",
        "add the catalogue's images to an existing package (no retraining)",
        "Store the images a package was trained on inside it (PNG atlases), so the app shows real "
        "thumbnails without the data folder. Checked against the package's data fingerprint first.",
    )
    add_catalogue_arguments(g, str(DEFAULT_PACKAGE), PACKAGE_HELP, JSON_HELP)

    b = _command(
        sub,
        "build",
        "rebuild a package's derived arrays from its weights",
        "Recompute everything in a package except its weights (latents, maps, metrics, typicality "
        "reference) from the weights and the data, without retraining.",
    )
    b.add_argument("--package", default=str(DEFAULT_PACKAGE), metavar="DIR", help=PACKAGE_HELP)
    b.add_argument("--data", default=None, metavar="DIR", help=DATA_HELP)
    b.add_argument(
        "--typicality-only",
        action="store_true",
        help="only recompute the typicality reference, from the test split (no retraining, no t-SNE)",
    )
    b.add_argument("--json", action="store_true", help=JSON_HELP)
    b.set_defaults(func=cmd_build)

    u = _command(
        sub,
        "upgrade",
        "add the health verdict and held-out images to an older package",
        "Measure an older package's health (active sliders, reconstruction error against the mean image) "
        "and store it with a few hundred held-out images, in place and without retraining: weights, "
        "latents, maps and catalogue stay byte for byte.",
    )
    u.add_argument("--package", default=str(DEFAULT_PACKAGE), metavar="DIR", help=PACKAGE_HELP)
    u.add_argument(
        "--data",
        default=None,
        metavar="DIR",
        help="folder of Fashion-MNIST IDX files (its test split); image packages need none",
    )
    u.add_argument("--json", action="store_true", help=JSON_HELP)
    u.set_defaults(func=cmd_upgrade)

    r = _command(
        sub,
        "rank",
        "top-k training items for a latent vector",
        "Rank the package's catalogue for a latent vector z by the exact log q(z|x) (or by Euclidean "
        "distance to each item's mean) and print the top k.",
    )
    r.add_argument("--package", default=str(DEFAULT_PACKAGE), metavar="DIR", help=PACKAGE_HELP)
    r.add_argument("--z", required=True, help='latent vector, comma-separated, e.g. "0,0,0,0,0,0,0,0,0,0"')
    r.add_argument("--k", type=int, default=10, help="how many items to list")
    r.add_argument("--euclidean", action="store_true", help="rank by distance to mu instead")
    r.add_argument("--json", action="store_true", help=JSON_HELP)
    r.set_defaults(func=cmd_rank)

    c = _command(
        sub,
        "decode",
        "decode a latent vector to a PNG",
        "Decode a latent vector z with the package's decoder and save the garment as a PNG file.",
    )
    c.add_argument("--package", default=str(DEFAULT_PACKAGE), metavar="DIR", help=PACKAGE_HELP)
    c.add_argument("--z", required=True, help='latent vector, one value per dimension, e.g. "0,1,0,0,0,0,0,0,0,-1"')
    c.add_argument("--out", required=True, metavar="FILE", help="PNG file to write")
    c.add_argument("--scale", type=int, default=8, help="upscaling factor, 1 to 64 (nearest neighbour)")
    c.add_argument("--json", action="store_true", help=JSON_HELP)
    c.set_defaults(func=cmd_decode)

    i = _command(
        sub,
        "info",
        "print a package's manifest and metrics (verifies it)",
        "Verify a package (format, checksums, schema) and print its manifest: configs and test metrics.",
    )
    i.add_argument("--package", default=str(DEFAULT_PACKAGE), metavar="DIR", help=PACKAGE_HELP)
    i.add_argument("--json", action="store_true", help="print the whole manifest as JSON")
    i.set_defaults(func=cmd_info)

    e = _command(
        sub,
        "eval",
        "measure a package on its held-out images (or the Fashion-MNIST test split)",
        "Measure a package on the held-out images stored in it (or, with --data, on the Fashion-MNIST "
        "test split): negative ELBO, 5-NN class accuracy and how often the top k by log q and by "
        "Euclidean distance share the query's class. The package's manifest (and the Model page) holds "
        "the retrieval figures of 2,000 queries (--queries 2000).",
    )
    e.add_argument("--package", default=str(DEFAULT_PACKAGE), metavar="DIR", help=PACKAGE_HELP)
    e.add_argument(
        "--data",
        default=None,
        metavar="DIR",
        help="folder of Fashion-MNIST IDX files: measure on its whole test split instead",
    )
    e.add_argument("--k", type=int, default=10, help="retrieval depth")
    e.add_argument("--queries", type=int, default=10_000, help="test items used as retrieval queries")
    e.add_argument("--seed", type=int, default=0, help="seeds the choice of queries and the ELBO's sampling")
    e.add_argument("--json", action="store_true", help=JSON_HELP)
    e.set_defaults(func=cmd_eval)

    m = _command(
        sub,
        "bench",
        "measure speed against the obvious alternatives (see docs/benchmarks.md)",
        "Time exact ranking, decoding and the package build, each against its baseline measured in "
        "the same run; prints a Markdown table (or JSON).",
    )
    add_bench_arguments(m, str(DEFAULT_PACKAGE), PACKAGE_HELP)
    return p


class _Given(int):
    """An int option value that was typed on the command line (defaults stay plain ints)."""


class _GivenFloat(float):
    """A float option value that was typed on the command line."""


def _interrupted(args: argparse.Namespace) -> str:
    """What an interrupted command says: for ``train``, where its state waits and what to do."""
    from ..model.train import checkpoint_path

    ckpt = checkpoint_path(args.out) if args.command == "train" else None
    if ckpt is None or not ckpt.is_file():
        return "interrupted"
    return (
        f"interrupted: the training state is kept in {display_path(ckpt)}; run the same command to resume, "
        "or add --no-resume (or delete that file) to start over"
    )


def _old_spellings(argv: list[str]) -> list[str]:
    """``argv`` with superseded spellings replaced, each with a note on stderr.

    ``train --channels A B ...`` (two or more numbers) once set the conv widths; that is
    ``--widths A B ...`` now, and ``--channels`` is the image's channel count, 1 or 3.
    """
    if argv[:1] != ["train"] or "--channels" not in argv:
        return argv
    at = argv.index("--channels")
    numbers = 0
    for token in argv[at + 1 :]:
        if not token.lstrip("-").isdigit():
            break
        numbers += 1
    if numbers < 2:
        return argv
    widths = " ".join(argv[at + 1 : at + 1 + numbers])
    print(
        f"note: conv widths are now given as --widths {widths} (--channels is 1 or 3); using them as widths.",
        file=sys.stderr,
    )
    return [*argv[:at], "--widths", *argv[at + 1 :]]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(_old_spellings(list(sys.argv[1:] if argv is None else argv)))
    if args.command == "train":
        typed = ("epochs", "batch_size", "lr", "kl_warmup")  # options typed on the command line
        args.given = {k for k in typed if isinstance(getattr(args, k), (_Given, _GivenFloat))}
        for k in args.given:  # plain numbers from here on: a checkpoint's safe loader knows no _Given
            setattr(args, k, (int if isinstance(getattr(args, k), int) else float)(getattr(args, k)))
    try:
        return int(args.func(args))
    except LatentAtelierError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(_interrupted(args), file=sys.stderr)
        return 130
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


__all__ = ["main", "parse_z"]
