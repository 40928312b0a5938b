"""A user's catalogue in a real Chromium (issue 20, item 1): chosen by link, it stays the catalogue
of every page the sidebar switches to (the link, the page's caption and a neighbour's picture all
belong to it), and "Open in Explore" on the Latent map opens the garment of that catalogue."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, served, wait_for_app

from vae_core import ModelPackage

pytestmark = pytest.mark.browser

NEIGHBOUR_TILES = ".st-key-explore-neighbours .la-tile"
_TILE_PIXELS = """img => {
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  return {w: c.width, h: c.height, px: Array.from(g.getImageData(0, 0, c.width, c.height).data)};
}"""


def _switch(page, title: str) -> None:
    """Click a page in the sidebar's navigation, as a user does, and wait for it to run."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    slug = "" if title == "Explore" else title.lower().replace(" ", "_")  # Explore is the default page: /
    page.wait_for_url(re.compile(rf"//[^/]+/{slug}(\?|$)"), timeout=60_000)
    wait_for_app(page)
    page.wait_for_function("() => /[?&]package=shop\\b/.test(location.search)", timeout=30_000)


def _first_neighbour(page) -> tuple[int, str, np.ndarray]:
    tile = page.locator(NEIGHBOUR_TILES).first
    tile.locator("img").wait_for(timeout=60_000)
    caption = tile.locator(".la-caption").inner_text()
    index = int(re.match(r"#(\d+)", caption).group(1))
    got = tile.locator("img").evaluate(_TILE_PIXELS)
    pixels = np.array(got["px"], dtype=np.uint8).reshape(got["h"], got["w"], 4)[..., :3]
    return index, caption, pixels


def test_a_chosen_catalogue_survives_sidebar_page_switches(page, tmp_path, colour_package_dir: Path, data_dir):
    folder = tmp_path / "packages"
    shutil.copytree(colour_package_dir, folder / "shop")
    shop = ModelPackage.load(folder / "shop")
    env = {"LATENT_ATELIER_PACKAGES": str(folder), "LATENT_ATELIER_DATA_DIR": str(data_dir)}
    with served(ROOT / "app.py", env) as url:
        page.goto(f"{url}/?package=shop")
        wait_for_app(page)
        page.wait_for_selector(NEIGHBOUR_TILES, timeout=120_000)

        _switch(page, "Latent map")
        caption = page.get_by_text(re.compile(r"^Every one of the [\d,]+ training garments")).first
        caption.wait_for(timeout=120_000)
        assert caption.inner_text().startswith("Every one of the 300 training garments")  # not the shipped 60,000
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "300 colour images at 32 px" in sidebar  # the picker's caption describes the shop

        _switch(page, "Model")
        _switch(page, "Explore")
        index, text, pixels = _first_neighbour(page)
        assert pixels.shape == (32, 32, 3)  # the shop's 32-px colour garments, not 28-px grey ones
        assert shop.class_names[int(shop.labels[index])] in text
        assert np.abs(pixels.astype(int) - shop.images([index])[0]).max() <= 1  # its own picture

        _switch(page, "Latent map")  # and "Open in Explore" there opens the shop's garment
        find = page.locator(".st-key-map-find input").first
        find.fill("5")
        find.press("Enter")
        page.get_by_role("button", name="Open in Explore").click()
        page.wait_for_url(re.compile(r"//[^/]+/(\?|$)"), timeout=60_000)
        wait_for_app(page)
        name = shop.class_names[int(shop.labels[5])]
        page.get_by_text(re.compile(rf"item #5 \({re.escape(name)}\)")).first.wait_for(timeout=60_000)
        assert re.search(r"[?&]package=shop\b", page.url)
        assert page.locator('[data-testid="stException"]').count() == 0 and page.errors == []
