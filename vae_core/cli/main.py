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

from ..errors import InputError, LatentAtelierError
from ..model.config import ModelConfig, TrainConfig
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


def cmd_train(args: argparse.Namespace) -> int:
    from ..model.data import load_split
    from ..model.train import train
    from ..package.build import build_package

    out = Path(args.out)
    mcfg = ModelConfig(
        latent_dim=args.latent_dim, channels=tuple(args.channels), hidden=args.hidden, batch_norm=args.batch_norm
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
    train_split, test_split = load_split("train", args.data), load_split("test", args.data)
    ckpt = out.parent / f"{out.name}.ckpt"
    if not args.resume and ckpt.exists():
        ckpt.unlink()
    progress = _with_jsonl(_progress_bar(), args.progress_jsonl)
    result = train(train_split.as_float(), test_split.as_float(), mcfg, tcfg, progress, ckpt)
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
    pkg.save(out)
    ckpt.unlink(missing_ok=True)
    m = pkg.metrics
    print(
        f"wrote {out}: test -ELBO {m['test_neg_elbo']:.2f} nats/image, 5-NN accuracy "
        f"{m['knn5_accuracy']:.4f}, training {result.seconds:.0f} s, build {time.perf_counter() - t:.0f} s"
    )
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from safetensors.torch import load_file

    from ..errors import PackageError
    from ..model.data import load_split
    from ..model.network import VAE
    from ..package.build import build_package

    root = Path(args.package)
    try:
        manifest = json.loads((root / "manifest.json").read_text())
        mcfg = ModelConfig.from_dict(manifest["model_config"])
        tcfg = TrainConfig.from_dict(manifest["train_config"])
        model = VAE(mcfg)
        model.load_state_dict(load_file(str(root / "weights.safetensors")))
    except Exception as exc:
        raise PackageError(
            f"Cannot read weights from {root} ({exc}); the weights are needed to rebuild. "
            f"Retrain with `python -m vae_core train --data DIR --out {root}`."
        ) from None
    train_split, test_split = load_split("train", args.data), load_split("test", args.data)
    pkg = build_package(
        model,
        train_split,
        test_split,
        tcfg,
        manifest.get("history", []),
        _progress_bar(),
        train_seconds=manifest.get("metrics", {}).get("train_seconds"),
    )
    pkg.save(root)
    print(f"rebuilt {root} in {pkg.metrics['build_seconds']:.0f} s")
    return 0


def cmd_rank(args: argparse.Namespace) -> int:
    pkg = _load_package(args.package)
    z = parse_z(args.z, pkg.latent_dim)
    if args.k < 1:
        raise InputError("--k must be at least 1.")
    ranking = pkg.rank_euclidean(z, args.k) if args.euclidean else pkg.rank(z, args.k)
    key = "distance" if args.euclidean else "log_q"
    out = {
        "indices": ranking.indices.tolist(),
        key: [round(float(s), 6) for s in ranking.scores],
        "labels": ranking.labels.tolist(),
    }
    if args.json:
        print(json.dumps(out))
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
    from ..package.format import verify

    manifest = verify(args.package)
    if args.json:
        print(json.dumps(manifest))
        return 0
    m = manifest["metrics"]
    print(f"package {args.package}: format {manifest['format_version']}, {manifest['n_items']} items")
    print(f"model: {manifest['model_config']}")
    for key, value in m.items():
        print(f"  {key}: {value:.4f}" if isinstance(value, float) else f"  {key}: {value}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from ..latent.metrics import knn_accuracy, retrieval_agreement
    from ..model.data import load_split
    from ..model.train import evaluate

    pkg = _load_package(args.package)
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
        print(json.dumps(out))
    else:
        for key, value in out.items():
            print(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m vae_core", description="Latent Atelier's VAE tools.")
    sub = p.add_subparsers(dest="command", required=True)
    pkg_help = f"model package folder (default: {DEFAULT_PACKAGE})"
    data_help = "folder of Fashion-MNIST IDX files (default: $LATENT_ATELIER_DATA_DIR, else download)"

    t = sub.add_parser("train", help="train a VAE and build its model package")
    t.add_argument("--data", default=None, help=data_help)
    t.add_argument("--out", required=True, help="package folder to write")
    d, tc = ModelConfig(), TrainConfig()
    t.add_argument("--epochs", type=int, default=tc.epochs)
    t.add_argument("--batch-size", type=int, default=tc.batch_size)
    t.add_argument("--lr", type=float, default=tc.lr)
    t.add_argument(
        "--kl-warmup", type=float, default=tc.kl_warmup_epochs, help="epochs over which the KL weight rises from 0 to 1"
    )
    t.add_argument("--seed", type=int, default=tc.seed)
    t.add_argument("--threads", type=int, default=tc.threads, help="torch threads (0: default)")
    t.add_argument("--limit", type=int, default=0, help="train on the first N images only")
    t.add_argument("--latent-dim", type=int, default=d.latent_dim)
    t.add_argument("--channels", type=int, nargs=2, default=list(d.channels))
    t.add_argument("--hidden", type=int, default=d.hidden)
    t.add_argument(
        "--no-batch-norm", dest="batch_norm", action="store_false", help="no batch normalisation in the encoder"
    )
    t.add_argument(
        "--no-resume", dest="resume", action="store_false", help="ignore a checkpoint left by an interrupted run"
    )
    t.add_argument("--progress-jsonl", default=None, help="also append every progress event to this file as JSON")
    t.set_defaults(func=cmd_train)

    b = sub.add_parser("build", help="rebuild a package's derived arrays from its weights")
    b.add_argument("--package", default=str(DEFAULT_PACKAGE), help=pkg_help)
    b.add_argument("--data", default=None, help=data_help)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except LatentAtelierError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: a training checkpoint (if any) lets the same command resume", file=sys.stderr)
        return 130
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


__all__ = ["main", "parse_z"]
