"""The Explore page in headless Chromium with a colour package picked by ``?package=NAME``:
the pad draws a colour garment at the package's size and the neighbours carry its class names."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, served, wait_for_app

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
        page.wait_for_function(f"() => Number(document.querySelector('{GARMENT}').dataset.frames || 0) > 0")
        got = page.locator(GARMENT).evaluate(_READ_CANVAS)
        garment = np.array(got["px"], dtype=np.uint8).reshape(got["h"], got["w"], 4)[..., :3]
        assert garment.shape == (32, 32, 3)
        assert np.abs(garment[..., 0].astype(int) - garment[..., 2]).max() > 20  # not grey
        captions = page.locator(NEIGHBOUR_CAPTIONS).all_inner_texts()
        assert captions and all(any(c in text for c in CLASSES) for text in captions)
        assert page.locator('[data-testid="stException"]').count() == 0 and page.errors == []
        shots = os.environ.get("LATENT_ATELIER_SCREENSHOTS")
        if shots:
            page.screenshot(path=str(Path(shots) / "explore-colour.png"), full_page=True)
