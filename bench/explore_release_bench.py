"""What Explore's words cost on the server, for the shipped package (60,000 items, d = 10).

Per report (every step, also during a drag): one exact ranking, with and without "looks like"
(the class probabilities from every item's log q, from the same scores). Per release only: the
slider guides (which ran on release before), the names of every slider's ends (2 x d scores of the
whole catalogue, and a decode of the ends whose classes agree), and the guides of a direction
slider. Medians over random z, in one thread as the app runs them (``THREADS_ENV_VAR``)::

    python bench/explore_release_bench.py --package assets/fashion-mnist-vae --runs 40 --json
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from threadpoolctl import threadpool_limits

from ui.explore.sliders import end_points, name_ends
from ui.explore.state import slider_specs
from vae_core import ModelPackage, class_probabilities
from vae_core.latent.guides import TrackIndex, direction_tracks, likelihood_tracks, track_positions


def _median_ms(fn, zs) -> float:
    times = []
    for z in zs:
        t0 = time.perf_counter()
        fn(z)
        times.append(time.perf_counter() - t0)
    return 1000.0 * float(np.median(times))


def measure(pkg: ModelPackage, runs: int, seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    zs = rng.standard_normal((runs, pkg.latent_dim))
    index, tracks = pkg.index, TrackIndex(pkg.index.rows_)
    dims = [s.dim for s in slider_specs(pkg.kl_per_dim)]
    names = [f"z{d + 1}" for d in dims]
    direction = rng.standard_normal((1, pkg.latent_dim))
    positions = track_positions(3.0)

    def rank(z):
        index.rank_scores(index.log_q(z), 12)

    def rank_and_looks(z):
        scores = index.log_q(z)
        index.rank_scores(scores, 12)
        class_probabilities(scores, pkg.labels, len(pkg.class_names))

    def ends(z):
        low, high = end_points(z, dims, None, 3.0)
        name_ends(index, pkg.class_names, low, high, pkg.decode, names, 3.0)

    for z in zs[:3]:  # warm up (first calls allocate)
        rank_and_looks(z), ends(z), likelihood_tracks(tracks, z, positions)
    out = {
        "step_rank_ms": _median_ms(rank, zs),
        "step_rank_and_looks_like_ms": _median_ms(rank_and_looks, zs),
        "release_guides_ms": _median_ms(lambda z: likelihood_tracks(tracks, z, positions), zs),
        "release_end_names_ms": _median_ms(ends, zs),
        "release_direction_guides_ms": _median_ms(lambda z: direction_tracks(tracks, z, direction, positions), zs),
    }
    out["looks_like_over_rank"] = out["step_rank_and_looks_like_ms"] / out["step_rank_ms"]
    out["end_names_over_guides"] = out["release_end_names_ms"] / out["release_guides_ms"]
    out["runs"] = runs
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--package", default="assets/fashion-mnist-vae")
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    pkg = ModelPackage.load(args.package)
    pkg.torch_threads = 1
    with threadpool_limits(limits=1, user_api="blas"):
        result = measure(pkg, args.runs)
    if args.json:
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}, indent=1))
    else:
        for key, value in result.items():
            print(f"{key:32s} {value:.2f}" if isinstance(value, float) else f"{key:32s} {value}")


if __name__ == "__main__":
    main()
