"""Building a model package from trained weights: encode, measure, project.

Stages (each reported through ``progress(stage, done, total, info)``):

1. ``encode``: every training item's posterior (mu, logvar);
2. ``metrics``: test negative ELBO, 5-NN class accuracy of test means, retrieval agreement;
3. ``pca`` and ``tsne``: 2-D maps of the means;
4. ``typicality``: the reference distribution of best-match log q scores, from held-out garments.

:func:`recalibrate_typicality` recomputes only the typicality reference of an existing package.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from ..latent.likelihood import LikelihoodIndex
from ..latent.metrics import active_dims, kl_per_dimension, knn_accuracy, retrieval_agreement
from ..latent.projection import PCA, tsne
from ..model.config import TrainConfig
from ..model.data import Split
from ..model.network import VAE
from ..model.train import evaluate
from .format import ModelPackage, encode_images

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


def build_package(
    model: VAE,
    train_split: Split,
    test_split: Split,
    train_config: TrainConfig,
    history: list[dict[str, float]] | None = None,
    progress: BuildProgress = _quiet,
    n_jobs: int = 2,
    train_seconds: float | None = None,
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
    test_mu, _ = encode_images(model, test_split.images)
    progress("encode", 2, 2, {})
    stage("encode", t)

    t = time.perf_counter()
    index = LikelihoodIndex(mu, logvar, train_split.labels)
    test = evaluate(model, test_split.as_float(), seed=seed)
    progress("metrics", 1, 3, test)
    knn = knn_accuracy(test_mu, test_split.labels, mu, train_split.labels, k=5)
    progress("metrics", 2, 3, {"knn5_accuracy": knn})
    q = np.random.default_rng(seed).choice(len(test_mu), min(RETRIEVAL_QUERIES, len(test_mu)), replace=False)
    retrieval = retrieval_agreement(index, test_mu[q], test_split.labels[q], k=10)
    progress("metrics", 3, 3, retrieval)
    kl_dim = kl_per_dimension(mu, logvar)
    stage("metrics", t)

    t = time.perf_counter()
    pca = PCA.fit(mu)
    pca_xy = pca.transform(mu).astype(np.float32)
    stage("pca", t)

    t = time.perf_counter()
    tsne_xy = tsne(mu, seed=seed, n_jobs=n_jobs, progress=lambda i, n: progress("tsne", i, n, {}))
    stage("tsne", t)

    t = time.perf_counter()
    pick = reference_items(len(test_mu), TYPICALITY_SAMPLES, seed)
    typ = typicality_reference(index, test_mu[pick])
    progress("typicality", 1, 1, {})
    stage("typicality", t)

    metrics = {
        "test_neg_elbo": test["neg_elbo"],
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
        typicality_info=typicality_info(len(pick), seed),
    )
