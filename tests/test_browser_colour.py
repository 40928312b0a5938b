"""The Explore page in headless Chromium with a colour package picked by ``?package=NAME``:
the garment is a colour image at the package's size and the neighbours carry its class names."""

from __future__ import annotations

import base64
import io
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, start_streamlit, wait_for_app
from PIL import Image

from vae_core.model.synthetic import CLASSES

pytestmark = pytest.mark.browser

GARMENT = '.st-key-explore-garment [data-testid="stImage"] img'
NEIGHBOUR_CAPTIONS = ".st-key-explore-neighbours .la-caption"


def test_explore_shows_a_colour_package(page, colour_package_dir: Path, data_dir: Path):
    env = {"LATENT_ATELIER_PACKAGES": str(colour_package_dir.parent), "LATENT_ATELIER_DATA_DIR": str(data_dir)}
    proc, url = start_streamlit(ROOT / "app.py", env)
    try:
        page.goto(f"{url}/?package={colour_package_dir.name}")
        page.wait_for_selector(GARMENT, timeout=120_000)
        wait_for_app(page)
        page.wait_for_selector(NEIGHBOUR_CAPTIONS, timeout=60_000)
        src = page.eval_on_selector(GARMENT, "im => im.currentSrc || im.src")
        assert src.startswith("data:image/png;base64,")
        garment = np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))))
        assert garment.shape == (32, 32, 3)
        captions = page.locator(NEIGHBOUR_CAPTIONS).all_inner_texts()
        assert captions and all(any(c in text for c in CLASSES) for text in captions)
        assert page.locator('[data-testid="stException"]').count() == 0 and page.errors == []
        shots = os.environ.get("LATENT_ATELIER_SCREENSHOTS")
        if shots:
            page.screenshot(path=str(Path(shots) / "explore-colour.png"), full_page=True)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
