"""One name per latent dimension (ui/common/dims.py), the same on every page: the Explore page's
sliders, the Model page's KL chart and traversal grid, and the Latent map's mu and sigma chart."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from conftest import pad_element, run_page
from conftest import plotly_array as _array

from ui.common.dims import dim_name, dim_names

PAGES = Path(__file__).resolve().parent.parent / "pages"


def test_dimensions_are_named_from_one():
    assert dim_name(0) == "z1" and dim_name(9) == "z10" and dim_name(np.int64(7)) == "z8"
    assert dim_names(3) == ["z1", "z2", "z3"] and dim_names(0) == []


def _charts(at) -> dict[str, dict]:
    return {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def test_the_same_dimension_has_the_same_name_on_every_page(tiny_package_dir, data_dir, monkeypatch, pkg):
    kl = pkg.kl_per_dim
    top, low = int(np.argmax(kl)), int(np.argmin(kl))
    expected = {d: f"z{d + 1}" for d in range(pkg.latent_dim)}  # Explore's sliders have always counted from 1

    explore = run_page(PAGES / "explore.py", tiny_package_dir, data_dir, monkeypatch)
    sliders = json.loads(pad_element(explore, "explore.pad").proto.mixed.json)["sliders"]
    explore_names = {s["dim"]: s["name"] for s in sliders}
    assert explore_names == expected
    assert sliders[0]["label"] == expected[top]  # the most used first (its nats in the expert view only)

    model = _charts(run_page(PAGES / "model.py", tiny_package_dir, data_dir, monkeypatch))
    bars = model["model.kl"]["data"][0]
    assert dict(enumerate(bars["x"])) == expected
    assert bars["x"][int(np.argmax(_array(bars["y"])))] == expected[top]
    rows = model["model.traversal"]["layout"]["yaxis"]["ticktext"]
    assert rows[0].split(" ·")[0] == expected[top] and rows[-1].split(" ·")[0] == expected[low]

    latent_map = run_page(PAGES / "latent_map.py", tiny_package_dir, data_dir, monkeypatch)
    latent_map.text_input(key="map.find").input("#5").run()
    posterior = _charts(latent_map)["map.posterior"]["data"][0]
    assert dict(enumerate(posterior["x"])) == expected
    np.testing.assert_allclose(_array(posterior["y"]), pkg.mu[5], rtol=1e-5)
