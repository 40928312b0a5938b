"""The health measurements against hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from vae_core.package.health import latent_usage, mean_image_error, reconstruction_error


def test_reconstruction_error_is_mean_absolute_difference_on_the_255_scale():
    a = np.array([[[0, 255], [10, 20]]], dtype=np.uint8)
    b = np.array([[[0.0, 0.0], [20 / 255, 20 / 255]]])  # floats in [0, 1]
    assert reconstruction_error(a, b) == pytest.approx((0 + 255 + 10 + 0) / 4)


def test_reconstruction_error_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match="one shape"):
        reconstruction_error(np.zeros((2, 4, 4)), np.zeros((2, 4, 3)))


def test_mean_image_error_uses_the_training_mean():
    train = np.array([[[0, 100]], [[200, 100]]], dtype=np.uint8)  # mean image [[100, 100]]
    test = np.array([[[110, 40]]], dtype=np.uint8)
    assert mean_image_error(train, test) == pytest.approx((10 + 60) / 2)


def test_latent_usage_counts_dimensions_above_a_hundredth_of_a_nat():
    # dimension 0: mu = +-1, sigma = 1 -> KL 0.5 nats; dimension 1: the prior exactly -> 0
    mu = np.array([[1.0, 0.0], [-1.0, 0.0]])
    logvar = np.zeros((2, 2))
    usage = latent_usage(mu, logvar)
    assert usage["active_dims"] == 1
    assert usage["kl_total"] == pytest.approx(0.5)
