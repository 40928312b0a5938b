"""Every page renders a colour, 32-px package (trained from an image folder) without exception,
and the sidebar's picker lists packages from ``$LATENT_ATELIER_PACKAGES`` and follows ``?package=``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, run_page

PAGES = ["explore.py", "interpolate.py", "latent_map.py", "model.py"]


@pytest.mark.parametrize("page", PAGES)
def test_colour_package_renders_every_page(page: str, colour_package_dir: Path, data_dir: Path, monkeypatch):
    at = run_page(ROOT / "pages" / page, colour_package_dir, data_dir, monkeypatch)
    assert not at.exception
    assert not [e.value for e in at.error], [e.value for e in at.error]


def test_picker_lists_and_selects_a_package(colour_package_dir: Path, data_dir: Path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from vae_core.package.registry import list_packages

    monkeypatch.setenv("LATENT_ATELIER_PACKAGES", str(colour_package_dir.parent))
    names = [p.name for p in list_packages()]
    assert names[0] == "fashion-mnist-vae" and colour_package_dir.name in names
    info = next(p for p in list_packages() if p.name == colour_package_dir.name)
    assert (info.n_items, info.channels, info.image_size, info.has_images) == (300, 3, 32, True)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["package"] = colour_package_dir.name
    at.run()
    assert not at.exception, at.exception
    box = at.sidebar.selectbox(key="app.package")
    assert box.value == colour_package_dir.name and colour_package_dir.name in box.options
    assert box.proto.default == box.options.index(colour_package_dir.name)  # a remount keeps it
    assert any("300 colour images at 32 px" in c.value for c in at.sidebar.caption)
