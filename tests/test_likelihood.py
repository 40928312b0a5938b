"""log q(z|x): the inner-product form against scipy and a plain loop; ranking order and ties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from vae_core import InputError, LikelihoodIndex, class_probabilities, log_q, top_k


def _loop_log_q(z, mu, logvar):
    """The seed's formula, one term at a time."""
    out = []
    for m_row, lv_row in zip(mu, logvar):
        total = 0.0
        for zd, md, lvd in zip(z, m_row, lv_row):
            sigma = math.exp(0.5 * lvd)
            total += -((zd - md) ** 2) / (2 * sigma**2) - math.log(math.sqrt(2 * math.pi) * sigma)
        out.append(total)
    return np.array(out)


@pytest.fixture()
def catalogue(rng):
    n, d = 500, 10
    mu = rng.normal(size=(n, d)).astype(np.float32) * 2
    logvar = rng.uniform(-6, 1, size=(n, d)).astype(np.float32)  # sigma from 0.05 to 1.6
    labels = rng.integers(0, 10, n)
    return mu, logvar, labels


def test_direct_formula_matches_scipy(catalogue, rng):
    mu, logvar, _ = catalogue
    z = rng.normal(size=10) * 3
    expected = norm.logpdf(z, loc=mu.astype(np.float64), scale=np.exp(0.5 * logvar.astype(np.float64))).sum(1)
    np.testing.assert_allclose(log_q(z, mu, logvar), expected, rtol=1e-5)


def test_inner_product_form_matches_loop_and_scipy(catalogue, rng):
    mu, logvar, labels = catalogue
    index = LikelihoodIndex(mu, logvar, labels)
    for _ in range(5):
        z = rng.uniform(-5, 5, size=10)
        fast = index.log_q(z)
        np.testing.assert_allclose(fast, _loop_log_q(z, mu, logvar), rtol=1e-5)
        expected = norm.logpdf(z, loc=mu.astype(np.float64), scale=np.exp(0.5 * logvar.astype(np.float64)))
        np.testing.assert_allclose(fast, expected.sum(1), rtol=1e-9)


def test_hand_computed_value():
    # One item, d = 2, mu = (1, 0), sigma = (1, 2), z = (0, 2):
    # -(1/2) - log(sqrt(2 pi)) + -(4/8) - log(2 sqrt(2 pi)) = -1 - log(2) - log(2 pi)
    index = LikelihoodIndex(np.array([[1.0, 0.0]]), np.log(np.array([[1.0, 4.0]])), np.array([0]))
    assert index.log_q([0.0, 2.0])[0] == pytest.approx(-1 - math.log(2) - math.log(2 * math.pi), rel=1e-12)


def test_rank_is_highest_first_and_equals_full_sort(catalogue, rng):
    mu, logvar, labels = catalogue
    index = LikelihoodIndex(mu, logvar, labels)
    z = rng.normal(size=10)
    ranking = index.rank(z, k=25)
    scores = _loop_log_q(z, mu, logvar)
    expected = np.lexsort((np.arange(len(scores)), -scores))[:25]
    np.testing.assert_array_equal(ranking.indices, expected)
    assert np.all(np.diff(ranking.scores) <= 0)
    np.testing.assert_array_equal(ranking.labels, labels[expected])
    np.testing.assert_allclose(ranking.scores, scores[expected], rtol=1e-9)


def test_ties_are_broken_by_index():
    mu = np.zeros((6, 3))
    mu[[1, 4]] = 5.0  # items 1 and 4 are far; 0, 2, 3, 5 tie exactly
    index = LikelihoodIndex(mu, np.zeros((6, 3)), np.arange(6))
    np.testing.assert_array_equal(index.rank(np.zeros(3), k=3).indices, [0, 2, 3])
    np.testing.assert_array_equal(index.rank(np.zeros(3), k=6).indices, [0, 2, 3, 5, 1, 4])
    np.testing.assert_array_equal(top_k(np.array([1.0, 3.0, 3.0, 2.0, 3.0]), 2), [1, 2])


def test_large_variance_can_beat_a_closer_mean():
    """The seed Q&A's point: log q is not Euclidean distance. A tight posterior far away loses to a
    broad one, and a closer-but-tight mean can lose to a farther-but-broad one."""
    mu = np.array([[0.5, 0.0], [1.0, 0.0]])
    logvar = np.log(np.array([[0.01, 0.01], [1.0, 1.0]]))  # item 0 tight, item 1 broad
    index = LikelihoodIndex(mu, logvar, np.array([0, 1]))
    z = np.zeros(2)
    assert index.rank_euclidean(z, 1).indices[0] == 0
    assert index.rank(z, 1).indices[0] == 1


def test_euclidean_ranking_distances(catalogue, rng):
    mu, logvar, labels = catalogue
    index = LikelihoodIndex(mu, logvar, labels)
    z = rng.normal(size=10)
    r = index.rank_euclidean(z, 7)
    dist = np.linalg.norm(mu.astype(np.float64) - z, axis=1)
    np.testing.assert_array_equal(r.indices, np.argsort(dist, kind="stable")[:7])
    np.testing.assert_allclose(r.scores, np.sort(dist)[:7], rtol=1e-9)


@pytest.mark.parametrize("bad", [[0.0] * 9, [0.0] * 11, [float("nan")] * 10, [float("inf")] + [0.0] * 9])
def test_bad_z_is_refused(catalogue, bad):
    mu, logvar, labels = catalogue
    with pytest.raises(InputError):
        LikelihoodIndex(mu, logvar, labels).rank(bad, 3)


def test_k_larger_than_catalogue_returns_everything(catalogue):
    mu, logvar, labels = catalogue
    assert len(LikelihoodIndex(mu[:4], logvar[:4], labels[:4]).rank(np.zeros(10), 10).indices) == 4


# ------------------------------------------------------------------ class probabilities ("looks like")
def _brute_class_probabilities(z, mu, logvar, labels, n_classes):
    """p(c | z) = sum_{i in c} q(z|x_i) / sum_i q(z|x_i), one item at a time, with scipy's
    densities and logsumexp (an independent computation)."""
    from scipy.special import logsumexp

    logs = norm.logpdf(z, loc=mu.astype(np.float64), scale=np.exp(0.5 * logvar.astype(np.float64))).sum(1)
    total = logsumexp(logs)
    return np.array([math.exp(logsumexp(logs[labels == c]) - total) if np.any(labels == c) else 0.0
                     for c in range(n_classes)])  # fmt: skip


def test_class_probabilities_equal_brute_force(catalogue, rng):
    mu, logvar, labels = catalogue
    index = LikelihoodIndex(mu, logvar, labels)
    for scale in (0.5, 2.0, 8.0):  # from near the means to far out, where every q(z|x) underflows
        z = rng.normal(size=10) * scale
        got = class_probabilities(index.log_q(z), labels, 12)  # two classes with no items
        np.testing.assert_allclose(got, _brute_class_probabilities(z, mu, logvar, labels, 12), atol=1e-12)
        assert got.sum() == pytest.approx(1.0, abs=1e-12) and got[10] == got[11] == 0.0


def test_class_probabilities_by_hand():
    # log q = (0, -ln 3, -ln 6) for items of classes (1, 0, 1): weights 1, 1/3, 1/6 -> total 1.5
    got = class_probabilities(np.array([0.0, -math.log(3), -math.log(6)]), [1, 0, 1], 2)
    np.testing.assert_allclose(got, [(1 / 3) / 1.5, (1 + 1 / 6) / 1.5], rtol=1e-14)
    # a thousand nats below or above changes nothing (the shift by the best score)
    shifted = class_probabilities(np.array([-1000.0, -1000 - math.log(3), -1006.0]), [1, 0, 1], 2)
    assert shifted[0] == pytest.approx(1 / 3 / (1 + 1 / 3 + math.exp(-6)), rel=1e-14)


def test_class_probabilities_rows_and_the_package(pkg, rng):
    """Several z at once equal one at a time, and ``ModelPackage.class_probabilities`` equals the
    class sums of the whole ranking (``rank`` with k = N)."""
    zs = rng.normal(size=(4, pkg.latent_dim)) * 2
    rows = class_probabilities(np.stack([pkg.index.log_q(z) for z in zs]), pkg.labels, len(pkg.class_names))
    for z, row in zip(zs, rows, strict=True):
        np.testing.assert_allclose(row, class_probabilities(pkg.index.log_q(z), pkg.labels, 10), rtol=1e-14)
        ranking = pkg.rank(z, len(pkg))
        w = np.exp(ranking.scores - ranking.scores[0])
        expected = np.bincount(ranking.labels, weights=w, minlength=10) / w.sum()
        np.testing.assert_allclose(pkg.class_probabilities(z), expected, atol=1e-12)
        np.testing.assert_allclose(row, expected, atol=1e-12)


def test_rank_scores_equals_rank(catalogue, rng):
    index = LikelihoodIndex(*catalogue)
    z = rng.normal(size=10)
    a, b = index.rank(z, 7), index.rank_scores(index.log_q(z), 7)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.scores, b.scores)
