"""The model package: everything the app serves, in one verified folder.

Layout (``FORMAT_VERSION`` 1)::

    manifest.json            format version, configs, class names, data fingerprint, history,
                             metrics, and the sha256 and size of every array file
    weights.safetensors      the VAE's state dict
    latents.safetensors      mu, logvar (N, d) float32 and labels (N,) uint8 of every training item
    maps.safetensors         PCA (mean, components, variances, 2-D coordinates), t-SNE (N, 2),
                             per-dimension KL, and the typicality reference scores
    catalogue-NNN.png        optional: the catalogue's images at model resolution (PNG atlases)
    catalogue.json           optional: their original relative paths (``vae_core.package.catalogue``)
    heldout.png, .json       optional: up to 500 held-out images and their labels, which the model
                             never trained on (``vae_core.package.held_out``)
    checksums.sha256         sha256 of every other file, in ``sha256sum -c`` format

The manifest's optional ``"health"`` entry holds the verdict on what the model learned and the
figures behind it (``vae_core.package.health``); a package without one is "not measured".

Nothing is pickled. :meth:`ModelPackage.save` holds the folder's lock, writes into a temporary
sibling folder and swaps it into place (``vae_core.package_lock``), so a crash never leaves a
half-written package and a kill between the renames is recovered at the next load or save;
:meth:`ModelPackage.load` checks the format version and every checksum, then the manifest and
every array against the schema (``vae_core.package_schema``), before it builds anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.numpy import load_file as load_arrays
from safetensors.numpy import save_file as save_arrays
from safetensors.torch import load_file as load_tensors
from safetensors.torch import save_file as save_tensors

from ..errors import InputError, PackageError, display_path
from ..files import UnsafeFile, open_regular, parse_json, read_bytes
from ..latent.likelihood import LikelihoodIndex, Ranking, class_probabilities
from ..latent.projection import PCA, place_by_neighbours
from ..model.config import ModelConfig, TrainConfig
from ..model.network import VAE
from .catalogue import FILE_PATTERN as CATALOGUE_FILE
from .catalogue import Catalogue, catalogue_files
from .health import Health
from .held_out import FILE_PATTERN as HELD_OUT_FILE
from .held_out import HeldOut, held_out_files
from .identity import CHECKSUMS, MAX_CHECKSUMS_BYTES, PackageIdentity, content_of
from .lock import FolderLock, recover, swap_in, sweep
from .schema import FORMAT_NAME, arrays_problem, manifest_problem, weights_problem

FORMAT_VERSION = 1
ARRAY_FILES = ("weights.safetensors", "latents.safetensors", "maps.safetensors")
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 64 * 2**20  # the shipped manifest is 19 kB; a skipped-file list of 200,000 fits
MAX_FILE_BYTES = 64 * 2**30  # any one file of a package (10 million items' latents are 0.8 GB)
_REBUILD = (
    "Rebuild it with `python -m vae_core build --package {path} --data DIR` (derived arrays from "
    "intact weights) or retrain with `python -m vae_core train --data DIR --out {path}`, or restore "
    "the shipped package with `git checkout -- assets/`."
)
_CHECK_LINE = re.compile(r"^([0-9a-f]{64})  ([A-Za-z0-9_.-]+)$")


def sha256_file(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> str:
    """Hex sha256 of a regular file's bytes (:class:`~vae_core.files.UnsafeFile` for a link, a
    FIFO, a device or a file over ``limit`` bytes)."""
    h = hashlib.sha256()
    with open_regular(path, limit) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class ModelPackage:
    """A trained VAE with every training item's posterior, its 2-D maps and its metrics.

    Arrays are read-only once loaded; share one instance between users.

    Attributes
    ----------
    model_config, train_config
        How the model is shaped and was trained.
    model
        The VAE in ``eval()`` mode.
    mu, logvar
        (N, d) float32 posterior parameters of every training item.
    labels
        (N,) uint8 class labels; ``class_names`` maps them to names.
    pca
        The :class:`~vae_core.projection.PCA` of ``mu``; ``pca_xy`` its (N, 2) coordinates.
    tsne_xy
        (N, 2) t-SNE coordinates of ``mu``.
    kl_per_dim
        (d,) average KL (nats) of each latent dimension over the training items.
    typicality_ref
        Sorted best-match log q scores of held-out real garments' codes (see :meth:`typicality`).
    typicality_info
        How the typicality reference was built (``{"source": ..., ...}``; empty for old packages).
    torch_threads
        If > 0, :meth:`decode` and :meth:`encode` run torch with this many CPU threads in
        whichever thread calls them (0: leave torch's setting alone). ``torch.set_num_threads``
        is per thread (OpenMP), and a web server runs each request in a new thread, whose first
        model call would otherwise start a team of all cores: 3 to 35 ms instead of 1.
    catalogue
        The catalogue's images at model resolution, original paths (see :meth:`images`); None
        for a package written before packages carried them.
    data_source
        Where the catalogue came from (kind, folder, fit, held-out rows, skipped files and why).
    health
        The verdict on what the model learned, with its figures (None: not measured, a package
        built before packages carried it; ``python -m vae_core upgrade`` adds it).
    held_out
        A few hundred images the model never trained on, with labels (None for older packages).
    content
        The content fingerprint of the files it was loaded from or saved to (see :attr:`identity`);
        empty for a package not yet saved.
    """

    model_config: ModelConfig
    train_config: TrainConfig
    model: VAE
    mu: np.ndarray
    logvar: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    pca: PCA
    pca_xy: np.ndarray
    tsne_xy: np.ndarray
    kl_per_dim: np.ndarray
    typicality_ref: np.ndarray
    data_fingerprint: str = ""
    history: list[dict[str, float]] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    path: Path | None = None
    typicality_info: dict[str, Any] = field(default_factory=dict)
    torch_threads: int = field(default=0, compare=False)
    catalogue: Catalogue | None = field(default=None, compare=False)
    data_source: dict[str, Any] = field(default_factory=dict)
    health: Health | None = None
    held_out: HeldOut | None = field(default=None, compare=False)
    content: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        self.model.eval()
        for name in ("mu", "logvar", "labels", "pca_xy", "tsne_xy", "kl_per_dim", "typicality_ref"):
            arr = np.ascontiguousarray(getattr(self, name))
            arr.setflags(write=False)
            setattr(self, name, arr)

    # ------------------------------------------------------------------ basic facts
    @property
    def latent_dim(self) -> int:
        return self.model_config.latent_dim

    def __len__(self) -> int:
        return int(self.mu.shape[0])

    @property
    def channels(self) -> int:
        """1 (grey) or 3 (RGB): the channels of the model's images."""
        return self.model_config.image_channels

    @property
    def image_size(self) -> int:
        """Side of the model's square images in pixels (28 for Fashion-MNIST)."""
        return self.model_config.image_size

    @property
    def image_shape(self) -> tuple[int, ...]:
        """Shape of one image as :meth:`decode` and :meth:`images` return it: (S, S) or (S, S, 3)."""
        s = self.image_size
        return (s, s) if self.channels == 1 else (s, s, 3)

    @property
    def identity(self) -> PackageIdentity:
        """Which package this is: its folder's name and the fingerprint of the files it was loaded
        from (:mod:`vae_core.package.identity`); what hand-offs between pages carry and check."""
        return PackageIdentity(self.path.name if self.path is not None else "", self.content, self.data_fingerprint)

    @property
    def has_images(self) -> bool:
        """Whether the package carries its catalogue's images."""
        return self.catalogue is not None

    def images(self, indices: np.ndarray | list[int] | int) -> np.ndarray:
        """uint8 catalogue images at model resolution: (n, S, S) grey or (n, S, S, 3) colour.

        Raises :class:`PackageError` when the package carries no images (add them with
        ``python -m vae_core catalogue``)."""
        if self.catalogue is None:
            shown = display_path(self.path or "")
            raise PackageError(
                f"Model package {shown} carries no catalogue images; add them with "
                f"`python -m vae_core catalogue --package {shlex.quote(shown)} --data DIR`."
            )
        return self.catalogue.images(indices)

    @cached_property
    def content_fingerprint(self) -> str:
        """sha256 of the package's ``checksums.sha256`` as loaded: one digest that changes when any
        file does ("" for a package not loaded from a folder)."""
        if self.path is None or not (self.path / CHECKSUMS).is_file():
            return ""
        return sha256_file(self.path / CHECKSUMS)

    @cached_property
    def sigma(self) -> np.ndarray:
        """(N, d) posterior standard deviations exp(logvar / 2)."""
        s = np.exp(0.5 * self.logvar)
        s.setflags(write=False)
        return s

    @cached_property
    def index(self) -> LikelihoodIndex:
        """The precomputed ranking rows (built on first use, then shared)."""
        return LikelihoodIndex(self.mu, self.logvar, self.labels)

    # ------------------------------------------------------------------ model calls
    def check_z(self, z: np.ndarray | list[float]) -> np.ndarray:
        """``z`` as a float64 (d,) vector, or :class:`InputError`."""
        return self.index.check_z(z)

    @torch.no_grad()
    def decode(self, z: np.ndarray | list[float]) -> np.ndarray:
        """The mean image for one z (d,) -> (S, S) grey or (S, S, 3) colour, or for a batch (B, d)
        -> (B, S, S[, 3]); values in [0, 1] (pixel probabilities for Bernoulli models)."""
        arr = np.asarray(z, dtype=np.float32)
        single = arr.ndim == 1
        batch = arr.reshape(1, -1) if single else arr
        if batch.ndim != 2 or batch.shape[1] != self.latent_dim:
            raise InputError(f"decode needs z of length {self.latent_dim}; got shape {arr.shape}.")
        if not np.all(np.isfinite(batch)):
            raise InputError("z contains NaN or infinite values.")
        self._use_threads()
        out = self.model.decode(torch.tensor(batch))  # (B, C, S, S)
        out = out[:, 0].numpy() if self.channels == 1 else out.permute(0, 2, 3, 1).contiguous().numpy()
        return out[0] if single else out

    @torch.no_grad()
    def encode(self, images: np.ndarray, batch_size: int = 2000) -> tuple[np.ndarray, np.ndarray]:
        """Posterior ``mu`` and ``logvar`` (N, d) float32 of images.

        ``images`` may be uint8 in [0, 255] or float in [0, 1], shaped like :meth:`images`
        returns them ((N, S, S) or (N, S, S, 3)), as model input (N, C, S, S), or one image.
        """
        self._use_threads()
        return encode_images(self.model, images, batch_size)

    def _use_threads(self) -> None:
        """Apply ``torch_threads`` in the calling thread (0.1 us; see the class docstring)."""
        if self.torch_threads > 0:
            torch.set_num_threads(self.torch_threads)

    # ------------------------------------------------------------------ ranking and maps
    def rank(self, z: np.ndarray | list[float], k: int = 10) -> Ranking:
        """Top-k training items by exact log q(z|x), highest first (ties by index)."""
        return self.index.rank(z, k)

    def rank_euclidean(self, z: np.ndarray | list[float], k: int = 10) -> Ranking:
        """Top-k training items by Euclidean distance from z to their mean, nearest first."""
        return self.index.rank_euclidean(z, k)

    def class_probabilities(self, z: np.ndarray | list[float]) -> np.ndarray:
        """(C,) what z looks like: p(class | z) under a uniform prior over the catalogue, from
        every item's exact log q(z|x) (:func:`vae_core.latent.likelihood.class_probabilities`)."""
        return class_probabilities(self.index.log_q(z), self.labels, len(self.class_names))

    def map_xy(self, method: str) -> np.ndarray:
        """(N, 2) coordinates of the catalogue on the ``"tsne"`` or ``"pca"`` map."""
        if method == "tsne":
            return self.tsne_xy
        if method == "pca":
            return self.pca_xy
        raise InputError(f"Unknown map {method!r}; use 'tsne' or 'pca'.")

    def place(
        self, z: np.ndarray | list[float], method: str, k: int = 12, *, ranking: Ranking | None = None
    ) -> np.ndarray:
        """Position (2,) of z on a map: exact for PCA, likelihood-weighted neighbours for t-SNE.

        ``ranking``, if given, is ``self.rank(z, k)`` already computed (it is reused, not redone).
        """
        z = self.check_z(z)
        if method == "pca":
            return self.pca.transform(z)
        ranking = ranking if ranking is not None else self.rank(z, k)
        return place_by_neighbours(self.map_xy(method), ranking.indices, ranking.scores)

    def typicality(self, z: np.ndarray | list[float], *, ranking: Ranking | None = None) -> float:
        """Percentile (0-100) of z's best log q among the codes of real garments the catalogue
        has not seen.

        The reference holds, for held-out garments' codes (posterior means of test garments, see
        ``vae_core.build.typicality_reference``), the best log q over the catalogue, so a new
        garment's code reads about 50. A z scoring below almost all of them (low percentile) is
        far from every training garment: a novel design rather than a near-copy. ``ranking``, if
        given, is ``self.rank(z, k)`` for any k >= 1, already computed.
        """
        best = float((ranking if ranking is not None else self.rank(z, 1)).scores[0])
        return float(100.0 * np.searchsorted(self.typicality_ref, best) / len(self.typicality_ref))

    # ------------------------------------------------------------------ persistence
    def manifest(self) -> dict[str, Any]:
        """The JSON manifest (without the per-file checksums, which :meth:`save` adds)."""
        extra: dict[str, Any] = {}
        if self.catalogue is not None:
            extra["catalogue"] = self.catalogue.manifest_entry()
        if self.data_source:
            extra["data"] = self.data_source
        if self.health is not None:
            extra["health"] = self.health.to_dict()
        if self.held_out is not None:
            extra["held_out"] = self.held_out.manifest_entry()
        return {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "model_config": self.model_config.to_dict(),
            "train_config": self.train_config.to_dict(),
            "class_names": list(self.class_names),
            "n_items": len(self),
            "data_fingerprint": self.data_fingerprint,
            "history": self.history,
            "metrics": self.metrics,
            **({"typicality": self.typicality_info} if self.typicality_info else {}),
            **extra,
        }

    def save(self, path: str | os.PathLike[str], check_loads: bool = False) -> Path:
        """Write the package atomically to ``path`` (replacing any package there), holding the
        folder's lock; stale temporaries of killed writers are swept first. ``check_loads``: the
        written copy is first loaded with every check a reader makes (:meth:`load`), and a
        :class:`PackageError` there leaves ``path`` as it was."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with FolderLock(target):
            sweep(target)
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
            try:
                self.content = self._write(tmp)
                if check_loads:
                    ModelPackage.load(tmp)
                swap_in(tmp, target)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        self.path = target
        return target

    def _write(self, tmp: Path) -> str:
        """Every file of the package, into the empty folder ``tmp``; returns its content
        fingerprint. A manifest the schema would refuse at load is refused here, before anything
        replaces a package (so a writer never reports success for a package that cannot load)."""
        problem = manifest_problem({**self.manifest(), "files": {}})
        if problem:
            raise PackageError(f"This package cannot be saved: {problem}.")
        save_tensors(self.model.state_dict(), str(tmp / "weights.safetensors"))
        save_arrays(
            {"mu": self.mu, "logvar": self.logvar, "labels": self.labels.astype(np.uint8)},
            str(tmp / "latents.safetensors"),
        )
        save_arrays(
            {
                "pca_mean": self.pca.mean_,
                "pca_components": self.pca.components_,
                "pca_explained_variance": self.pca.explained_variance_,
                "pca_xy": self.pca_xy.astype(np.float32),
                "tsne_xy": self.tsne_xy.astype(np.float32),
                "kl_per_dim": self.kl_per_dim.astype(np.float64),
                "typicality_ref": self.typicality_ref.astype(np.float64),
            },
            str(tmp / "maps.safetensors"),
        )
        files = list(ARRAY_FILES) + (self.catalogue.write(tmp) if self.catalogue is not None else [])
        files += self.held_out.write(tmp) if self.held_out is not None else []
        manifest = self.manifest()
        manifest["files"] = {n: {"sha256": sha256_file(tmp / n), "bytes": (tmp / n).stat().st_size} for n in files}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
        sums = "".join(f"{sha256_file(tmp / n)}  {n}\n" for n in (MANIFEST, *files))
        (tmp / CHECKSUMS).write_text(sums)
        for f in tmp.iterdir():
            f.chmod(0o644)
        tmp.chmod(0o755)
        return content_of(sums.encode())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ModelPackage:
        """Load and verify a package; :class:`PackageError` says what is wrong and how to fix it."""
        root = _package_root(path)
        manifest, arrays, weights, content, catalogue = _read_checked(root)
        mcfg = ModelConfig.from_dict(manifest["model_config"])
        model = VAE(mcfg)
        model.load_state_dict(weights)
        lat, maps = arrays["latents.safetensors"], arrays["maps.safetensors"]
        held_out = None
        if manifest.get("held_out"):
            held_out = HeldOut.open(root, manifest["held_out"], len(manifest["class_names"]))
            if (held_out.image_size, held_out.channels) != (mcfg.image_size, mcfg.image_channels):
                raise _failure(root, "its held-out images do not have the model's size and channels.")
        return cls(
            model_config=mcfg,
            train_config=TrainConfig.from_dict(manifest["train_config"]),
            model=model,
            mu=lat["mu"],
            logvar=lat["logvar"],
            labels=lat["labels"],
            class_names=tuple(manifest["class_names"]),
            pca=PCA(maps["pca_mean"], maps["pca_components"], maps["pca_explained_variance"]),
            pca_xy=maps["pca_xy"],
            tsne_xy=maps["tsne_xy"],
            kl_per_dim=maps["kl_per_dim"],
            typicality_ref=maps["typicality_ref"],
            data_fingerprint=manifest.get("data_fingerprint", ""),
            history=manifest.get("history", []),
            metrics=manifest.get("metrics", {}),
            path=root,
            typicality_info=manifest.get("typicality", {}),
            catalogue=catalogue,
            data_source=manifest.get("data", {}),
            health=Health.from_dict(manifest["health"]) if manifest.get("health") else None,
            held_out=held_out,
            content=content,
        )


def _package_root(path: str | os.PathLike[str]) -> Path:
    """``path`` as a folder; :class:`PackageError` for an empty one (``Path("")`` would be the
    working folder)."""
    if not os.fspath(path).strip():
        raise PackageError("No package folder was given (the path is empty).")
    return Path(path)


def _failure(root: Path, problem: str) -> PackageError:
    """The one error a bad package gives: its first problem and how to rebuild it."""
    shown = display_path(root)
    return PackageError(f"Model package {shown}: {problem} " + _REBUILD.format(path=shlex.quote(shown)))


def read_checked(
    path: str | os.PathLike[str],
) -> tuple[dict[str, Any], dict[str, dict[str, np.ndarray]], dict[str, torch.Tensor]]:
    """The manifest, the arrays ({file: {name: array}}) and the weights (a state dict) of a
    package, after checking checksums, manifest, arrays and weights against the schema.

    Raises
    ------
    PackageError
        Naming the first problem found and how to rebuild the package.
    """
    return _read_checked(_package_root(path))[:3]


def _read_checked(
    root: Path,
) -> tuple[dict[str, Any], dict[str, dict[str, np.ndarray]], dict[str, torch.Tensor], str, Catalogue | None]:
    """:func:`read_checked` plus the content fingerprint of the checksums it verified against and
    the catalogue (its index read and every atlas's header checked; nothing decoded)."""
    manifest, content = _verify(root)
    try:
        arrays = {name: load_arrays(str(root / name)) for name in ARRAY_FILES if name != "weights.safetensors"}
        weights = load_tensors(str(root / "weights.safetensors"))
    except (SafetensorError, ValueError, TypeError, OSError) as exc:
        raise _failure(root, f"an array file cannot be read ({type(exc).__name__}: {str(exc)[:120]}).") from None
    problem = arrays_problem(manifest, arrays)
    if problem is None:
        expected = VAE(ModelConfig.from_dict(manifest["model_config"])).state_dict()
        problem = weights_problem(weights, expected)
    if problem:
        raise _failure(root, problem + ".")
    catalogue = None
    if manifest.get("catalogue"):
        cfg = ModelConfig.from_dict(manifest["model_config"])
        try:
            catalogue = Catalogue.open(
                root, manifest["catalogue"], (int(manifest["n_items"]), cfg.image_size, cfg.image_channels)
            )
        except PackageError as exc:
            raise _failure(root, str(exc)) from None
    return manifest, arrays, weights, content, catalogue


def verify(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Check a package's files, checksums, format version and manifest schema; return its manifest.

    A package that a kill left between the two renames of a swap is recovered first. Arrays and
    weights are checked by :func:`read_checked` (which ``ModelPackage.load`` uses). Only regular
    files are read (a link, FIFO or device in the folder is refused), each within its size limit.

    Raises
    ------
    PackageError
        Naming the first problem found and how to rebuild the package.
    """
    return _verify(_package_root(path))[0]


def _verify(root: Path) -> tuple[dict[str, Any], str]:
    """:func:`verify`, also returning the content fingerprint of the checksums it read."""

    def fail(problem: str) -> PackageError:
        return _failure(root, problem)

    recover(root)
    if not root.is_dir():
        raise fail("no such folder.")
    try:
        sums = read_bytes(root / CHECKSUMS, MAX_CHECKSUMS_BYTES)
    except FileNotFoundError:
        raise fail(f"{CHECKSUMS} is missing.") from None
    except (OSError, UnsafeFile) as exc:
        raise fail(f"{CHECKSUMS} cannot be read: it {_reason(exc)}.") from None
    expected: dict[str, str] = {}
    for line in sums.decode("utf-8", errors="replace").splitlines():
        m = _CHECK_LINE.match(line)
        if not m:
            raise fail(f"{CHECKSUMS} is damaged (line {line[:40]!r}).")
        expected[m.group(2)] = m.group(1)
    extra = set(expected) - {MANIFEST, *ARRAY_FILES}
    optional = all(CATALOGUE_FILE.match(n) or HELD_OUT_FILE.match(n) for n in extra)
    if not {MANIFEST, *ARRAY_FILES} <= set(expected) or not optional:
        raise fail(
            f"{CHECKSUMS} lists {sorted(expected)}; expected {[MANIFEST, *ARRAY_FILES]}, catalogue and held-out files."
        )
    for name, digest in expected.items():
        try:
            if name == MANIFEST:
                manifest_bytes = read_bytes(root / name, MAX_MANIFEST_BYTES)
                found = hashlib.sha256(manifest_bytes).hexdigest()
            else:
                found = sha256_file(root / name)
        except FileNotFoundError:
            raise fail(f"{name} is missing.") from None
        except (OSError, UnsafeFile) as exc:
            raise fail(f"{name} cannot be read: it {_reason(exc)}.") from None
        if found != digest:
            raise fail(f"{name} does not match its checksum (the file is damaged or truncated).")
    try:
        manifest = parse_json(manifest_bytes)
    except ValueError as exc:
        raise fail(f"{MANIFEST} is not valid JSON ({str(exc)[:80]}).") from None
    if isinstance(manifest, dict) and manifest.get("format_version") != FORMAT_VERSION:
        raise fail(
            f"format version {str(manifest.get('format_version'))[:20]!r}; this program reads version {FORMAT_VERSION}."
        )
    problem = manifest_problem(manifest)
    if problem:
        raise fail(problem + ".")
    if set(catalogue_files(manifest)) != {n for n in extra if CATALOGUE_FILE.match(n)}:
        raise fail(f"the manifest's catalogue files disagree with {CHECKSUMS}.")
    if set(held_out_files(manifest)) != {n for n in extra if HELD_OUT_FILE.match(n)}:
        raise fail(f"the manifest's held-out files disagree with {CHECKSUMS}.")
    for name in (*ARRAY_FILES, *sorted(extra)):
        if manifest["files"].get(name, {}).get("sha256") != expected[name]:
            raise fail(f"the manifest's checksum of {name} disagrees with {CHECKSUMS}.")
    return manifest, content_of(sums)


def _reason(exc: BaseException) -> str:
    """Why a file could not be read, as the end of "it ..." (no path)."""
    if isinstance(exc, UnsafeFile):
        return str(exc)
    return f"is unreadable ({getattr(exc, 'strerror', None) or type(exc).__name__})"


def amend(path: str | os.PathLike[str], change: Callable[[Path, dict[str, Any]], list[str]]) -> dict[str, Any]:
    """Change a verified package in place without rewriting what does not change; returns the new
    manifest.

    Holding the folder's lock, the package is verified and its files are copied byte for byte to a
    temporary sibling; ``change(tmp, manifest)`` writes new files there and edits the manifest,
    returning the names it wrote (which replace any of the same name). The manifest's file list
    and ``checksums.sha256`` are then recomputed, the copy is verified and swapped into place, so
    a crash leaves the old package or the new one, never a mix.
    """
    root = Path(path)
    with FolderLock(root):
        manifest = verify(root)
        tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
        try:
            for name in manifest["files"]:
                shutil.copyfile(root / name, tmp / name)
            written = change(tmp, manifest)
            files = [*manifest["files"], *(n for n in written if n not in manifest["files"])]
            manifest["files"] = {n: {"sha256": sha256_file(tmp / n), "bytes": (tmp / n).stat().st_size} for n in files}
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
            sums = [(sha256_file(tmp / MANIFEST), MANIFEST)] + [(manifest["files"][n]["sha256"], n) for n in files]
            (tmp / CHECKSUMS).write_text("".join(f"{digest}  {n}\n" for digest, n in sums))
            for f in tmp.iterdir():
                f.chmod(0o644)
            tmp.chmod(0o755)
            verify(tmp)
            swap_in(tmp, root)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return manifest


@torch.no_grad()
def encode_images(model: VAE, images: np.ndarray, batch_size: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """``mu`` and ``logvar`` (N, d) float32 of uint8 or [0, 1] float images (see ModelPackage.encode)."""
    arr = model_input(images, model.config.image_size, model.config.image_channels)
    x = arr.astype(np.float32) / 255.0 if arr.dtype == np.uint8 else arr.astype(np.float32)
    model.eval()
    mus, logvars = [], []
    for start in range(0, len(x), batch_size):
        mu, logvar = model.encode(torch.from_numpy(np.ascontiguousarray(x[start : start + batch_size])))
        mus.append(mu.numpy())
        logvars.append(logvar.numpy())
    d = model.config.latent_dim
    if not mus:
        return np.empty((0, d), np.float32), np.empty((0, d), np.float32)
    return np.concatenate(mus), np.concatenate(logvars)


def model_input(images: np.ndarray, size: int, channels: int) -> np.ndarray:
    """Images as the model's (N, C, S, S) layout (dtype kept), from (S, S), (S, S, 3), (N, S, S),
    (N, S, S, 3) or (N, C, S, S); :class:`InputError` for any other shape."""
    arr = np.asarray(images)
    one = (size, size) if channels == 1 else (size, size, 3)
    if arr.shape == one:
        arr = arr[None]
    if arr.ndim == 3 and channels == 1 and arr.shape[1:] == (size, size):
        return arr[:, None]
    if arr.ndim == 4 and arr.shape[1:] == (size, size, 3) and channels == 3:
        return arr.transpose(0, 3, 1, 2)
    if arr.ndim == 4 and arr.shape[1:] == (channels, size, size):
        return arr
    want = f"(N, {size}, {size})" if channels == 1 else f"(N, {size}, {size}, 3)"
    raise InputError(f"images must be {want} or (N, {channels}, {size}, {size}); got {np.shape(images)}.")
