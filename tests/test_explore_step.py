"""One Explore step as a pure function: the typicality badge, encoding an upload, and
:func:`explore_step` against the package's own calls."""

from __future__ import annotations

import numpy as np
import pytest

from ui.explore.step import encode_garment, explore_step, typicality_text
from vae_core import ModelPackage


@pytest.fixture(scope="module")
def pkg(tiny_package_dir):
    return ModelPackage.load(tiny_package_dir)


# ------------------------------------------------------------------------------ typicality
NEAR = "near-copy of a training garment"
NOVEL = "novel: far from every training garment"


@pytest.mark.parametrize(
    ("percentile", "label", "color"),
    [(99.0, NEAR, "blue"), (90.0, NEAR, "blue"), (50.0, "typical", "green"), (10.0, "typical", "green"),
     (5.0, "unusual: between training garments", "orange"), (0.5, NOVEL, "red"), (0.0, NOVEL, "red")],
)  # fmt: skip
def test_typicality_tiers(percentile, label, color):
    t = typicality_text(percentile, -7.25, 42)
    assert (t.label, t.color) == (label, color)
    assert "-7.2 nats (item #42)" in t.detail
    assert f"{percentile:.0f} %" in t.detail


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


def test_explore_step_without_euclidean(pkg):
    step = explore_step(pkg, np.zeros(pkg.latent_dim), 3, "tsne")
    assert step.euclidean is None and len(step.ranking.indices) == 3
