"""A model's decoder as a portable layer list, for the browser's plain-JavaScript interpreter.

:func:`decoder_spec` walks a torch decoder (an ``nn.Sequential``; nested Sequentials are
flattened) and describes every layer by its kind and shapes, with the weights packed into one
float16 array; the ``sigmoid`` that :meth:`vae_core.VAE.decode` applies after the decoder is
appended as a last layer. The browser (``pad.js``) runs that list, so a retrained or differently
shaped package (colour, 64 px) needs no new JavaScript. A layer the interpreter cannot run gives
an :class:`Unsupported` result instead, and the page decodes on the server with a visible note.

Layers (``Layer.op``), shapes as (C, H, W) or (features,)::

    linear      in -> out             weight (out, in), bias (out,)
    gelu        exact (erf) or tanh   ``approximate`` "none" | "tanh"
    relu, sigmoid, tanh
    unflatten   (features,) -> (C, H, W)
    conv        Conv2d, groups 1, dilation 1, zero padding      weight (Cout, Cin, kh, kw)
    convT       ConvTranspose2d, groups 1, dilation 1           weight (Cin, Cout, kh, kw)

:func:`run_spec` is an independent NumPy interpreter of the same list (no torch), used by the
tests to check the description against :meth:`vae_core.ModelPackage.decode`.

float16 weights are enough: the decoded pixels differ from float32's by about 6.5e-4 (at most one
grey level of 255); the whole shipped decoder is 3.3 MB that way.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from torch import nn

SPEC_VERSION = 1
CHANNELS_DRAWABLE = (1, 3)  # grey or RGB output


@dataclass(frozen=True)
class Layer:
    """One layer: ``op``, input and output shapes, its parameters, and where its weight and bias
    start in the packed weight array (``-1``: none). Sizes follow from the shapes."""

    op: str
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    params: dict[str, Any] = field(default_factory=dict)
    weight: int = -1  # offset of the weight in DecoderSpec.weights
    bias: int = -1  # offset of the bias (-1: no bias)

    def to_json(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "in": list(self.in_shape),
            "out": list(self.out_shape),
            **self.params,
            "w": self.weight,
            "b": self.bias,
        }


@dataclass(frozen=True)
class DecoderSpec:
    """A decoder the browser can run: ``layers``, the packed float16 ``weights`` and a content
    ``hash`` (of both) that names them, so a browser that holds the weights can say so."""

    layers: tuple[Layer, ...]
    weights: np.ndarray  # (P,) float16 (see decoder_spec), read-only
    hash: str

    @property
    def latent_dim(self) -> int:
        return int(self.layers[0].in_shape[0])

    @property
    def out_shape(self) -> tuple[int, ...]:
        """(C, H, W) of the decoded image."""
        return self.layers[-1].out_shape

    def to_json(self) -> dict[str, Any]:
        """The layer list as JSON (small: the weights travel separately)."""
        return {
            "version": SPEC_VERSION,
            "latent_dim": self.latent_dim,
            "out": list(self.out_shape),
            "n_weights": int(self.weights.size),
            "layers": [layer.to_json() for layer in self.layers],
        }


@dataclass(frozen=True)
class Unsupported:
    """A decoder the browser cannot run: which layer (0-based ``position`` in the flattened list,
    its ``name``) and why, in a sentence a page can show."""

    position: int
    name: str
    reason: str

    @property
    def message(self) -> str:
        return f"Layer {self.position} ({self.name}) cannot run in the browser: {self.reason}"


def flatten(module: nn.Module) -> list[nn.Module]:
    """The leaf layers of nested ``nn.Sequential`` containers, in order."""
    if isinstance(module, nn.Sequential):
        return [leaf for child in module for leaf in flatten(child)]
    return [module]


def _pair(value: Any) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, int) else (int(value[0]), int(value[1]))


class _Packer:
    """Collects float32 arrays into one flat list and hands out their offsets."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []
        self.size = 0

    def add(self, tensor: Any) -> int:
        if tensor is None:
            return -1
        arr = tensor.detach().cpu().numpy().astype(np.float32).reshape(-1)
        offset = self.size
        self.parts.append(arr)
        self.size += arr.size
        return offset


def _conv_layer(m: nn.Module, shape: tuple[int, ...], packer: _Packer) -> Layer | str:
    """A Conv2d / ConvTranspose2d as a Layer, or the reason it cannot be one."""
    transpose = isinstance(m, nn.ConvTranspose2d)
    if len(shape) != 3:
        return f"it needs a (C, H, W) input, but gets {shape}"
    if m.groups != 1 or _pair(m.dilation) != (1, 1):
        return "only groups=1 and dilation=1 are supported"
    if getattr(m, "padding_mode", "zeros") != "zeros" or isinstance(m.padding, str):
        return "only explicit zero padding is supported"
    c, h, w = shape
    if c != m.in_channels:
        return f"it expects {m.in_channels} input channels, but gets {c}"
    (kh, kw), (sh, sw), (ph, pw) = _pair(m.kernel_size), _pair(m.stride), _pair(m.padding)
    if transpose:
        oph, opw = _pair(m.output_padding)
        ho, wo = (h - 1) * sh - 2 * ph + kh + oph, (w - 1) * sw - 2 * pw + kw + opw
    else:
        oph = opw = 0
        ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    if ho < 1 or wo < 1:
        return f"its output would be empty for a {h} x {w} input"
    params = {"k": [kh, kw], "stride": [sh, sw], "padding": [ph, pw]}
    if transpose:
        params["output_padding"] = [oph, opw]
    return Layer(
        op="convT" if transpose else "conv",
        in_shape=shape,
        out_shape=(m.out_channels, ho, wo),
        params=params,
        weight=packer.add(m.weight),
        bias=packer.add(m.bias),
    )


def _layer(m: nn.Module, shape: tuple[int, ...], packer: _Packer) -> Layer | str:
    """One torch layer as a Layer, or the reason it cannot be one."""
    if isinstance(m, nn.Linear):
        if len(shape) != 1 or shape[0] != m.in_features:
            return f"it expects {m.in_features} features, but gets {shape}"
        return Layer("linear", shape, (m.out_features,), {}, packer.add(m.weight), packer.add(m.bias))
    if type(m) is nn.GELU:
        return Layer("gelu", shape, shape, {"approximate": m.approximate})
    if type(m) in (nn.ReLU, nn.Sigmoid, nn.Tanh):
        return Layer(type(m).__name__.lower(), shape, shape)
    if type(m) is nn.Unflatten:
        size = tuple(int(s) for s in m.unflattened_size)
        if m.dim not in (1, -1) or len(shape) != 1 or len(size) != 3 or math.prod(size) != shape[0]:
            return f"only (features,) -> (C, H, W) is supported, not {shape} -> {size} at dim {m.dim}"
        return Layer("unflatten", shape, size)
    if type(m) in (nn.Conv2d, nn.ConvTranspose2d):
        return _conv_layer(m, shape, packer)
    return "the browser's decoder knows Linear, GELU, ReLU, Sigmoid, Tanh, Unflatten, Conv2d and ConvTranspose2d"


def decoder_spec(
    decoder: nn.Module, sigmoid: bool = True, dtype: type[np.floating] = np.float16
) -> DecoderSpec | Unsupported:
    """Describe ``decoder`` (then a sigmoid, if ``sigmoid``) for the browser, or say why not.

    Parameters
    ----------
    decoder
        An ``nn.Sequential`` (nested ones are flattened) whose first layer is an ``nn.Linear``
        taking the latent vector.
    sigmoid
        Append a sigmoid, as :meth:`vae_core.VAE.decode` does after the decoder's logits.
    dtype
        Of the packed weights: float16 for the browser, float32 to check the interpreter alone.

    Returns
    -------
    DecoderSpec
        When every layer is supported and the output is a (C, H, W) image with C = 1 or 3.
    Unsupported
        Otherwise: the first layer that is not, and why.
    """
    leaves = flatten(decoder)
    if not leaves or not isinstance(leaves[0], nn.Linear):
        name = type(leaves[0]).__name__ if leaves else "none"
        return Unsupported(0, name, "the first layer must be a Linear taking z")
    shape: tuple[int, ...] = (leaves[0].in_features,)
    packer = _Packer()
    layers: list[Layer] = []
    for position, m in enumerate(leaves):
        layer = _layer(m, shape, packer)
        if isinstance(layer, str):
            return Unsupported(position, type(m).__name__, layer)
        layers.append(layer)
        shape = layer.out_shape
    if sigmoid:
        layers.append(Layer("sigmoid", shape, shape))
    if len(shape) != 3 or shape[0] not in CHANNELS_DRAWABLE:
        return Unsupported(
            len(leaves) - 1, type(leaves[-1]).__name__, f"the output {shape} is not a 1- or 3-channel image"
        )
    weights = (np.concatenate(packer.parts) if packer.parts else np.zeros(0, np.float32)).astype(dtype)
    weights.setflags(write=False)
    layers_t = tuple(layers)
    digest = hashlib.sha256(json.dumps([layer.to_json() for layer in layers_t]).encode())
    digest.update(weights.tobytes())
    return DecoderSpec(layers=layers_t, weights=weights, hash=digest.hexdigest()[:16])


# ------------------------------------------------------------------------------ NumPy reference
_erf = np.vectorize(math.erf, otypes=[np.float64])


def _gelu(x: np.ndarray, approximate: str) -> np.ndarray:
    """GELU(x) = x Phi(x) (exact, with erf), or its tanh approximation."""
    if approximate == "tanh":
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _conv(x: np.ndarray, w: np.ndarray, stride: tuple[int, int], padding: tuple[int, int]) -> np.ndarray:
    """Cross-correlation of x (B, Cin, H, W) with w (Cout, Cin, kh, kw): (B, Cout, Ho, Wo)."""
    (sh, sw), (ph, pw) = stride, padding
    kh, kw = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho, wo = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    out = np.zeros((x.shape[0], w.shape[0], ho, wo))
    for ky in range(kh):
        for kx in range(kw):
            patch = xp[:, :, ky : ky + sh * (ho - 1) + 1 : sh, kx : kx + sw * (wo - 1) + 1 : sw]  # (B, Cin, Ho, Wo)
            out += np.einsum("bchw,oc->bohw", patch, w[:, :, ky, kx])
    return out


def _conv_transpose(
    x: np.ndarray, w: np.ndarray, stride: tuple[int, int], padding: tuple[int, int], out_pad: tuple[int, int]
) -> np.ndarray:
    """Transposed convolution as a scatter: every input pixel adds w (Cin, Cout, kh, kw) times
    its value at stride-spaced places of a full-size grid, which is then cropped by the padding."""
    (sh, sw), (ph, pw) = stride, padding
    b, _, h, wd = x.shape
    kh, kw = w.shape[2:]
    full = np.zeros((b, w.shape[1], (h - 1) * sh + kh + out_pad[0], (wd - 1) * sw + kw + out_pad[1]))
    for ky in range(kh):
        for kx in range(kw):
            contrib = np.einsum("bchw,co->bohw", x, w[:, :, ky, kx])
            full[:, :, ky : ky + sh * (h - 1) + 1 : sh, kx : kx + sw * (wd - 1) + 1 : sw] += contrib
    return full[:, :, ph : full.shape[2] - ph, pw : full.shape[3] - pw]


def run_spec(spec: DecoderSpec, z: np.ndarray) -> np.ndarray:
    """Decode z (d,) or (B, d) by interpreting ``spec`` in float64 NumPy: (C, H, W) or (B, C, H, W)."""
    z = np.asarray(z, dtype=np.float64)
    single = z.ndim == 1
    x = z.reshape(1, -1) if single else z
    wts = spec.weights.astype(np.float64)

    def arr(offset: int, shape: tuple[int, ...]) -> np.ndarray:
        return wts[offset : offset + math.prod(shape)].reshape(shape)

    for layer in spec.layers:
        p = layer.params
        if layer.op == "linear":
            (n_in,), (n_out,) = layer.in_shape, layer.out_shape
            x = x @ arr(layer.weight, (n_out, n_in)).T + (arr(layer.bias, (n_out,)) if layer.bias >= 0 else 0.0)
        elif layer.op in ("conv", "convT"):
            cin, cout, (kh, kw) = layer.in_shape[0], layer.out_shape[0], p["k"]
            stride, padding = tuple(p["stride"]), tuple(p["padding"])
            if layer.op == "conv":
                x = _conv(x, arr(layer.weight, (cout, cin, kh, kw)), stride, padding)
            else:
                x = _conv_transpose(
                    x, arr(layer.weight, (cin, cout, kh, kw)), stride, padding, tuple(p["output_padding"])
                )
            if layer.bias >= 0:
                x = x + arr(layer.bias, (cout,))[None, :, None, None]
        elif layer.op == "gelu":
            x = _gelu(x, p["approximate"])
        elif layer.op == "relu":
            x = np.maximum(x, 0.0)
        elif layer.op == "sigmoid":
            x = 1.0 / (1.0 + np.exp(-x))
        elif layer.op == "tanh":
            x = np.tanh(x)
        elif layer.op == "unflatten":
            x = x.reshape(x.shape[0], *layer.out_shape)
        else:
            raise ValueError(f"unknown layer {layer.op!r}")
    return x[0] if single else x
