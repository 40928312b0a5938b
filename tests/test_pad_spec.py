"""The latent pad's Python side without a browser: the decoder's layer list (checked by the
NumPy interpreter against ``ModelPackage.decode`` and torch), unsupported layers, and the exact
likelihood tracks behind the sliders (against the direct log q formula, item by item)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from ui.common.pad.decoder_spec import DecoderSpec, Unsupported, decoder_spec, flatten, run_spec
from vae_core import ModelPackage
from vae_core.latent.guides import TrackIndex, likelihood_tracks, track_percentiles, track_positions
from vae_core.latent.likelihood import log_q


@pytest.fixture(scope="module")
def shipped(shipped_package_dir: Path) -> ModelPackage:
    return ModelPackage.load(shipped_package_dir)


def corners(d: int, a: float, rng: np.random.Generator, n: int) -> np.ndarray:
    """n corners of the cube [-a, a]^d (random signs), the first two all -a and all +a."""
    signs = rng.choice([-1.0, 1.0], size=(n, d))
    signs[0], signs[1] = -1.0, 1.0
    return a * signs


def test_shipped_decoder_layer_list(shipped):
    spec = decoder_spec(shipped.model.decoder)
    assert isinstance(spec, DecoderSpec)
    ops = [layer.op for layer in spec.layers]
    assert ops == ["linear", "gelu", "linear", "gelu", "unflatten", "convT", "gelu", "conv", "gelu", "convT", "sigmoid"]
    shapes = [layer.out_shape for layer in spec.layers]
    assert shapes[0] == (512,) and shapes[4] == (64, 7, 7) and shapes[5] == (32, 14, 14) and shapes[-1] == (1, 28, 28)
    assert spec.layers[5].params == {"k": [4, 4], "stride": [2, 2], "padding": [1, 1], "output_padding": [0, 0]}
    assert spec.layers[7].params == {"k": [3, 3], "stride": [1, 1], "padding": [1, 1]}
    n_params = sum(p.numel() for p in shipped.model.decoder.parameters())
    assert spec.weights.dtype == np.float16 and spec.weights.size == n_params == spec.to_json()["n_weights"]
    assert spec.latent_dim == 10 and spec.out_shape == (1, 28, 28)
    assert len(spec.hash) == 16 and spec.hash == decoder_spec(shipped.model.decoder).hash


def test_float32_layer_list_equals_the_model(shipped, rng):
    """The interpreter alone (float32 weights) reproduces ModelPackage.decode to rounding."""
    spec = decoder_spec(shipped.model.decoder, dtype=np.float32)
    z = rng.normal(size=(16, 10)) * 2.0
    np.testing.assert_allclose(run_spec(spec, z)[:, 0], shipped.decode(z), atol=1e-5, rtol=0)


def test_float16_weights_are_within_1e3_of_the_model(shipped, rng):
    spec = decoder_spec(shipped.model.decoder)
    z = rng.normal(size=(64, 10))
    err = np.abs(run_spec(spec, z)[:, 0] - shipped.decode(z)).max()
    assert err <= 1e-3
    # at the corners of the default +-3 range the error is still well under 2 grey levels
    zc = corners(10, 3.0, rng, 16)
    assert np.abs(run_spec(spec, zc)[:, 0] - shipped.decode(zc)).max() <= 2 / 255
    assert run_spec(spec, z[0]).shape == (1, 28, 28)


def test_tiny_package_decoder(pkg, rng):
    spec = decoder_spec(pkg.model.decoder)
    assert isinstance(spec, DecoderSpec) and spec.layers[4].out_shape == (16, 7, 7)
    z = rng.normal(size=(8, pkg.latent_dim))
    assert np.abs(run_spec(spec, z)[:, 0] - pkg.decode(z)).max() <= 1e-3


def test_colour_rectangular_decoder(rng):
    """Colour output, tanh GELU, ReLU, Tanh, rectangular kernels, strides and output padding."""
    torch.manual_seed(0)
    decoder = nn.Sequential(
        nn.Linear(4, 8 * 3 * 5),
        nn.GELU(approximate="tanh"),
        nn.Unflatten(1, (8, 3, 5)),
        nn.Sequential(
            nn.ConvTranspose2d(8, 6, (3, 4), stride=(2, 3), padding=(1, 0), output_padding=(1, 2)), nn.ReLU()
        ),
        nn.Conv2d(6, 5, (3, 2), stride=(1, 2), padding=(1, 1), bias=False),
        nn.Tanh(),
        nn.ConvTranspose2d(5, 3, 4, stride=2, padding=1),
    )
    spec = decoder_spec(decoder, dtype=np.float32)
    assert isinstance(spec, DecoderSpec)
    z = rng.normal(size=(5, 4))
    with torch.no_grad():
        want = torch.sigmoid(decoder(torch.tensor(z, dtype=torch.float32))).numpy()
    assert spec.out_shape == want.shape[1:] and want.shape[1] == 3 and want.shape[2] != want.shape[3]
    np.testing.assert_allclose(run_spec(spec, z), want, atol=1e-5, rtol=0)
    assert [layer.op for layer in spec.layers][-2:] == ["convT", "sigmoid"]
    assert spec.layers[4].bias == -1  # no bias


def test_nested_sequentials_are_flattened(shipped):
    assert len(flatten(shipped.model.decoder)) == 10


@pytest.mark.parametrize(
    ("decoder", "position", "name", "words"),
    [
        (
            nn.Sequential(nn.Linear(2, 8), nn.Unflatten(1, (2, 2, 2)), nn.BatchNorm2d(2)),
            2,
            "BatchNorm2d",
            "knows Linear",
        ),
        (
            nn.Sequential(nn.Linear(2, 8), nn.Unflatten(1, (4, 1, 2)), nn.Conv2d(4, 2, 1, groups=2)),
            2,
            "Conv2d",
            "groups",
        ),
        (nn.Sequential(nn.Linear(2, 8), nn.Unflatten(1, (2, 2, 2))), 1, "Unflatten", "not a 1- or 3-channel image"),
        (nn.Sequential(nn.Linear(2, 8), nn.Linear(9, 3)), 1, "Linear", "expects 9 features"),
        (nn.Sequential(nn.Conv2d(1, 1, 1)), 0, "Conv2d", "first layer must be a Linear"),
        (
            nn.Sequential(nn.Linear(2, 8), nn.Unflatten(1, (2, 2, 2)), nn.Conv2d(2, 1, 3, padding="same")),
            2,
            "Conv2d",
            "padding",
        ),
    ],
)
def test_unsupported_layers_are_named(decoder, position, name, words):
    got = decoder_spec(decoder)
    assert isinstance(got, Unsupported)
    assert (got.position, got.name) == (position, name)
    assert words in got.reason and got.message.startswith(f"Layer {position} ({name}) cannot run in the browser")


def test_hash_follows_the_weights(pkg):
    spec = decoder_spec(pkg.model.decoder)
    decoder = torch.nn.Sequential(*flatten(pkg.model.decoder))  # the same modules
    assert decoder_spec(decoder).hash == spec.hash
    copy = torch.nn.Sequential(*[__import__("copy").deepcopy(m) for m in flatten(pkg.model.decoder)])
    with torch.no_grad():
        copy[0].bias[0] += 1.0
    assert decoder_spec(copy).hash != spec.hash


def brute_force_tracks(mu: np.ndarray, logvar: np.ndarray, z: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Every item scored by the direct formula at every slider position."""
    out = np.empty((len(z), len(positions)))
    for j in range(len(z)):
        for k, t in enumerate(positions):
            zz = z.copy()
            zz[j] = t
            out[j, k] = log_q(zz, mu, logvar).max()
    return out


@pytest.mark.parametrize("scale", [0.0, 1.0, 2.5])
def test_likelihood_tracks_equal_brute_force(pkg, rng, scale):
    z = rng.normal(size=pkg.latent_dim) * scale
    positions = track_positions(3.0)
    got = likelihood_tracks(pkg.index.rows_, z, positions)
    want = brute_force_tracks(pkg.mu, pkg.logvar, z, positions)
    assert got.shape == (pkg.latent_dim, 61)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_likelihood_tracks_on_the_shipped_catalogue(shipped, rng):
    """60,000 items, an item's own mean (sharp peaks) and two positions grids."""
    z = shipped.mu[123].astype(np.float64)
    index = TrackIndex(shipped.index.rows_)  # laid out once, reused for every z (as the page does)
    for positions in (track_positions(3.0), track_positions(8.0, 17)):
        want = brute_force_tracks(shipped.mu, shipped.logvar, z, positions)
        np.testing.assert_allclose(likelihood_tracks(shipped.index.rows_, z, positions), want, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(likelihood_tracks(index, z, positions), want, rtol=1e-9, atol=1e-9)
    with pytest.raises(ValueError, match="for a 3-dimensional z"):
        likelihood_tracks(index, z[:3], track_positions(3.0))


def test_likelihood_tracks_from_concurrent_sessions(shipped, rng):
    """One index serves every session: calls in progress at once never share work arrays."""
    from concurrent.futures import ThreadPoolExecutor

    index = TrackIndex(shipped.index.rows_)
    zs = [rng.normal(size=shipped.latent_dim) * scale for scale in (0.5, 1.0, 2.0) for _ in range(4)]
    positions = track_positions(3.0)
    want = [likelihood_tracks(shipped.index.rows_, z, positions) for z in zs]  # each its own index
    with ThreadPoolExecutor(6) as pool:
        got = list(pool.map(lambda z: likelihood_tracks(index, z, positions), zs * 3))
    for i, tracks in enumerate(got):
        np.testing.assert_array_equal(tracks, want[i % len(zs)])


def test_track_percentiles_are_the_typicality_badge(pkg, rng):
    z = rng.normal(size=pkg.latent_dim)
    positions = track_positions(2.0, 5)
    pct = track_percentiles(likelihood_tracks(pkg.index.rows_, z, positions), pkg.typicality_ref)
    for j, k in [(0, 0), (1, 2), (pkg.latent_dim - 1, 4)]:
        zz = z.copy()
        zz[j] = positions[k]
        assert pct[j, k] == pytest.approx(pkg.typicality(zz), abs=1e-9)
    assert pct.min() >= 0 and pct.max() <= 100


@pytest.mark.parametrize("scale", [0.5, 3.0])
def test_direction_tracks_equal_brute_force(pkg, rng, scale):
    """The envelope along arbitrary directions equals scoring every item at every position."""
    from vae_core.latent.guides import direction_tracks

    z = rng.normal(size=pkg.latent_dim) * scale
    dirs = rng.normal(size=(3, pkg.latent_dim)) * np.array([[1.0], [0.01], [50.0]])  # lengths do not matter
    positions = track_positions(3.0, 25)
    got = direction_tracks(pkg.index.rows_, z, dirs, positions)
    v = dirs / np.linalg.norm(dirs, axis=1, keepdims=True)
    brute = np.array([[pkg.index.log_q(z + t * vj).max() for t in positions] for vj in v])
    np.testing.assert_allclose(got, brute, rtol=1e-9, atol=1e-9)
    # along an axis, a direction track is the slider's own track, shifted to t = 0 at z
    axis = np.eye(pkg.latent_dim)[[2]]
    along_axis = direction_tracks(pkg.index.rows_, z, axis, positions)[0]
    np.testing.assert_allclose(along_axis, likelihood_tracks(pkg.index.rows_, z, positions + z[2])[2], rtol=1e-9)
