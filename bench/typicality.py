"""How well the typicality badge is calibrated: where unseen garments land.

For a package and the Fashion-MNIST test split: the median typicality (percentile, 0-100) of
500 test garments' codes (posterior means; garments outside the package's typicality reference),
of one sample z ~ q(z|x) of each of them, and of 500 prior samples z ~ N(0, I), plus the 8 prior
samples the Model page shows first (``samples_with_neighbours(pkg, 8, seed=0)``)::

    python bench/typicality.py --package assets/fashion-mnist-vae --data ../shared/data/fashion-mnist
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from vae_core import ModelPackage, load_split
from vae_core.latent.traversal import prior_samples, samples_with_neighbours
from vae_core.package.build import TYPICALITY_SAMPLES, reference_items


def measure(pkg: ModelPackage, test_images: np.ndarray, n: int = 500, seed: int = 1) -> dict[str, object]:
    """Median typicalities of unseen test means, their posterior samples and prior samples."""
    held = set(reference_items(len(test_images), TYPICALITY_SAMPLES, pkg.train_config.seed).tolist())
    unseen = np.array([i for i in range(len(test_images)) if i not in held])
    pick = np.random.default_rng(seed).choice(unseen, size=min(n, len(unseen)), replace=False)
    mu, logvar = pkg.encode(test_images[pick])
    rng = np.random.default_rng(seed)
    samples = mu + np.exp(0.5 * logvar) * rng.standard_normal(mu.shape)
    prior = prior_samples(pkg.latent_dim, n, seed)
    page = samples_with_neighbours(pkg, 8, seed=0)
    typ = lambda zs: np.array([pkg.typicality(z) for z in zs])  # noqa: E731
    return {
        "test_means_median": float(np.median(typ(mu))),
        "test_samples_median": float(np.median(typ(samples))),
        "prior_samples_median": float(np.median(typ(prior))),
        "model_page_8_prior_samples": [round(s.typicality, 1) for s in page],
        "n": int(len(pick)),
        "reference": pkg.typicality_info or "training items' own posterior samples (before the fix)",
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--package", default="assets/fashion-mnist-vae")
    p.add_argument("--data", default=None)
    args = p.parse_args()
    pkg = ModelPackage.load(args.package)
    print(json.dumps(measure(pkg, load_split("test", args.data).images), indent=1))


if __name__ == "__main__":
    main()
