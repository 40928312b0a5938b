"""From a folder of images to a verified model package, and adding catalogue images to an
existing package; the library side of ``python -m vae_core train --images`` and ``catalogue``.

Every usable image is in the catalogue (encoded, mapped, ranked); a seeded held-out fraction of
them is left out of training and gives the test metrics (its rows are also excluded from the
5-NN and retrieval references, so a held-out garment never finds itself).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, PackageError, display_path
from ..model.config import ModelConfig, TrainConfig
from ..model.image_folder import ImageSet, held_out, load_image_folder
from ..model.recipe import LIKELIHOOD, RECIPE_HIDDEN, RECIPE_REFINE, WIDTHS, folder_recipe
from .catalogue import Catalogue
from .format import amend, verify
from .schema import catalogue_problem

Progress = Callable[[str, int, int, dict[str, float]], None]


def _quiet(stage: str, done: int, total: int, info: dict[str, float]) -> None:
    """The default progress callback: report nothing."""


def model_config_for(
    image_size: int,
    channels: int,
    latent_dim: int = 10,
    hidden: int | None = None,
    widths: tuple[int, ...] | None = None,
    *,
    likelihood: str = LIKELIHOOD,
    batch_norm: bool = True,
    refine: bool | None = None,
) -> ModelConfig:
    """The network for ``image_size`` x ``image_size`` images with ``channels`` channels and a
    discretised logistic likelihood (8-bit data); ``widths`` overrides :data:`WIDTHS`, ``hidden``
    :data:`RECIPE_HIDDEN` and ``refine`` :data:`RECIPE_REFINE` (None: the recipe's)."""
    if image_size not in WIDTHS:
        raise InputError(f"--image-size must be one of {', '.join(map(str, WIDTHS))}, not {image_size}.")
    widths = tuple(widths or WIDTHS[image_size])
    if image_size % (1 << len(widths)) or image_size >> len(widths) < 2:
        raise InputError(f"{len(widths)} conv widths do not fit {image_size} px (each block halves the side).")
    return ModelConfig(
        latent_dim=latent_dim,
        channels=widths,
        hidden=RECIPE_HIDDEN[image_size] if hidden is None else hidden,
        image_size=image_size,
        image_channels=channels,
        likelihood=likelihood,
        batch_norm=batch_norm,
        refine=RECIPE_REFINE[image_size] if refine is None else refine,
    )


@dataclass
class FolderResult:
    """What :func:`train_from_folder` made: the saved package and the data it was made from."""

    package: Any  # ModelPackage
    data: ImageSet
    train_seconds: float
    build_seconds: float


def train_from_folder(
    images_dir: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    image_size: int = 32,
    channels: int | None = None,
    fit: str = "pad",
    background: tuple[int, int, int] = (255, 255, 255),
    val_fraction: float = 0.1,
    train_config: TrainConfig | None = None,
    settings: Mapping[str, Any] | None = None,
    latent_dim: int = 10,
    hidden: int | None = None,
    widths: tuple[int, ...] | None = None,
    batch_norm: bool = True,
    likelihood: str = LIKELIHOOD,
    refine: bool | None = None,
    device: str = "auto",
    progress: Progress = _quiet,
    checkpoint: str | os.PathLike[str] | None = None,
    n_jobs: int = 2,
) -> FolderResult:
    """Read a folder of images, train a VAE on it, build its package and save it at ``out``
    (only once it loads back: :func:`save_checked`).

    ``train_config`` is used as given; without it the run follows :func:`folder_recipe`, with
    ``settings`` (TrainConfig fields the user chose, e.g. ``{"steps": 3000}``) over it. Returns
    the package (with its catalogue) and the data it was made from.
    """
    from ..model.train import resolve_device, train
    from .build import build_package

    dev = resolve_device(device)
    data = load_image_folder(images_dir, image_size, channels, fit, background, progress)
    problem = catalogue_problem(data.class_names, len(data))  # what the package schema will check, before training
    if problem:
        raise InputError(problem)
    seed = int((settings or {}).get("seed", train_config.seed if train_config else 0))
    rows, test_rows = held_out(len(data), val_fraction, seed)
    tcfg = train_config or folder_recipe(len(rows), image_size, settings)
    test = data.subset(test_rows) if len(test_rows) else data.subset(rows)
    shape = {"likelihood": likelihood, "batch_norm": batch_norm, "refine": refine}
    mcfg = model_config_for(image_size, data.channels, latent_dim, hidden, widths, **shape)
    x = data.as_uint8_nchw()
    result = train(x[rows], test.as_uint8_nchw(), mcfg, tcfg, progress, checkpoint, device=dev)
    t = time.perf_counter()
    source = {
        "kind": "image-folder",
        "root": data.root,
        **data.settings,
        "held_out_rows": [int(i) for i in test_rows],
        "skipped": [{"path": s.path, "reason": s.reason} for s in data.skipped],
        "device": dev.type,
    }
    pkg = build_package(
        result.model,
        data,
        test,
        tcfg,
        result.history,
        progress,
        n_jobs=n_jobs,
        train_seconds=result.seconds,
        reference=rows if len(test_rows) else None,
        catalogue=Catalogue.from_images(data.images, data.paths, data.root),
        data_source=source,
    )
    try:
        save_checked(pkg, out)
    except PackageError:
        if checkpoint:  # "train again" must not resume these weights
            Path(checkpoint).unlink(missing_ok=True)
        raise
    return FolderResult(pkg, data, result.seconds, time.perf_counter() - t)


def save_checked(pkg: Any, out: str | os.PathLike[str]) -> Path:
    """Save a freshly built package to ``out`` only if it loads back (``ModelPackage.save`` with
    ``check_loads``); a package that does not load raises :class:`PackageError` saying why and
    leaves whatever was at ``out`` untouched."""
    target = Path(out)
    try:
        pkg.save(target, check_loads=True)  # the schema's refusals, then every check a reader makes
    except PackageError as exc:
        problem = str(exc).split(": ", 1)[-1].split(" Rebuild")[0].split(" Retrain")[0]
        raise PackageError(
            f"The trained model does not make a package that loads ({problem}), so nothing was written "
            f"to {display_path(target)}. Train again, e.g. with the default settings."
        ) from None
    return target


def add_catalogue(
    package: str | os.PathLike[str],
    images: np.ndarray,
    fingerprint: str | None = None,
    paths: list[str | None] | None = None,
    root: str | None = None,
) -> Path:
    """Add catalogue images to an existing package without touching its other files.

    The package is verified, copied to a temporary sibling, given the atlases, a new manifest
    (its ``catalogue`` entry and file list) and checksums, and renamed into place. ``images``
    must have one row per catalogue item at the model's size and channels; ``fingerprint``, if
    given, must equal the package's data fingerprint (the images are the ones it was built from).
    """

    root_dir = Path(package)
    manifest = verify(root_dir)
    cfg = ModelConfig.from_dict(manifest["model_config"])
    s, c = cfg.image_size, cfg.image_channels
    want = (manifest["n_items"], s, s) + ((3,) if c == 3 else ())
    if np.shape(images) != want or np.asarray(images).dtype != np.uint8:
        raise InputError(f"catalogue images must be uint8 {want}; got {np.asarray(images).dtype} {np.shape(images)}.")
    if fingerprint is not None and fingerprint != manifest.get("data_fingerprint"):
        raise PackageError(
            f"These images are not the ones {root_dir} was trained on (data fingerprint {fingerprint[:12]} "
            f"against {str(manifest.get('data_fingerprint'))[:12]})."
        )
    catalogue = Catalogue.from_images(images, paths, root)

    def add(tmp: Path, manifest: dict[str, Any]) -> list[str]:  # the old catalogue's files go
        for name in [n for n in manifest["files"] if n.startswith("catalogue")]:
            (tmp / name).unlink()
            del manifest["files"][name]
        manifest["catalogue"] = catalogue.manifest_entry()
        return catalogue.write(tmp)

    amend(root_dir, add)  # verified again under the folder's lock, swapped in whole
    return root_dir
