"""Benchmarks of the pure-Python figures, each against its baseline measured in the same run.

``python -m vae_core bench`` measures

* ``ranking``: exact top-k by log q(z|x) over the catalogue (:class:`LikelihoodIndex.rank`)
  against the obvious numpy implementation (sigma from logvar, the formula broadcast over all
  items, ``np.argsort``), asserting that both return the same top-k;
* ``ranking-1m``: the same over 1,000,000 synthetic items, plus the memory-bandwidth floor (the
  bytes of the per-item rows read once at the machine's measured read bandwidth);
* ``decode``: one z, and a batch of 32, through the package's decoder;
* ``build``: the package build from trained weights (every stage of
  :func:`vae_core.build.build_package`) against scikit-learn's t-SNE on the same means, run in
  a child process under a time limit.

Timings are medians (and 90th percentiles) of repeated runs; a fast path and its baseline are
interleaved query by query so machine noise hits both alike. ``--smoke`` runs each benchmark
once on tiny sizes (what the test suite checks). The browser figures live in ``bench/``.

numpy and the library are imported inside the functions that use them, so registering the
command's options (``python -m vae_core --help``) loads neither.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

FIGURES = ("ranking", "ranking-1m", "decode", "build")
SMOKE_SIZES = {"items": 3000, "items_1m": 20000, "repeats": 3, "decode": 3, "bandwidth_mb": 16}


# ---------------------------------------------------------------------------- timing helpers
def summarize(seconds: Sequence[float]) -> dict[str, float]:
    """Median, 90th percentile and minimum (milliseconds) and the count of a list of timings."""
    import numpy as np

    arr = np.asarray(seconds, dtype=np.float64) * 1e3
    return {
        "median_ms": float(np.median(arr)),
        "p90_ms": float(np.percentile(arr, 90)),
        "min_ms": float(arr.min()),
        "n": int(arr.size),
    }


def time_call(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds one call of ``fn`` took, and what it returned."""
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def repeat(fn: Callable[[], Any], n: int, warmup: int = 1) -> dict[str, float]:
    """:func:`summarize` of ``n`` timed calls of ``fn`` after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    return summarize([time_call(fn)[0] for _ in range(n)])


# ---------------------------------------------------------------------------- the machine
def machine_info() -> dict[str, Any]:
    """CPU, cores, memory, caches, load and library versions: the context of every figure."""
    import numpy as np
    import torch

    info: dict[str, Any] = {"platform": platform.platform(), "python": platform.python_version()}
    try:
        cpu = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(ln.split(":", 1)[1].strip() for ln in cpu.splitlines() if "model name" in ln)
        mem = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()
        info["memory_gib"] = round(int(mem[1]) / 2**20, 1)
        caches = Path("/sys/devices/system/cpu/cpu0/cache")
        info["caches"] = {
            f"L{(c / 'level').read_text().strip()}{(c / 'type').read_text().strip()[0].lower()}": (c / "size")
            .read_text()
            .strip()
            for c in sorted(caches.glob("index*"))
        }
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except (OSError, StopIteration, IndexError, ValueError):
        pass
    info["cpus"] = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    blas = np.__config__.CONFIG.get("Build Dependencies", {}).get("blas", {})
    info["numpy"] = f"{np.__version__} ({blas.get('name', '?')} {blas.get('version', '')})".strip()
    info["torch"] = f"{torch.__version__} ({torch.get_num_threads()} threads)"
    for dist in ("openTSNE", "scikit-learn", "streamlit", "playwright"):
        try:
            info[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            info[dist] = None
    return info


def read_bandwidth(nbytes: int = 2 << 30, repeats: int = 5) -> dict[str, float]:
    """The machine's memory read bandwidth (GB/s): the best of a 1- and a 2-thread ``np.sum``.

    ``nbytes`` should be much larger than the last-level cache so the array streams from DRAM.
    """
    import numpy as np

    arr = np.ones(max(nbytes // 8, 1024), dtype=np.float64)
    halves = np.array_split(arr, 2)
    out: dict[str, float] = {"array_mb": arr.nbytes / 1e6}
    with ThreadPoolExecutor(2) as pool:
        kernels = {"one_thread": lambda: arr.sum(), "two_threads": lambda: list(pool.map(np.sum, halves))}
        for name, fn in kernels.items():
            out[f"{name}_gbps"] = arr.nbytes / repeat(fn, repeats)["median_ms"] / 1e6
    out["gbps"] = max(out["one_thread_gbps"], out["two_threads_gbps"])
    return out


# ---------------------------------------------------------------------------- ranking
def baseline_rank(z: np.ndarray, mu: np.ndarray, logvar: np.ndarray, k: int) -> np.ndarray:
    """The obvious implementation: sigma from logvar, the formula broadcast, a full argsort.

    Ties (equal scores) go to the lower index, as in :func:`vae_core.likelihood.top_k`.
    """
    import numpy as np

    from ..latent.likelihood import LOG_SQRT_2PI

    sigma = np.exp(0.5 * logvar)
    scores = np.sum(-0.5 * ((z - mu) / sigma) ** 2 - np.log(sigma) - LOG_SQRT_2PI, axis=1)
    return np.argsort(-scores, kind="stable")[:k]


def synthetic_posteriors(n: int, mu: np.ndarray, logvar: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` synthetic (mu, logvar) rows: real rows resampled with Gaussian jitter (0.1)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(mu), n)
    jitter = 0.1 * rng.standard_normal((2, n, mu.shape[1]))
    return (mu[pick] + jitter[0]).astype(np.float32), (logvar[pick] + jitter[1]).astype(np.float32)


def bench_ranking(
    mu: np.ndarray,
    logvar: np.ndarray,
    repeats: int,
    k: int = 10,
    seed: int = 0,
    floor_gbps: float | None = None,
) -> dict[str, Any]:
    """Time ``LikelihoodIndex.rank`` against :func:`baseline_rank`, query by query, interleaved.

    Each of ``repeats`` queries is a z drawn from the prior N(0, I) (what the sliders span). Both
    implementations must return the same top-k indices; an ``AssertionError`` says which
    query differed. With ``floor_gbps`` the result holds the bandwidth floor of reading the rows.
    """
    import numpy as np

    from ..latent.likelihood import LikelihoodIndex

    n, d = mu.shape
    t, index = time_call(lambda: LikelihoodIndex(mu, logvar, np.zeros(n, np.uint8)))
    mu64, logvar64 = mu.astype(np.float64), logvar.astype(np.float64)
    rng = np.random.default_rng(seed)
    impls: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "baseline": lambda z: baseline_rank(z, mu64, logvar64, k),
        "fast": lambda z: index.rank(z, k).indices,
    }
    names = list(impls)
    times: dict[str, list[float]] = {name: [] for name in names}
    scores_t: list[float] = []
    for name in names:  # warm-up
        impls[name](np.zeros(d))
    for q in range(repeats):
        z = rng.standard_normal(d)
        results = {}
        for name in names[q % len(names) :] + names[: q % len(names)]:  # rotate the order
            dt, results[name] = time_call(lambda name=name, z=z: impls[name](z))
            times[name].append(dt)
        scores_t.append(time_call(lambda z=z: index.log_q(z))[0])
        for name in names[1:]:
            assert np.array_equal(results[name], results["baseline"]), (
                f"{name} top-{k} differs from the baseline at query {q}: "
                f"{results[name].tolist()} vs {results['baseline'].tolist()}"
            )
    out: dict[str, Any] = {
        "items": n,
        "dim": d,
        "k": k,
        "identical_top_k": True,
        "index_build_ms": t * 1e3,
        "rows_mb": index.rows_.nbytes / 1e6,
        **{name: summarize(times[name]) for name in names},
        "fast_scores_only": summarize(scores_t),
    }
    out["speedup"] = out["baseline"]["median_ms"] / out["fast"]["median_ms"]
    if floor_gbps:
        floor = index.rows_.nbytes / floor_gbps / 1e6
        out["floor_ms"] = floor
        for name in names[1:]:
            out[f"{name}_over_floor"] = out[name]["median_ms"] / floor
    return out


# ---------------------------------------------------------------------------- decode
def bench_decode(pkg: Any, repeats: int = 1000, batch: int = 32, seed: int = 0) -> dict[str, Any]:
    """Median and p90 of ``pkg.decode`` for one z and for a batch of ``batch`` z."""
    import numpy as np

    rng = np.random.default_rng(seed)
    d = pkg.latent_dim
    zs = rng.standard_normal((repeats, d))
    zb = rng.standard_normal((repeats, batch, d))
    one = [time_call(lambda i=i: pkg.decode(zs[i]))[0] for i in range(-1, repeats)][1:]
    many = [time_call(lambda i=i: pkg.decode(zb[i]))[0] for i in range(-1, repeats)][1:]
    return {"single": summarize(one), f"batch{batch}": summarize(many), "batch": batch}


# ---------------------------------------------------------------------------- build
_SKLEARN_CHILD = """
import sys, time, numpy as np
from sklearn.manifold import TSNE
x = np.load(sys.argv[1])
est = TSNE(n_components=2, perplexity=30.0, init="pca", random_state=int(sys.argv[2]),
           max_iter=int(sys.argv[3]), n_jobs=int(sys.argv[4]), method="barnes_hut")
t = time.perf_counter()
est.fit_transform(x)
print(time.perf_counter() - t)
"""


def sklearn_tsne_seconds(
    x: np.ndarray, seed: int, timeout: float, max_iter: int = 750, n_jobs: int = 2
) -> dict[str, Any]:
    """Seconds scikit-learn's Barnes-Hut t-SNE takes on ``x``, run in a child process.

    The same perplexity (30), PCA initialisation and number of iterations (750: 250 early
    exaggeration + 500, as openTSNE's default) as :func:`vae_core.projection.tsne`. A child past
    ``timeout`` seconds is killed and the result says so (``finished``: False): the time is then
    a lower bound.
    """
    import numpy as np

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.npy"
        np.save(path, np.asarray(x, dtype=np.float64))
        cmd = [sys.executable, "-c", _SKLEARN_CHILD, str(path), str(seed), str(max_iter), str(n_jobs)]
        start = time.perf_counter()
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
        except subprocess.TimeoutExpired:
            return {"finished": False, "seconds": float(timeout), "timeout_s": timeout}
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(f"scikit-learn t-SNE failed: {exc.stderr[-2000:]}") from None
        wall = time.perf_counter() - start
    return {
        "finished": True,
        "seconds": float(done.stdout.strip().splitlines()[-1]),
        "wall_with_import_s": wall,
        "max_iter": max_iter,
        "n_jobs": n_jobs,
    }


def bench_build(
    model: Any,
    train_split: Any,
    test_split: Any,
    seed: int = 0,
    sklearn_timeout: float = 1500.0,
    sklearn_items: int | None = None,
    n_jobs: int = 2,
    sklearn_max_iter: int = 750,
) -> dict[str, Any]:
    """Time :func:`vae_core.build.build_package` stage by stage, then scikit-learn's t-SNE.

    ``encode + pca + tsne`` is the figure; the other stages (test metrics, typicality reference)
    are reported too. scikit-learn runs on the same means (the first ``sklearn_items`` of them if
    given, which the result then states).
    """
    from ..model.config import TrainConfig
    from ..package.build import build_package

    tcfg = TrainConfig(seed=seed)
    wall, pkg = time_call(lambda: build_package(model, train_split, test_split, tcfg, n_jobs=n_jobs))
    stages = {
        k[len("build_") : -len("_seconds")]: v
        for k, v in pkg.metrics.items()
        if k.startswith("build_") and k.endswith("_seconds") and k != "build_seconds"
    }
    core = stages["encode"] + stages["pca"] + stages["tsne"]
    x = pkg.mu if sklearn_items is None else pkg.mu[:sklearn_items]
    skl = sklearn_tsne_seconds(x, seed, sklearn_timeout, max_iter=sklearn_max_iter, n_jobs=n_jobs)
    skl["items"] = int(len(x))
    return {
        "items": len(pkg),
        "stages_s": stages,
        "encode_pca_tsne_s": core,
        "build_total_s": wall,
        "sklearn_tsne": skl,
        "sklearn_over_opentsne": skl["seconds"] / stages["tsne"],
        "sklearn_over_encode_pca_tsne": skl["seconds"] / core,
    }


# ---------------------------------------------------------------------------- runs
def run(
    figures: Sequence[str],
    package: str | os.PathLike[str] | None,
    data_dir: str | None,
    smoke: bool = False,
    repeats: int = 100,
    repeats_1m: int = 20,
    items: int = 60_000,
    items_1m: int = 1_000_000,
    decode_repeats: int = 1000,
    bandwidth_mb: int = 2048,
    sklearn_timeout: float = 1500.0,
    sklearn_items: int | None = None,
    seed: int = 0,
    log: Callable[[str], None] = lambda s: None,
) -> dict[str, Any]:
    """Run the chosen ``figures`` (see :data:`FIGURES`); return one JSON-ready dict.

    With ``package`` None (smoke runs and tests) a small random-weight VAE and random images
    stand in for the package and the data set; ``smoke`` shrinks every size to seconds.
    """
    if smoke:
        s = SMOKE_SIZES
        repeats, repeats_1m, decode_repeats = s["repeats"], s["repeats"], s["decode"]
        items, items_1m, bandwidth_mb = s["items"], s["items_1m"], s["bandwidth_mb"]
    results: dict[str, Any] = {"machine": machine_info(), "smoke": smoke, "figures": {}}
    pkg, model, mu, logvar = _sources(package, seed)
    results["package"] = str(package) if package is not None else "random-weight VAE (no package)"
    results["package_items"] = int(len(mu))
    if "ranking" in figures:
        log(f"ranking: {items:,} items x {repeats} queries")
        src_mu, src_lv = (mu, logvar) if len(mu) == items else synthetic_posteriors(items, mu, logvar, seed)
        res = bench_ranking(src_mu, src_lv, repeats, seed=seed)
        res["source"] = "package" if len(mu) == items else "synthetic (resampled package rows + jitter)"
        results["figures"]["ranking"] = res
    if "ranking-1m" in figures:
        log(f"ranking-1m: memory bandwidth over {bandwidth_mb} MB")
        bw = read_bandwidth(bandwidth_mb << 20, repeats=3 if smoke else 7)
        log(f"ranking-1m: {items_1m:,} synthetic items x {repeats_1m} queries")
        mu1, lv1 = synthetic_posteriors(items_1m, mu, logvar, seed + 1)
        res = bench_ranking(mu1, lv1, repeats_1m, seed=seed + 1, floor_gbps=bw["gbps"])
        res["bandwidth"] = bw
        results["figures"]["ranking-1m"] = res
        del mu1, lv1
    if "decode" in figures:
        log(f"decode: {decode_repeats} x one z, {decode_repeats} x a batch of 32")
        results["figures"]["decode"] = bench_decode(pkg or _Decoder(model), decode_repeats, seed=seed)
    if "build" in figures:
        log("build: encode + metrics + PCA + t-SNE, then scikit-learn t-SNE")
        train, test = _splits(data_dir, smoke, seed)
        results["figures"]["build"] = bench_build(
            model,
            train,
            test,
            seed,
            sklearn_timeout,
            sklearn_items=sklearn_items,
            n_jobs=1 if smoke else 2,
            sklearn_max_iter=250 if smoke else 750,
        )
    return results


class _Decoder:
    """``decode`` of a bare VAE, for smoke runs without a package."""

    def __init__(self, model: Any) -> None:
        self.model, self.latent_dim = model.eval(), model.config.latent_dim

    def decode(self, z: np.ndarray) -> np.ndarray:
        import numpy as np
        import torch

        with torch.no_grad():
            arr = torch.from_numpy(np.atleast_2d(np.asarray(z, dtype=np.float32)))
            return self.model.decode(arr)[:, 0].numpy()


def _sources(package: str | os.PathLike[str] | None, seed: int) -> tuple[Any, Any, np.ndarray, np.ndarray]:
    """(package or None, model, mu, logvar) of a package, or of a random-weight VAE."""
    import numpy as np

    if package is not None:
        from ..package.format import ModelPackage

        pkg = ModelPackage.load(package)
        return pkg, pkg.model, pkg.mu, pkg.logvar
    import torch

    from ..model.config import ModelConfig
    from ..model.network import VAE

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    mu = rng.standard_normal((500, 10)).astype(np.float32)
    logvar = (-2.0 + 0.5 * rng.standard_normal((500, 10))).astype(np.float32)
    return None, VAE(ModelConfig(channels=(8, 16), hidden=64)), mu, logvar


def _splits(data_dir: str | None, smoke: bool, seed: int) -> tuple[Any, Any]:
    """The train and test splits, or (smoke) 200 + 50 random images."""
    import numpy as np

    from ..model.data import Split, load_split

    if not smoke:
        return load_split("train", data_dir), load_split("test", data_dir)
    rng = np.random.default_rng(seed)

    def make(n: int) -> Split:
        return Split(rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n).astype(np.uint8))

    return make(200), make(50)


# ---------------------------------------------------------------------------- reporting
def markdown(results: dict[str, Any]) -> str:
    """The results as Markdown table rows (figure | measured | baseline | ratio | goal)."""
    f = results["figures"]
    rows = ["| figure | measured | baseline (same run) | ratio | goal |", "|---|---|---|---|---|"]

    def ms(s: dict[str, float]) -> str:
        return f"{s['median_ms']:.3f} ms (p90 {s['p90_ms']:.3f}, n={s['n']})"

    for key in ("ranking", "ranking-1m"):
        if key in f:
            r = f[key]
            source = r.get("source", "synthetic")
            rows.append(
                f"| top-{r['k']} by log q, {r['items']:,} items, d={r['dim']} ({source}) "
                f"| {ms(r['fast'])} | numpy broadcast + argsort: {ms(r['baseline'])} "
                f"| **{r['speedup']:.1f}x** faster; identical top-k: {r['identical_top_k']} | >= 10x |"
            )
            if "floor_ms" in r:
                bw = r["bandwidth"]["gbps"]
                rows.append(
                    f"| ... vs memory floor ({r['rows_mb']:.0f} MB rows at {bw:.1f} GB/s) | {ms(r['fast'])} "
                    f"| floor {r['floor_ms']:.2f} ms | **{r['fast_over_floor']:.2f}x** the floor | <= 1.5x |"
                )
    if "decode" in f:
        r = f["decode"]
        rows.append(f"| decode one z | {ms(r['single'])} | none | - | reported |")
        batch = r["batch"]
        rows.append(f"| decode a batch of {batch} | {ms(r[f'batch{batch}'])} | none | - | reported |")
    if "build" in f:
        r = f["build"]
        st = ", ".join(f"{k} {v:.1f} s" for k, v in r["stages_s"].items())
        sk = r["sklearn_tsne"]
        sk_txt = f"{sk['seconds']:.1f} s" if sk["finished"] else f"> {sk['seconds']:.0f} s (killed)"
        rows.append(
            f"| build from weights, {r['items']:,} items: encode + PCA + t-SNE "
            f"| {r['encode_pca_tsne_s']:.1f} s "
            f"({st}; whole build {r['build_total_s']:.1f} s) | scikit-learn TSNE alone on "
            f"{sk['items']:,} means: {sk_txt} | sklearn / ours: **{r['sklearn_over_encode_pca_tsne']:.1f}x** "
            f"(sklearn / openTSNE stage: {r['sklearn_over_opentsne']:.1f}x) | faster than sklearn t-SNE |"
        )
    return "\n".join(rows)


def add_bench_arguments(b: argparse.ArgumentParser, default_package: str, package_help: str) -> None:
    """The ``bench`` command's options (the command itself is declared in :mod:`vae_core.cli.main`)."""
    b.add_argument("--package", default=default_package, metavar="DIR", help=package_help)
    b.add_argument(
        "--data", default=None, metavar="DIR", help="Fashion-MNIST folder (default: $LATENT_ATELIER_DATA_DIR)"
    )
    b.add_argument("--only", default=",".join(FIGURES), help="comma-separated subset of the figures")
    b.add_argument("--smoke", action="store_true", help="each benchmark once, tiny sizes, no package")
    b.add_argument("--repeats", type=int, default=100, help="queries for the 60,000-item ranking")
    b.add_argument("--repeats-1m", type=int, default=20, help="queries for the 1,000,000-item ranking")
    b.add_argument("--decode-repeats", type=int, default=1000, help="decodes timed (one z, then a batch of 32)")
    b.add_argument("--bandwidth-mb", type=int, default=2048, help="array size for the bandwidth probe (MB)")
    b.add_argument("--sklearn-timeout", type=float, default=1500.0, help="seconds before scikit-learn is killed")
    b.add_argument("--sklearn-items", type=int, default=None, help="run scikit-learn on the first N means only")
    b.add_argument("--seed", type=int, default=0, help="seeds the queries and the build")
    b.add_argument("--out", default=None, help="write the JSON results to this file")
    b.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    b.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    """The ``bench`` command: run, print Markdown (or JSON), optionally save JSON."""
    from ..errors import InputError

    figures = [f.strip() for f in args.only.split(",") if f.strip()]
    unknown = sorted(set(figures) - set(FIGURES))
    if unknown:
        raise InputError(f"--only: unknown figure(s) {unknown}; choose from {list(FIGURES)}.")
    results = run(
        figures,
        None if args.smoke else args.package,
        args.data,
        smoke=args.smoke,
        repeats=args.repeats,
        repeats_1m=args.repeats_1m,
        decode_repeats=args.decode_repeats,
        bandwidth_mb=args.bandwidth_mb,
        sklearn_timeout=args.sklearn_timeout,
        sklearn_items=args.sklearn_items,
        seed=args.seed,
        log=lambda s: print(f"[bench {time.strftime('%H:%M:%S')}] {s}", file=sys.stderr, flush=True),
    )
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    argv = sys.argv[1:] if sys.argv[1:2] == ["bench"] else ["bench", "..."]
    results["command"] = "python -m vae_core " + " ".join(shlex.quote(a) for a in argv)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, indent=1) if args.json else markdown(results))
    return 0
