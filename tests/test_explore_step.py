"""One Explore step as a pure function: the typicality badge, "looks like", encoding an upload,
and :func:`explore_step` against the package's own calls."""

from __future__ import annotations

import numpy as np
import pytest

from ui.explore.step import encode_garment, explore_step, looks_like_text, typicality_text
from vae_core import ModelPackage


@pytest.fixture(scope="module")
def pkg(tiny_package_dir):
    return ModelPackage.load(tiny_package_dir)


# ------------------------------------------------------------------------------ typicality
UNLIKE = "unlike the catalogue (may look broken)"


@pytest.mark.parametrize(
    ("percentile", "label", "color"),
    [(99.0, "realistic", "green"), (50.0, "realistic", "green"), (10.0, "realistic", "green"),
     (5.0, "in between", "orange"), (1.0, "in between", "orange"), (0.5, UNLIKE, "red"), (0.0, UNLIKE, "red")],
)  # fmt: skip
def test_typicality_tiers_speak_plainly(percentile, label, color):
    t = typicality_text(percentile, -7.25, 42)
    assert (t.label, t.color) == (label, color)
    assert "nats" not in t.detail and "log q" not in t.detail and "typical" not in t.detail + t.label
    assert "novel" not in t.detail + t.label
    assert "-7.2 nats (item #42)" in t.expert and f"Typicality percentile {percentile:.1f}." in t.expert


# ------------------------------------------------------------------------------ looks like
CLASSES = ("T-shirt", "Trouser", "Sneaker", "Ankle boot")


@pytest.mark.parametrize(
    ("probs", "text"),
    [
        ([0.0, 0.05, 0.12, 0.83], "Ankle boot 83 % · Sneaker 12 %"),  # 95 % reached: stop
        ([0.34, 0.33, 0.2, 0.13], "T-shirt 34 % · Trouser 33 % · Sneaker 20 %"),  # at most three
        ([0.996, 0.004, 0.0, 0.0], "T-shirt >99 %"),
        ([0.9, 0.097, 0.003, 0.0], "T-shirt 90 % · Trouser 10 %"),  # under 1 %: left out
    ],
)
def test_looks_like_text(probs, text):
    assert looks_like_text(np.array(probs), CLASSES) == text


def test_looks_like_is_empty_without_classes():
    assert looks_like_text(np.array([1.0]), ("my garments",)) == ""


# ------------------------------------------------------------------------------ upload
def test_encode_garment_returns_the_mean_code_and_reconstruction(tiny_package_dir, small_splits):
    pkg = ModelPackage.load(tiny_package_dir)
    image = small_splits[0].images[3].astype(np.float32) / 255.0
    z, recon, clipped = encode_garment(pkg, image)
    assert not clipped
    assert len(z) == pkg.latent_dim
    np.testing.assert_allclose(z, pkg.mu[3], atol=1e-3)  # item 3's own mean, rounded
    np.testing.assert_allclose(recon, pkg.decode(np.asarray(z)), atol=1e-6)
    assert recon.shape == (28, 28)


@pytest.mark.parametrize("method", ["tsne", "pca"])
def test_explore_step_ranks_once_and_reuses_it(pkg, method):
    z = np.linspace(-1.5, 1.5, pkg.latent_dim)
    step = explore_step(pkg, z, 7, method, euclidean=True)
    ranking = pkg.rank(z, 7)
    np.testing.assert_array_equal(step.ranking.indices, ranking.indices)
    np.testing.assert_allclose(step.ranking.scores, ranking.scores)
    np.testing.assert_allclose(step.garment, pkg.decode(z), atol=1e-7)
    np.testing.assert_array_equal(step.euclidean.indices, pkg.rank_euclidean(z, 7).indices)
    assert step.percentile == pkg.typicality(z)
    np.testing.assert_allclose(step.here, pkg.place(z, method, 7))
    np.testing.assert_allclose(step.probs, pkg.class_probabilities(z), rtol=1e-12)


def test_explore_step_without_euclidean(pkg):
    step = explore_step(pkg, np.zeros(pkg.latent_dim), 3, "tsne")
    assert step.euclidean is None and len(step.ranking.indices) == 3
