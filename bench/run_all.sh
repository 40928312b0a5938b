#!/usr/bin/env bash
# Every benchmark in one run: the browser figures, then the pure-Python figures.
# Usage (repository root): bench/run_all.sh [PACKAGE_DIR]   (default: assets/fashion-mnist-vae)
# Extra options: BROWSER_ARGS="--cold 4" BENCH_ARGS="--sklearn-timeout 600" bench/run_all.sh
# Results: bench/results/python.json, bench/results/browser.json, bench/results/stage.json
# (+ Markdown tables on stdout).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-/work/venv/bin/python}
PACKAGE=${1:-assets/fashion-mnist-vae}
export LATENT_ATELIER_DATA_DIR=${LATENT_ATELIER_DATA_DIR:-/work/shared/data/fashion-mnist}
mkdir -p bench/results
date -u
"$PY" bench/browser_bench.py --package "$PACKAGE" --out bench/results/browser.json ${BROWSER_ARGS:-} || true
"$PY" bench/stage_bench.py --out bench/results/stage.json || true  # (the shipped package)
date -u
"$PY" -m vae_core bench --package "$PACKAGE" --out bench/results/python.json ${BENCH_ARGS:-}
"$PY" bench/explore_release_bench.py --package "$PACKAGE" --json > bench/results/explore_release.json
date -u
