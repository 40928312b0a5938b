"""Quality measures of the latent space against hand-computed cases: per-dimension KL, active
units (one threshold), kNN accuracy with its tie rule, and retrieval agreement."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vae_core import InputError
from vae_core.latent.likelihood import LikelihoodIndex
from vae_core.latent.metrics import ACTIVE_KL, active_dims, kl_per_dimension, knn_accuracy, retrieval_agreement


def test_kl_per_dimension_by_hand():
    # KL(N(m, s^2) || N(0, 1)) = (m^2 + s^2 - 1 - log s^2) / 2, averaged over items per dimension
    mu = np.array([[0.0, 1.0], [0.0, -1.0]])
    logvar = np.array([[0.0, math.log(4.0)], [0.0, 0.0]])
    item0 = [0.0, (1 + 4 - 1 - math.log(4.0)) / 2]
    item1 = [0.0, (1 + 1 - 1 - 0.0) / 2]
    np.testing.assert_allclose(kl_per_dimension(mu, logvar), np.mean([item0, item1], axis=0), rtol=1e-12)


def test_active_dims_is_strictly_above_the_threshold():
    kl = np.array([0.5, ACTIVE_KL, ACTIVE_KL * 1.01, 0.0, np.nan])
    assert active_dims(kl).tolist() == [True, False, True, False, False]
    assert active_dims(kl, threshold=0.6).tolist() == [False] * 5


# 1-D reference set on a line: positions 0..4 with labels 0, 0, 1, 1, 2
REF = np.arange(5, dtype=np.float64)[:, None]
REF_LABELS = np.array([0, 0, 1, 1, 2])


def test_knn_majority_vote():
    # k=3 around 0.2: neighbours 0, 1, 2 -> labels 0, 0, 1 -> class 0
    assert knn_accuracy(np.array([[0.2]]), np.array([0]), REF, REF_LABELS, k=3) == 1.0
    assert knn_accuracy(np.array([[0.2]]), np.array([1]), REF, REF_LABELS, k=3) == 0.0


def test_knn_tie_goes_to_the_nearest_of_the_tied_classes():
    # k=5 sees all: classes 0 and 1 tie with two votes each, class 2 has one.
    # Query at 0.1: the nearest of the tied classes is item 0 (class 0) -> 0 wins.
    # Query at 3.9: the nearest overall is item 4 (class 2, not tied); the nearest of the tied
    # classes is item 3 (class 1) -> 1 wins.
    queries = np.array([[0.1], [3.9]])
    assert knn_accuracy(queries, np.array([0, 1]), REF, REF_LABELS, k=5) == 1.0
    assert knn_accuracy(queries, np.array([0, 0]), REF, REF_LABELS, k=5) == 0.5
    assert knn_accuracy(queries, np.array([1, 2]), REF, REF_LABELS, k=5) == 0.0


def test_knn_chunks_do_not_change_the_result():
    rng = np.random.default_rng(0)
    ref, q = rng.normal(size=(200, 3)), rng.normal(size=(57, 3))
    ref_labels, q_labels = rng.integers(0, 4, 200), rng.integers(0, 4, 57)
    whole = knn_accuracy(q, q_labels, ref, ref_labels, k=5, chunk=1000)
    assert knn_accuracy(q, q_labels, ref, ref_labels, k=5, chunk=7) == whole
    # an independent count: brute-force vote with the same tie rule
    correct = 0
    for x, truth in zip(q, q_labels):
        order = np.argsort(((ref - x) ** 2).sum(1), kind="stable")[:5]
        votes = ref_labels[order]
        counts = np.bincount(votes, minlength=4)
        tied = set(np.flatnonzero(counts == counts.max()))
        correct += int(next(v for v in votes if v in tied) == truth)
    assert whole == pytest.approx(correct / 57)


def test_retrieval_agreement_log_q_and_euclidean_can_disagree():
    # 1-D items: a sharp one at 0 and one at 0.3 (class 0), a broad one at 1.5 (sigma 1, class 1).
    # For z = 0.7 the closest mean is 0.3 (class 0), but the broad posterior gives z the highest
    # density: log N(0.7; 1.5, 1) = -0.32 - 0.92 = -1.24 against log N(0.7; 0.3, 0.01) = -6.62.
    mu = np.array([[0.0], [0.3], [1.5]])
    logvar = np.log(np.array([[0.01], [0.01], [1.0]]))
    index = LikelihoodIndex(mu, logvar, np.array([0, 0, 1]))
    agree = retrieval_agreement(index, np.array([[0.7]]), np.array([0]), k=1)
    assert agree == {"log_q": 0.0, "euclidean": 1.0}
    # k=2: log q keeps the broad item and the one at 0.3 (half in class 0); the two closest
    # means are 0.3 and 0.0 (both class 0).
    agree2 = retrieval_agreement(index, np.array([[0.7]]), np.array([0]), k=2)
    assert agree2 == {"log_q": 0.5, "euclidean": 1.0}


@pytest.mark.parametrize("k", [0, -3, 6])
def test_knn_refuses_a_k_outside_the_reference_set(k):
    with pytest.raises(InputError, match="k must be between 1 and the 5"):
        knn_accuracy(np.array([[0.0]]), np.array([0]), REF, REF_LABELS, k=k)
