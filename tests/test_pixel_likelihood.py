"""The discretised logistic likelihood and bits per dimension, against independent formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import logistic

from vae_core.model.pixel_likelihood import bits_per_dim, discretised_logistic_nll


@pytest.mark.parametrize(
    ("mean", "log_s"), [(0.5, -2.0), (0.02, -4.0), (0.97, -6.5), (0.3, 1.0), (1.08, -3.0), (-0.2, -2.5)]
)
def test_masses_sum_to_one_and_match_scipy(mean: float, log_s: float):
    values = torch.arange(256, dtype=torch.float64) / 255.0  # every 8-bit value, one per "image"
    x = values.reshape(256, 1, 1, 1)
    location = torch.full_like(x, mean)  # beyond [0, 1] too: the end bins take the tails
    nll = discretised_logistic_nll(location, x, torch.full((1, 1, 1), log_s, dtype=torch.float64))
    p = torch.exp(-nll).numpy()
    assert p.sum() == pytest.approx(1.0, abs=1e-9)
    s, h = math.exp(log_s), 0.5 / 255
    u = values.numpy()
    upper = np.where(u > 1 - h, 1.0, logistic.cdf(u + h, mean, s))
    lower = np.where(u < h, 0.0, logistic.cdf(u - h, mean, s))
    expected = upper - lower
    ok = expected > 1e-12
    np.testing.assert_allclose(p[ok], expected[ok], rtol=1e-6, atol=1e-14)  # scipy loses digits near cdf 1


@pytest.mark.parametrize(("mean", "log_s"), [(0.5, -2.0), (1.08, -3.0), (-0.2, -2.5)])
def test_the_closed_end_bound_scores_the_ends_by_their_own_bins(mean: float, log_s: float):
    values = torch.arange(256, dtype=torch.float64) / 255.0
    x = values.reshape(256, 1, 1, 1)
    location, scale = torch.full_like(x, mean), torch.full((1, 1, 1), log_s, dtype=torch.float64)
    exact = discretised_logistic_nll(location, x, scale)
    bound = discretised_logistic_nll(location, x, scale, open_ends=False)
    torch.testing.assert_close(bound[1:255], exact[1:255])  # the 254 inner values alike
    s, h = math.exp(log_s), 0.5 / 255
    for i in (0, 255):  # an end value: only its own bin's mass, not the tail beyond it
        own = logistic.cdf(i / 255 + h, mean, s) - logistic.cdf(i / 255 - h, mean, s)
        assert float(bound[i]) == pytest.approx(-math.log(own), rel=1e-6)
        assert float(bound[i]) > float(exact[i])  # an upper bound of the exact value
    assert float(torch.exp(-bound).sum()) < 1.0  # not a distribution: what is trained, not reported


def test_bits_per_dim():
    assert bits_per_dim(3072 * math.log(2) * 4.5, 3072) == pytest.approx(4.5)
