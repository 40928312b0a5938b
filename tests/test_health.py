"""The health measurements against hand computations, and every branch of the verdict on
constructed figures."""

from __future__ import annotations

import numpy as np
import pytest

from vae_core.package.health import (
    COLLAPSED,
    HEALTHY,
    WEAK,
    Health,
    HealthFigures,
    error_from_mean,
    judge,
    latent_usage,
    mean_image,
    mean_image_error,
    reconstruction_error,
)


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


# ------------------------------------------------------------------------------ the verdict
def _figures(**over) -> HealthFigures:
    base = dict(
        recon_error=12.6,
        mean_image_error=58.9,
        active_dims=10,
        latent_dim=10,
        kl_total=16.7,
        held_out=500,
        knn5_accuracy=0.86,
        chance=0.1,
        train_images=60_000,
        steps=18_760,
        image_size=28,
    )  # fmt: skip  (the shipped Fashion-MNIST package's figures)
    return HealthFigures(**{**base, **over})


def test_the_shipped_figures_are_healthy_with_no_advice():
    h = judge(_figures())
    assert h.verdict == HEALTHY and h.ok and h.advice == ""
    assert "10 of 10 sliders change the picture" in h.reason and "21% of the error" in h.reason


@pytest.mark.parametrize("active", [0, 1])
def test_one_active_dimension_or_none_is_collapsed(active):
    h = judge(_figures(active_dims=active))
    assert h.verdict == COLLAPSED
    assert h.reason.startswith("The model learned almost nothing about your images: every slider draws the same")
    assert f"{active} of 10 sliders" in h.reason


def test_an_error_near_the_mean_images_is_collapsed():
    assert judge(_figures(recon_error=0.9 * 58.9)).verdict == COLLAPSED  # the boundary counts
    h = judge(_figures(recon_error=60.0))
    assert h.verdict == COLLAPSED and "off by 60 on a 0-255 scale, against 59" in h.reason
    assert judge(_figures(recon_error=0.89 * 58.9)).verdict == WEAK


def test_weak_branches_each_name_their_reason():
    few = judge(_figures(active_dims=4))
    assert few.verdict == WEAK and "only 4 of 10 sliders change the picture" in few.reason
    assert judge(_figures(active_dims=5)).verdict == HEALTHY  # half the sliders is enough
    blurry = judge(_figures(recon_error=30.0))
    assert blurry.verdict == WEAK and "redraws only the rough shape" in blurry.reason
    assert judge(_figures(recon_error=0.5 * 58.9)).verdict == HEALTHY  # at most half is fine
    # 5-NN: chance 0.1, bar 0.1 + 0.25 * 0.9 = 0.325
    muddled = judge(_figures(knn5_accuracy=0.3))
    assert (
        muddled.verdict == WEAK
        and "30% of images it has not seen" in muddled.reason
        and "10% by chance" in muddled.reason
    )
    assert judge(_figures(knn5_accuracy=0.33)).verdict == HEALTHY
    two = judge(_figures(active_dims=3, recon_error=40.0))
    assert two.reason.count(";") >= 1 and "only 3 of 10" in two.reason and "rough shape" in two.reason


def test_the_knn_rule_needs_classes_and_enough_held_out_images():
    assert judge(_figures(knn5_accuracy=None, chance=None)).verdict == HEALTHY  # one class
    assert judge(_figures(knn5_accuracy=0.2, held_out=19)).verdict == HEALTHY  # too few to tell
    assert judge(_figures(knn5_accuracy=0.2, held_out=20)).verdict == WEAK


def test_advice_names_what_to_change():
    h = judge(_figures(recon_error=70.0, train_images=20, steps=1, image_size=64))
    assert h.verdict == COLLAPSED
    assert "add more images (it learned from 20" in h.advice
    assert "train for more epochs (it took 1 training step;" in h.advice
    assert "smaller image size (32 px learns faster than 64 px)" in h.advice
    assert judge(_figures(recon_error=70.0)).advice == "To improve it: train for more epochs."  # nothing else to say


def test_health_round_trips_through_its_manifest_entry():
    h = judge(_figures(active_dims=3, knn5_accuracy=None, chance=None))
    d = h.to_dict()
    assert d["verdict"] == WEAK and d["active_dims"] == 3 and d["knn5_accuracy"] is None
    assert Health.from_dict(d) == h


def test_mean_image_is_summed_without_a_float_copy_and_matches_numpy():
    imgs = np.random.default_rng(0).integers(0, 256, (50, 4, 4, 3), dtype=np.uint8)
    np.testing.assert_allclose(mean_image(imgs), imgs.astype(np.float64).mean(axis=0))
    np.testing.assert_allclose(mean_image(imgs / 255.0), imgs.astype(np.float64).mean(axis=0))
    assert error_from_mean(mean_image(imgs), imgs) == pytest.approx(mean_image_error(imgs, imgs))
