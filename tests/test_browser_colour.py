"""The Explore page in headless Chromium with a colour package picked by ``?package=NAME``:
the pad draws a colour garment at the package's size and the neighbours carry its class names."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, served, wait_for_app
from playwright.sync_api import expect

from vae_core import ModelPackage
from vae_core.images import to_uint8
from vae_core.model.synthetic import CLASSES

pytestmark = pytest.mark.browser

GARMENT = ".st-key-explore-pad canvas.la-pad-garment"
_READ_CANVAS = """c => ({
  w: c.width, h: c.height, px: Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data),
})"""
NEIGHBOUR_CAPTIONS = ".st-key-explore-neighbours .la-caption"


def test_explore_shows_a_colour_package(page, colour_package_dir: Path, data_dir: Path):
    env = {"LATENT_ATELIER_PACKAGES": str(colour_package_dir.parent), "LATENT_ATELIER_DATA_DIR": str(data_dir)}
    with served(ROOT / "app.py", env) as url:
        page.goto(f"{url}/?package={colour_package_dir.name}")
        page.wait_for_selector(GARMENT, state="visible", timeout=120_000)
        wait_for_app(page)
        page.wait_for_selector(NEIGHBOUR_CAPTIONS, timeout=60_000)
        # the pad decodes the colour package in the browser: a 32 x 32 garment in colour
        expect(page.locator(GARMENT)).to_have_attribute("data-frames", re.compile(r"^[1-9]"), timeout=60_000)
        got = page.locator(GARMENT).evaluate(_READ_CANVAS)
        garment = np.array(got["px"], dtype=np.uint8).reshape(got["h"], got["w"], 4)[..., :3]
        assert garment.shape == (32, 32, 3)
        # the browser's colour garment for the link's z (all zeros) is the server's, to 2/255
        pkg = ModelPackage.load(colour_package_dir)
        expected = to_uint8(pkg.decode(np.zeros(pkg.latent_dim)))
        assert expected.shape == (32, 32, 3)
        assert np.abs(garment.astype(int) - expected).max() <= 2
        captions = page.locator(NEIGHBOUR_CAPTIONS).all_inner_texts()
        assert captions and all(any(c in text for c in CLASSES) for text in captions)
        assert page.locator('[data-testid="stException"]').count() == 0 and page.errors == []
        shots = os.environ.get("LATENT_ATELIER_SCREENSHOTS")
        if shots:
            page.screenshot(path=str(Path(shots) / "explore-colour.png"), full_page=True)
