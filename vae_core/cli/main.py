"""The command line: ``python -m vae_core {train,build,rank,decode,info,eval,bench} ...``.

Every command prints one clear line (``error: ...``) and exits with status 2 on bad input, a
missing package or missing data; ``--json`` makes output machine-readable.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, LatentAtelierError, PackageError, display_path
from ..model.config import MODEL_BOUNDS, TRAIN_BOUNDS, ModelConfig, TrainConfig, check_bounds
from ..package import DEFAULT_PACKAGE
from .bench import add_bench_parser


def parse_z(text: str, dim: int | None = None) -> np.ndarray:
    """Parse ``"z1,...,zd"`` into a float64 vector; :class:`InputError` on anything else."""
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
    out = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 (open for the whole run)

    def report(stage: str, done: int, total: int, info: dict[str, float]) -> None:
        numbers = {k: float(v) for k, v in info.items() if isinstance(v, (int, float, np.number))}
        values = {k: v if np.isfinite(v) else None for k, v in numbers.items()}
        event = {"t": time.time(), "stage": stage, "done": int(done), "total": int(total), "info": values}
        out.write(json.dumps(event) + "\n")
        progress(stage, done, total, info)

    return report


def _load_package(path: str) -> Any:
    from ..package.format import ModelPackage

    return ModelPackage.load(path)


# train's options and the config fields they set (the bounds live with the configs)
_TRAIN_OPTIONS = {
    "latent_dim": "--latent-dim",
    "channels": "--channels",
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
        from .images import cmd_train_images

        _check_out_folder(Path(args.out))
        return cmd_train_images(args, _with_jsonl(_progress_bar(), args.progress_jsonl))
    out = Path(args.out)
    widths = args.widths or (args.channels if args.channels and len(args.channels) == 2 else None)
    if args.channels and len(args.channels) != 2 or widths and len(widths) != 2:
        raise InputError("--channels 1|3 needs --images; Fashion-MNIST takes two conv widths (--widths A B).")
    values = {
        "latent_dim": args.latent_dim,
        "channels": list(widths or ModelConfig().channels),
        "hidden": args.hidden,
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
        hidden=args.hidden,
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
    return 0


def _read_weights(root: Path) -> tuple[Any, dict[str, Any]]:
    """The VAE and the manifest of a package whose derived arrays may be damaged (what ``build``
    needs: intact configs and weights)."""
    from safetensors.torch import load_file

    from ..model.network import VAE
    from ..package.schema import manifest_problem, weights_problem

    shown = display_path(root)
    retrain = f"Retrain with `python -m vae_core train --data DIR --out {shown}`."
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

    root = Path(args.package)
    with FolderLock(root):
        recover(root)
        sweep(root)
        if args.typicality_only:
            pkg = recalibrate_typicality(ModelPackage.load(root), load_split("test", args.data))
            pkg.save(root)
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
    print(f"rebuilt {display_path(root)} in {pkg.metrics['build_seconds']:.0f} s")
    return 0


def cmd_rank(args: argparse.Namespace) -> int:
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

    pkg = _load_package(args.package)
    z = parse_z(args.z, pkg.latent_dim)
    if args.scale < 1 or args.scale > 64:
        raise InputError("--scale must be between 1 and 64.")
    to_pil(pkg.decode(z), args.scale).save(args.out)
    if args.json:
        print(json.dumps({"out": args.out, "z": z.tolist()}))
    else:
        print(f"wrote {args.out}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from ..package.format import read_checked

    manifest = read_checked(args.package)[0]  # every file, array and weight checked, as at load
    if args.json:
        print(json.dumps(manifest, allow_nan=False))
        return 0
    m = manifest.get("metrics", {})
    print(f"package {display_path(args.package)}: format {manifest['format_version']}, {manifest['n_items']} items")
    print(f"model: {manifest['model_config']}")
    for key, value in m.items():
        print(f"  {key}: {value:.4f}" if isinstance(value, float) else f"  {key}: {value}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from ..latent.metrics import knn_accuracy, retrieval_agreement
    from ..model.data import load_split
    from ..model.train import evaluate

    if args.queries < 1:
        raise InputError("--queries must be at least 1.")
    if args.k < 1:
        raise InputError("--k must be at least 1.")
    pkg = _load_package(args.package)
    if args.k > len(pkg):
        raise InputError(f"--k must be at most the catalogue's size, {len(pkg):,}.")
    test = load_split("test", args.data)
    test_mu, _ = pkg.encode(test.images)
    n = min(args.queries, len(test))
    pick = np.random.default_rng(args.seed).choice(len(test), n, replace=False)
    retrieval = retrieval_agreement(pkg.index, test_mu[pick], test.labels[pick], k=args.k)
    out = {
        **{f"test_{k}": v for k, v in evaluate(pkg.model, test.as_float(), seed=args.seed).items()},
        "knn5_accuracy": knn_accuracy(test_mu, test.labels, pkg.mu, pkg.labels, k=5),
        f"retrieval_top{args.k}_same_class_log_q": retrieval["log_q"],
        f"retrieval_top{args.k}_same_class_euclidean": retrieval["euclidean"],
        "retrieval_queries": n,
    }
    if args.json:
        print(json.dumps(out, allow_nan=False))
    else:
        for key, value in out.items():
            print(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m vae_core", description="Latent Atelier's VAE tools.")
    sub = p.add_subparsers(dest="command", required=True)
    pkg_help = f"model package folder (default: {display_path(DEFAULT_PACKAGE)})"
    data_help = "folder of Fashion-MNIST IDX files (default: $LATENT_ATELIER_DATA_DIR, else download)"

    t = sub.add_parser("train", help="train a VAE and build its model package")
    t.add_argument("--data", default=None, help=data_help)
    t.add_argument("--out", required=True, help="package folder to write")
    d, tc = ModelConfig(), TrainConfig()
    t.add_argument("--epochs", type=_Given, default=tc.epochs, help=f"default {tc.epochs} (--images: see --steps)")
    t.add_argument("--batch-size", type=_Given, default=tc.batch_size, help=f"default {tc.batch_size} (--images: 32)")
    t.add_argument("--lr", type=_GivenFloat, default=tc.lr)
    t.add_argument(
        "--kl-warmup",
        type=_GivenFloat,
        default=tc.kl_warmup_epochs,
        help="epochs over which the KL weight rises from 0 to 1 (with --images: the first 30%% of the steps)",
    )
    t.add_argument("--seed", type=int, default=tc.seed)
    t.add_argument("--threads", type=int, default=tc.threads, help="torch threads (0: default)")
    t.add_argument("--limit", type=int, default=0, help="train on the first N images only")
    t.add_argument("--latent-dim", type=int, default=d.latent_dim)
    t.add_argument("--channels", type=int, nargs="+", default=None, help="with --images: 1 (grey) or 3 (colour)")
    from .images import add_catalogue_parser, add_image_arguments

    add_image_arguments(t)
    t.add_argument("--json", action="store_true")
    t.add_argument("--hidden", type=int, default=d.hidden)
    t.add_argument(
        "--no-batch-norm", dest="batch_norm", action="store_false", help="no batch normalisation in the encoder"
    )
    t.add_argument(
        "--no-resume", dest="resume", action="store_false", help="ignore a checkpoint left by an interrupted run"
    )
    t.add_argument("--progress-jsonl", default=None, help="also append every progress event to this file as JSON")
    t.set_defaults(func=cmd_train)

    add_catalogue_parser(sub, str(DEFAULT_PACKAGE))

    b = sub.add_parser("build", help="rebuild a package's derived arrays from its weights")
    b.add_argument("--package", default=str(DEFAULT_PACKAGE), help=pkg_help)
    b.add_argument("--data", default=None, help=data_help)
    b.add_argument(
        "--typicality-only",
        action="store_true",
        help="only recompute the typicality reference, from the test split (no retraining, no t-SNE)",
    )
    b.set_defaults(func=cmd_build)

    r = sub.add_parser("rank", help="top-k training items for a latent vector")
    r.add_argument("--package", default=str(DEFAULT_PACKAGE), help=pkg_help)
    r.add_argument("--z", required=True, help='latent vector, e.g. "0,0,0,0,0,0,0,0,0,0"')
    r.add_argument("--k", type=int, default=10)
    r.add_argument("--euclidean", action="store_true", help="rank by distance to mu instead")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_rank)

    c = sub.add_parser("decode", help="decode a latent vector to a PNG")
    c.add_argument("--package", default=str(DEFAULT_PACKAGE), help=pkg_help)
    c.add_argument("--z", required=True)
    c.add_argument("--out", required=True, help="PNG file to write")
    c.add_argument("--scale", type=int, default=8, help="upscaling factor (nearest neighbour)")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_decode)

    i = sub.add_parser("info", help="print a package's manifest and metrics (verifies it)")
    i.add_argument("--package", default=str(DEFAULT_PACKAGE), help=pkg_help)
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=cmd_info)

    e = sub.add_parser("eval", help="measure a package on the test split")
    e.add_argument("--package", default=str(DEFAULT_PACKAGE), help=pkg_help)
    e.add_argument("--data", default=None, help=data_help)
    e.add_argument("--k", type=int, default=10, help="retrieval depth")
    e.add_argument("--queries", type=int, default=10_000, help="test items used as queries")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_eval)

    add_bench_parser(sub)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "train":
        typed = ("epochs", "batch_size", "lr", "kl_warmup")  # options typed on the command line
        args.given = {k for k in typed if isinstance(getattr(args, k), (_Given, _GivenFloat))}
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
