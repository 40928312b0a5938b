"""The benchmark harness in smoke mode: every pure-Python benchmark once, on tiny sizes.

Benchmarks are not tests; these only check that the harness runs, that the fast rankings agree
with the baseline, and that results carry the keys BENCHMARKS.md is written from.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from vae_core import LikelihoodIndex, top_k
from vae_core.cli.bench import FIGURES, baseline_rank, markdown, run, summarize
from vae_core.cli.main import main


@pytest.fixture(scope="module")
def smoke() -> dict[str, Any]:
    return run(FIGURES, None, None, smoke=True)


def _positive(stats: dict[str, float]) -> bool:
    return stats["n"] >= 1 and 0 < stats["min_ms"] <= stats["median_ms"] <= stats["p90_ms"]


def test_smoke_runs_every_figure_with_positive_timings(smoke: dict[str, Any]) -> None:
    figs = smoke["figures"]
    assert set(figs) == set(FIGURES)
    for key in ("ranking", "ranking-1m"):
        assert figs[key]["identical_top_k"] is True
        assert all(_positive(figs[key][name]) for name in ("baseline", "fast", "fast_scores_only"))
        # the reported ratio is the one of the two medians (a record, not a speed claim)
        ratio = figs[key]["baseline"]["median_ms"] / figs[key]["fast"]["median_ms"]
        assert figs[key]["speedup"] == pytest.approx(ratio)
    big = figs["ranking-1m"]
    assert big["floor_ms"] > 0 and big["bandwidth"]["gbps"] > 0
    assert big["rows_mb"] == pytest.approx(big["items"] * 21 * 8 / 1e6)
    assert _positive(figs["decode"]["single"]) and _positive(figs["decode"]["batch32"])
    build = figs["build"]
    assert {"encode", "pca", "tsne"} <= set(build["stages_s"])
    assert build["encode_pca_tsne_s"] > 0 and build["sklearn_tsne"]["finished"] is True
    assert build["sklearn_tsne"]["seconds"] > 0 and build["sklearn_tsne"]["items"] == build["items"]
    assert smoke["machine"]["cpus"] >= 1 and "numpy" in smoke["machine"]


def test_markdown_names_every_figure(smoke: dict[str, Any]) -> None:
    text = markdown(smoke)
    for phrase in ("top-10 by log q", "memory floor", "decode one z", "scikit-learn"):
        assert phrase in text


@pytest.mark.parametrize(("n", "k"), [(5, 10), (300, 1), (5000, 10), (40000, 50)])
def test_all_rankings_return_the_same_top_k(n: int, k: int, rng: np.random.Generator) -> None:
    mu = rng.standard_normal((n, 10)).astype(np.float32)
    logvar = (-2 + 0.5 * rng.standard_normal((n, 10))).astype(np.float32)
    index = LikelihoodIndex(mu, logvar, np.zeros(n, np.uint8))
    for _ in range(5):
        z = 1.5 * rng.standard_normal(10)
        expected = index.rank(z, k).indices
        assert np.array_equal(baseline_rank(z, mu.astype(np.float64), logvar.astype(np.float64), k), expected)
        assert np.array_equal(top_k(index.log_q(z), k, sample=64), expected)
        scores = index.log_q(z)
        assert np.array_equal(expected, np.lexsort((np.arange(n), -scores))[:k])


def test_summarize_reports_milliseconds() -> None:
    s = summarize([0.001, 0.002, 0.003, 0.010])
    assert s["median_ms"] == pytest.approx(2.5) and s["min_ms"] == pytest.approx(1.0) and s["n"] == 4
    assert 3.0 < s["p90_ms"] <= 10.0


def test_cli_bench_smoke_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--smoke", "--only", "ranking,decode", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["figures"]) == {"ranking", "decode"} and out["smoke"] is True


def test_cli_bench_rejects_unknown_figure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--smoke", "--only", "warp-speed"]) == 2
    assert "unknown figure" in capsys.readouterr().err
