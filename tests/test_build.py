"""Building a package: the typicality reference from held-out garments, and its calibration."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from vae_core import LikelihoodIndex, ModelPackage
from vae_core.model.data import Split
from vae_core.package.build import recalibrate_typicality, reference_items, typicality_reference


def test_reference_is_the_sorted_best_log_q_of_held_out_codes(rng):
    mu = rng.standard_normal((50, 3)).astype(np.float32)
    logvar = (0.3 * rng.standard_normal((50, 3)) - 1.0).astype(np.float32)
    held_out = rng.standard_normal((7, 3))
    index = LikelihoodIndex(mu, logvar, np.zeros(50, np.uint8))
    sigma = np.exp(0.5 * logvar.astype(np.float64))
    expected = [norm.logpdf(z, mu, sigma).sum(axis=1).max() for z in held_out]  # independent formula
    np.testing.assert_allclose(typicality_reference(index, held_out), np.sort(expected), rtol=1e-9)


def test_reference_items_are_seeded_and_distinct():
    a, b = reference_items(100, 30, seed=4), reference_items(100, 30, seed=4)
    np.testing.assert_array_equal(a, b)
    assert len(set(a.tolist())) == 30 and a.max() < 100
    assert len(reference_items(10, 30, seed=0)) == 10  # never more than there are


def test_unseen_garments_land_near_the_middle(tiny_package_dir, data_dir):
    """The tiny package's reference holds its 200 test garments; 500 other test garments'
    codes must read about 50 % (before the fix: training items' own samples made them ~5 %)."""
    from vae_core.model.data import load_split

    pkg = ModelPackage.load(tiny_package_dir)
    assert pkg.typicality_info["source"] == "test split" and len(pkg.typicality_ref) == 200
    unseen = load_split("test", data_dir).images[200:700]
    mu, _ = pkg.encode(unseen)
    median = float(np.median([pkg.typicality(z) for z in mu]))
    assert 30.0 <= median <= 70.0, median


def test_recalibrate_replaces_only_the_reference(tiny_package_dir, data_dir, tmp_path):
    from vae_core.model.data import load_split

    pkg = ModelPackage.load(tiny_package_dir)
    te = load_split("test", data_dir)
    new = recalibrate_typicality(pkg, Split(te.images[1000:1400], te.labels[1000:1400]))
    assert len(new.typicality_ref) == 400 and np.all(np.diff(new.typicality_ref) >= 0)
    again = ModelPackage.load(new.save(tmp_path / "again"))
    np.testing.assert_array_equal(again.typicality_ref, new.typicality_ref)
    for name in ("mu", "logvar", "labels", "tsne_xy", "pca_xy", "kl_per_dim"):
        np.testing.assert_array_equal(getattr(again, name), getattr(pkg, name))
    assert again.typicality_info == {"source": "test split", "codes": "posterior means", "n": 400, "seed": 0}
    assert "typicality_recalibration_seconds" in again.metrics


def test_shipped_package_is_calibrated(shipped_package_dir, data_dir):
    """The shipped reference: 500 test garments outside it read about 50 %, and a training
    garment's own code, which matches itself, reads as a near-copy."""
    from vae_core.model.data import load_split

    pkg = ModelPackage.load(shipped_package_dir)
    assert pkg.typicality_info == {"source": "test split", "codes": "posterior means", "n": 2000, "seed": 0}
    held = set(reference_items(10_000, 2000, seed=0).tolist())
    unseen = [i for i in range(10_000) if i not in held][:500]
    mu, _ = pkg.encode(load_split("test", data_dir).images[unseen])
    median = float(np.median([pkg.typicality(z) for z in mu]))
    assert 30.0 <= median <= 70.0, median
    assert float(np.median([pkg.typicality(z) for z in pkg.mu[:200]])) > 90.0
