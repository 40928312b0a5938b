"""What a model package's files must say: the manifest's fields and every array's dtype and shape.

Checksums prove that the files are the ones the builder wrote, not that the builder (or a hand
edit, or a crafted file) wrote something sensible. This module holds the package's schema as two
tables, so a new file or field is one new row:

- :data:`MANIFEST_FIELDS`: each manifest field's JSON type, whether it is required, and a check of
  its value (configs within :data:`~vae_core.config.MODEL_BOUNDS`, class names unique, ...);
- :data:`ARRAYS`: each array's file, name, dtype and shape, where a shape names sizes by symbol:
  ``N`` items (``n_items``), ``d`` latent dimensions (``model_config.latent_dim``), ``C`` classes
  (``len(class_names)``); a symbol not defined by the manifest is fixed by the first array that
  uses it. Arrays are finite unless the row says otherwise, and a row may add a value check
  (labels below ``C``, the typicality reference sorted).

The weights are checked against the state dict of the network the model config describes.
Each function returns the first problem as one sentence (None when there is none);
``ModelPackage.load`` turns it into a :class:`~vae_core.errors.PackageError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from ..model.config import MODEL_BOUNDS, TRAIN_BOUNDS, Bound, ModelConfig, TrainConfig
from .health import VERDICTS
from .held_out import ATLAS, INDEX, capacity

FORMAT_NAME = "latent-atelier-model-package"
MAX_ITEMS = 10_000_000
MAX_CLASSES = 1000
MAX_CLASS_NAME = 100
LOGVAR_LIMIT = 30.0  # |log sigma^2| beyond this overflows the ranking rows' 1 / sigma^2 in float32

Problem = str | None


# ------------------------------------------------------------------------------ value checks
def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _format_name(value: str) -> Problem:
    return None if value == FORMAT_NAME else f"is {_short(value)}, not {FORMAT_NAME!r}"


def _config(
    cls: type, bounds: Mapping[str, Bound], required: tuple[str, ...], flags: tuple[str, ...] = ()
) -> Callable[[dict], Problem]:
    """A check that a config dict has the ``required`` fields, every field within ``bounds``, its
    ``flags`` true or false, and builds ``cls`` (missing optional fields take their defaults)."""

    def check(value: dict) -> Problem:
        for name in required:
            if name not in value:
                return f"has no {name!r}"
        for name in flags:
            if name in value and not isinstance(value[name], bool):
                return f"{name} must be true or false; got {_short(value[name])}"
        try:
            cls.from_dict(value)
        except InputError as exc:
            return str(exc).rstrip(".")
        except (TypeError, ValueError) as exc:
            return f"is not a valid {cls.__name__} ({exc})"
        return None

    return check


def _class_names(value: list) -> Problem:
    if not 1 <= len(value) <= MAX_CLASSES:
        return f"must hold 1 to {MAX_CLASSES} names; it holds {len(value)}"
    for i, name in enumerate(value):
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_CLASS_NAME:
            return f"entry {i} must be a non-empty text of at most {MAX_CLASS_NAME} characters; got {_short(name)}"
    if len(set(value)) != len(value):
        return "holds the same name twice"
    return None


def _n_items(value: int) -> Problem:
    return None if 1 <= value <= MAX_ITEMS else f"must be from 1 to {MAX_ITEMS:,}; got {value}"


def _numbers(value: dict) -> Problem:
    for key, v in value.items():
        if not _number(v):
            return f"{_short(key)} must be a finite number; got {_short(v)}"
    return None


def _history(value: list) -> Problem:
    for i, row in enumerate(value):
        if not isinstance(row, dict):
            return f"row {i} must be an object; got {type(row).__name__}"
        problem = _numbers(row)
        if problem:
            return f"row {i}: {problem}"
    return None


def _files(value: dict) -> Problem:
    for name, entry in value.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
            return f"entry {_short(name)} must be an object with a 'sha256' text"
        if "bytes" in entry and (not isinstance(entry["bytes"], int) or isinstance(entry["bytes"], bool)):
            return f"entry {_short(name)} has a 'bytes' that is not a whole number"
    return None


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


MAX_TEXT = 2000  # characters of a health reason or advice
MAX_KL_TOTAL = 1e12  # nats: a runaway encoder can carry millions; beyond this the figure is garbage


def _health(value: dict) -> Problem:
    """The health verdict and its figures (``vae_core.package.health``), each within its range."""
    if value.get("verdict") not in VERDICTS:
        return f"verdict must be one of {', '.join(VERDICTS)}; got {_short(value.get('verdict'))}"
    for key in ("reason", "advice"):
        if not isinstance(value.get(key, ""), str) or len(value.get(key, "")) > MAX_TEXT:
            return f"{key} must be a text of at most {MAX_TEXT} characters"
    ranges = {"recon_error": (0.0, 255.0), "mean_image_error": (0.0, 255.0), "kl_total": (0.0, MAX_KL_TOTAL)}
    for key, (low, high) in ranges.items():
        v = value.get(key)
        if not _number(v) or not low <= v <= high:
            return f"{key} must be a number from {low:g} to {high:g}; got {_short(v)}"
    for key in ("knn5_accuracy", "chance"):
        v = value.get(key)
        if v is not None and (not _number(v) or not 0.0 <= v <= 1.0):
            return f"{key} must be a number from 0 to 1 (or null); got {_short(v)}"
    d = value.get("latent_dim")
    if not _whole(d, 1, int(MODEL_BOUNDS["latent_dim"].hi)):
        return f"latent_dim must be a whole number within the model's bounds; got {_short(d)}"
    if not _whole(value.get("active_dims"), 0, d):
        return f"active_dims must be a whole number from 0 to {d}; got {_short(value.get('active_dims'))}"
    if not _whole(value.get("held_out"), 1, MAX_ITEMS):
        return f"held_out must be a whole number from 1 to {MAX_ITEMS:,}; got {_short(value.get('held_out'))}"
    for key in ("train_images", "steps", "image_size"):
        if key in value and not _whole(value[key], 0, 10**12):
            return f"{key} must be a whole number of at least 0; got {_short(value[key])}"
    return None


def _held_out(value: dict) -> Problem:
    """Where the held-out images are (``vae_core.package.held_out``) and how many, within bounds."""
    if value.get("file") != ATLAS or value.get("index") != INDEX:
        return f"must name the files {ATLAS!r} and {INDEX!r}"
    size, channels = value.get("image_size"), value.get("channels")
    if not _whole(size, 1, int(MODEL_BOUNDS["image_size"].hi)) or channels not in (1, 3):
        return f"needs a valid image_size and 1 or 3 channels; got {_short(size)} and {_short(channels)}"
    top = capacity(size, channels)
    if not _whole(value.get("count"), 1, top):
        return f"count must be a whole number from 1 to {top}; got {_short(value.get('count'))}"
    if not _whole(value.get("cols"), 1, value["count"]):
        return f"cols must be a whole number from 1 to the count; got {_short(value.get('cols'))}"
    if not isinstance(value.get("source", ""), str) or len(value.get("source", "")) > 200:
        return "source must be a text of at most 200 characters"
    return None


def _typicality(value: dict) -> Problem:
    if not isinstance(value.get("source"), str):
        return "must say its 'source' (a text)"
    return None


@dataclass(frozen=True)
class Field:
    """A manifest field: its JSON ``kind`` (a Python type), whether it is ``required``, and a
    ``check`` of a value of the right kind (returns the problem, or None)."""

    kind: type
    required: bool = True
    check: Callable[[Any], Problem] | None = None


_MODEL_REQUIRED = ("latent_dim", "channels", "hidden")  # older manifests may lack the others
_TRAIN_REQUIRED = ("epochs", "batch_size", "lr", "seed")
MANIFEST_FIELDS: dict[str, Field] = {
    "format": Field(str, check=_format_name),
    "format_version": Field(int),
    "model_config": Field(dict, check=_config(ModelConfig, MODEL_BOUNDS, _MODEL_REQUIRED, ("batch_norm",))),
    "train_config": Field(dict, check=_config(TrainConfig, TRAIN_BOUNDS, _TRAIN_REQUIRED)),
    "class_names": Field(list, check=_class_names),
    "n_items": Field(int, check=_n_items),
    "data_fingerprint": Field(str, required=False),
    "history": Field(list, required=False, check=_history),
    "metrics": Field(dict, required=False, check=_numbers),
    "files": Field(dict, check=_files),
    "typicality": Field(dict, required=False, check=_typicality),  # how the reference was built
    "health": Field(dict, required=False, check=_health),  # the verdict (older packages: not measured)
    "held_out": Field(dict, required=False, check=_held_out),  # held-out images (older packages: none)
}

_KIND_NAMES = {str: "a text", int: "a whole number", dict: "an object", list: "a list", float: "a number"}


def manifest_problem(manifest: Any, only: tuple[str, ...] | None = None) -> Problem:
    """The first way ``manifest`` (parsed JSON) breaks :data:`MANIFEST_FIELDS` (or just the fields
    ``only``), or None."""
    if not isinstance(manifest, dict):
        return f"the manifest must be a JSON object; it is {_KIND_NAMES.get(type(manifest), type(manifest).__name__)}"
    for name, spec in MANIFEST_FIELDS.items():
        if only is not None and name not in only:
            continue
        if name not in manifest:
            if spec.required:
                return f"the manifest has no {name!r}"
            continue
        value = manifest[name]
        if not isinstance(value, spec.kind) or isinstance(value, bool):
            kind = _KIND_NAMES.get(spec.kind, spec.kind.__name__)
            return f"the manifest's {name!r} must be {kind}; got {_short(value)}"
        problem = spec.check(value) if spec.check else None
        if problem:
            return f"the manifest's {name!r} {problem}"
    return None


# ------------------------------------------------------------------------------ arrays
def _labels_in_classes(arr: np.ndarray, sizes: Mapping[str, int]) -> Problem:
    top = int(arr.max(initial=0))
    if top >= sizes["C"]:
        return f"holds label {top} but the manifest names only {sizes['C']} classes"
    return None


def _logvar_range(arr: np.ndarray, sizes: Mapping[str, int]) -> Problem:
    worst = float(np.abs(arr).max(initial=0.0))
    return None if worst <= LOGVAR_LIMIT else f"holds |logvar| = {worst:.3g}, beyond {LOGVAR_LIMIT:g}"


def _non_negative(arr: np.ndarray, sizes: Mapping[str, int]) -> Problem:
    return None if float(arr.min(initial=0.0)) >= 0.0 else "holds negative values"


def _sorted_non_empty(arr: np.ndarray, sizes: Mapping[str, int]) -> Problem:
    if arr.size == 0:
        return "is empty"
    return None if bool(np.all(np.diff(arr) >= 0)) else "is not sorted in increasing order"


@dataclass(frozen=True)
class ArraySpec:
    """One array of a package file: ``dtype`` (numpy name), ``shape`` (sizes or symbols), whether
    every value must be ``finite``, whether it is ``required``, and an optional value ``check``."""

    file: str
    name: str
    dtype: str
    shape: tuple[int | str, ...]
    finite: bool = True
    required: bool = True
    check: Callable[[np.ndarray, Mapping[str, int]], Problem] | None = None


ARRAYS: tuple[ArraySpec, ...] = (
    ArraySpec("latents.safetensors", "mu", "float32", ("N", "d")),
    ArraySpec("latents.safetensors", "logvar", "float32", ("N", "d"), check=_logvar_range),
    ArraySpec("latents.safetensors", "labels", "uint8", ("N",), check=_labels_in_classes),
    ArraySpec("maps.safetensors", "pca_mean", "float64", ("d",)),
    ArraySpec("maps.safetensors", "pca_components", "float64", ("d", "d")),
    ArraySpec("maps.safetensors", "pca_explained_variance", "float64", ("d",), check=_non_negative),
    ArraySpec("maps.safetensors", "pca_xy", "float32", ("N", 2)),
    ArraySpec("maps.safetensors", "tsne_xy", "float32", ("N", 2)),
    ArraySpec("maps.safetensors", "kl_per_dim", "float64", ("d",)),
    ArraySpec("maps.safetensors", "typicality_ref", "float64", ("R",), check=_sorted_non_empty),
)


def sizes_of(manifest: Mapping[str, Any]) -> dict[str, int]:
    """The sizes a valid manifest fixes: ``N``, ``d`` and ``C``."""
    return {
        "N": int(manifest["n_items"]),
        "d": int(manifest["model_config"]["latent_dim"]),
        "C": len(manifest["class_names"]),
    }


def _shape_text(shape: tuple[int | str, ...], sizes: Mapping[str, int]) -> str:
    named = ", ".join(str(s) for s in shape)
    actual = ", ".join(str(sizes.get(s, s)) if isinstance(s, str) else str(s) for s in shape)
    return f"({named})" if named == actual else f"({named}) = ({actual})"


def arrays_problem(
    manifest: Mapping[str, Any], files: Mapping[str, Mapping[str, np.ndarray]], specs: tuple[ArraySpec, ...] = ARRAYS
) -> Problem:
    """The first array of ``files`` ({file name: {array name: array}}) that breaks ``specs``, or None.

    ``manifest`` must already pass :func:`manifest_problem`.
    """
    sizes = sizes_of(manifest)
    expected: dict[str, set[str]] = {}
    for spec in specs:
        expected.setdefault(spec.file, set()).add(spec.name)
    for file, names in expected.items():
        extra = sorted(set(files.get(file, {})) - names)
        if extra:
            return f"{file} holds an unexpected array {extra[0]!r}"
    for spec in specs:
        arrays = files.get(spec.file, {})
        if spec.name not in arrays:
            if spec.required:
                return f"{spec.file} has no array {spec.name!r}"
            continue
        arr = arrays[spec.name]
        where = f"{spec.file}: {spec.name}"
        if arr.dtype != np.dtype(spec.dtype):
            return f"{where} is {arr.dtype}; expected {spec.dtype}"
        if arr.ndim != len(spec.shape):
            return f"{where} has shape {tuple(arr.shape)}; expected {_shape_text(spec.shape, sizes)}"
        for axis, want in enumerate(spec.shape):
            if isinstance(want, str) and want not in sizes:
                sizes[want] = int(arr.shape[axis])
        if tuple(arr.shape) != tuple(sizes[s] if isinstance(s, str) else s for s in spec.shape):
            return f"{where} has shape {tuple(arr.shape)}; expected {_shape_text(spec.shape, sizes)}"
        if spec.finite and arr.dtype.kind == "f" and not bool(np.isfinite(arr).all()):
            return f"{where} holds NaN or infinite values"
        problem = spec.check(arr, sizes) if spec.check else None
        if problem:
            return f"{where} {problem}"
    return None


def weights_problem(weights: Mapping[str, Any], expected: Mapping[str, Any]) -> Problem:
    """The first tensor of ``weights`` that differs in name, dtype or shape from ``expected`` (the
    state dict of the network the model config describes), or holds NaN/infinity; None if none."""
    missing = sorted(set(expected) - set(weights))
    if missing:
        return f"weights.safetensors has no tensor {missing[0]!r} (the model config needs it)"
    extra = sorted(set(weights) - set(expected))
    if extra:
        return f"weights.safetensors holds a tensor {extra[0]!r} the model config does not describe"
    for name, want in expected.items():
        got = weights[name]
        if got.dtype != want.dtype or tuple(got.shape) != tuple(want.shape):
            return (
                f"weights.safetensors: {name} is {str(got.dtype).replace('torch.', '')} {tuple(got.shape)}; "
                f"the model config needs {str(want.dtype).replace('torch.', '')} {tuple(want.shape)}"
            )
        if got.is_floating_point() and not bool(got.isfinite().all()):
            return f"weights.safetensors: {name} holds NaN or infinite values"
    return None


__all__ = [
    "ARRAYS",
    "FORMAT_NAME",
    "MANIFEST_FIELDS",
    "ArraySpec",
    "Field",
    "arrays_problem",
    "manifest_problem",
    "sizes_of",
    "weights_problem",
]
