"""Traversal grid layout, prior samples with their nearest neighbours, and training curves."""

from __future__ import annotations

import numpy as np
import pytest

from vae_core import InputError, ModelPackage
from vae_core.latent.likelihood import log_q
from vae_core.latent.traversal import (
    kl_order,
    prior_samples,
    samples_with_neighbours,
    training_curves,
    traversal_sheet,
    traversal_values,
    traversal_z,
)


def test_traversal_values_span_minus_a_to_a():
    np.testing.assert_allclose(traversal_values(3.0, 7), [-3, -2, -1, 0, 1, 2, 3])
    with pytest.raises(InputError, match="positive"):
        traversal_values(0.0, 5)
    with pytest.raises(InputError, match="at least 2"):
        traversal_values(2.0, 1)


def test_traversal_z_sweeps_one_dimension_per_row_and_holds_the_rest_at_base():
    base = np.array([0.5, -1.0, 2.0, 0.0])
    z = traversal_z(base, 2.0, 5)
    assert z.shape == (4, 5, 4)
    for row in range(4):
        np.testing.assert_allclose(z[row, :, row], [-2, -1, 0, 1, 2])
        others = [d for d in range(4) if d != row]
        np.testing.assert_allclose(z[row][:, others], np.broadcast_to(base[others], (5, 3)))


def test_traversal_z_with_chosen_rows_in_order():
    z = traversal_z(np.zeros(3), 1.0, 3, dims=[2, 0])
    assert z.shape == (2, 3, 3)
    np.testing.assert_allclose(z[0, :, 2], [-1, 0, 1])
    np.testing.assert_allclose(z[1, :, 0], [-1, 0, 1])
    np.testing.assert_allclose(z[0, :, :2], 0)
    with pytest.raises(InputError, match="between 0 and 2"):
        traversal_z(np.zeros(3), 1.0, 3, dims=[3])
    with pytest.raises(InputError, match="NaN"):
        traversal_z([0.0, np.nan, 0.0], 1.0, 3)


def test_traversal_sheet_keeps_rows_and_columns():
    imgs = np.zeros((2, 3, 28, 28))
    imgs[1, 2] = 1.0  # bottom-right cell white
    sheet = traversal_sheet(imgs, pad=2)
    assert sheet.shape == (2 * 30 - 2, 3 * 30 - 2) and sheet.dtype == np.uint8
    assert sheet[30:, 60:].min() == 255 and sheet[:28, :28].max() == 0
    assert sheet[28:30, :].min() == 255  # padding between rows


def test_kl_order():
    kl = np.array([0.5, 0.001, 2.0, 0.5])
    assert kl_order(kl) == [2, 0, 3, 1]


def test_prior_samples_are_seeded_standard_normal():
    a, b = prior_samples(10, 2000, seed=3), prior_samples(10, 2000, seed=3)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, prior_samples(10, 2000, seed=4))
    assert abs(a.mean()) < 0.05 and abs(a.std() - 1) < 0.05
    with pytest.raises(InputError):
        prior_samples(10, 0, seed=0)


def test_samples_with_neighbours_finds_the_best_log_q_item(tiny_package_dir):
    pkg = ModelPackage.load(tiny_package_dir)
    samples = samples_with_neighbours(pkg, 4, seed=0)
    assert len(samples) == 4
    np.testing.assert_array_equal(np.stack([s.z for s in samples]), prior_samples(pkg.latent_dim, 4, 0))
    for s in samples:
        direct = log_q(s.z, pkg.mu, pkg.logvar)  # brute force over the catalogue
        assert s.nearest == int(np.argmax(direct))
        assert s.log_q == pytest.approx(direct.max(), rel=1e-9)
        assert s.label == pkg.labels[s.nearest]
        assert 0.0 <= s.typicality <= 100.0


def test_training_curves_from_history():
    history = [
        {"epoch": 1, "train_neg_elbo": 300.0, "train_recon": 290.0, "train_kl": 10.0,
         "test_neg_elbo": 280.0, "test_recon": 268.0, "test_kl": 12.0, "seconds": 5.0},
        {"epoch": 2, "train_neg_elbo": 260.0, "train_recon": 245.0, "train_kl": 15.0,
         "test_neg_elbo": 258.0, "test_recon": 244.0, "test_kl": 14.0, "seconds": 10.0},
        {"epoch": 3, "train_neg_elbo": 250.0, "train_recon": 234.0, "train_kl": 16.0},  # no test row
    ]  # fmt: skip
    c = training_curves(history)
    assert c["epoch"].tolist() == [1, 2, 3]
    assert c["neg_elbo"]["train"].tolist() == [300, 260, 250]
    assert c["kl"]["test"][:2].tolist() == [12, 14] and np.isnan(c["kl"]["test"][2])
    np.testing.assert_allclose(c["recon"]["train"] + c["kl"]["train"], c["neg_elbo"]["train"])
    assert training_curves([])["epoch"].size == 0
