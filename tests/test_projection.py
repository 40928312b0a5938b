"""PCA against numpy's SVD, the t-SNE wrapper, and the neighbour placement rule."""

from __future__ import annotations

import numpy as np

from vae_core.latent.clusters import kmeans_labels
from vae_core.latent.projection import PCA, place_by_neighbours, tsne


def test_pca_matches_svd(rng):
    x = rng.normal(size=(300, 5)) @ rng.normal(size=(5, 5))
    pca = PCA.fit(x)
    centred = x - x.mean(0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(pca.explained_variance_, s**2 / (len(x) - 1), rtol=1e-8)
    for i in range(5):  # same axes up to sign
        assert abs(abs(pca.components_[i] @ vt[i]) - 1) < 1e-8
    xy = pca.transform(x)
    np.testing.assert_allclose(np.abs(xy), np.abs(centred @ vt[:2].T), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(pca.transform(x, (2, 4))[:, 1], centred @ pca.components_[4], atol=1e-9)
    assert abs(pca.explained_ratio_.sum() - 1) < 1e-12


def test_tsne_separates_two_blobs():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(0, 1, (150, 10)), rng.normal(12, 1, (150, 10))])
    calls = []
    emb = tsne(x, seed=0, n_jobs=1, progress=lambda i, n: calls.append((i, n)))
    assert emb.shape == (300, 2) and emb.dtype == np.float32
    gap = np.linalg.norm(emb[:150].mean(0) - emb[150:].mean(0))
    spread = max(emb[:150].std(0).max(), emb[150:].std(0).max())
    assert gap > 3 * spread
    assert calls[-1] == (750, 750) and [c[0] for c in calls] == sorted(c[0] for c in calls)


def test_place_by_neighbours_weights_by_likelihood():
    coords = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    # log q differing by log(3): item 0 gets weight 3/4, item 1 gets 1/4
    xy = place_by_neighbours(coords, np.array([0, 1]), np.array([np.log(3.0), 0.0]))
    np.testing.assert_allclose(xy, [2.5, 0.0])
    np.testing.assert_allclose(place_by_neighbours(coords, np.array([2]), np.array([-1e4])), [0.0, 10.0])


def test_kmeans_finds_blobs_and_orders_by_size():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 0.1, (50, 2)), rng.normal(5, 0.1, (80, 2)), rng.normal(-5, 0.1, (20, 2))])
    labels = kmeans_labels(x, 3, seed=0)
    assert np.bincount(labels).tolist() == [80, 50, 20]
    assert len(set(labels[:50])) == len(set(labels[50:130])) == len(set(labels[130:])) == 1


def test_with_coordinates_sets_two_components_and_keeps_the_others():
    rng = np.random.default_rng(3)
    pca = PCA.fit(rng.normal(size=(500, 6)) * [3, 2, 1.5, 1, 0.5, 0.2])
    z = rng.normal(size=6)
    for comps in ((0, 1), (2, 4)):
        moved = pca.with_coordinates(z, [1.5, -2.0], comps)
        np.testing.assert_allclose(pca.transform(moved, comps), [1.5, -2.0], atol=1e-12)
        others = [i for i in range(6) if i not in comps]
        np.testing.assert_allclose(pca.transform(moved, others[:2]), pca.transform(z, others[:2]), atol=1e-12)
        # independent check: rebuild z from all its coordinates with the two replaced
        full = (z - pca.mean_) @ pca.components_.T
        full[list(comps)] = [1.5, -2.0]
        np.testing.assert_allclose(moved, pca.mean_ + full @ pca.components_, atol=1e-12)
