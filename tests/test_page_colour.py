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
    assert box.value == colour_package_dir.name
    shown = [o for o in box.options if o.startswith(colour_package_dir.name)]  # marked by its health verdict
    assert box.proto.default == box.options.index(shown[0])  # a remount keeps it
    assert any("300 colour images at 32 px" in c.value for c in at.sidebar.caption)


# ------------------------------------------------------------------------------ colour uploads
def _red_shirt() -> bytes:
    """A red T-shape on white, as a PNG (RGB)."""
    import io

    import numpy as np
    from PIL import Image

    img = np.full((80, 60, 3), 255, np.uint8)
    img[10:70, 18:42] = (200, 20, 20)
    img[10:25, 5:55] = (200, 20, 20)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return buf.getvalue()


def test_a_colour_upload_on_explore_loads_its_code(colour_package_dir: Path, data_dir: Path, monkeypatch):
    import numpy as np
    from streamlit.testing.v1 import AppTest

    from ui.explore.state import round_z
    from vae_core import ModelPackage
    from vae_core.upload import prepare_image

    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(colour_package_dir))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.file_uploader(key="explore.upload.file").set_value(("red.png", _red_shirt(), "image/png")).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    pkg = ModelPackage.load(colour_package_dir)
    prepared = prepare_image(_red_shirt(), invert=False, size=32, channels=3)  # the uploader's "keep" default
    expected = round_z(pkg.encode(prepared.image[None])[0][0])[0]
    np.testing.assert_allclose(at.session_state["explore.z"], expected, atol=1e-9)
    shown = [im.proto.imgs[0].caption for im in at.get("image") if im.proto.imgs[0].caption]
    assert "your garment, as the model sees it" in shown and "the model's reconstruction" in shown
    assert any("the 32 x 32 colour images of its catalogue" in c.value for c in at.caption)


def test_a_colour_upload_on_interpolate_becomes_b(colour_package_dir: Path, data_dir: Path, monkeypatch):
    at = run_page(ROOT / "pages" / "interpolate.py", colour_package_dir, data_dir, monkeypatch)
    at.radio(key="interp.B.source").set_value("upload").run()
    at.file_uploader(key="interp.B.upload.file").set_value(("red.png", _red_shirt(), "image/png")).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any(m.value == "your upload" for m in at.markdown)
    given = [im for im in at.get("image") if im.proto.imgs[0].caption == "given"]
    assert len(given) == 2  # A and the upload as B, each a (S, S, 3) picture


# ------------------------------------------------------------------------------ health everywhere
def test_explore_warns_on_a_collapsed_package_only(colour_package_dir: Path, data_dir: Path, tmp_path, monkeypatch):
    import shutil

    from tests.test_package_health import set_verdict
    from ui.common.text import plain

    for verdict in ("collapsed", "healthy"):
        copy = Path(shutil.copytree(colour_package_dir, tmp_path / verdict))
        health = set_verdict(copy, verdict)
        at = run_page(ROOT / "pages" / "explore.py", copy, data_dir, monkeypatch)
        notices = [w.value for w in at.warning if "This catalogue's model is" in w.value]
        if verdict == "collapsed":
            assert len(notices) == 1 and "**This catalogue's model is collapsed.**" in notices[0]
            assert plain(notices[0]) == (
                f"**This catalogue's model is collapsed.** {health.reason} {health.advice} "
                "The Model page shows what it learned."
            )
        else:
            assert notices == []


def test_the_picker_marks_weak_and_collapsed_packages(colour_package_dir: Path, tmp_path, monkeypatch):
    import shutil

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.test_package_health import set_verdict

    packages = tmp_path / "packages"
    for name, verdict in (("dead", "collapsed"), ("fine", "healthy"), ("meh", "weak")):
        set_verdict(Path(shutil.copytree(colour_package_dir, packages / name)), verdict)
    monkeypatch.setenv("LATENT_ATELIER_PACKAGES", str(packages))
    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(colour_package_dir))
    st.cache_data.clear()  # a listing cached for 10 s by an earlier run of this process
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["package"] = "dead"
    at.run()
    assert not at.exception, at.exception
    box = at.sidebar.selectbox(key="app.package")
    assert box.options == ["fashion-mnist-vae", "dead · collapsed", "fine", "meh · weak"]
    assert box.value == "dead"
    assert any(c.value.startswith("**collapsed: the model learned almost nothing**") for c in at.sidebar.caption)


def test_the_z_json_names_the_package_it_came_from(colour_package_dir: Path):
    from ui.explore.view import package_identity
    from vae_core import ModelPackage
    from vae_core.package.format import sha256_file

    identity = package_identity(ModelPackage.load(colour_package_dir))
    assert identity["package"] == "my-garments"
    assert identity["package_fingerprint"] == sha256_file(colour_package_dir / "checksums.sha256")
