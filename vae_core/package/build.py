"""Building a model package from trained weights: encode, measure, project.

Stages (each reported through ``progress(stage, done, total, info)``):

1. ``encode``: every training item's posterior (mu, logvar);
2. ``metrics``: test negative ELBO, 5-NN class accuracy of test means, retrieval agreement;
3. ``pca`` and ``tsne``: 2-D maps of the means;
4. ``typicality``: the reference distribution of best-match log q scores, from held-out garments;
5. ``health``: the verdict on what the model learned (``vae_core.package.health``), measured on the
   held-out images, and a seeded sample of a few hundred of them to store in the package.

:func:`recalibrate_typicality` recomputes only the typicality reference of an existing package;
:func:`upgrade_package` adds the health verdict and held-out images to a package built without them.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import InputError
from ..latent.likelihood import LikelihoodIndex
from ..latent.metrics import active_dims, kl_per_dimension, knn_accuracy, retrieval_agreement
from ..latent.projection import PCA, tsne
from ..model.config import TrainConfig
from ..model.data import Split
from ..model.network import VAE
from ..model.pixel_likelihood import bits_per_dim
from ..model.train import evaluate
from .catalogue import Catalogue
from .format import ModelPackage, amend, encode_images, model_input
from .health import Health, HealthFigures, error_from_mean, judge, latent_usage, reconstruction_error
from .held_out import HeldOut
from .held_out import pick as pick_held_out

BuildProgress = Callable[[str, int, int, dict[str, float]], None]
TYPICALITY_SAMPLES = 2000
RETRIEVAL_QUERIES = 2000


def _quiet(stage: str, done: int, total: int, info: dict[str, float]) -> None:
    """The default progress callback: report nothing."""


def reference_items(n_held_out: int, n: int, seed: int) -> np.ndarray:
    """Which held-out garments (indices into the test split) the typicality reference uses:
    ``min(n, n_held_out)`` of them, drawn without replacement by a generator seeded with ``seed``.
    The others stay unseen by the reference, for checking its calibration."""
    return np.random.default_rng(seed).choice(n_held_out, size=min(n, n_held_out), replace=False)


def typicality_reference(index: LikelihoodIndex, held_out_mu: np.ndarray) -> np.ndarray:
    """Sorted best log q over the catalogue of the codes (posterior means) of held-out garments.

    The garments must not be in the catalogue: a catalogue item's own code matches itself far
    better than any new garment's code matches anything, which would make every unseen garment
    look novel. With held-out garments the percentile of an unseen garment's code is uniform,
    so a typical new garment reads about 50 %.
    """
    best = np.array([index.log_q(z).max() for z in np.asarray(held_out_mu, dtype=np.float64)])
    return np.sort(best)


def typicality_info(n: int, seed: int) -> dict[str, object]:
    """The manifest's record of how the reference was built."""
    return {"source": "test split", "codes": "posterior means", "n": int(n), "seed": int(seed)}


def recalibrate_typicality(pkg: ModelPackage, test_split: Split) -> ModelPackage:
    """A copy of ``pkg`` with its typicality reference rebuilt from ``test_split`` (no retraining)."""
    t = time.perf_counter()
    test_mu, _ = pkg.encode(test_split.images)
    pick = reference_items(len(test_mu), TYPICALITY_SAMPLES, pkg.train_config.seed)
    ref = typicality_reference(pkg.index, test_mu[pick])
    metrics = {**pkg.metrics, "typicality_recalibration_seconds": time.perf_counter() - t}
    return replace(
        pkg, typicality_ref=ref, typicality_info=typicality_info(len(pick), pkg.train_config.seed), metrics=metrics
    )


def training_mean(images: np.ndarray, rows: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """The per-pixel mean (0-255 scale, float64) of ``images[rows]``, summed a chunk at a time
    (no copy of the whole training set)."""
    total = np.zeros(np.shape(images)[1:], dtype=np.float64)
    for start in range(0, len(rows), chunk):
        total += np.asarray(images[rows[start : start + chunk]]).sum(axis=0, dtype=np.float64)
    return total / max(len(rows), 1)


@torch.no_grad()
def held_out_error(model: VAE, images: np.ndarray, mu: np.ndarray, batch_size: int = 500) -> float:
    """Mean absolute error (0-255 scale) of ``decode(mu)`` against ``images`` (any layout
    ``model_input`` takes, uint8), a batch at a time."""
    cfg = model.config
    model.eval()
    total = 0.0
    for start in range(0, len(images), batch_size):
        x = model_input(images[start : start + batch_size], cfg.image_size, cfg.image_channels)
        recon = model.decode(torch.from_numpy(np.ascontiguousarray(mu[start : start + batch_size], np.float32)))
        total += reconstruction_error(x, recon.numpy()) * len(x)
    return total / len(images)


def optimiser_steps(train_config: TrainConfig, n_train: int, epochs_run: int = 0) -> int:
    """Optimiser steps a run took: epochs (those run, else those asked for) x batches per epoch,
    at most ``train_config.steps`` when the run was given a number of steps."""
    n = min(n_train, train_config.limit) if train_config.limit else n_train
    steps = int((epochs_run or train_config.epochs) * math.ceil(n / train_config.batch_size))
    return min(steps, train_config.steps) if train_config.steps else steps


def measure_health(
    model: VAE,
    train_images: np.ndarray,
    train_rows: np.ndarray,
    test_images: np.ndarray,
    test_mu: np.ndarray,
    test_logvar: np.ndarray,
    knn: float | None,
    n_classes: int,
    steps: int = 0,
) -> Health:
    """The verdict on ``model`` from its held-out images (uint8, with their posterior parameters)
    against the mean of the training images ``train_images[train_rows]``; ``knn`` is the held-out
    5-NN class accuracy (ignored with fewer than two classes)."""
    usage = latent_usage(test_mu, test_logvar)
    figures = HealthFigures(
        recon_error=held_out_error(model, test_images, test_mu),
        mean_image_error=error_from_mean(training_mean(train_images, train_rows), test_images),
        active_dims=int(usage["active_dims"]),
        latent_dim=model.config.latent_dim,
        kl_total=usage["kl_total"],
        held_out=len(test_images),
        knn5_accuracy=float(knn) if knn is not None and n_classes >= 2 else None,
        chance=1.0 / n_classes if n_classes >= 2 else None,
        train_images=int(len(train_rows)),
        steps=int(steps),
        image_size=model.config.image_size,
    )
    return judge(figures)


def held_out_sample(
    images: np.ndarray, labels: np.ndarray, seed: int, rows: np.ndarray | None = None, source: str = "test split"
) -> HeldOut:
    """A seeded sample of held-out ``images`` (with ``labels``) to store in the package; ``rows``
    maps the images to the rows of ``source`` that the manifest records (default: their order)."""
    arr = np.asarray(images)
    channels = 1 if arr.ndim == 3 else 3
    chosen = pick_held_out(len(arr), seed, arr.shape[1], channels)
    where = np.arange(len(arr)) if rows is None else np.asarray(rows, dtype=np.int64)
    return HeldOut.from_images(arr[chosen], np.asarray(labels)[chosen], where[chosen], source, seed)


def build_package(
    model: VAE,
    train_split: Split,
    test_split: Split,
    train_config: TrainConfig,
    history: list[dict[str, float]] | None = None,
    progress: BuildProgress = _quiet,
    n_jobs: int = 2,
    train_seconds: float | None = None,
    *,
    reference: np.ndarray | None = None,
    catalogue: Catalogue | None = None,
    data_source: dict[str, Any] | None = None,
) -> ModelPackage:
    """Encode the training split, measure the model on the test split and build both maps.

    Parameters
    ----------
    model
        Trained VAE.
    train_split, test_split
        The catalogue (every training item is encoded) and the held-out evaluation data.
    train_config
        Stored in the manifest; its ``seed`` seeds t-SNE and picks the typicality reference's garments.
    history
        Per-epoch training history to store.
    n_jobs
        Threads for t-SNE.
    train_seconds
        Wall-clock training time to record in the metrics.
    reference
        Rows of ``train_split`` the 5-NN accuracy and retrieval metrics search (default: all).
        When the held-out items are also in the catalogue, pass the other rows, so a test item
        never finds itself.
    catalogue, data_source
        The catalogue's images and where they came from, stored in the package.
    """
    t0 = time.perf_counter()
    seed = train_config.seed
    model.eval()
    timings: dict[str, float] = {}

    def stage(name: str, started: float) -> None:
        timings[f"build_{name}_seconds"] = time.perf_counter() - started

    t = time.perf_counter()
    progress("encode", 0, 2, {})
    mu, logvar = encode_images(model, train_split.images)
    test_mu, test_logvar = encode_images(model, test_split.images)
    progress("encode", 2, 2, {})
    stage("encode", t)

    t = time.perf_counter()
    index = LikelihoodIndex(mu, logvar, train_split.labels)
    ref = np.arange(len(mu)) if reference is None else np.asarray(reference, dtype=np.int64)
    ref_index = index if reference is None else LikelihoodIndex(mu[ref], logvar[ref], train_split.labels[ref])
    test = evaluate(model, test_split.as_float(), seed=seed)
    progress("metrics", 1, 3, test)
    knn = knn_accuracy(test_mu, test_split.labels, mu[ref], train_split.labels[ref], k=min(5, max(1, len(ref) - 1)))
    progress("metrics", 2, 3, {"knn5_accuracy": knn})
    q = np.random.default_rng(seed).choice(len(test_mu), min(RETRIEVAL_QUERIES, len(test_mu)), replace=False)
    retrieval = retrieval_agreement(ref_index, test_mu[q], test_split.labels[q], k=min(10, len(ref)))
    progress("metrics", 3, 3, retrieval)
    kl_dim = kl_per_dimension(mu, logvar)
    stage("metrics", t)

    t = time.perf_counter()
    pca = PCA.fit(mu)
    pca_xy = pca.transform(mu).astype(np.float32)
    stage("pca", t)

    t = time.perf_counter()
    perplexity = min(30.0, max(2.0, (len(mu) - 1) / 3.5))  # openTSNE needs N > 3 * perplexity
    tsne_xy = tsne(
        mu,
        seed=seed,
        n_jobs=n_jobs,
        perplexity=perplexity,
        progress=lambda i, n: progress("tsne", i, n, {}),
    )
    stage("tsne", t)

    t = time.perf_counter()
    pick = reference_items(len(test_mu), TYPICALITY_SAMPLES, seed)
    typ = typicality_reference(ref_index, test_mu[pick])  # held-out codes, scored without themselves
    progress("typicality", 1, 1, {})
    stage("typicality", t)

    t = time.perf_counter()
    n_classes = len(train_split.class_names)
    steps = optimiser_steps(train_config, len(ref), len(history or []))
    health = measure_health(
        model, train_split.images, ref, test_split.images, test_mu, test_logvar, knn, n_classes, steps
    )
    held_rows = (data_source or {}).get("held_out_rows") or None
    source = "catalogue rows" if held_rows else "test split"
    held = held_out_sample(test_split.images, test_split.labels, seed, held_rows, source)
    progress("health", 1, 1, {"recon_error": health.figures.recon_error})
    stage("health", t)

    dims = model.config.image_channels * model.config.image_size**2
    metrics = {
        "test_neg_elbo": test["neg_elbo"],
        "test_bits_per_dim": bits_per_dim(test["neg_elbo"], dims),
        "test_recon": test["recon"],
        "test_kl": test["kl"],
        "knn5_accuracy": knn,
        "retrieval_top10_same_class_log_q": retrieval["log_q"],
        "retrieval_top10_same_class_euclidean": retrieval["euclidean"],
        "retrieval_queries": float(len(q)),
        "active_units": float(np.sum(active_dims(kl_dim))),
        **timings,
        "build_seconds": time.perf_counter() - t0,
    }
    if train_seconds is not None:
        metrics["train_seconds"] = float(train_seconds)
    return ModelPackage(
        model_config=model.config,
        train_config=train_config,
        model=model,
        mu=mu,
        logvar=logvar,
        labels=train_split.labels.astype(np.uint8),
        class_names=train_split.class_names,
        pca=pca,
        pca_xy=pca_xy,
        tsne_xy=tsne_xy,
        kl_per_dim=kl_dim,
        typicality_ref=typ,
        data_fingerprint=train_split.fingerprint(),
        history=list(history or []),
        metrics=metrics,
        catalogue=catalogue,
        data_source=dict(data_source or {}),
        typicality_info=typicality_info(len(pick), seed),
        health=health,
        held_out=held,
    )


def upgrade_package(
    path: str | os.PathLike[str], test_split: Split | None = None, train_split: Split | None = None
) -> ModelPackage:
    """Add the health verdict and held-out images to an existing package, in place, without
    retraining or rewriting any other file (``vae_core.package.format.amend``); returns it loaded.

    The held-out images are ``test_split`` (the Fashion-MNIST test split, for a package trained on
    it) or, without one, the catalogue rows the package's build held out (a package trained on an
    image folder). The training mean comes from the package's catalogue, or from ``train_split``
    for a package without one (it must be the data the package was built from).
    """
    pkg = ModelPackage.load(path)
    shown = Path(path).name
    if pkg.catalogue is not None:
        images: Any = pkg.catalogue
    elif train_split is not None and train_split.fingerprint() == pkg.data_fingerprint:
        images = train_split.images
    else:
        raise InputError(
            f"{shown} carries no catalogue images, which the health check compares against; add them first "
            "with `python -m vae_core catalogue`."
        )
    held_rows = np.asarray(pkg.data_source.get("held_out_rows") or [], dtype=np.int64)
    if test_split is None:
        if not len(held_rows):
            raise InputError(
                f"{shown} has no held-out catalogue rows; give the Fashion-MNIST test split with --data DIR."
            )
        test = Split(pkg.images(held_rows), pkg.labels[held_rows], tuple(pkg.class_names))
        train_rows, rows, source = np.setdiff1d(np.arange(len(pkg)), held_rows), held_rows, "catalogue rows"
    else:
        if np.shape(test_split.images)[1:] != pkg.image_shape:
            raise InputError(
                f"The test images are {np.shape(test_split.images)[1:]}; {shown} takes {pkg.image_shape}. "
                "--data reads Fashion-MNIST, for packages trained on it."
            )
        test, train_rows, rows, source = test_split, np.arange(len(pkg)), None, "test split"
    test_mu, test_logvar = pkg.encode(test.images)
    k = min(5, max(1, len(train_rows) - 1))
    knn = knn_accuracy(test_mu, test.labels, pkg.mu[train_rows], pkg.labels[train_rows], k=k)
    steps = optimiser_steps(pkg.train_config, len(train_rows), len(pkg.history))
    health = measure_health(
        pkg.model, images, train_rows, test.images, test_mu, test_logvar, knn, len(pkg.class_names), steps
    )
    held = held_out_sample(test.images, test.labels, pkg.train_config.seed, rows, source)

    def change(tmp: Path, manifest: dict[str, Any]) -> list[str]:
        manifest["health"] = health.to_dict()
        manifest["held_out"] = held.manifest_entry()
        return held.write(tmp)

    amend(path, change)
    return ModelPackage.load(path)
